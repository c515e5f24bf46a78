// A parser for PHP's INI dialect: php.ini, .user.ini, conf.d/*.ini and the
// php-fpm configuration files (php-fpm.conf, pool files), which php-fpm reads
// with the same INI scanner. Tolerant: a line it cannot read is kept as an
// `invalid` line and parsing goes on.
//
// Options (additive; the default is PHP's dialect) read two other INI-like
// dialects: systemd unit files (`\` continuation lines, no inline comments)
// and supervisor's Python configparser (indented continuation lines, `;`/`#`
// inline comments after whitespace). See IniOptions.

export interface IniSection {
  name: string;
  /** Offsets of the `[name]` header. */
  start: number;
  end: number;
  /** Offset where the section's body ends (next header or end of text). */
  bodyEnd: number;
  /** 0-based line of the header. */
  line: number;
}

export interface IniEntry {
  /** Section name, or undefined before the first header. */
  section: string | undefined;
  /** The key as written, e.g. `pm.max_requests` or `php_admin_value[memory_limit]`. */
  key: string;
  /** For php-fpm's `php_value[x]`, `php_admin_value[x]`, `php_flag[x]`, `php_admin_flag[x]`: `x`. */
  iniKey?: string;
  /** For those: `php_value`, `php_admin_value`, … */
  directive?: string;
  /** The value without quotes and trailing comment. */
  value: string;
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  /** Offsets of the whole line (without its line end). */
  lineStart: number;
  lineEnd: number;
  line: number;
  /**
   * Only with an IniOptions.continuation: the value's pieces as written, one
   * per physical line (without the continuation `\`, comments and, for the
   * first, the key), so a consumer can map the logical value back to offsets.
   * `value` is these pieces joined (systemd: a space; configparser: a line end).
   */
  parts?: Array<{ start: number; end: number }>;
  /** Only with an IniOptions.continuation: the 0-based last line of the entry. */
  endLine?: number;
}

/** Dialect options of parseIni; the default (no options) is PHP's INI dialect. */
export interface IniOptions {
  /**
   * How a value goes on over following lines:
   * - `'backslash'` (systemd.syntax(7)): a line ending in `\` goes on with the
   *   next line, the `\` read as a space; comment lines in between are skipped.
   * - `'indent'` (Python configparser, supervisor): lines indented deeper than
   *   the key's line go on the value (blank and comment lines in between are skipped).
   * Default: none (PHP).
   */
  continuation?: 'backslash' | 'indent';
  /**
   * Which inline comments end a value:
   * - `'php'` (default): `;` outside double quotes; surrounding `"` are removed from `value`.
   * - `'whitespace'` (configparser with inline_comment_prefixes `;` and `#`, as supervisor sets them):
   *   `;` or `#` after a whitespace character. Quotes are kept.
   * - `'none'` (systemd): none. Quotes are kept.
   */
  inlineComments?: 'php' | 'whitespace' | 'none';
}

export interface IniDocument {
  sections: IniSection[];
  entries: IniEntry[];
  /** 0-based lines that are neither blank, comment, header nor key = value. */
  invalid: number[];
}

const PHP_DIRECTIVE = /^(php_value|php_admin_value|php_flag|php_admin_flag|env)\[([^\]]*)\]$/;

/** Where an unquoted value's trailing `;` comment starts (outside double quotes), or -1. */
function commentStart(s: string): number {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ';' && !inQuote) return i;
  }
  return -1;
}

/** Where a configparser inline comment (`;` or `#` after whitespace) starts in `line` at or after `from`, or -1. */
function whitespaceCommentStart(line: string, from: number): number {
  for (let i = Math.max(from, 1); i < line.length; i++) {
    if ((line[i] === ';' || line[i] === '#') && /\s/.test(line[i - 1])) return i;
  }
  return -1;
}

interface PhysicalLine {
  start: number;
  end: number;
  /** Offset after the line end. */
  next: number;
}

function physicalLines(text: string): PhysicalLine[] {
  const out: PhysicalLine[] = [];
  let pos = 0;
  while (pos <= text.length) {
    let end = pos;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    const next = end >= text.length ? text.length + 1 : end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
    out.push({ start: pos, end, next });
    if (end >= text.length) break;
    pos = next;
  }
  return out;
}

