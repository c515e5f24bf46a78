import type { Position, Range } from './types';

/** Maps string offsets (UTF-16 code units) to LSP positions and back. */
export class LineIndex {
  private readonly starts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10 /* \n */) {
        starts.push(i + 1);
      } else if (ch === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line];
    const end = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.max(start, Math.min(start + pos.character, end));
  }

  range(startOffset: number, endOffset: number): Range {
    return { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
  }

  /** The text of a line without its line terminator. */
  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const start = this.starts[line];
    const end = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return this.text.slice(start, end).replace(/\r?\n$|\r$/, '');
  }

  /** Leading white space of a line, for inserting statements at the same depth. */
  indentOf(line: number): string {
    const m = /^[ \t]*/.exec(this.lineText(line));
    return m ? m[0] : '';
  }

  /** The document's line terminator (first one found; \n by default). */
  get eol(): string {
    const m = /\r\n|\r|\n/.exec(this.text);
    return m ? m[0] : '\n';
  }
}

export function containsPosition(range: Range, pos: Position): boolean {
  const afterStart =
    pos.line > range.start.line || (pos.line === range.start.line && pos.character >= range.start.character);
  const beforeEnd =
    pos.line < range.end.line || (pos.line === range.end.line && pos.character <= range.end.character);
  return afterStart && beforeEnd;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  const before = (p: Position, q: Position) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** At most this many characters of a workspace value are shown in a hover or a message. */
export const MAX_SHOWN_VALUE = 200;

/** `value` cut to `max` characters (an ellipsis after): a 10 MB value is not echoed back whole. */
export function clip(value: string, max = MAX_SHOWN_VALUE): string {
  const v = String(value);
  if (v.length <= max) return v;
  // Not in the middle of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(v[max - 1]) ? max - 1 : max;
  return v.slice(0, end) + '…';
}

/**
 * A Markdown code span that shows `value` (text from a workspace file: a configuration value,
 * a file name, a piece of code) literally, whatever it contains: fenced by a run of backticks
 * longer than any run inside it, so a backtick in the value cannot end the span and turn the
 * rest (`![x](http://…)`, `[a](…)`, `<img …>`) into a live image, link or HTML. Line breaks
 * become spaces (a blank line would end the paragraph); at most `max` characters are shown.
 * The one escaping helper for workspace values in hovers and hover-shown messages.
 */
export function mdCode(value: string, max = MAX_SHOWN_VALUE): string {
  const v = clip(String(value).replace(/\r\n|[\r\n\u2028\u2029]/g, ' '), max);
  if (!v.length) return '` `';
  let longest = 0;
  let run = 0;
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) === 96 /* ` */) longest = Math.max(longest, ++run);
    else run = 0;
  }
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space from each end when both are spaces: pad so the value survives,
  // and so a value starting or ending with a backtick does not join the fence.
  const pad = v[0] === '`' || v[v.length - 1] === '`' || (v[0] === ' ' && v[v.length - 1] === ' ' && v.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

/** Plain text (a diagnostic message) made inert for Markdown: every punctuation mark that Markdown reads is backslash-escaped. */
export function mdText(text: string): string {
  return String(text).replace(/[\\`*_{}[\]()#+\-.!|<>~&=:"']/g, '\\$&');
}
