import * as fs from 'fs';
import * as path from 'path';
import type { Profile, ProfileSetting } from './types';

export interface ProfileDecision {
  profile: Profile;
  /** Why: shown in the status bar tooltip, hovers and the CLI's verbose output. */
  reason: string;
}

/** Composer packages whose presence means requests run inside one long-lived PHP process. */
const LONG_RUNNING_PACKAGES: Array<[RegExp, string]> = [
  [/^workerman\/webman(-framework)?$/, 'webman'],
  [/^workerman\/workerman$/, 'workerman'],
  [/^(openswoole|swoole)\//, 'Swoole'],
  [/^hyperf\//, 'Hyperf'],
  [/^laravel\/octane$/, 'Laravel Octane'],
  [/^spiral\/roadrunner/, 'RoadRunner'],
  [/^react\/http$/, 'ReactPHP'],
  [/^amphp\/http-server$/, 'AMPHP'],
  [/^runtime\/frankenphp-symfony$/, 'FrankenPHP worker mode'],
];

type ReadFile = (file: string) => string | undefined;

const defaultRead: ReadFile = (file) => {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > 8 * 1024 * 1024) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The runtime profile for a file in `dir`. The setting wins; under 'auto', the
 * nearest composer.json (from `dir` up to `stopDir`, the workspace folder)
 * decides through its require / require-dev, and php-fpm is the default.
 */
export function detectProfile(
  setting: ProfileSetting,
  dir: string | undefined,
  stopDir?: string,
  read: ReadFile = defaultRead,
): ProfileDecision {
  if (setting === 'fpm') return { profile: 'fpm', reason: 'set by phpLeak.runtime' };
  if (setting === 'long-running') return { profile: 'long-running', reason: 'set by phpLeak.runtime' };
  const fromComposer = dir ? nearestComposer(dir, stopDir, read) : undefined;
  if (fromComposer) return fromComposer;
  return { profile: 'fpm', reason: 'no long-running runtime found in composer.json: php-fpm assumed' };
}

function nearestComposer(start: string, stopDir: string | undefined, read: ReadFile): ProfileDecision | undefined {
  let dir = path.resolve(start);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (let depth = 0; depth < 32; depth++) {
    const composer = read(path.join(dir, 'composer.json'));
    if (composer !== undefined) return fromComposerJson(composer);
    if (stop ? dir === stop || !dir.startsWith(stop) : false) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** The first composer.json found decides, whatever it says. */
function fromComposerJson(composer: string): ProfileDecision {
  let json: unknown;
  try {
    json = JSON.parse(composer);
  } catch {
    return { profile: 'fpm', reason: 'composer.json is not valid JSON: php-fpm assumed' };
  }
  if (json && typeof json === 'object') {
    const j = json as Record<string, unknown>;
    const names = [j.require, j['require-dev']]
      .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x))
      .flatMap((x) => Object.keys(x));
    for (const name of names) {
      for (const [pattern, runtime] of LONG_RUNNING_PACKAGES) {
        if (pattern.test(name)) {
          return { profile: 'long-running', reason: `${runtime} (composer.json requires ${name})` };
        }
      }
    }
  }
  return { profile: 'fpm', reason: 'composer.json requires no long-running runtime: php-fpm assumed' };
}
