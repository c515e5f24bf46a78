// Loads tree-sitter (WebAssembly) and the C grammar once per process.
// The bundles in dist/ carry both .wasm files beside them; compiled tests
// (out/) find them in node_modules.
//
// A WebAssembly trap during a parse (a `WebAssembly.RuntimeError`: "memory access
// out of bounds", "unreachable", an emscripten abort) may leave the Parser in a
// state where every later parse fails. parseC() then drops that Parser (and the
// document's tree kept for incremental parsing), makes a fresh one with the loaded
// Language, and parses once more from scratch; when that traps too, the file fails
// with a CParseError (the engine records it as a failure of the C rules for that
// file only) and the next parse gets a fresh Parser again.
import { preprocessC, resolveConditionals } from './preprocess';
import * as fs from 'fs';
import * as path from 'path';
import { Edit, Language, Parser, type Tree } from 'web-tree-sitter';

/** The C grammar, loaded once; kept when a Parser is replaced. */
let language: Language | undefined;
/** The Parser in use; undefined after a trap until the next parse makes a fresh one. */
let parser: Parser | undefined;

/** How many times a trap made parseC() replace its Parser (for logs and tests). */
export const cParserStats = { traps: 0, recovered: 0, failed: 0 };

/** A C file tree-sitter could not parse: its WebAssembly trapped on the first try and on the retry. */
export class CParseError extends Error {
  constructor(readonly cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(`the C parser (tree-sitter, WebAssembly) trapped twice on this file (${what}); the file is skipped, the parser was re-created for the next files`);
    this.name = 'CParseError';
  }
}

/** Set while withoutCFunctionCache (cache.ts) runs: no incremental parse, no cached results. */
export const caching = { off: false };
let initializing: Promise<void> | undefined;

