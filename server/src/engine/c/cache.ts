// Per-function results kept across analyses of a document, so a keystroke
// re-analyses only the function it touched.
//
// A unit's analysis (ownership.ts) reads its own syntax tree and, outside it:
// the summaries of the functions it calls (same file, then the workspace), the
// same-file macros it expands (and, through `known`, more summaries), and the
// file's globals. An entry is keyed by the unit's text and header (kind, name,
// parameters, static), and records every one of those outside reads with the
// answer it got; it is reused only when the same questions get the same answers
// now. The result is stored without syntax nodes: each node the result refers to
// is kept as its range relative to the function body's start (plus its type and
// its rank among the nodes of that exact range), and found again in the new tree
// on reuse, so an edit above the function, which shifts it, still hits. A result
// that refers to a node outside the body's tree (a macro's parsed body) is not
// cached.
import { Node } from 'web-tree-sitter';
import type { MacroContext } from './cfg';
import type { MacroTable } from './macros';
import type { FunctionSummary, SummaryLookup, UnitAnalysis } from './ownership';
import { caching, forgetPreviousTrees } from './parser';
import { clearCalleeCache, type FunctionUnit } from './units';

const MAX_ENTRIES = 4000;
/** Rough bytes (UTF-16 text of the keys plus ~48 bytes per stored value). */
const MAX_BYTES = 48 * 1024 * 1024;

interface Entry {
  summaries: Array<[string, string]>;
  macros: Array<[string, string]>;
  globals: Array<[string, boolean]>;
  data: unknown;
  bytes: number;
}

const entries = new Map<string, Entry>();
let bytes = 0;
/** Documents analysed recently: the cache serves (and stores) only a document's second and later analyses. */
const recentDocs = new Map<string, true>();
const MAX_RECENT_DOCS = 64;

export const cacheStats = { hits: 0, misses: 0, uncacheable: 0, stale: 0 };

/**
 * Forgets every cached function result, the trees kept for incremental parsing and
 * the callee sets: the next analysis of every document is a cold one.
 */
export function clearCFunctionCache(): void {
  entries.clear();
  bytes = 0;
  recentDocs.clear();
  forgetPreviousTrees();
  clearCalleeCache();
  cacheStats.hits = cacheStats.misses = cacheStats.uncacheable = cacheStats.stale = 0;
}

/**
 * Runs `work` as a cold analysis would (no cached function, no incremental parse, no cached
 * callee sets) without disturbing the caches: the tests compare the two.
 */
export function withoutCFunctionCache<T>(work: () => T): T {
  const was = caching.off;
  caching.off = true;
  try {
    return work();
  } finally {
    caching.off = was;
  }
}

/** Whether the analysis of this document uses the cache: from its second analysis on (a scan analyses a file once). */
export function cacheServes(doc: string): boolean {
  if (caching.off) return false;
  const seen = recentDocs.delete(doc);
  recentDocs.set(doc, true);
  if (recentDocs.size > MAX_RECENT_DOCS) recentDocs.delete(recentDocs.keys().next().value!);
  return seen;
}

const summaryText = (s: FunctionSummary | undefined): string => (s ? JSON.stringify(s) : '');

export function unitKey(u: FunctionUnit): string {
  const ptr = u.pointerParams ? [...u.pointerParams].join(',') : '-';
  return `${u.kind}${u.lifecycleOnly ? "/setup" : ""}\u0000${u.name}\u0000${u.macro ?? ''}\u0000${u.params.join(',')}\u0000${ptr}\u0000${u.isStatic}\u0000${u.body.text}`;
}

/** What one unit's analysis asked outside its own text, and the answers. */
export class Recorder {
  readonly summaries = new Map<string, string>();
  readonly macros = new Map<string, string>();
  readonly globals = new Map<string, boolean>();
  readonly lookup: SummaryLookup;
  readonly globalSet: { has(name: string): boolean };
  readonly macroCtx: MacroContext;

  constructor(lookup: SummaryLookup, readonly table: MacroTable, globals: ReadonlySet<string>) {
    this.lookup = (name) => {
      const s = lookup(name);
      if (!this.summaries.has(name)) this.summaries.set(name, summaryText(s));
      return s;
    };
    this.globalSet = {
      has: (name) => {
        const r = globals.has(name);
        this.globals.set(name, r);
        return r;
      },
    };
    const seen = (name: string) => {
      if (!this.macros.has(name)) this.macros.set(name, table.signature(name));
    };
    this.macroCtx = {
      table: {
        has: (name) => (seen(name), table.has(name)),
        expand: (name, args, interesting) => (seen(name), table.expand(name, args, interesting)),
      },
      known: (name) => !!this.lookup(name),
    };
  }
}

class Uncacheable extends Error {}

