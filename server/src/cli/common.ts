// What every php-leak subcommand shares.
import * as path from 'path';
import { parseArgs, type ParseArgsConfig } from 'util';
import { detectProfile, DiskWorkspace, DEFAULT_SETTINGS, PROFILE_SETTINGS, type ProfileDecision, type ProfileSetting } from '../engine';

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

/** `--runtime`, as `php-leak scan` and `php-leak import-leak-log` take it (the engine's list). */
export const RUNTIME_VALUES = PROFILE_SETTINGS;

export function runtimeOption(value: string | undefined): ProfileSetting {
  return oneOf<ProfileSetting>('runtime', value, RUNTIME_VALUES, 'auto');
}

/**
 * The runtime profile of files under `root`, decided as `php-leak scan` decides it: the
 * setting when it names one, else detected from composer.json / composer.lock, .rr.yaml, code
 * that starts a long-running server, a php-fpm pool file (php-fpm when nothing says
 * otherwise). One decision per folder; the workspace is listed only when auto needs it.
 */
export function profileDecider(setting: ProfileSetting, root: string): (file: string) => ProfileDecision {
  let workspace: DiskWorkspace | undefined;
  const byDir = new Map<string, ProfileDecision>();
  return (file) => {
    const dir = path.dirname(file);
    let d = byDir.get(dir);
    if (!d) {
      if (setting === 'auto') {
        workspace ??= new DiskWorkspace({ roots: [root], include: [...DEFAULT_SETTINGS.include], exclude: [...DEFAULT_SETTINGS.exclude], maxFileSize: DEFAULT_SETTINGS.maxFileSize });
      }
      d = detectProfile(setting, dir, root, undefined, workspace);
      byDir.set(dir, d);
    }
    return d;
  };
}
