// Parses PHP with php-parser (pure JavaScript, no native code), once per
// document: rules get the tree through `phpAstOf(ctx)`.
//
// Positions: php-parser's lexer walks the JavaScript string, so
// `loc.start.offset` / `loc.end.offset` are UTF-16 code-unit offsets, the same
// unit as LineIndex (checked with non-ASCII comments, inline HTML and astral
// characters before the code: see test/unit/php-parse.test.ts). No conversion
// is needed.
//
// Quirk: an append target `$a[]` (offsetlookup with `offset: false`) gets a
// loc that covers only the `[]`; use `spanOf()` for a node's real extent.
import { Engine } from 'php-parser';
import type { RuleContext } from '../types';

export interface PhpLoc {
  start: { line: number; column: number; offset: number };
  end: { line: number; column: number; offset: number };
}

/** A php-parser node, loosely typed (the bundled typings miss several fields). */
export interface PhpNode {
  kind: string;
  loc?: PhpLoc | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

export interface PhpAst {
  /** The program, or null when php-parser threw (the rules then report nothing). */
  program: PhpNode | null;
  /** Syntax errors php-parser recovered from (suppressErrors), or the exception text. */
  errors: string[];
}

function newParser(): Engine {
  return new Engine({
    parser: { php8: true, suppressErrors: true, extractDoc: false },
    ast: { withPositions: true, withSource: false },
  });
}

/**
 * php-parser (3.x) loops for ever on a `namespace` declaration inside braces
 * (`<?php { namespace a;`, found by the fuzzer). Such code is a fatal error in
 * PHP anyway: blank the keyword (same length, so offsets hold) before parsing.
 */
export function blankNestedNamespaces(text: string): string {
  // Only a `namespace` after the first `{` can be nested (every brace token holds a `{`):
  // most files say `namespace X;` once at the top and need no second lexing pass.
  const brace = text.indexOf('{');
  if (brace < 0 || !/namespace/i.test(text.slice(brace))) return text;
  let tokens: Array<string | [string, string, number]>;
  try {
    tokens = newParser().tokenGetAll(text) as Array<string | [string, string, number]>;
  } catch {
    return text;
  }
  let depth = 0;
  let offset = 0;
  let out: string | undefined;
  for (const t of tokens) {
    const value = typeof t === 'string' ? t : t[1];
    if (typeof t === 'string') {
      if (t === '{') depth++;
      else if (t === '}') depth = Math.max(0, depth - 1);
    } else if (t[0] === 'T_CURLY_OPEN' || t[0] === 'T_DOLLAR_OPEN_CURLY_BRACES') {
      depth++;
    } else if (t[0] === 'T_NAMESPACE' && depth > 0) {
      out = (out ?? text).slice(0, offset) + ' '.repeat(value.length) + (out ?? text).slice(offset + value.length);
    }
    offset += value.length;
  }
  return out ?? text;
}

/**
 * Past this many syntax errors the text is not PHP worth analysing. php-parser's
 * error recovery costs about 0.1 ms per error: a 300 KB file of garbage took 21 s
 * (found by the fuzz harness), a 2 MB one would hold the server for minutes.
 */
const MAX_SYNTAX_ERRORS = 1000;

interface ParserInternals {
  _errors: unknown[];
  raiseError(...args: unknown[]): unknown;
  next(): unknown;
}

/**
 * Parses PHP source; never throws, except what `budget` throws (called every
 * 1024 tokens: the analysis time budget, ctx.checkBudget).
 */
export function parsePhp(text: string, fileName = 'input.php', budget?: () => void): PhpAst {
  let budgetError: unknown;
  try {
    // A fresh Engine per parse: php-parser keeps lexer state on the instance.
    const engine = newParser();
    const internals = (engine as unknown as { parser: ParserInternals }).parser;
    const raise = internals.raiseError;
    internals.raiseError = function (this: ParserInternals, ...args: unknown[]) {
      if (this._errors.length >= MAX_SYNTAX_ERRORS) throw new Error(`more than ${MAX_SYNTAX_ERRORS} syntax errors: not analysed`);
      return raise.apply(this, args);
    };
    if (budget) {
      const next = internals.next;
      let tokens = 0;
      internals.next = function (this: ParserInternals) {
        if ((++tokens & 1023) === 0) {
          try {
            budget();
          } catch (e) {
            // A stack overflow inside php-parser's recursion may surface here: that is a parse failure, not the budget.
            if (!(e instanceof RangeError)) budgetError = e;
            throw e;
          }
        }
        return next.call(this);
      };
    }
    // php-parser's lexer loops for ever (and fills memory) on a text that ends in `enum` or `enum Name`
    // (typing at the end of a file; found by the fuzz harness): a trailing line end moves no offset.
    let safe = /\benum *[\w\u0080-\uffff]*$/i.test(text) ? text + '\n' : text;
    // Likewise on an attribute `#[` never closed: close what is open, at the end (no offset moves).
    const attr = safe.indexOf('#[');
    if (attr >= 0) {
      let open = 0;
      for (let i = attr; i < safe.length; i++) {
        const c = safe.charCodeAt(i);
        if (c === 91 /* [ */) open++;
        else if (c === 93 /* ] */ && open > 0) open--;
      }
      if (open > 0) safe += '\n' + ']'.repeat(open) + '\n';
    }
    const program = engine.parseCode(blankNestedNamespaces(safe), fileName) as unknown as PhpNode;
    const errors = Array.isArray(program.errors) ? program.errors.map((e: PhpNode) => String(e.message ?? e)) : [];
    return { program, errors };
  } catch (error) {
    if (budgetError !== undefined) throw budgetError;
    return { program: null, errors: [error instanceof Error ? error.message : String(error)] };
  }
}

/** The document's PHP tree, parsed once per analysis and shared between rules. */
export function phpAstOf(ctx: RuleContext): PhpAst {
  return ctx.shared('php.ast', () => parsePhp(ctx.doc.text, ctx.doc.path, () => ctx.checkBudget()));
}

export function isNode(value: unknown): value is PhpNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** Calls `visit` for each direct child node (in field order, arrays flattened). */
export function forEachChild(node: PhpNode, visit: (child: PhpNode) => void): void {
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'kind' || key === 'errors' || key === 'comments' || key === 'leadingComments' || key === 'trailingComments') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item);
    } else if (isNode(value)) {
      visit(value);
    }
  }
}

/**
 * The real [start, end) offsets of a node: the union of its own loc and its
 * descendants' (php-parser's loc for `$a[]` covers only `[]`).
 */
export function spanOf(node: PhpNode): { start: number; end: number } | null {
  let start = Infinity;
  let end = -Infinity;
  const visit = (n: PhpNode) => {
    if (n.loc) {
      start = Math.min(start, n.loc.start.offset);
      end = Math.max(end, n.loc.end.offset);
    }
    forEachChild(n, visit);
  };
  visit(node);
  return start <= end ? { start, end } : null;
}

/** A node's span without the statement's `;` that php-parser's call and `new` locations may take. */
export function spanWithoutSemicolon(node: PhpNode, text: string): { start: number; end: number } | undefined {
  const s = spanOf(node);
  if (!s) return undefined;
  if (text[s.end - 1] === ';') s.end--;
  return s;
}
