// Work on a sibling file kept for that file's own analysis, in a scan worker.
//
// In a scan, a file's functions are often summarised for a sibling that calls them
// (workspace.ts) before the file itself comes up for analysis. Without this, the file
// is parsed up to three times (its defined functions, its summaries, its own analysis)
// and its plain functions analysed twice. Here the parse tree, and the summary pass's
// per-function results with what each one read outside its own text, wait for the
// file's own analysis: it takes the tree instead of parsing, and reuses a function's
// result when every summary it read gets the same answer with the workspace's
// summaries (the analysis is a function of the unit and those reads, as in cache.ts).
// Keyed by path and checked against the text. Off unless enabled (the scan workers
// enable it; the editor's server does not keep trees of files nobody opened), and
// bounded: the oldest entry is dropped (its tree deleted) past the bounds.
import type { Tree } from 'web-tree-sitter';
import type { MacroTable } from './macros';
import type { FunctionSummary, UnitAnalysis } from './ownership';
import type { FunctionUnit } from './units';

/** A summary pass's results: the units, file facts and macro table they refer to, and per plain unit its result and reads. */
export interface PreparedAnalysis {
  units: FunctionUnit[];
  globals: Set<string>;
  macros: MacroTable;
  done: Map<FunctionUnit, { ua: UnitAnalysis; reads: Map<string, FunctionSummary | undefined> }>;
}

export interface Prepared {
  /** The file's text (as read: before blankCommentRuns). */
  text: string;
  tree: Tree;
  analysis?: PreparedAnalysis;
}

/** What a scan keeps: up to ~60 MB of trees (and the results of the kept summary passes) per thread. */
export const SCAN_PREPARED_FILES = 24;
export const SCAN_PREPARED_CHARS = 2_000_000;
/** Parse-only entries among them. */
const MAX_BARE_PARSES = 8;

const entries = new Map<string, Prepared>();
let chars = 0;
const limits = { files: 0, chars: 0 };

/** Keeps up to `files` files (and `maxChars` characters of their texts) prepared; 0 turns it off. */
export function enablePreparedFiles(files: number, maxChars: number): void {
  limits.files = Math.max(0, files);
  limits.chars = Math.max(0, maxChars);
  evict();
}

export function preparedEnabled(): boolean {
  return limits.files > 0;
}

/** The prepared work for `key` when it was done on this exact text (removed from the store: the caller owns it now). */
export function takePrepared(key: string, text: string): Prepared | undefined {
  const p = entries.get(key);
  if (!p) return undefined;
  entries.delete(key);
  chars -= p.text.length;
  if (p.text === text) return p;
  disposePrepared(p);
  return undefined;
}

/** Keeps `p` for `key` (replacing an older entry), or frees it at once when the store is off or `p` is too large. */
export function putPrepared(key: string, p: Prepared): void {
  const old = entries.get(key);
  if (old) {
    entries.delete(key);
    chars -= old.text.length;
    if (old !== p) disposePrepared(old);
  }
  if (!limits.files || p.text.length > limits.chars) return disposePrepared(p);
  if (!p.analysis) {
    // Bare parses (for the defined functions of a file that is not analysed yet) are many and
    // worth less than a summary pass: a few at a time (a tree costs ~30 bytes of WebAssembly
    // memory per character of text).
    let bare = 0;
    for (const q of entries.values()) if (!q.analysis) bare++;
    for (const [k, q] of entries) {
      if (bare < MAX_BARE_PARSES) break;
      if (q.analysis) continue;
      entries.delete(k);
      chars -= q.text.length;
      disposePrepared(q);
      bare--;
    }
  }
  entries.set(key, p);
  chars += p.text.length;
  evict();
}

/** The files with prepared work, oldest first (the scan pool hands them to this worker next). */
export function preparedKeys(): string[] {
  return [...entries.keys()];
}

/** Frees everything kept. */
export function clearPrepared(): void {
  for (const p of entries.values()) disposePrepared(p);
  entries.clear();
  chars = 0;
}

function evict(): void {
  for (const [k, p] of entries) {
    if (entries.size <= limits.files && chars <= limits.chars) break;
    entries.delete(k);
    chars -= p.text.length;
    disposePrepared(p);
  }
}

export function disposePrepared(p: Prepared): void {
  p.analysis?.macros.dispose();
  p.tree.delete();
}
