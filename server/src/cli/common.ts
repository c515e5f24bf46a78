// What every php-leak subcommand shares.
import { parseArgs, type ParseArgsConfig } from 'util';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  isTTY: boolean;
}

/** Bad usage: reported as one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showHint = true,
  ) {
    super(message);
  }
}

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

/** A subcommand: `php-leak <name> …`. */
export interface Command {
  /** One line for `php-leak --help`. */
  summary: string;
  /** Its own usage text (`php-leak <name> --help`). */
  usage: string;
  /** argv after the command name; returns the exit code. Throws UsageError for bad usage. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** util.parseArgs (strict), with its errors turned into one-line UsageErrors. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
}

/** `php-leak cmd [own options] -- [a command line]`: the two halves (the second empty without `--`). */
export function splitAtDoubleDash(argv: string[]): { own: string[]; rest: string[] } {
  const dash = argv.indexOf('--');
  return dash >= 0 ? { own: argv.slice(0, dash), rest: argv.slice(dash + 1) } : { own: argv, rest: [] };
}
