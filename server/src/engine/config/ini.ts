// A parser for PHP's INI dialect: php.ini, .user.ini, conf.d/*.ini and the
// php-fpm configuration files (php-fpm.conf, pool files), which php-fpm reads
// with the same INI scanner. Tolerant: a line it cannot read is kept as an
// `invalid` line and parsing goes on.

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

export function parseIni(text: string): IniDocument {
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
