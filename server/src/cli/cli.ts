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

if (require.main === module) {
  // Set exitCode instead of calling process.exit(): a large report written to a pipe must be flushed.
  main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    isTTY: !!process.stderr.isTTY,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`php-leak: internal error: ${e}\n`);
      process.exitCode = 2;
    },
  );
}
