// php-leak import-leak-log: a debug build's leak report (also inside a php-fpm error log)
// as findings on the workspace's C sources.
import * as fs from 'fs';
import * as path from 'path';
import { leakLogFindings, parseLeakLog } from '../runtime/leaklog';
import { formatRuntimeFindings } from '../runtime/report';
import { SourceIndex } from '../runtime/sources';
import { profileDisplayName } from '../engine';
import { oneOf, parseOptions, profileDecider, runtimeOption, UsageError, type CliIo, type Command } from './common';

export const IMPORT_LEAK_LOG_USAGE = `Usage: php-leak import-leak-log FILE [options]

Reads the leak report a debug build of PHP (--enable-debug) prints at the end of a request
("file.c(27) :  Freeing 0x… (N bytes), script=…", "Last leak repeated N times",
"=== Total N memory leaks detected ==="), also when it comes through a php-fpm error log
("… WARNING: [pool www] child 123 said into stderr: \\"…\\""), and reports the lines of the
C sources under --root where the blocks were allocated (runtime-debug-leak findings).
FILE may be - for standard input.

The runtime profile decides their severity, as for php-leak scan: a warning under php-fpm
(PHP frees request memory at the end of each request), an error in a long-running runtime
(Swoole, webman, RoadRunner, Octane: the request never ends, the block is never freed).

Options:
  --root DIR                   the workspace whose C sources findings map to (default: the current folder)
  --runtime auto|fpm|long-running
                               runtime profile (default: auto, from composer.json)
  --format text|json|sarif     output format (default: text)
  --output FILE                write the report to FILE instead of standard output
  -h, --help                   show this help

Exit codes: 0 no leak in the workspace's sources, 1 leaks found, 2 bad usage or an error.
`;

export async function runImportLeakLog(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      runtime: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(IMPORT_LEAK_LOG_USAGE);
    return 0;
  }
  const format = oneOf('format', values.format, ['text', 'json', 'sarif'] as const, 'text');
  const runtime = runtimeOption(values.runtime);
  if (positionals.length !== 1) throw new UsageError('give one log file (or - for standard input)');
  const root = path.resolve(io.cwd, values.root ?? '.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`--root: no such folder: ${values.root}`, false);
  let text: string;
  try {
    text = positionals[0] === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(path.resolve(io.cwd, positionals[0]), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${positionals[0]}: ${e instanceof Error ? e.message : String(e)}`, false);
  }
  const log = parseLeakLog(text);
  const decide = profileDecider(runtime, root);
  const findings = leakLogFindings(log, new SourceIndex(root), (file) => decide(file).profile);
  const blocks = log.leaks.reduce((a, l) => a + l.count, 0);
  // The profile(s) that decided the severity, with the reason when detected.
  const profiles = [...new Set(findings.map((f) => decide(f.path)).map((d) => (runtime === 'auto' ? `${profileDisplayName(d.profile)} (${d.reason})` : `${profileDisplayName(d.profile)} (--runtime)`)))];
  io.stderr(
    `php-leak: ${blocks} leaked block${blocks === 1 ? '' : 's'} in the log` +
      (log.reportedTotal ? ` (the build reported ${log.reportedTotal})` : '') +
      (log.fpmLines ? `, ${log.fpmLines} lines from php-fpm` : '') +
      `; ${findings.length} site${findings.length === 1 ? '' : 's'} in ${root}` +
      (profiles.length ? `; runtime profile ${profiles.join(', ')}` : '') +
      '\n',
  );
  const report = formatRuntimeFindings(findings, format, io.cwd, (file) => decide(file).profile);
  if (values.output) fs.writeFileSync(path.resolve(io.cwd, values.output), report);
  else io.stdout(report);
  return findings.length ? 1 : 0;
}

export const importLeakLogCommand: Command = {
  summary: "turn a debug build's leak report (or a php-fpm log holding one) into findings",
  usage: IMPORT_LEAK_LOG_USAGE,
  run: runImportLeakLog,
};
