import * as path from 'path';
import { tryReadFileSync } from './fileDoor';
import { decodeText } from './scan';
import { forEachChild, parsePhp, type PhpNode } from './php/parse';
import { PROFILES, type Profile, type ProfileSetting, type WorkspaceView } from './types';

export interface ProfileDecision {
  profile: Profile;
  /**
   * Why, after the profile's display name (`php-fpm (…)`), so it never repeats the profile;
   * markdown: file names are code spans. Shown in the status bar tooltip, hovers and the CLI.
   */
  reason: string;
}

/**
 * A file name in a reason, as a code span: the reason is shown as markdown (hovers, the status
 * bar's tooltip), where a bare `www.conf` would become a link to http://www.conf.
 */
function fileName(name: string): string {
  return `\`${name.replace(/\\/g, '/')}\``;
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

/** Profile files are small: a composer.lock over 8 MiB is not read. */
const PROFILE_FILE_MAX = 8 * 1024 * 1024;

/** Reads through the file door: no link followed, regular files only, capped on the read, inside `root`. */
const doorRead =
  (root: string | undefined): ReadFile =>
  (file) => {
    const buf = tryReadFileSync(file, { maxBytes: PROFILE_FILE_MAX, root });
    return buf === undefined ? undefined : decodeText(buf);
  };

/** At most this many PHP files are looked at for code signals (per workspace folder). */
export const MAX_SIGNAL_FILES = 2000;

/** Classes whose construction starts a long-running server, by fully qualified name (lower case). */
const SERVER_CLASSES: Record<string, string> = {
  'swoole\\server': 'Swoole',
  'swoole\\http\\server': 'Swoole',
  'swoole\\websocket\\server': 'Swoole',
  'swoole\\coroutine\\http\\server': 'Swoole',
  'openswoole\\server': 'Swoole',
  'openswoole\\http\\server': 'Swoole',
  'openswoole\\websocket\\server': 'Swoole',
  'workerman\\worker': 'Workerman',
  'react\\http\\httpserver': 'ReactPHP',
  'react\\http\\server': 'ReactPHP',
  'amp\\http\\server\\sockethttpserver': 'AMPHP',
};

/**
 * The long-running runtime a PHP file's code starts, if any (a pure function of
 * its text): `new Swoole\Http\Server(…)` (also through `use`), `new
 * Workerman\Worker`, a RoadRunner `while ($req = $worker->waitRequest())` loop,
 * `frankenphp_handle_request(…)`, a ReactPHP or AMPHP HTTP server. Decided on the
 * php-parser AST; a cheap substring test first skips the files that cannot match.
 */
export function codeSignalOf(text: string): string | undefined {
  // Cheap skip before parsing (most files): none of the distinctive names appears. Case-sensitive on
  // purpose: /amp/i would match "timestamp" and "example" and parse half of a Symfony tree.
  if (!/[Ss]woole|Workerman|waitRequest|frankenphp_handle_request|React\\Http|Amp\\Http/.test(text)) return undefined;
  const { program } = parsePhp(text);
  if (!program) return undefined;
  const aliases = new Map<string, string>(); // short name (lower) -> fully qualified (lower)
  const resolve = (n: PhpNode | undefined): string | undefined => {
    if (!n || n.kind !== 'name' || typeof n.name !== 'string') return undefined;
    const name = n.name.replace(/^\\/, '').toLowerCase();
    if (n.resolution === 'fqn') return name;
    const [head, ...rest] = name.split('\\');
    const full = aliases.get(head);
    return full ? [full, ...rest].join('\\') : name;
  };
  const stack: PhpNode[] = [program];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.kind === 'useitem' && typeof node.name === 'string') {
      const full = node.name.replace(/^\\/, '').toLowerCase();
      const alias = (node.alias?.name as string | undefined)?.toLowerCase() ?? full.split('\\').pop()!;
      aliases.set(alias, full);
    } else if (node.kind === 'new') {
      const runtime = SERVER_CLASSES[resolve(node.what) ?? ''];
      if (runtime) return runtime;
    } else if (node.kind === 'staticlookup' && resolve(node.what) === 'amp\\http\\server\\sockethttpserver') {
      return 'AMPHP';
    } else if (node.kind === 'call' && node.what?.kind === 'name' && resolve(node.what) === 'frankenphp_handle_request') {
      return 'FrankenPHP worker mode';
    } else if (node.kind === 'while' || node.kind === 'do') {
      const test = node.test?.kind === 'assign' ? node.test.right : node.test;
      if (test?.kind === 'call' && test.what?.kind === 'propertylookup' && test.what.offset?.name === 'waitRequest') return 'RoadRunner';
    }
    // In document order, so `use` imports are known before the code that relies on them.
    const children: PhpNode[] = [];
    forEachChild(node, (c) => children.push(c));
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

function under(file: string, dir: string | undefined): boolean {
  if (!dir) return true;
  const d = path.resolve(dir);
  return file === d || file.startsWith(d + path.sep);
}

/** Code signals of the workspace folder's PHP files (per-file facts; cached per folder until a file changes). */
function fromCode(ws: WorkspaceView, folder: string | undefined): ProfileDecision | undefined {
  const hit = ws.shared(`profile.code:${folder ?? ''}`, () => {
    let seen = 0;
    // under(file, folder), with the folder resolved once (not once per file of the workspace).
    const d = folder ? path.resolve(folder) : undefined;
    const prefix = d !== undefined ? d + path.sep : undefined;
    for (const file of ws.files('php')) {
      if (d !== undefined && file !== d && !file.startsWith(prefix!)) continue;
      if (++seen > MAX_SIGNAL_FILES) break;
      const signal = ws.fileFact('profile.codeSignal', file, codeSignalOf);
      if (signal) return { signal, file };
    }
    return undefined;
  });
  if (!hit) return undefined;
  return { profile: 'long-running', reason: `${hit.signal} (started in ${fileName(folder ? path.relative(folder, hit.file) || path.basename(hit.file) : hit.file)})` };
}

/** `.rr.yaml` (RoadRunner's configuration) from `dir` up to `stopDir`. */
function fromRoadRunnerConfig(start: string, stopDir: string | undefined, read: ReadFile, ws?: WorkspaceView): ProfileDecision | undefined {
  const names = ['.rr.yaml', '.rr.yml', '.rr.dev.yaml', '.rr.prod.yaml'];
  let dir = path.resolve(start);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (let depth = 0; depth < 32; depth++) {
    for (const n of names) if (read(path.join(dir, n)) !== undefined) return { profile: 'long-running', reason: `RoadRunner (${fileName(n)} found)` };
    if (!stop || dir === stop || !dir.startsWith(stop)) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (ws) {
    for (const f of ws.files('yaml')) {
      if (under(f, stopDir) && /^\.rr(\.[\w-]+)?\.ya?ml$/.test(path.basename(f))) return { profile: 'long-running', reason: `RoadRunner (${fileName(path.basename(f))} found)` };
    }
  }
  return undefined;
}

/**
 * The runtime profile for a file in `dir`. The setting wins; under 'auto':
 * the nearest composer.json (from `dir` up to `stopDir`, the workspace folder)
 * through its require / require-dev, then the composer.lock next to it (its
 * non-dev packages), a RoadRunner `.rr.yaml`, code that starts a long-running
 * server in the folder's PHP files (needs `workspace`), and finally a php-fpm
 * pool file in the workspace; php-fpm is the default.
 */
export function detectProfile(
  setting: ProfileSetting,
  dir: string | undefined,
  stopDir?: string,
  readFile?: ReadFile,
  workspace?: WorkspaceView,
): ProfileDecision {
  const read = readFile ?? doorRead(stopDir);
  const named = PROFILES.find((p) => p === setting);
  if (named) return { profile: named, reason: 'set by phpLeak.runtime' };
  const composer = dir ? nearestComposer(dir, stopDir, read) : undefined;
  if (composer?.decision.profile === 'long-running') return composer.decision;
  if (composer) {
    const lock = fromComposerLock(read(path.join(composer.dir, 'composer.lock')));
    if (lock) return lock;
  }
  const rr = dir ? fromRoadRunnerConfig(dir, stopDir, read, workspace) : undefined;
  if (rr) return rr;
  if (workspace) {
    const code = fromCode(workspace, stopDir);
    if (code) return code;
    const pool = workspace.files('php-fpm-conf').find((f) => under(f, stopDir));
    if (pool && !composer) return { profile: 'fpm', reason: `pool configuration ${fileName(stopDir ? path.relative(stopDir, pool) : pool)} found` };
  }
  if (composer) return composer.decision;
  return { profile: 'fpm', reason: `no long-running runtime found in ${fileName('composer.json')}: php-fpm assumed` };
}

/** composer.lock's installed (non-dev) packages: transitive dependencies count too. */
function fromComposerLock(lock: string | undefined): ProfileDecision | undefined {
  if (lock === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(lock);
  } catch {
    return undefined;
  }
  const pkgs = (json as { packages?: unknown })?.packages;
  if (!Array.isArray(pkgs)) return undefined;
  for (const p of pkgs) {
    const name = typeof p?.name === 'string' ? p.name : '';
    for (const [pattern, runtime] of LONG_RUNNING_PACKAGES) {
      if (pattern.test(name)) return { profile: 'long-running', reason: `${runtime} (${fileName('composer.lock')} installs ${name})` };
    }
  }
  return undefined;
}

function nearestComposer(start: string, stopDir: string | undefined, read: ReadFile): { decision: ProfileDecision; dir: string } | undefined {
  let dir = path.resolve(start);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (let depth = 0; depth < 32; depth++) {
    const composer = read(path.join(dir, 'composer.json'));
    if (composer !== undefined) return { decision: fromComposerJson(composer), dir };
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
    return { profile: 'fpm', reason: `${fileName('composer.json')} is not valid JSON: php-fpm assumed` };
  }
  if (json && typeof json === 'object') {
    const j = json as Record<string, unknown>;
    const names = [j.require, j['require-dev']]
      .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x))
      .flatMap((x) => Object.keys(x));
    for (const name of names) {
      for (const [pattern, runtime] of LONG_RUNNING_PACKAGES) {
        if (pattern.test(name)) {
          return { profile: 'long-running', reason: `${runtime} (${fileName('composer.json')} requires ${name})` };
        }
      }
    }
  }
  return { profile: 'fpm', reason: `${fileName('composer.json')} requires no long-running runtime: php-fpm assumed` };
}
