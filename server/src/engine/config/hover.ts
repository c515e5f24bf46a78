// Hovers on configuration keys that do not come from a finding: what a key
// bounds, what it does not, its default, and — with a workspace — which file's
// value wins when several set it.
import * as path from 'path';
import { describeOrigin, effectiveSetting, stackRootOf } from './effective';
import { parseIni } from './ini';
import { keyDoc, keyDocMarkdown, rrKeyDoc, swooleKeyDoc, webmanKeyDoc, type KeyDoc } from './keys';
import { arrayItems, isWebmanProcessConfig, isWebmanServerConfig, item, returnedArray, swooleServers, type ArrayItem } from './phpConfig';
import { parseYaml } from './yaml';
import { phpAstOf, type PhpNode } from '../php/parse';
import { RR_POOLS } from './roadrunner';
import { hyperfServer } from './swoole';
import { LineIndex, mdCode } from '../text';
import type { RuleContext, SourceDocument, WorkspaceView } from '../types';

/** The "effective value" lines of a php.ini key's hover, from the workspace's other files. */
export function effectiveLines(doc: SourceDocument, key: string, workspace: WorkspaceView | undefined): string[] {
  if (/^php\.ini-/i.test(path.basename(doc.path))) {
    return ['This file is a template PHP never reads (copy it to `php.ini` to use it).'];
  }
  if (!workspace || !stackRootOf(doc.path)) return [];
  const eff = effectiveSetting(workspace, doc.path, doc.text, key);
  if (!eff || !eff.winner) return [];
  const others = eff.sources.filter((s) => s.file !== doc.path);
  if (!others.length) return [];
  const rel = (f: string) => {
    const r = path.relative(eff.root, f);
    return r && !r.startsWith('..') ? r : f;
  };
  const w = eff.winner;
  const mine = w.file === doc.path;
  return [
    `**Effective value:** ${mdCode(w.value)} from ${mdCode(rel(w.file))} line ${w.entry.line + 1} (${describeOrigin(w)})${mine ? ' — this file wins' : ' — this file is overridden'}.`,
    `Set in (PHP's loading order: php.ini, conf.d/*.ini alphabetically, pool php_value/php_admin_value, .user.ini; php_admin_value cannot be overridden):\n${eff.sources
      .map((s) => `- ${mdCode(rel(s.file))} line ${s.entry.line + 1}: ${mdCode(s.value)} (${describeOrigin(s)})`)
      .join('\n')}`,
  ];
}

function describeIni(doc: SourceDocument, offset: number, workspace?: WorkspaceView): string | undefined {
  const entry = parseIni(doc.text).entries.find((e) => offset >= e.keyStart && offset <= e.valueEnd);
  if (!entry) return undefined;
  const key = entry.iniKey ?? entry.key;
  if (entry.directive === 'env') return undefined;
  const d = keyDoc(key);
  if (!d) return undefined;
  const extra = d.where === 'php.ini' ? effectiveLines(doc, key, workspace) : [];
  return keyDocMarkdown(d, entry.value, extra);
}

function describeYaml(doc: SourceDocument, offset: number): string | undefined {
  if (!/(^|[\\/])\.?rr([.-][\w.-]+)?\.ya?ml$/i.test(doc.path)) return undefined;
  const y = parseYaml(doc.text);
  const hits = y.entries.filter((e) => offset >= e.keyStart && offset <= (e.map ? e.keyEnd : e.valueEnd));
  const entry = hits.sort((a, b) => b.path.length - a.path.length)[0];
  if (!entry) return undefined;
  const dotted = entry.path.join('.');
  for (const { pool } of RR_POOLS) {
    if (!dotted.startsWith(pool + '.')) continue;
    const d = rrKeyDoc(dotted.slice(pool.length + 1));
    if (d) return keyDocMarkdown(d, entry.map ? undefined : String(entry.valueText ?? ''), [`In ${mdCode(pool)}.`]);
  }
  return undefined;
}

function within(n: PhpNode | undefined, offset: number): boolean {
  return !!n?.loc && offset >= n.loc.start.offset && offset <= n.loc.end.offset;
}

function describeItems(items: ArrayItem[], offset: number, doc: SourceDocument, docOf: (key: string) => KeyDoc | undefined): string | undefined {
  for (const it of items) {
    if (!it.key || !within(it.keyNode, offset)) continue;
    const d = docOf(it.key);
    if (!d) continue;
    const v = it.value.loc ? doc.text.slice(it.value.loc.start.offset, it.value.loc.end.offset) : undefined;
    return keyDocMarkdown(d, v);
  }
  return undefined;
}

function describePhp(doc: SourceDocument, offset: number): string | undefined {
  const isWebmanProcess = isWebmanProcessConfig(doc.path);
  const isWebmanServer = isWebmanServerConfig(doc.path);
  if (!isWebmanProcess && !isWebmanServer && !/swoole|hyperf/i.test(doc.text)) return undefined;
  const cache = new Map<string, unknown>();
  const ctx = {
    doc,
    profile: 'long-running',
    lines: new LineIndex(doc.text),
    shared<T>(key: string, produce: () => T): T {
      if (!cache.has(key)) cache.set(key, produce());
      return cache.get(key) as T;
    },
  } as RuleContext;
  const hyperf = hyperfServer(ctx);
  if (hyperf) {
    return hyperf.settings ? describeItems(arrayItems(hyperf.settings.arr), offset, doc, swooleKeyDoc) : undefined;
  }
  if (isWebmanProcess || isWebmanServer) {
    const r = returnedArray(phpAstOf(ctx).program);
    if (!r) return undefined;
    if (isWebmanServer) return describeItems(arrayItems(r.arr), offset, doc, (k) => webmanKeyDoc(k, 'server'));
    for (const p of arrayItems(r.arr)) {
      const ctor = p.value.kind === 'array' ? item(p.value, 'constructor') : undefined;
      const opts = ctor?.value.kind === 'array' ? item(ctor.value, 'options') : undefined;
      if (opts?.value.kind === 'array') {
        const md = describeItems(arrayItems(opts.value), offset, doc, (k) => webmanKeyDoc(k, 'process'));
        if (md) return md;
      }
    }
    return undefined;
  }
  for (const s of swooleServers(ctx)) {
    for (const arr of s.settings) {
      if (!within(arr, offset)) continue;
      const md = describeItems(arrayItems(arr), offset, doc, swooleKeyDoc);
      if (md) return md;
    }
  }
  return undefined;
}

/**
 * Markdown for the configuration key at `offset`, or undefined: php.ini and
 * php-fpm keys (with the effective value over the workspace's files), .rr.yaml
 * pool keys, Swoole/Hyperf settings and webman monitor/server keys.
 */
export function describeConfigAt(doc: SourceDocument, offset: number, workspace?: WorkspaceView): string | undefined {
  switch (doc.language) {
    case 'ini':
    case 'php-fpm-conf':
      return describeIni(doc, offset, workspace);
    case 'yaml':
      return describeYaml(doc, offset);
    case 'php':
      return describePhp(doc, offset);
    default:
      return undefined;
  }
}
