// Mutation kinds. Each takes a real file's text and returns the text the
// engine/server receives. Byte-level kinds work on the UTF-8 (or UTF-16) bytes
// and decode them the way the server reads a file from disk (decodeText) or the
// way a confused client would (plain UTF-8).
import { decodeText, type DocLanguage } from '../../server/src/engine';
import type { Rng } from './prng';

export interface Mutated {
  text: string;
  /** The language the document is analysed as (usually the seed's). */
  language: DocLanguage;
  /** A short note on what was done (for reproducers). */
  note: string;
}

export type MutationKind =
  | 'truncate'
  | 'byte-flip'
  | 'delete-lines'
  | 'duplicate-lines'
  | 'unbalanced'
  | 'deep-nesting'
  | 'long-expression'
  | 'long-line'
  | 'huge-file'
  | 'nul-bytes'
  | 'invalid-utf8'
  | 'utf16-bom'
  | 'line-ends'
  | 'php5-syntax'
  | 'inline-html'
  | 'splice'
  | 'wrong-language';

/** Relative weights: the 50 MB file is costly, so it is rare (and forced once per run). */
export const KINDS: ReadonlyArray<readonly [MutationKind, number]> = [
  ['truncate', 10],
  ['byte-flip', 10],
  ['delete-lines', 8],
  ['duplicate-lines', 8],
  ['unbalanced', 10],
  ['deep-nesting', 4],
  ['long-expression', 2],
  ['long-line', 3],
  ['huge-file', 0.005],
  ['nul-bytes', 5],
  ['invalid-utf8', 6],
  ['utf16-bom', 3],
  ['line-ends', 6],
  ['php5-syntax', 8],
  ['inline-html', 6],
  ['splice', 5],
  ['wrong-language', 4],
];

/** Cheap kinds that may be stacked on top of the main one. */
export const STACKABLE: readonly MutationKind[] = ['truncate', 'byte-flip', 'delete-lines', 'duplicate-lines', 'unbalanced', 'line-ends', 'php5-syntax', 'inline-html', 'invalid-utf8'];

export const ALL_LANGUAGES: readonly DocLanguage[] = ['c', 'php', 'ini', 'php-fpm-conf'];

const utf8 = new TextEncoder();

function lines(text: string): string[] {
  return text.split('\n');
}

/** Offsets just after statement ends (`;`, `{`, `}`) and line ends: where truncation and insertion are interesting. */
export function boundaries(text: string, max = 5000): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length && out.length < max * 4; i++) {
    const c = text.charCodeAt(i);
    if (c === 59 /* ; */ || c === 123 /* { */ || c === 125 /* } */ || c === 10 /* \n */) out.push(i + 1);
  }
  if (!out.length) out.push(text.length);
  return out;
}

function insertAtBoundary(rng: Rng, text: string, snippet: string): string {
  const at = rng.pick(boundaries(text));
  return text.slice(0, at) + snippet + text.slice(at);
}

function flipBytes(rng: Rng, text: string, count: number): string {
  const buf = Buffer.from(utf8.encode(text));
  if (!buf.length) return text;
  for (let i = 0; i < count; i++) buf[rng.int(0, buf.length - 1)] ^= 1 << rng.int(0, 7);
  return rng.chance(0.5) ? decodeText(buf) : new TextDecoder('utf-8').decode(buf);
}

