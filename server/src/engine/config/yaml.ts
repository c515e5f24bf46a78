// YAML documents (RoadRunner's .rr.yaml) flattened to key paths with offsets,
// on top of the `yaml` package (pure JavaScript; offsets are string indices,
// the same UTF-16 unit as LineIndex). Never throws.
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type { RuleContext } from '../types';

export interface YamlEntry {
  /** Key path from the root, e.g. ['http', 'pool', 'max_jobs']. */
  path: string[];
  key: string;
  keyStart: number;
  keyEnd: number;
  /** A scalar's JavaScript value (string, number, boolean, null); undefined for maps and sequences. */
  value: unknown;
  /** The value's source text for scalars (unquoted content for quoted strings). */
  valueText?: string;
  valueStart: number;
  valueEnd: number;
  /** The value is a mapping; `block` when written as indented lines (not `{…}`). */
  map?: { block: boolean };
  /** Where the content of this pair ends (the last descendant's value end). */
  contentEnd: number;
}

export interface YamlDoc {
  entries: YamlEntry[];
  errors: string[];
  /** The entry at a dotted path, e.g. 'http.pool.max_jobs'. */
  get(path: string): YamlEntry | undefined;
  /** Direct children of a mapping entry ('' for the root). */
  children(path: string): YamlEntry[];
}

function rangeOf(node: YamlNode | null | undefined): [number, number] | undefined {
  const r = node && (node as { range?: [number, number, number] | null }).range;
  return r ? [r[0], r[1]] : undefined;
}

export function parseYaml(text: string): YamlDoc {
  const entries: YamlEntry[] = [];
  const errors: string[] = [];
  const walk = (node: unknown, prefix: string[]): number => {
    let end = -1;
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        end = Math.max(end, visitPair(item as Pair<unknown, unknown>, prefix));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const r = rangeOf(item as YamlNode);
        if (r) end = Math.max(end, r[1]);
        end = Math.max(end, walk(item, [...prefix, String(i)]));
      });
    }
    return end;
  };
  const visitPair = (pair: Pair<unknown, unknown>, prefix: string[]): number => {
    const k = pair.key;
    if (!isScalar(k)) return -1;
    const kr = rangeOf(k as YamlNode);
    if (!kr) return -1;
    const key = String(k.value);
    const path = [...prefix, key];
    const v = pair.value;
    const vr = rangeOf(v as YamlNode) ?? [kr[1], kr[1]];
    const entry: YamlEntry = { path, key, keyStart: kr[0], keyEnd: kr[1], value: undefined, valueStart: vr[0], valueEnd: vr[1], contentEnd: Math.max(kr[1], vr[1]) };
    if (isScalar(v)) {
      entry.value = v.value;
      entry.valueText = v.value === null || v.value === undefined ? '' : String(v.value);
    } else if (isMap(v)) {
      entry.map = { block: !(v as { flow?: boolean }).flow };
    }
    entries.push(entry);
    const inner = walk(v, path);
    if (isMap(v) && entry.map?.block) entry.contentEnd = Math.max(kr[1], inner);
    return entry.contentEnd;
  };
  try {
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
    for (const e of doc.errors) errors.push(e.message);
    walk(doc.contents, []);
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
  }
  const byPath = new Map<string, YamlEntry>();
  for (const e of entries) byPath.set(e.path.join('.'), e); // a repeated key: the last one wins, as in YAML loaders
  return {
    entries,
    errors,
    get: (p) => byPath.get(p),
    children: (p) => {
      const depth = p === '' ? 0 : p.split('.').length;
      return entries.filter((e) => e.path.length === depth + 1 && e.path.slice(0, depth).join('.') === p);
    },
  };
}

/** The document's YAML parse, shared by the rules. */
export function yamlOf(ctx: RuleContext): YamlDoc {
  return ctx.shared('config.yaml', () => parseYaml(ctx.doc.text));
}

/** A YAML scalar as a number (RoadRunner reads `max_jobs: "500"` too); undefined when not numeric. */
export function yamlNumber(e: YamlEntry | undefined): number | undefined {
  if (!e || e.map) return undefined;
  if (typeof e.value === 'number') return e.value;
  if (typeof e.value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(e.value)) return Number(e.value);
  return undefined;
}

/** Set through an environment variable (`${RR_MAX_JOBS}`): taken as set, value unknown. */
export function yamlFromEnv(e: YamlEntry | undefined): boolean {
  return !!e && typeof e.value === 'string' && /\$\{?\w+/.test(e.value);
}
