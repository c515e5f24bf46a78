// What every php-leak subcommand shares.

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
