// php-leak valgrind: runs php under valgrind's memcheck and reports the lost memory that was
// allocated in the workspace's C sources, as findings (text, JSON or SARIF).
import * as fs from 'fs';
import * as path from 'path';
import { formatRuntimeFindings } from '../runtime/report';
import { runValgrind } from '../runtime/valgrind';
import { groupDigits } from '../runtime/stats';
import { oneOf, parseOptions, splitAtDoubleDash, UsageError, type CliIo, type Command } from './common';

export const VALGRIND_USAGE = `Usage: php-leak valgrind [options] -- php [php args] script.php [script args]

Runs the command under valgrind (memcheck, --leak-check=full) with USE_ZEND_ALLOC=0 (Zend's
allocator off, so emalloc is malloc and visible) and ZEND_DONT_UNLOAD_MODULES=1 (extension
symbols kept for the stack traces), and reports "definitely lost" and "indirectly lost"
memory allocated in the C sources under --root (runtime-valgrind-leak findings).
Build the extension with -g (and -O0) so frames have file and line.

Options:
  --root DIR                   the workspace whose C sources findings map to (default: the current folder)
  --format text|json|sarif     output format (default: text)
  --output FILE                write the report to FILE instead of standard output
  --log FILE                   also keep valgrind's own log in FILE
  --timeout SECONDS            kill valgrind after this long (default: 300)
  --valgrind PATH              the valgrind binary (default: valgrind)
  -h, --help                   show this help

Exit codes: 0 nothing lost in the workspace's sources, 1 leaks found, 2 bad usage or an error.
`;

export async function runValgrindCommand(argv: string[], io: CliIo): Promise<number> {
  const { own, rest: command } = splitAtDoubleDash(argv);
  const { values } = parseOptions({
    args: own,
    allowPositionals: false,
    options: {
      root: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      log: { type: 'string' },
      timeout: { type: 'string' },
      valgrind: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(VALGRIND_USAGE);
    return 0;
  }
  const format = oneOf('format', values.format, ['text', 'json', 'sarif'] as const, 'text');
  if (!command.length) throw new UsageError('give the command after --, e.g. php-leak valgrind -- php -d extension=./modules/x.so test.php');
  const root = path.resolve(io.cwd, values.root ?? '.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`--root: no such folder: ${values.root}`, false);
  let timeoutSec: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSec = Number(values.timeout);
    if (!/^\d+$/.test(values.timeout) || timeoutSec < 1 || timeoutSec > 3600) throw new UsageError('--timeout expects 1..3600 seconds');
  }
  let result;
  try {
    result = await runValgrind({ command, root, cwd: io.cwd, valgrind: values.valgrind, timeoutSec });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), false);
  }
  if (values.log) fs.writeFileSync(path.resolve(io.cwd, values.log), result.log);
  const { definitely, indirectly } = result.summary;
  io.stderr(
    `php-leak: valgrind: ${groupDigits(definitely)} bytes definitely, ${groupDigits(indirectly)} indirectly, ${groupDigits(result.summary.possibly)} possibly lost in all; ` +
      `${result.findings.length} site${result.findings.length === 1 ? '' : 's'} in ${root} (php exited with ${result.exitCode})\n`,
  );
  const report = formatRuntimeFindings(result.findings, format, io.cwd);
  if (values.output) fs.writeFileSync(path.resolve(io.cwd, values.output), report);
  else io.stdout(report);
  return result.findings.length ? 1 : 0;
}

export const valgrindCommand: Command = {
  summary: 'run php under valgrind and report leaks in your C sources',
  usage: VALGRIND_USAGE,
  run: runValgrindCommand,
};
