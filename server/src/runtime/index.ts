// Runtime proof: measured memory per request, valgrind and debug-build leak reports.
// No VS Code or LSP imports: the CLI (server/src/cli/) and the VS Code client both use these.
export * from './stats';
export * from './proc';
export * from './measure';
export * from './valgrind';
export * from './leaklog';
export * from './rules';
export * from './sources';
export * from './chart';
export * from './format';
export * from './report';