/** Stores a unit's result (no-op when it refers to nodes it cannot find again). */
export function store(key: string, ua: UnitAnalysis, rec: Recorder): void {
  const body = ua.unit.body;
  let count = 0;
  let data: unknown;
  try {
    const objects = new Map<object, number>();
    const freeze = (v: unknown): unknown => {
      count++;
      if (v === null || typeof v !== 'object') {
        if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw new Uncacheable();
        return v;
      }
      if (v instanceof Node) return freezeNode(body, rec.table, v);
      if (Array.isArray(v)) return v.map(freeze);
      if (v instanceof Map) return { $m: [...v].map(([k, x]) => [freeze(k), freeze(x)]) };
      if (v instanceof Set) return { $s: [...v].map(freeze) };
      if (Object.getPrototypeOf(v) !== Object.prototype) throw new Uncacheable();
      const idx = objects.get(v);
      if (idx !== undefined) return { $r: idx };
      objects.set(v, objects.size);
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = freeze(x);
      return { $o: o };
    };
    // The unit is the new tree's on reuse; the CFG (internal: the rules never read it) is not kept.
    const { unit: _unit, cfg: _cfg, ...rest } = ua;
    data = freeze(rest);
  } catch (e) {
    if (!(e instanceof Uncacheable)) throw e;
    cacheStats.uncacheable++;
    return;
  }
  const size = key.length * 2 + count * 48;
  if (size > MAX_BYTES / 4) return;
  const old = entries.get(key);
  if (old) {
    entries.delete(key);
    bytes -= old.bytes;
  }
  entries.set(key, { summaries: [...rec.summaries], macros: [...rec.macros], globals: [...rec.globals], data, bytes: size });
  bytes += size;
  for (const [k, e] of entries) {
    if (entries.size <= MAX_ENTRIES && bytes <= MAX_BYTES) break;
    entries.delete(k);
    bytes -= e.bytes;
  }
}

/** The cached result of `unit` when every outside read still gets the answer it got, re-based on the new tree. */
export function reuse(
  key: string,
  unit: FunctionUnit,
  lookup: SummaryLookup,
  table: MacroTable,
  globals: ReadonlySet<string>,
): UnitAnalysis | undefined {
  const e = entries.get(key);
  if (!e) {
    cacheStats.misses++;
    return undefined;
  }
  const fresh =
    e.globals.every(([n, r]) => globals.has(n) === r) &&
    e.macros.every(([n, sig]) => table.signature(n) === sig) &&
    e.summaries.every(([n, s]) => summaryText(lookup(n)) === s);
  if (!fresh) {
    cacheStats.stale++;
    return undefined;
  }
  const body = unit.body;
  const objects: object[] = [];
  const thaw = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(thaw);
    const o = v as { $n?: NodeRef | MacroNodeRef; $m?: Array<[unknown, unknown]>; $s?: unknown[]; $r?: number; $o?: Record<string, unknown> };
    if (o.$n) return thawNode(body, table, o.$n);
    if (o.$m) return new Map(o.$m.map(([k, x]) => [thaw(k), thaw(x)]));
    if (o.$s) return new Set(o.$s.map(thaw));
    if (o.$r !== undefined) return objects[o.$r];
    const out: Record<string, unknown> = {};
    objects.push(out);
    for (const [k, x] of Object.entries(o.$o!)) out[k] = thaw(x);
    return out;
  };
  let rest: Omit<UnitAnalysis, 'unit' | 'cfg'>;
  try {
    rest = thaw(e.data) as Omit<UnitAnalysis, 'unit' | 'cfg'>;
  } catch (err) {
    if (!(err instanceof Uncacheable)) throw err;
    cacheStats.stale++;
    return undefined;
  }
  entries.delete(key);
  entries.set(key, e);
  cacheStats.hits++;
  return { unit, ...rest };
}

/** [start, end] relative to the body's start, the rank among the nodes of exactly that range, the type. */
type NodeRef = [number, number, number, string];
/** A node of a macro expansion's tree (a release inside `MULTISORT_ABORT;`): the macro, its arguments, the NodeRef in that tree. */
type MacroNodeRef = [string, string[], number, number, number, string];

/** The nodes of the body's tree spanning exactly [start, end), innermost first. */
function exactly(body: Node, start: number, end: number): Node[] {
  const out: Node[] = [];
  for (let n: Node | null = body.descendantForIndex(start, end); n; n = n.parent) {
    if (n.startIndex === start && n.endIndex === end) out.push(n);
    else if (n.startIndex <= start && n.endIndex >= end && (n.startIndex < start || n.endIndex > end)) break;
    if (n.id === body.id) break;
  }
  return out;
}

function freezeNode(body: Node, table: MacroTable, n: Node): { $n: NodeRef | MacroNodeRef } {
  const s = n.startIndex;
  const e = n.endIndex;
  if (n.tree !== body.tree) {
    const src = table.sourceOf(n.tree);
    if (!src) throw new Uncacheable();
    const root = n.tree.rootNode;
    const rank = exactly(root, s, e).findIndex((x) => x.id === n.id);
    if (rank < 0) throw new Uncacheable();
    return { $n: [src.name, src.args, s, e, rank, n.type] };
  }
  if (s < body.startIndex || e > body.endIndex) throw new Uncacheable();
  const rank = exactly(body, s, e).findIndex((x) => x.id === n.id);
  if (rank < 0) throw new Uncacheable();
  return { $n: [s - body.startIndex, e - body.startIndex, rank, n.type] };
}

function thawNode(body: Node, table: MacroTable, ref: NodeRef | MacroNodeRef): Node {
  if (ref.length === 6) {
    const [name, args, s, e, rank, type] = ref;
    const root = table.expansionRoot(name, args);
    const n = root && exactly(root, s, e)[rank];
    if (!n || n.type !== type) throw new Uncacheable();
    return n;
  }
  const [s, e, rank, type] = ref;
  const n = exactly(body, body.startIndex + s, body.startIndex + e)[rank];
  if (!n || n.type !== type) throw new Uncacheable();
  return n;
}