const PHP5_PHP = [
  'var $legacy;\n',
  '$s = $str{0};\n',
  '<? echo $x; ?>',
  '<?php $f = create_function(\'$a\', \'return $a;\'); ?>',
  'while (list($k, $v) = each($arr)) { $cache[$k] = $v; }\n',
  'class Old { function Old() { $this->x = array(); } }\n',
  '$$name[\'key\'] = 1;\n',
  '$a = (unset) $b;\n',
  'static $memo = array();\n$memo[] = $_GET["q"];\n',
  'global $$dyn;\n',
  'if (ereg("^a", $s)) split(",", $s);\n',
  '$x = &new Foo();\n',
  'break $n;\n',
  '<script language="php"> echo 1; </script>',
  '<% echo 2; %>',
  'function &ref() { static $r = array(); return $r; }\n',
  '$GLOBALS[\'HTTP_RAW_POST_DATA\'] .= $data;\n',
];
const PHP5_C = [
  'TSRMLS_FETCH();\n',
  'zend_parse_parameters(ZEND_NUM_ARGS() TSRMLS_CC, "s", &str, &str_len);\n',
  'RETURN_STRING(buf, 1);\n',
  'MAKE_STD_ZVAL(zv);\n',
  'ALLOC_INIT_ZVAL(zv);\n',
  'zval_ptr_dtor(&zv);\n',
  'RETVAL_STRINGL(buf, len, 0);\n',
  'static void old_func(a, b) int a; char *b; { efree(b); }\n',
  'PHP_FUNCTION(legacy) { char *s = estrndup("x", 1); RETURN_STRING(s, 0); }\n',
  'zend_hash_find(ht, key, key_len + 1, (void **)&data);\n',
  'INIT_PZVAL(z);\n',
  'smart_str_free(&buf TSRMLS_CC);\n',
];
const PHP5_INI = [
  'register_globals = On\n',
  'magic_quotes_gpc = On\n',
  'safe_mode = On\n',
  'allow_call_time_pass_reference = Off\n',
  'memory_limit = -1\n',
  'pm.max_requests = 0\n',
  '[HOST=example.com]\n',
  'extension=php_mysql.dll\n',
];
const HTML = [
  '?>\n<html><body><?php echo $x; ?></body></html>\n<?php\n',
  '?>',
  '?>\n<div>unclosed <?= $y ',
  '?>\n<script>var a = "<?php";</script>\n<?php ',
  '?>\r\n<p>é 😀 \u0000</p><?php\n',
  '<?php ?><?php ?>',
];

function deepNesting(rng: Rng, language: DocLanguage): string {
  const n = 10_000;
  const shape = rng.int(0, 5);
  if (language === 'c') {
    switch (shape) {
      case 0: return `\nvoid deep(void) {${'{'.repeat(n)}char *p = malloc(1);${'}'.repeat(n)}}\n`;
      case 1: return `\nint deep(void) { return ${'('.repeat(n)}1${')'.repeat(n)}; }\n`;
      case 2: return `\nvoid deep(int a) { ${'if (a) '.repeat(n)}free(0); }\n`;
      case 3: return `\nvoid deep(void) {${'{'.repeat(n)}\n`; // never closed
      case 4: return `\nint deep(int *a) { return ${'a['.repeat(n)}0${']'.repeat(n)}; }\n`;
      default: return `\n${'#if X\n'.repeat(n / 10)}void f(void) { malloc(1); }\n${'#endif\n'.repeat(n / 10)}`;
    }
  }
  if (language === 'php') {
    switch (shape) {
      case 0: return `\n$a = ${'['.repeat(n)}1${']'.repeat(n)};\n`;
      case 1: return `\nfunction deep() { static $c = []; ${'if ($x) { '.repeat(n)}$c[] = time();${' }'.repeat(n)} }\n`;
      case 2: return `\n$a = ${'('.repeat(n)}1${')'.repeat(n)};\n`;
      case 3: return `\nfunction deep() {${'{'.repeat(n)}\n`;
      case 4: return `\n$f = ${'fn() => '.repeat(n)}1;\n`;
      default: return `\nclass A { public static $c = []; function f() { ${'self::$c['.repeat(n)}1${']'.repeat(n)} = 1; } }\n`;
    }
  }
  return `\n${'['.repeat(n)}section${']'.repeat(n)}\nkey = ${'${'.repeat(n)}x${'}'.repeat(n)}\n`;
}

function longExpression(rng: Rng, language: DocLanguage): string {
  const n = 60_000;
  if (language === 'c') {
    return rng.chance(0.5)
      ? `\nint sum(int a) { return ${Array(n).fill('a').join(' + ')}; }\n`
      : `\nvoid cat(void) { char *s = emalloc(${Array(n).fill('1').join(' * ')}); }\n`;
  }
  if (language === 'php') {
    return rng.chance(0.5)
      ? `\n$s = ${Array(n).fill('$a').join(' . ')};\n`
      : `\nfunction f() { static $c = []; $c[${Array(n).fill('$k').join(' + ')}] = 1; }\n`;
  }
  return `\nmemory_limit = ${Array(n).fill('1').join(' | ')}\n`;
}

