// A length-preserving C pre-pass over tokens (never inside comments, strings or
// character literals), run before tree-sitter parses a file. Real extension code is
// written against macros that tree-sitter cannot read as C: PHP 5's thread-safety
// arguments (`f(a TSRMLS_CC)`), declaration attributes (`PHPAPI`, `ZEND_FASTCALL`),
// `zend_try { … } zend_catch { … } zend_end_try();`. Each such token is replaced by
// what it means for the analysis, padded with spaces to the same length, so every
// offset, line and column of the original text holds (findings, hovers and fixes are
// placed on the original text).
//
// `resolveConditionals` is the second, optional pass: one preprocessor configuration
// (a PHP 8 build without ZTS) applied to `#if` trees, the inactive branches and the
// directive lines blanked. It serves functions whose braces balance only per
// configuration (`#if PHP_VERSION_ID >= 70000 \n if (a) { \n #else \n if (b) { \n #endif`).

/** Tokens that expand to nothing in a release, non-ZTS build of PHP 7/8 (or only annotate a declaration). */
const EMPTY = new Set([
  'TSRMLS_CC', 'TSRMLS_DC', 'TSRMLS_C', 'TSRMLS_D',
  'ZEND_FILE_LINE_DC', 'ZEND_FILE_LINE_CC', 'ZEND_FILE_LINE_EMPTY_CC', 'ZEND_FILE_LINE_EMPTY_C',
  'ZEND_FILE_LINE_ORIG_DC', 'ZEND_FILE_LINE_ORIG_CC', 'ZEND_FILE_LINE_RELAY_CC', 'ZEND_FILE_LINE_RELAY_C',
  'ZEND_FILE_LINE_C', 'ZEND_FILE_LINE_D', 'ZEND_FILE_LINE_ORIG_RELAY_CC',
  'PHPAPI', 'ZEND_API', 'ZEND_FASTCALL', 'ZEND_COLD', 'ZEND_HOT', 'ZEND_ATTRIBUTE_UNUSED',
  'ZEND_ATTRIBUTE_MALLOC', 'ZEND_ATTRIBUTE_DEPRECATED', 'ZEND_ATTRIBUTE_NONNULL', 'ZEND_INDIRECT_RETURN',
  'PHP_JSON_API', 'ZEND_NORETURN', 'ZEND_EXT_API', 'ZEND_DLEXPORT', 'ZEND_DLIMPORT',
]);

/** Function-like tokens that expand to nothing: the name and its parenthesised arguments are blanked. */
const EMPTY_CALLS = new Set([
  'TSRMLS_FETCH', 'TSRMLS_SET_CTX', 'TSRMLS_FETCH_FROM_CTX', 'ZEND_TSRMLS_CACHE_DEFINE', 'ZEND_TSRMLS_CACHE_EXTERN',
  'ZEND_ATTRIBUTE_ALLOC_SIZE', 'ZEND_ATTRIBUTE_ALLOC_SIZE2', 'ZEND_ATTRIBUTE_FORMAT', 'ZEND_ATTRIBUTE_PTR_FORMAT',
  'ZEND_ATTRIBUTE_NONNULL_ARGS', 'zend_end_try', 'PHP_ATTRIBUTE_FORMAT',
]);

/** Tokens read as other C: `zend_try { A } zend_catch { B } zend_end_try();` is `if (1) { A } else { B } ;`. */
const SPELLED = new Map<string, string>([
  ['zend_try', 'if (1)'],
  ['zend_first_try', 'if (1)'],
  ['zend_catch', 'else'],
  ['zend_always_inline', 'inline'],
  ['zend_never_inline', ''],
]);

const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isId = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);

/** Replaces [s, e) by `with` padded with spaces, keeping line ends. */
function pad(parts: string[], text: string, s: number, e: number, with_ = ''): void {
  const span = text.slice(s, e);
  parts.push(with_ + span.slice(with_.length).replace(/[^\r\n]/g, ' '));
}

/** The end of a string / character literal starting at i (the quote). */
function literalEnd(text: string, i: number): number {
  const q = text.charCodeAt(i);
  let j = i + 1;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === q || d === 10) return j + 1;
    j += d === 92 ? 2 : 1;
  }
  return j;
}

