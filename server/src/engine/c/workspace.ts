// Cross-file summaries: the functions other .c files of the workspace define,
// summarised by their own analysis (summarizeFile) and cached per file with
// ctx.workspace.fileFact, so an edit re-derives one file. Cheap on purpose: only
// the .c files of the document's own folder (an extension's sources), only files
// whose text names the callee, one level deep (a summary from another file uses
// that file's own summaries, never a third file's). Without a workspace
// (single-file mode) there is no lookup. A document's own analysis seeds its facts
// (seedWorkspaceFacts), and in a scan a summary pass's work is kept for the
// file's own analysis (prepared.ts), so a file is rarely parsed or analysed twice.
import * as path from 'path';
import type { RuleContext } from '../types';
import { summarizeFile, type FunctionSummary, type OwnershipAnalysis, type SummaryLookup } from './ownership';
import { CParseError, parseC } from './parser';
import { preparedEnabled, putPrepared, takePrepared } from './prepared';
import { findUnits } from './units';

/** More sibling files than this: no cross-file summaries (a huge flat tree is not an extension). */
const MAX_SIBLINGS = 200;

export const SUMMARY_FACT = 'c.summaries';
const IDENTS_FACT = 'c.identifiers';
const DEFS_FACT = 'c.definedFunctions';

/** The plain C functions a file defines (the only names its summaries can hold; none when it cannot be parsed). */
function definedFunctions(text: string, file: string): Set<string> {
  // A parse kept from earlier (prepared.ts) serves; this one is kept for the file's own analysis.
  const prepared = preparedEnabled() ? takePrepared(file, text) : undefined;
  let tree = prepared?.tree;
  if (!tree) {
    try {
      tree = parseC(text);
    } catch (e) {
      // The parser trapped on that file twice (parser.ts): it fails alone, not the document naming it.
      if (e instanceof CParseError) return new Set();
      throw e;
    }
  }
  try {
    return new Set(findUnits(tree.rootNode).filter((u) => u.kind === 'other' || u.kind === 'helper').map((u) => u.name));
  } finally {
    if (prepared) putPrepared(file, prepared);
    else if (preparedEnabled()) putPrepared(file, { text, tree });
    else tree.delete();
  }
}

/** Every identifier-like word of a text (comments and strings too: a superset is fine). */
function identifiersOf(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g));
}

/**
 * A sibling's summaries. Their cost is the sibling's, not the document's: it does not
 * eat the document's time budget (else the first file of a folder pays for all its
 * siblings and is cut short, and so is the next, which starts over). A sibling whose
 * summary overruns a budget of its own contributes none (cached: not retried).
 */
function summaryOf(ctx: RuleContext, text: string, file: string): Map<string, FunctionSummary> {
  if (!ctx.outsideBudget) return unparsedAsEmpty(() => summarizeFile(text, () => ctx.checkBudget(), file));
  return ctx.outsideBudget((check) => {
    try {
      return unparsedAsEmpty(() => summarizeFile(text, check, file));
    } catch (e) {
      if ((e as Error | undefined)?.name === 'AnalysisBudgetExceeded') return new Map<string, FunctionSummary>();
      throw e;
    }
  });
}

/** A sibling the parser trapped on twice (parser.ts) contributes no summary (cached until it changes). */
function unparsedAsEmpty(work: () => Map<string, FunctionSummary>): Map<string, FunctionSummary> {
  try {
    return work();
  } catch (e) {
    if (e instanceof CParseError) return new Map<string, FunctionSummary>();
    throw e;
  }
}

/** How far above the document's folder the extension's root (its config.m4 / config.w32) is looked for. */
const MAX_ROOT_LEVELS = 3;

/**
 * The extension the document belongs to: the nearest folder at or above the document's
 * (at most MAX_ROOT_LEVELS up) holding a config.m4 or config.w32, else the document's
 * folder. Its .c files, in every subfolder, are the siblings whose summaries serve.
 */
export function extensionRoot(ctx: RuleContext): string {
  const start = path.dirname(ctx.doc.path);
  const ws = ctx.workspace;
  if (!ws) return start;
  const listed = ws.files('c');
  let d = start;
  for (let i = 0; i <= MAX_ROOT_LEVELS; i++) {
    // Only folders of the workspace: one of its listed C files lies at or below.
    if (i > 0 && !listed.some((f) => f.startsWith(d + path.sep))) break;
    if (ws.read(path.join(d, 'config.m4')) !== undefined || ws.read(path.join(d, 'config.w32')) !== undefined) return d;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return start;
}

export function workspaceSummaries(ctx: RuleContext): SummaryLookup | undefined {
  const ws = ctx.workspace;
  if (!ws) return undefined;
  const dir = extensionRoot(ctx);
  const self = path.resolve(ctx.doc.path);
  const inside = (f: string) => (dir === path.dirname(ctx.doc.path) ? path.dirname(f) === dir : f.startsWith(dir + path.sep));
  const siblings = ws.files('c').filter((f) => f.endsWith('.c') && inside(f) && path.resolve(f) !== self);
  if (!siblings.length || siblings.length > MAX_SIBLINGS) return undefined;
  const cache = new Map<string, FunctionSummary | undefined>();
  // The siblings' identifier sets, fetched once per analysis (not once per callee name: each
  // fileFact reads the file to check it is unchanged).
  let idents: Array<[string, Set<string> | undefined]> | undefined;
  return (name) => {
    if (cache.has(name)) return cache.get(name);
    let found: FunctionSummary | undefined;
    idents ??= siblings.map((f) => [f, ws.fileFact(IDENTS_FACT, f, identifiersOf)]);
    for (const [f, ids] of idents) {
      // Only files that name the callee (a set lookup, not a substring search of every sibling per callee).
      if (!ids?.has(name)) continue;
      // Only files that define it: a parse, not a whole analysis, of the many files that merely call it.
      if (!ws.fileFact(DEFS_FACT, f, (t) => definedFunctions(t, f))?.has(name)) continue;
      found = ws.fileFact(SUMMARY_FACT, f, (t) => summaryOf(ctx, t, f))?.get(name);
      if (found) break;
    }
    cache.set(name, found);
    return found;
  };
}

/**
 * A document's own analysis already knows what a sibling would ask of it: the functions it
 * defines, and (when no plain function used another file's summary) summarizeFile's answer.
 * Seeding the per-file facts with them spares the parse and the second analysis when a
 * later file of the folder calls into this one.
 */
export function seedWorkspaceFacts(ctx: RuleContext, a: OwnershipAnalysis): void {
  const ws = ctx.workspace;
  const st = a.standalone;
  if (!ws || !st || !ctx.doc.path.endsWith('.c')) return;
  // The facts are checked against the workspace's text of the file: seed only when it is this text.
  if (ws.read(ctx.doc.path) !== ctx.doc.text) return;
  ws.fileFact(DEFS_FACT, ctx.doc.path, () => st.defined);
  const sums = st.summaries;
  if (sums) ws.fileFact(SUMMARY_FACT, ctx.doc.path, () => sums);
}
