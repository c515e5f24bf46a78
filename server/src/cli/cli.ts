// php-leak: the engine from the command line.
//   php-leak scan [paths…] [--format text|json|sarif] [--runtime auto|fpm|long-running]
//                 [--fail-on error|warning|never] [--rule id=severity]… [--output FILE]
// Each subcommand is a module (./scan.ts, …) registered in COMMANDS below.
// Exit codes: 0 success / nothing reached --fail-on, 1 findings (or a measured leak), 2 bad usage or internal error.
import { packageVersion } from '../engine';
import { UsageError, type CliIo, type Command } from './common';
import { runScan, scanCommand } from './scan';
import { measureCommand } from './measure';
import { valgrindCommand } from './valgrind';
import { importLeakLogCommand } from './importLeakLog';

export type { CliIo } from './common';

export const COMMANDS: Record<string, Command> = {
  scan: scanCommand,
  measure: measureCommand,
  valgrind: valgrindCommand,
  'import-leak-log': importLeakLogCommand,
};

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'Usage: php-leak <command> [options]',
    '',
    'Finds memory leaks in PHP C extensions, PHP code and PHP configuration files.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'php-leak <command> --help' for a command's options.",
    '',
    COMMANDS.scan.usage,
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const first = argv[0];
    if (first === undefined) throw new UsageError('missing command (try: php-leak scan .)');
    if (first === '-h' || first === '--help') {
      io.stdout(mainUsage());
      return 0;
    }
    if (first === '-v' || first === '--version') {
      io.stdout(`${packageVersion()}\n`);
      return 0;
    }
    // `php-leak --list-rules` (and other scan options before any command) go to scan.
    if (first.startsWith('-')) return await runScan(argv, io);
    const command = COMMANDS[first];
    if (!command) throw new UsageError(`unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await command.run(argv.slice(1), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`php-leak: ${e.message}\n`);
      if (e.showHint) io.stderr(`Run 'php-leak --help' for usage.\n`);
      return 2;
    }
    io.stderr(`php-leak: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

/**
 * A reader that went away (`php-leak scan --format sarif | head -1`) is not an error: the
 * rest of the output is dropped and the exit code stays the scan's, without a stack trace.
 * Other write errors are reported once on stderr and exit 2.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream, name: string, onOtherError: (e: NodeJS.ErrnoException) => void): { closed: () => boolean } {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (e.code !== 'EPIPE') onOtherError(Object.assign(e, { message: `${name}: ${e.message}` }));
  });
  return { closed: () => closed };
}

if (require.main === module) {
  const out = quietOnClosedPipe(process.stdout, 'standard output', (e) => {
    if (!err.closed()) process.stderr.write(`php-leak: cannot write to ${e.message}\n`);
    process.exitCode = 2;
  });
  const err = quietOnClosedPipe(process.stderr, 'standard error', () => {});
  // Set exitCode instead of calling process.exit(): a large report written to a pipe must be flushed.
  main(process.argv.slice(2), {
    stdout: (s) => {
      if (!out.closed()) process.stdout.write(s);
    },
    stderr: (s) => {
      if (!err.closed()) process.stderr.write(s);
    },
    cwd: process.cwd(),
    isTTY: !!process.stderr.isTTY,
  }).then(
    (code) => {
      // A failed write to stdout (other than a closed pipe) already set 2.
      if (process.exitCode !== 2) process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`php-leak: internal error: ${e}\n`);
      process.exitCode = 2;
    },
  );
}