function longLine(rng: Rng, language: DocLanguage): string {
  const len = rng.pick([100_000, 500_000, 1_000_000]); // under the server's 2 MB maxFileSize
  const unit = rng.pick(language === 'php' ? ['$a', 'x', '"é", ', '// ', '[1],'] : language === 'c' ? ['a', '/*x*/', '"s" ', 'f(x),', '\\'] : ['x', ' = ', ';']);
  return '\n' + unit.repeat(Math.ceil(len / unit.length)) + (rng.chance(0.5) ? '\n' : '');
}

const hugeCache = new Map<string, string>();
/** A 50 MB file: the seed repeated (cached: building it is the costly part). */
function hugeFile(text: string, language: DocLanguage): string {
  const key = language;
  let t = hugeCache.get(key);
  if (!t) {
    const chunk = text.length ? text + '\n' : 'x\n';
    t = chunk.repeat(Math.ceil((50 * 1024 * 1024) / chunk.length));
    hugeCache.clear();
    hugeCache.set(key, t);
  }
  return t;
}

export interface MutateInput {
  text: string;
  language: DocLanguage;
  /** Another seed's text (for splice). */
  other: () => string;
}

/** Applies one mutation kind. */
export function mutate(kind: MutationKind, rng: Rng, input: MutateInput): Mutated {
  const { text, language } = input;
  const same = (t: string, note: string): Mutated => ({ text: t, language, note });
  switch (kind) {
    case 'truncate': {
      const b = boundaries(text);
      const at = rng.chance(0.8) ? rng.pick(b) : rng.int(0, text.length);
      return same(text.slice(0, at), `truncated at ${at}`);
    }
    case 'byte-flip': {
      const n = rng.pick([1, 2, 4, 16, 64]);
      return same(flipBytes(rng, text, n), `${n} bytes flipped`);
    }
    case 'delete-lines': {
      const ls = lines(text);
      const times = rng.int(1, 5);
      for (let i = 0; i < times && ls.length > 1; i++) {
        const at = rng.int(0, ls.length - 1);
        ls.splice(at, rng.int(1, Math.min(20, ls.length - at)));
      }
      return same(ls.join('\n'), `${times} line ranges deleted`);
    }
    case 'duplicate-lines': {
      const ls = lines(text);
      const at = rng.int(0, ls.length - 1);
      const chunk = ls.slice(at, at + rng.int(1, 30));
      const to = rng.int(0, ls.length);
      const copies = rng.pick([1, 1, 2, 10]);
      for (let c = 0; c < copies; c++) ls.splice(to, 0, ...chunk);
      return same(ls.join('\n'), `lines ${at}+${chunk.length} copied ${copies}x to ${to}`);
    }
    case 'unbalanced': {
      let t = text;
      const times = rng.int(1, 20);
      for (let i = 0; i < times; i++) {
        const brackets = '{}()[]';
        if (rng.chance(0.5) || !t.length) {
          const at = rng.int(0, t.length);
          t = t.slice(0, at) + rng.pick(brackets.split('')) + t.slice(at);
        } else {
          const ch = rng.pick(brackets.split(''));
          const positions: number[] = [];
          for (let j = t.indexOf(ch); j >= 0 && positions.length < 2000; j = t.indexOf(ch, j + 1)) positions.push(j);
          if (positions.length) {
            const at = rng.pick(positions);
            t = t.slice(0, at) + t.slice(at + 1);
          }
        }
      }
      return same(t, `${times} brackets inserted or deleted`);
    }
    case 'deep-nesting':
      return same(insertAtBoundary(rng, text, deepNesting(rng, language)), '10,000-deep nesting');
    case 'long-expression':
      return same(insertAtBoundary(rng, text, longExpression(rng, language)), '60,000-term expression');
    case 'long-line':
      return same(insertAtBoundary(rng, text, longLine(rng, language)), 'very long line');
    case 'huge-file':
      return same(hugeFile(text, language), '50 MB file');
    case 'nul-bytes': {
      let t = text;
      const n = rng.int(1, 8);
      for (let i = 0; i < n; i++) {
        // Past the first 8 KiB half the time: the binary check only looks there.
        const at = rng.chance(0.5) && t.length > 8192 ? rng.int(8192, t.length) : rng.int(0, t.length);
        t = t.slice(0, at) + '\u0000'.repeat(rng.int(1, 4)) + t.slice(at);
      }
      return same(t, `${n} NUL runs`);
    }
    case 'invalid-utf8': {
      const bad = [[0xff], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80]];
      if (rng.chance(0.3)) {
        // Lone surrogates straight in the string (JSON-RPC can carry them).
        const at = rng.int(0, text.length);
        return same(text.slice(0, at) + rng.pick(['\ud800', '\udfff', '\ud83d', '\ufffe', '\uffff']) + text.slice(at), 'lone surrogate');
      }
      const buf = Buffer.from(utf8.encode(text));
      const parts: Buffer[] = [];
      let last = 0;
      const n = rng.int(1, 10);
      const cuts = Array.from({ length: n }, () => rng.int(0, buf.length)).sort((a, b) => a - b);
      for (const c of cuts) {
        parts.push(buf.subarray(last, c), Buffer.from(rng.pick(bad)));
        last = c;
      }
      parts.push(buf.subarray(last));
      return same(decodeText(Buffer.concat(parts)), `${n} invalid UTF-8 sequences`);
    }
    case 'utf16-bom': {
      const le = rng.chance(0.5);
      const body = Buffer.from(text, 'utf16le');
      if (!le) body.swap16();
      const bytes = Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
      // Read right (decodeText, what the scan does) or wrong (as UTF-8: NULs everywhere).
      return rng.chance(0.5)
        ? same(decodeText(bytes), `UTF-16${le ? 'LE' : 'BE'} with BOM, decoded`)
        : same(new TextDecoder('utf-8').decode(bytes), `UTF-16${le ? 'LE' : 'BE'} with BOM, read as UTF-8`);
    }
    case 'line-ends': {
      const mode = rng.pick(['crlf', 'cr', 'mixed', 'crcrlf']);
      let t: string;
      if (mode === 'crlf') t = text.replace(/\r?\n/g, '\r\n');
      else if (mode === 'cr') t = text.replace(/\r?\n/g, '\r');
      else if (mode === 'crcrlf') t = text.replace(/\r?\n/g, '\r\r\n');
      else t = text.replace(/\r?\n/g, () => rng.pick(['\n', '\r\n', '\r', '\u2028', '\u0085']));
      return same(t, `line ends: ${mode}`);
    }
    case 'php5-syntax': {
      const pool = language === 'c' ? PHP5_C : language === 'php' ? PHP5_PHP : PHP5_INI;
      let t = text;
      const n = rng.int(1, 6);
      for (let i = 0; i < n; i++) t = insertAtBoundary(rng, t, rng.pick(pool));
      return same(t, `${n} PHP 5 constructs`);
    }
    case 'inline-html': {
      let t = text;
      const n = rng.int(1, 4);
      for (let i = 0; i < n; i++) t = insertAtBoundary(rng, t, rng.pick(HTML));
      return same(t, `${n} inline HTML / ?> pieces`);
    }
    case 'splice': {
      const other = input.other();
      const start = rng.int(0, other.length);
      const piece = other.slice(start, start + rng.int(1, 4000));
      const at = rng.int(0, text.length);
      const cut = rng.chance(0.5) ? rng.int(0, 2000) : 0;
      return same(text.slice(0, at) + piece + text.slice(at + cut), 'spliced with another file');
    }
    case 'wrong-language': {
      const others = ALL_LANGUAGES.filter((l) => l !== language);
      const to = rng.pick(others);
      return { text, language: to, note: `${language} analysed as ${to}` };
    }
  }
}

/** A window of the seed (most inputs): keeps inputs small so a campaign reaches 100,000. */
export function window(rng: Rng, text: string): string {
  if (rng.chance(0.15)) return text;
  const ls = lines(text);
  if (ls.length <= 300) return text;
  const len = rng.int(20, 300);
  const at = rng.int(0, ls.length - len);
  return ls.slice(at, at + len).join('\n');
}