/** A dialect read (systemd, configparser): `[section]`, `key = value` with continuation lines. */
function parseIniDialect(text: string, options: IniOptions): IniDocument {
  const sections: IniSection[] = [];
  const entries: IniEntry[] = [];
  const invalid: number[] = [];
  const lines = physicalLines(text);
  const comments = options.inlineComments ?? 'none';
  const isComment = (l: PhysicalLine) => {
    const body = text.slice(l.start, l.end).trim();
    return body.startsWith(';') || body.startsWith('#');
  };
  /** [start, end) of a piece of `l` from `from`, inline comment removed and whitespace trimmed. */
  const piece = (l: PhysicalLine, from: number): { start: number; end: number } => {
    const raw = text.slice(l.start, l.end);
    let stop = raw.length;
    if (comments === 'whitespace') {
      const c = whitespaceCommentStart(raw, from - l.start);
      if (c >= 0) stop = c;
    } else if (comments === 'php') {
      const c = commentStart(raw.slice(from - l.start));
      if (c >= 0) stop = from - l.start + c;
    }
    let s = from;
    let e = l.start + stop;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    return { start: s, end: e };
  };
  let current: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const raw = text.slice(l.start, l.end);
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body === '' || body.startsWith(';') || body.startsWith('#')) continue;
    if (body.startsWith('[')) {
      const close = body.indexOf(']');
      if (close > 0) {
        if (sections.length) sections[sections.length - 1].bodyEnd = l.start;
        current = body.slice(1, close).trim();
        sections.push({ name: current, start: l.start + indent, end: l.start + indent + close + 1, bodyEnd: text.length, line: i });
      } else {
        invalid.push(i);
      }
      continue;
    }
    const eq = raw.indexOf('=');
    const key = eq < 0 ? '' : raw.slice(0, eq).trim();
    if (key === '') {
      invalid.push(i);
      continue;
    }
    const keyStart = l.start + raw.indexOf(key);
    const parts = [piece(l, l.start + eq + 1)];
    let last = i;
    const sep = options.continuation === 'indent' ? '\n' : ' ';
    if (options.continuation === 'backslash') {
      // systemd: `\` at the end of the (right-trimmed) line goes on with the next non-comment line.
      for (;;) {
        const p = parts[parts.length - 1];
        if (p.end <= p.start || text[p.end - 1] !== '\\') break;
        p.end--;
        while (p.end > p.start && /\s/.test(text[p.end - 1])) p.end--;
        let j = last + 1;
        while (j < lines.length && isComment(lines[j])) j++;
        if (j >= lines.length) break;
        last = j;
        parts.push(piece(lines[j], lines[j].start));
      }
    } else if (options.continuation === 'indent') {
      // configparser: deeper-indented lines go on the value; blank and comment lines between are skipped.
      for (let j = last + 1; j < lines.length; j++) {
        const r = text.slice(lines[j].start, lines[j].end);
        if (r.trim() === '' || isComment(lines[j])) continue;
        if (r.length - r.trimStart().length <= indent) break;
        last = j;
        parts.push(piece(lines[j], lines[j].start));
      }
    }
    const kept = parts.filter((p, k) => k === 0 || p.end > p.start);
    const m = PHP_DIRECTIVE.exec(key);
    entries.push({
      section: current,
      key,
      ...(m ? { directive: m[1], iniKey: m[2].trim() } : {}),
      value: kept.map((p) => text.slice(p.start, p.end)).join(sep),
      keyStart,
      keyEnd: keyStart + key.length,
      valueStart: kept[0].start,
      valueEnd: kept[kept.length - 1].end,
      lineStart: l.start,
      lineEnd: lines[last].end,
      line: i,
      parts: kept,
      endLine: last,
    });
    i = last;
  }
  return { sections, entries, invalid };
}

/**
 * Parses INI text. Without options: PHP's dialect (php.ini, php-fpm). With
 * options: systemd or configparser (supervisor) files; see IniOptions.
 */
export function parseIni(text: string, options?: IniOptions): IniDocument {
  if (options && (options.continuation || (options.inlineComments && options.inlineComments !== 'php'))) return parseIniDialect(text, options);
  const sections: IniSection[] = [];
  const entries: IniEntry[] = [];
  const invalid: number[] = [];
  let current: string | undefined;
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    // Find the end of this line (\n, \r\n or \r).
    let end = pos;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    const raw = text.slice(pos, end);
    const trimmedStart = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body === '' || body.startsWith(';') || body.startsWith('#')) {
      // blank or comment
    } else if (body.startsWith('[')) {
      const close = body.indexOf(']');
      if (close > 0) {
        if (sections.length) sections[sections.length - 1].bodyEnd = pos;
        current = body.slice(1, close).trim();
        sections.push({ name: current, start: pos + trimmedStart, end: pos + trimmedStart + close + 1, bodyEnd: text.length, line: lineNo });
      } else {
        invalid.push(lineNo);
      }
    } else {
      const eq = raw.indexOf('=');
      if (eq < 0) {
        invalid.push(lineNo);
      } else {
        const keyRaw = raw.slice(0, eq);
        const key = keyRaw.trim();
        const keyStart = pos + keyRaw.indexOf(key);
        let valueRaw = raw.slice(eq + 1);
        const c = commentStart(valueRaw);
        if (c >= 0) valueRaw = valueRaw.slice(0, c);
        let value = valueRaw.trim();
        const valueStart = pos + eq + 1 + (valueRaw.length - valueRaw.trimStart().length);
        const valueEnd = valueStart + value.length;
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
          value = value.slice(1, -1);
        }
        if (key === '') {
          invalid.push(lineNo);
        } else {
          const m = PHP_DIRECTIVE.exec(key);
          entries.push({
            section: current,
            key,
            ...(m ? { directive: m[1], iniKey: m[2].trim() } : {}),
            value,
            keyStart,
            keyEnd: keyStart + key.length,
            valueStart,
            valueEnd,
            lineStart: pos,
            lineEnd: end,
            line: lineNo,
          });
        }
      }
    }
    if (end >= text.length) break;
    pos = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
    lineNo++;
  }
  return { sections, entries, invalid };
}

/**
 * PHP's size shorthand (`128M`, `1G`, `512K`, `-1`) in bytes; -1 means unlimited;
 * undefined when it is not a size.
 */
export function parseSize(value: string): number | undefined {
  const m = /^\s*(-?\d+)\s*([KkMmGg]?)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n < 0) return -1;
  const unit = m[2].toUpperCase();
  return n * (unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1);
}

export function formatBytes(n: number): string {
  if (n < 0) return 'unlimited';
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GB`;
  if (n >= 1024 ** 2) return `${Math.round((n / 1024 ** 2) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} kB`;
  return `${n} bytes`;
}

/** PHP's boolean INI values that mean off. */
export function iniOff(value: string): boolean {
  return /^\s*(0|off|false|no|none|)\s*$/i.test(value);
}

