// Which file's value of a php.ini setting wins, over the files of a workspace.
//
// PHP's order (later wins): php.ini, then the scan dir's *.ini in alphabetical
// order (conf.d/), then a php-fpm pool's php_value / php_admin_value (fpm
// only), then .user.ini (fpm/CGI, per directory). A php_admin_value cannot be
// overridden by .user.ini or ini_set(). php.ini-production / -development are
// templates PHP never reads; they are left out.
//
// Files are grouped into "stacks" by their SAPI folder: /etc/php/8.2/fpm holds
// php.ini, conf.d/ and pool.d/; /etc/php/8.2/cli is another stack. Two folders
// belong to one stack when one contains the other (the official Docker image:
// /usr/local/etc/php/php.ini with /usr/local/etc/php-fpm.d/www.conf).
import * as path from 'path';
import { parseIni, type IniEntry } from './ini';
import type { WorkspaceView } from '../types';

export type SettingOrigin = 'php.ini' | 'conf.d' | 'pool' | 'pool-admin' | 'user.ini';

export interface SettingSource {
  file: string;
  origin: SettingOrigin;
  entry: IniEntry;
  value: string;
}

export interface EffectiveSetting {
  /** Every file of the stack that sets the key, in PHP's loading order. */
  sources: SettingSource[];
  /** The one that wins (for fpm: the last of php.ini/conf.d/pool, with admin values beating .user.ini). */
  winner: SettingSource | undefined;
  /** The stack's folder. */
  root: string;
}

const ORDER: Record<SettingOrigin, number> = { 'php.ini': 0, 'conf.d': 1, pool: 2, 'pool-admin': 2, 'user.ini': 3 };

function isTemplate(file: string): boolean {
  return /^php\.ini-/i.test(path.basename(file));
}

/** The SAPI folder a configuration file belongs to, and what role it plays. */
export function stackRootOf(file: string): { root: string; origin: 'php.ini' | 'conf.d' | 'pool' | 'user.ini' } | undefined {
  const base = path.basename(file).toLowerCase();
  const dir = path.dirname(file);
  const dirName = path.basename(dir).toLowerCase();
  if (base === '.user.ini') return { root: dir, origin: 'user.ini' };
  if (base === 'php.ini') return { root: dir, origin: 'php.ini' };
  if (isTemplate(file)) return undefined;
  if (base.endsWith('.ini') && (dirName === 'conf.d' || dirName.endsWith('.d'))) return { root: path.dirname(dir), origin: 'conf.d' };
  if (base.endsWith('.ini')) return { root: dir, origin: 'conf.d' };
  if (base.endsWith('.conf')) {
    if (dirName === 'pool.d' || dirName === 'php-fpm.d') return { root: path.dirname(dir), origin: 'pool' };
    return { root: dir, origin: 'pool' };
  }
  return undefined;
}

function related(a: string, b: string): boolean {
  const rel = (x: string, y: string) => {
    const r = path.relative(x, y);
    return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
  };
  return rel(a, b) || rel(b, a);
}

/** The values a file gives `key` (several when a pool sets it twice, or in several sections). */
export function settingsIn(file: string, text: string, key: string): SettingSource[] {
  const where = stackRootOf(file);
  if (!where) return [];
  const out: SettingSource[] = [];
  for (const e of parseIni(text).entries) {
    if (where.origin === 'pool') {
      if (e.iniKey !== key || !e.directive || !e.directive.startsWith('php_')) continue;
      out.push({ file, origin: e.directive.includes('admin') ? 'pool-admin' : 'pool', entry: e, value: e.value });
    } else if (e.key === key) {
      out.push({ file, origin: where.origin, entry: e, value: e.value });
    }
  }
  return out;
}

/**
 * The effective value of `key` for the stack `file` belongs to, over the
 * workspace's files (and `file`'s own text, which may be unsaved).
 */
export function effectiveSetting(ws: WorkspaceView, file: string, text: string | undefined, key: string): EffectiveSetting | undefined {
  const me = stackRootOf(file);
  if (!me) return undefined;
  const files = new Set<string>([...ws.files('ini'), ...ws.files('php-fpm-conf')]);
  files.add(file);
  const sources: SettingSource[] = [];
  const userInis: SettingSource[] = [];
  for (const f of [...files].sort()) {
    const where = stackRootOf(f);
    if (!where) continue;
    if (where.origin === 'user.ini') {
      if (f !== file && me.origin === 'user.ini') continue; // a .user.ini's stack is the server's, plus itself
      const t = f === file && text !== undefined ? text : ws.read(f);
      if (t !== undefined) userInis.push(...settingsIn(f, t, key));
      continue;
    }
    if (me.origin !== 'user.ini' && !related(me.root, where.root)) continue;
    const t = f === file && text !== undefined ? text : ws.read(f);
    if (t === undefined) continue;
    sources.push(...settingsIn(f, t, key));
  }
  // .user.ini only matter under php-fpm/CGI: not for a CLI stack.
  const isCli = /(^|[\\/])cli$/i.test(me.root);
  if (!isCli) sources.push(...userInis);
  sources.sort((a, b) => ORDER[a.origin] - ORDER[b.origin] || (a.origin === 'conf.d' ? path.basename(a.file).localeCompare(path.basename(b.file)) : a.file.localeCompare(b.file)) || a.entry.line - b.entry.line);
  if (!sources.length) return { sources, winner: undefined, root: me.root };
  const admin = sources.filter((s) => s.origin === 'pool-admin').pop();
  const winner = admin && sources[sources.length - 1].origin === 'user.ini' ? admin : sources[sources.length - 1];
  return { sources, winner, root: me.root };
}

/**
 * The memory_limit a long-running CLI worker (RoadRunner, webman) starts with,
 * from the workspace's php.ini files: a CLI stack if there is one, else the
 * only stack. Undefined when the workspace has no php.ini that sets it.
 */
export function cliSetting(ws: WorkspaceView, key: string): SettingSource | undefined {
  const inis = ws.files('ini').filter((f) => {
    const w = stackRootOf(f);
    return w && (w.origin === 'php.ini' || w.origin === 'conf.d');
  });
  if (!inis.length) return undefined;
  const roots = [...new Set(inis.map((f) => stackRootOf(f)!.root))];
  const cli = roots.filter((r) => /(^|[\\/])cli$/i.test(r));
  const chosen = cli.length ? cli : roots.length === 1 ? roots : roots.filter((r) => !/(^|[\\/])(fpm|apache2|cgi)$/i.test(r));
  if (chosen.length !== 1) return undefined;
  const root = chosen[0];
  const sources: SettingSource[] = [];
  for (const f of inis) {
    const w = stackRootOf(f)!;
    if (w.root !== root) continue;
    const t = ws.read(f);
    if (t !== undefined) sources.push(...settingsIn(f, t, key));
  }
  sources.sort((a, b) => ORDER[a.origin] - ORDER[b.origin] || path.basename(a.file).localeCompare(path.basename(b.file)) || a.entry.line - b.entry.line);
  return sources.pop();
}

export function describeOrigin(s: SettingSource): string {
  switch (s.origin) {
    case 'php.ini':
      return 'php.ini';
    case 'conf.d':
      return 'scan-dir .ini (alphabetical, after php.ini)';
    case 'pool':
      return 'pool php_value (after the .ini files)';
    case 'pool-admin':
      return 'pool php_admin_value (cannot be overridden)';
    case 'user.ini':
      return '.user.ini (per directory, last)';
  }
}