function findWasm(file: string, dirs: string[]): string {
  for (const dir of dirs) {
    const candidate = path.join(dir, file);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot find ${file} (looked in ${dirs.join(', ')})`);
}

function searchDirs(wasmDir?: string): string[] {
  const dirs: string[] = [];
  if (wasmDir) dirs.push(wasmDir);
  dirs.push(__dirname);
  // From out/server/src/engine/c or server/src/engine/c up to the repository root.
  for (let dir = __dirname, i = 0; i < 8; i++, dir = path.dirname(dir)) {
    dirs.push(path.join(dir, 'node_modules', 'web-tree-sitter'));
    dirs.push(path.join(dir, 'node_modules', 'tree-sitter-c'));
    dirs.push(path.join(dir, 'dist'));
  }
  return dirs;
}

/** Loads the parser; safe to call many times. */
export function initCParser(wasmDir?: string): Promise<void> {
  if (language) return Promise.resolve();
  if (!initializing) {
    const dirs = searchDirs(wasmDir);
    initializing = (async () => {
      const runtime = findWasm('web-tree-sitter.wasm', dirs);
      await Parser.init({ locateFile: () => runtime });
      const loaded = await Language.load(findWasm('tree-sitter-c.wasm', dirs));
      parser = newParser(loaded);
      language = loaded;
    })();
    initializing.catch(() => {
      initializing = undefined;
    });
  }
  return initializing;
}

export function isCParserReady(): boolean {
  return language !== undefined;
}

function newParser(lang: Language): Parser {
  const p = new Parser();
  p.setLanguage(lang);
  return p;
}

/** `WebAssembly.RuntimeError`, what a trap throws (the project's TypeScript lib declares no WebAssembly types). */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new (message?: string) => Error } }).WebAssembly
  .RuntimeError;

/** Whether an error is a trap of the WebAssembly code (not the budget, not a JavaScript bug). */
function isWasmTrap(e: unknown): boolean {
  return e instanceof WasmRuntimeError || (e instanceof Error && e.name === 'RuntimeError');
}

/**
 * Forgets the Parser that trapped. It is not delete()d: ts_parser_delete would walk the
 * state the trap left half-updated (a few kilobytes of WebAssembly memory are lost instead).
 */
function discardParser(): void {
  parser = undefined;
}

/** TEST ONLY: parse attempts still to run normally, then to fail with an injected trap (injectCParseTrapsForTests). */
const injected = { skip: 0, traps: 0 };

/**
 * TEST ONLY: after `after` parse attempts that run normally, the next `count` attempts
 * (a file's first try and its retry each count; so do macro bodies and other files)
 * throw a `WebAssembly.RuntimeError` instead of parsing, as a trap of tree-sitter's
 * WebAssembly would. `count` 0 cancels. Never called by the extension, the server or the CLI.
 */
export function injectCParseTrapsForTests(count: number, after = 0): void {
  injected.traps = Math.max(0, Math.floor(count));
  injected.skip = injected.traps ? Math.max(0, Math.floor(after)) : 0;
}

/** One parse attempt with the current Parser (made fresh when the last one trapped). */
function attempt(source: string, old: Tree | null, options: Parameters<Parser['parse']>[2]): Tree | null {
  if (!parser) parser = newParser(language!);
  if (injected.traps > 0) {
    if (injected.skip > 0) injected.skip--;
    else {
      injected.traps--;
      throw new WasmRuntimeError('memory access out of bounds (injected by a test)');
    }
  }
  return parser.parse(source, old, options);
}

/**
 * Parses C source. The caller must call tree.delete() when done (the tree
 * lives in WebAssembly memory); the engine does this at the end of analysis.
 */
export function parseC(text: string, budget?: () => void, key?: string): Tree {
  if (!language) throw new Error('C parser not initialised: await initCParser() first');
  if (caching.off) key = undefined;
  let source = sourceOf(text);
  // With a key (the document's path), the previous tree of that document is edited and reused.
  const prev = key !== undefined ? previousTrees.get(key) : undefined;
  if (prev) {
    previousTrees.delete(key!);
    previousChars -= prev.text.length;
  }
  // The analysis time budget (ctx.checkBudget) may cancel a long parse: what it throws is rethrown.
  let stop: unknown;
  const progressCallback = budget
    ? () => {
        try {
          budget();
          return false;
        } catch (e) {
          stop = e;
          return true;
        }
      }
    : undefined;
  const options = progressCallback ? { progressCallback } : undefined;
  let tree: Tree | null;
  try {
    if (prev) prev.tree.edit(editBetween(prev.text, source));
    tree = attempt(source, prev?.tree ?? null, options);
  } catch (e) {
    if (!isWasmTrap(e)) throw e;
    // The Parser may be unusable now: a fresh one parses again, from scratch (the
    // document's previous tree, which the failed parse was reusing, is dropped below).
    cParserStats.traps++;
    discardParser();
    try {
      tree = attempt(source, null, options);
    } catch (e2) {
      if (!isWasmTrap(e2)) throw e2;
      cParserStats.traps++;
      cParserStats.failed++;
      discardParser();
      throw new CParseError(e2);
    }
    cParserStats.recovered++;
  } finally {
    try {
      prev?.tree.delete();
    } catch {
      /* a tree the trapped parse was editing: losing it is all that is left to do */
    }
  }
  if (!tree) {
    parser?.reset(); // a cancelled parse would otherwise resume on the next call
    if (stop !== undefined) throw stop;
    throw new Error('tree-sitter returned no tree');
  }
  // Braces that balance only per configuration: the #if trees of the functions in error, resolved.
  const resolved = tree.rootNode.hasError ? withResolvedConditionals(source, tree) : undefined;
  if (resolved) {
    let other: Tree | null = null;
    try {
      other = attempt(resolved, null, options);
    } catch (e) {
      if (!isWasmTrap(e)) {
        tree.delete();
        throw e;
      }
      cParserStats.traps++;
      discardParser();
    }
    if (other && errorCount(other) < errorCount(tree)) {
      tree.delete();
      tree = other;
      source = resolved;
    } else other?.delete();
  }
  treeSources.set(tree, source);
  if (key !== undefined) remember(key, source, tree);
  return tree;
}

/** The text each tree was parsed from (rememberTree keeps a prepared tree with it). */
const treeSources = new WeakMap<Tree, string>();

/** What tree-sitter is given for a text: long comment runs blanked, then the macro pre-pass (both keep every offset). */
export function sourceOf(text: string): string {
  return preprocessC(blankCommentRuns(text));
}

/** How much of the text sits in top-level declarations holding an ERROR node (MISSING tokens, as after `PHP_METHOD(a, b)`, do not count). */
function errorCount(tree: Tree): number {
  let n = 0;
  for (const c of tree.rootNode.children) {
    if (c && c.hasError && (c.isError || c.descendantsOfType('ERROR').length > 0)) n += c.endIndex - c.startIndex;
  }
  return n;
}

/**
 * The source with one configuration applied (preprocess.ts resolveConditionals) to the
 * top-level declarations that hold a syntax error, the rest as it was; undefined when
 * that changes nothing.
 */
function withResolvedConditionals(source: string, tree: Tree): string | undefined {
  if (!source.includes('#')) return undefined;
  const all = resolveConditionals(source);
  if (all === source) return undefined;
  const spans: Array<[number, number]> = [];
  for (const n of tree.rootNode.children) {
    // Only a declaration holding both an error and a conditional can parse better resolved.
    if (!n || !n.hasError || !source.slice(n.startIndex, n.endIndex).includes('#if')) continue;
    const last = spans[spans.length - 1];
    if (last && n.startIndex <= last[1]) last[1] = Math.max(last[1], n.endIndex);
    else spans.push([n.startIndex, n.endIndex]);
  }
  if (!spans.length) return undefined;
  const parts: string[] = [];
  let at = 0;
  for (const [s, e] of spans) {
    parts.push(source.slice(at, s), all.slice(s, e));
    at = e;
  }
  parts.push(source.slice(at));
  const merged = parts.join('');
  return merged === source ? undefined : merged;
}

/** The last tree of each recently parsed document (by key), kept for incremental parsing: a few, bounded in size. */
const previousTrees = new Map<string, { text: string; tree: Tree }>();
let previousChars = 0;
const MAX_PREVIOUS_TREES = 4;
const MAX_PREVIOUS_CHARS = 4_000_000;

function remember(key: string, text: string, tree: Tree): void {
  if (text.length > MAX_PREVIOUS_CHARS) return;
  previousTrees.set(key, { text, tree: tree.copy() });
  previousChars += text.length;
  for (const [k, v] of previousTrees) {
    if (previousTrees.size <= MAX_PREVIOUS_TREES && previousChars <= MAX_PREVIOUS_CHARS) break;
    previousTrees.delete(k);
    previousChars -= v.text.length;
    v.tree.delete();
  }
}

/** Keeps a tree obtained without parseC (a scan's prepared file, prepared.ts) as the document's previous tree, as parseC would. */
export function rememberTree(key: string, text: string, tree: Tree): void {
  if (caching.off) return;
  const prev = previousTrees.get(key);
  if (prev) {
    previousTrees.delete(key);
    previousChars -= prev.text.length;
    prev.tree.delete();
  }
  remember(key, treeSources.get(tree) ?? sourceOf(text), tree);
}

/** Drops the trees kept for incremental parsing (the next parse of every document is a full one). */
export function forgetPreviousTrees(): void {
  for (const v of previousTrees.values()) v.tree.delete();
  previousTrees.clear();
  previousChars = 0;
}

/** The row and column (UTF-16 code units, as the tree's indices) of `offset`, counting rows from `fromOffset` at `from`. */
function pointAt(text: string, offset: number, fromOffset = 0, fromRow = 0): { row: number; column: number } {
  let row = fromRow;
  for (let i = text.indexOf('\n', fromOffset); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) row++;
  return { row, column: offset === 0 ? 0 : offset - (text.lastIndexOf('\n', offset - 1) + 1) };
}

/** The single edit turning `before` into `after` (their common prefix and suffix kept). */
function editBetween(before: string, after: string) {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEndIndex = before.length - tail;
  const newEndIndex = after.length - tail;
  const startPosition = pointAt(before, start);
  return new Edit({
    startIndex: start,
    oldEndIndex,
    newEndIndex,
    startPosition,
    oldEndPosition: pointAt(before, oldEndIndex, start, startPosition.row),
    newEndPosition: pointAt(after, newEndIndex, start, startPosition.row),
  });
}

/** Longest run of adjacent comments (only white space between them) parsed as is. */
const MAX_COMMENT_RUN = 200;

/**
 * tree-sitter-c overflows its 64 KB WebAssembly stack on thousands of adjacent
 * comments after a declaration (`foo_t *p;` then a 5,000-line commented-out
 * block): the trap overwrites the module's static data and every later parse in
 * the process fails ("memory access out of bounds"). Found by the fuzz harness
 * (test/fixtures/fuzz-regressions/). The rules never look inside comments, so
 * runs longer than MAX_COMMENT_RUN are blanked before parsing: same length,
 * line ends kept, so every offset and position holds.
 */
export function blankCommentRuns(text: string): string {
  const n = text.length;
  if (n < MAX_COMMENT_RUN * 3) return text;
  const blanks: Array<[number, number]> = [];
  let run: Array<[number, number]> = [];
  const flush = () => {
    if (run.length > MAX_COMMENT_RUN) for (const span of run) blanks.push(span); // no spread: runs can be 100,000 long
    run = [];
  };
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      run.push([i, end]);
      i = end;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      let j = i + 2;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if ((d === 10 || d === 13) && text.charCodeAt(j - 1) !== 92 /* \ continues the comment */) break;
      }
      run.push([i, j]);
      i = j;
    } else if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      flush();
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === c || d === 10) break;
        j += d === 92 ? 2 : 1;
      }
      i = j + 1;
    } else {
      flush();
      i++;
    }
  }
  flush();
  if (!blanks.length) return text;
  const parts: string[] = [];
  let last = 0;
  for (const [s, e] of blanks) {
    parts.push(text.slice(last, s), text.slice(s, e).replace(/[^\r\n]/g, ' '));
    last = e;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