/** The end of a comment starting at i, or i when none starts there. */
function commentEnd(text: string, i: number): number {
  if (text.charCodeAt(i) !== 47) return i;
  const c = text.charCodeAt(i + 1);
  if (c === 42) {
    const close = text.indexOf('*/', i + 2);
    return close < 0 ? text.length : close + 2;
  }
  if (c === 47) {
    let j = i + 2;
    for (; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if ((d === 10 || d === 13) && text.charCodeAt(j - 1) !== 92) break;
    }
    return j;
  }
  return i;
}

/** The index after the parenthesised group opening at or after i (white space between), or -1. */
function groupEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
  if (text[j] !== '(') return -1;
  let depth = 0;
  for (; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 34 || c === 39) {
      j = literalEnd(text, j) - 1;
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return j + 1;
    else if (c === 59 || c === 123 || c === 125) return -1; // ; { }: not an argument list
  }
  return -1;
}

/** Whether any token of the pre-pass occurs (a quick test on the raw text: most files of PHP 8 code need nothing). */
function mayNeed(text: string): boolean {
  return text.includes('TSRMLS') || text.includes('ZEND_') || text.includes('zend_') || text.includes('PHPAPI') || text.includes('PHP_') || text.includes('va_arg');
}

/**
 * `va_arg(ap, T)`: the type argument (from its comma to the closing parenthesis), which
 * tree-sitter cannot read as an expression (`va_arg(argv, unsigned *)`); -1 when not that shape.
 */
function typeArgument(text: string, j: number): [number, number] | undefined {
  const end = groupEnd(text, j);
  if (end < 0) return undefined;
  let depth = 0;
  for (let k = text.indexOf('(', j); k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) {
      k = literalEnd(text, k) - 1;
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41) depth--;
    else if (c === 44 && depth === 1) return [k, end - 1];
  }
  return undefined;
}

