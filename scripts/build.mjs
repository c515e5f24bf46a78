// Bundles the client, the language server and the CLI into dist/ with esbuild,
// and copies the tree-sitter WebAssembly files beside them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  // The CommonJS build of web-tree-sitter: its ESM build needs import.meta.url, which a CJS bundle lacks.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' },
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js' }),
  // The workspace scan's analysis worker (worker_threads), started by the server and the CLI.
  esbuild.build({ ...common, entryPoints: ['server/src/scanpool/worker.ts'], outfile: 'dist/scan-worker.js' }),
  esbuild.build({
    ...common,
    entryPoints: ['server/src/cli/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync(join(dist, 'cli.js'), 0o755);

const wtsDir = dirname(require.resolve('web-tree-sitter'));
copyFileSync(join(wtsDir, 'web-tree-sitter.wasm'), join(dist, 'web-tree-sitter.wasm'));
copyFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), join(dist, 'tree-sitter-c.wasm'));
copyFileSync(join(root, 'server/src/runtime/harness.php'), join(dist, 'harness.php')); // php-leak measure --script
console.log('built dist/extension.js, dist/server.js, dist/scan-worker.js, dist/cli.js and the tree-sitter wasm files');