/** The pre-pass: same length, same line ends, macros read as the C they stand for. */
export function preprocessC(text: string): string {
  if (!mayNeed(text)) return text;
  const parts: string[] = [];
  let last = 0;
  let changed = false;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 47) {
      const e = commentEnd(text, i);
      if (e > i) {
        i = e;
        continue;
      }
      i++;
      continue;
    }
    if (c === 34 || c === 39) {
      i = literalEnd(text, i);
      continue;
    }
    if (!isIdStart(c) || (i > 0 && isId(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isId(text.charCodeAt(j))) j++;
    const word = text.slice(i, j);
    let end = -1;
    let with_ = '';
    if (word === 'va_arg') {
      // `va_arg(ap, T)` reads as the call `va_arg(ap)`: the type is blanked (the value is an unknown call's).
      const at = typeArgument(text, j);
      if (at) {
        parts.push(text.slice(last, at[0]));
        pad(parts, text, at[0], at[1]);
        last = at[1];
        changed = true;
        i = at[1];
        continue;
      }
    }
    if (EMPTY.has(word)) end = j;
    else if (EMPTY_CALLS.has(word)) end = groupEnd(text, j);
    else if (SPELLED.has(word)) {
      end = j;
      with_ = SPELLED.get(word)!;
    }
    if (end > 0) {
      parts.push(text.slice(last, i));
      pad(parts, text, i, end, with_);
      last = end;
      changed = true;
      i = end;
    } else i = j;
  }
  if (!changed) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

// ------------------------------------------------------------ one configuration of #if trees

/** The configuration resolved: a release PHP 8.2 build, no ZTS, no debug. */
const CONFIG: Record<string, number> = {
  PHP_VERSION_ID: 80200,
  PHP_MAJOR_VERSION: 8,
  PHP_MINOR_VERSION: 2,
  PHP_RELEASE_VERSION: 0,
  ZEND_MODULE_API_NO: 20220829,
  PHP_API_VERSION: 20220829,
  ZEND_EXTENSION_API_NO: 420220829,
  PHP_WIN32: 0,
  ZTS: 0,
  ZEND_DEBUG: 0,
  PHP_DEBUG: 0,
  _WIN32: 0,
  HAVE_CONFIG_H: 1,
};
const DEFINED = new Set(['HAVE_CONFIG_H']);
/** Undefined in the configuration (and every `COMPILE_DL_*`: the extension is built in, not shared). */
const UNDEFINED = new Set(['ZTS', 'PHP_WIN32', '_WIN32', 'ZEND_DEBUG_ALLOC']);

type Tok = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

function tokenize(expr: string): Tok[] | undefined {
  const out: Tok[] = [];
  for (let i = 0; i < expr.length; ) {
    const c = expr[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\\') {
      i++;
      continue;
    }
    if (expr.startsWith('/*', i)) {
      const e = expr.indexOf('*/', i + 2);
      i = e < 0 ? expr.length : e + 2;
      continue;
    }
    if (expr.startsWith('//', i)) break;
    const m = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*/.exec(expr.slice(i, i + 24));
    if (m) {
      out.push({ t: 'num', v: Number(m[1]) });
      i += m[0].length;
      continue;
    }
    if (isIdStart(expr.charCodeAt(i))) {
      let j = i + 1;
      while (j < expr.length && isId(expr.charCodeAt(j))) j++;
      out.push({ t: 'id', v: expr.slice(i, j) });
      i = j;
      continue;
    }
    const op = ['&&', '||', '>=', '<=', '==', '!=', '<<', '>>'].find((o) => expr.startsWith(o, i)) ?? c;
    if (!'()!<>&|+-*/%?:~^'.includes(op[0])) return undefined;
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

/** Evaluates a #if expression under CONFIG: a number, or undefined when it names what the configuration does not know. */
export function evalCondition(expr: string): number | undefined {
  const toks = tokenize(expr);
  if (!toks) return undefined;
  let p = 0;
  let unknown = false;
  const peek = () => toks[p];
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v;
  const primary = (): number => {
    const t = toks[p++];
    if (!t) {
      unknown = true;
      return 0;
    }
    if (t.t === 'num') return t.v;
    if (t.t === 'id') {
      if (t.v === 'defined') {
        const paren = isOp('(');
        if (paren) p++;
        const id = toks[p++];
        if (paren && isOp(')')) p++;
        if (id?.t !== 'id') {
          unknown = true;
          return 0;
        }
        if (DEFINED.has(id.v)) return 1;
        if (UNDEFINED.has(id.v) || id.v.startsWith('COMPILE_DL_')) return 0;
        if (id.v in CONFIG) return 1;
        unknown = true;
        return 0;
      }
      if (t.v in CONFIG) return CONFIG[t.v];
      // A function-like macro call or an unknown name: not decidable here.
      unknown = true;
      if (isOp('(')) {
        let depth = 0;
        for (; p < toks.length; p++) {
          if (toks[p].t === 'op' && toks[p].v === '(') depth++;
          else if (toks[p].t === 'op' && toks[p].v === ')' && --depth === 0) {
            p++;
            break;
          }
        }
      }
      return 0;
    }
    if (t.v === '(') {
      const v = ternary();
      if (isOp(')')) p++;
      return v;
    }
    if (t.v === '!') return primary() ? 0 : 1;
    if (t.v === '-') return -primary();
    if (t.v === '~') return ~primary();
    if (t.v === '+') return primary();
    unknown = true;
    return 0;
  };
  const levels: string[][] = [['*', '/', '%'], ['+', '-'], ['<<', '>>'], ['<', '>', '<=', '>='], ['==', '!='], ['&'], ['^'], ['|'], ['&&'], ['||']];
  const apply = (op: string, a: number, b: number): number => {
    switch (op) {
      case '*': return a * b;
      case '/': return b ? Math.trunc(a / b) : 0;
      case '%': return b ? a % b : 0;
      case '+': return a + b;
      case '-': return a - b;
      case '<<': return a << b;
      case '>>': return a >> b;
      case '<': return +(a < b);
      case '>': return +(a > b);
      case '<=': return +(a <= b);
      case '>=': return +(a >= b);
      case '==': return +(a === b);
      case '!=': return +(a !== b);
      case '&': return a & b;
      case '^': return a ^ b;
      case '|': return a | b;
      case '&&': return +(!!a && !!b);
      default: return +(!!a || !!b);
    }
  };
  const binary = (level: number): number => {
    if (level < 0) return primary();
    let v = binary(level - 1);
    while (peek()?.t === 'op' && levels[level].includes(String(peek()!.v))) {
      const op = String(toks[p++].v);
      const before = unknown;
      const w = binary(level - 1);
      // `known_false && unknown` and `known_true || unknown` are decided.
      if (!before && unknown && ((op === '&&' && !v) || (op === '||' && v))) unknown = false;
      v = apply(op, v, w);
    }
    return v;
  };
  const ternary = (): number => {
    const c = binary(levels.length - 1);
    if (!isOp('?')) return c;
    p++;
    const a = ternary();
    if (isOp(':')) p++;
    const b = ternary();
    return c ? a : b;
  };
  const v = ternary();
  return unknown || p < toks.length ? undefined : v;
}

interface Line {
  start: number;
  /** End of the logical line (continuations joined), before its line end. */
  end: number;
  directive?: string;
  rest?: string;
}

/** The logical lines of a text (backslash continuations joined), with their directive. */
function lines(text: string): Line[] {
  const out: Line[] = [];
  let i = 0;
  let inComment = false;
  while (i <= text.length) {
    const start = i;
    let j = i;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 10 && !(j > 0 && (text.charCodeAt(j - 1) === 92 || (text.charCodeAt(j - 1) === 13 && text.charCodeAt(j - 2) === 92)))) break;
    }
    const raw = text.slice(start, j);
    const line: Line = { start, end: j };
    if (!inComment) {
      const m = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/s.exec(raw);
      if (m) {
        line.directive = m[1];
        line.rest = m[2];
      }
    }
    // A block comment left open on this line hides the directives of the next ones.
    for (let k = 0; k < raw.length; k++) {
      if (!inComment && raw[k] === '/' && raw[k + 1] === '*') {
        inComment = true;
        k++;
      } else if (inComment && raw[k] === '*' && raw[k + 1] === '/') {
        inComment = false;
        k++;
      } else if (!inComment && raw[k] === '/' && raw[k + 1] === '/') break;
      else if (!inComment && (raw[k] === '"' || raw[k] === "'")) {
        const q = raw[k];
        for (k++; k < raw.length && raw[k] !== q; k++) if (raw[k] === '\\') k++;
      }
    }
    out.push(line);
    if (j >= text.length) break;
    i = j + 1;
  }
  return out;
}

/**
 * Applies the configuration to the #if trees whose every condition it decides (an
 * undecided `#if` keeps its first branch when `firstBranch` is set, else the tree is left
 * as it is): the inactive branches and the directive lines are blanked, same length.
 */
export function resolveConditionals(text: string, firstBranch = true): string {
  if (!text.includes('#')) return text;
  const ls = lines(text);
  const blank: Array<[number, number]> = [];
  // A stack of open #if trees: whether a branch was taken, whether the current one is active.
  const stack: Array<{ taken: boolean; active: boolean; outerActive: boolean; undecided: boolean }> = [];
  const active = () => stack.length === 0 || stack[stack.length - 1].active;
  for (const l of ls) {
    if (!l.directive) {
      if (!active()) blank.push([l.start, l.end]);
      continue;
    }
    const d = l.directive;
    const rest = l.rest ?? '';
    if (d === 'if' || d === 'ifdef' || d === 'ifndef') {
      const outer = active();
      let v: number | undefined;
      if (d === 'if') v = evalCondition(rest);
      else {
        const name = rest.trim().split(/[\s/]/)[0];
        const def = DEFINED.has(name) ? 1 : UNDEFINED.has(name) || name.startsWith('COMPILE_DL_') ? 0 : name in CONFIG ? 1 : undefined;
        v = def === undefined ? undefined : d === 'ifdef' ? def : def ? 0 : 1;
      }
      // An include guard or any tree the configuration cannot decide keeps its first branch.
      const undecided = v === undefined;
      const on = undecided ? firstBranch : !!v;
      stack.push({ taken: on, active: outer && on, outerActive: outer, undecided });
      blank.push([l.start, l.end]);
    } else if (d === 'elif') {
      const top = stack[stack.length - 1];
      if (!top) continue;
      const v = top.taken ? 0 : evalCondition(rest);
      const on = !top.taken && (v === undefined ? false : !!v);
      top.active = top.outerActive && on;
      if (on) top.taken = true;
      blank.push([l.start, l.end]);
    } else if (d === 'else') {
      const top = stack[stack.length - 1];
      if (!top) continue;
      top.active = top.outerActive && !top.taken;
      top.taken = true;
      blank.push([l.start, l.end]);
    } else {
      if (!stack.length) continue;
      stack.pop();
      blank.push([l.start, l.end]);
    }
  }
  if (!blank.length) return text;
  const parts: string[] = [];
  let last = 0;
  for (const [s, e] of blank) {
    if (s < last) continue;
    parts.push(text.slice(last, s));
    pad(parts, text, s, e);
    last = e;
  }
  parts.push(text.slice(last));
  return parts.join('');
}
