// Keeping runtime findings on their lines while the file is edited. valgrind and a debug
// build report line numbers of the run; after the user inserts or deletes lines above, those
// numbers point at other code. Each finding is anchored to the text of its line (as the file
// was when the findings arrived) and moved along with every change of the document:
//
// 1. The change is located by comparing the text before and after it: the lines before the
//    first difference (common prefix) stay where they are, the lines after the last one
//    (common suffix) move by the number of lines added or removed. An anchor there moves
//    exactly, even when identical lines exist elsewhere (duplicates are no problem).
// 2. An anchor inside the changed lines was touched by the edit. Its text is looked for in the
//    changed lines of the new text only (lines outside them are other lines, already accounted
//    for), within ±window lines of where it was, nearest first (its own line first). Found:
//    it moves there. Two candidates at the same distance (above and below): ambiguous, stale.
//    Not found (the line was edited or deleted): stale.
// 3. A stale anchor is carried along (its approximate line) and looked for again whenever a
//    change touches its lines: undoing the edit brings the finding back.
//
// Lines compare without leading and trailing blanks (a re-indented line is the same line);
// a blank line is never searched for (it says nothing about where the code went). Lines are
// split the way LSP counts them (\r\n, \n and \r all end a line).
// Pure functions: no LSP, no file system (test/unit/runtime-anchor.test.ts).
import type { Range } from '../engine/types';

/** How far (in lines) a finding whose line was touched by an edit is looked for. */
export const ANCHOR_WINDOW = 200;

export interface LineAnchor {
  /** 0-based line where `text` is now; when stale, where it was last seen (approximately). */
  line: number;
  /** The line's text when the findings arrived. */
  text: string;
  /** The line was edited or deleted: no line of the current text is this one. */
  stale: boolean;
}

/** The lines of a text as LSP numbers them. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

const key = (line: string | undefined): string => (line ?? '').trim();

/** The anchor of 0-based `line` in `lines`; stale when there is no such line. */
export function anchorAt(lines: readonly string[], line: number): LineAnchor {
  const inRange = Number.isInteger(line) && line >= 0 && line < lines.length;
  const near = Number.isFinite(line) ? Math.min(line, lines.length - 1) : 0;
  return { line: Math.max(0, inRange ? line : near), text: inRange ? lines[line] : '', stale: !inRange };
}

/** The changed block between two texts: `before[start, beforeEnd)` became `after[start, afterEnd)`. */
export interface LineChange {
  start: number;
  beforeEnd: number;
  afterEnd: number;
}

/** The smallest block of lines outside of which both texts are identical (prefix and suffix). */
export function changedBlock(before: readonly string[], after: readonly string[]): LineChange {
  const n = before.length;
  const m = after.length;
  let p = 0;
  while (p < n && p < m && before[p] === after[p]) p++;
  let s = 0;
  while (s < n - p && s < m - p && before[n - 1 - s] === after[m - 1 - s]) s++;
  return { start: p, beforeEnd: n - s, afterEnd: m - s };
}

/**
 * Where each anchor is in `after`, given that it was correct for `before` (see the top of the
 * file). Returns new anchors (same order); `text` never changes.
 */
export function reanchor(anchors: readonly LineAnchor[], before: readonly string[], after: readonly string[], window = ANCHOR_WINDOW): LineAnchor[] {
  const c = changedBlock(before, after);
  const shift = c.afterEnd - c.beforeEnd;
  const last = Math.max(0, after.length - 1);
  return anchors.map((a) => {
    const k = key(a.text);
    const inside = a.line >= c.start && a.line < c.beforeEnd;
    // Where it is now (outside the change), or the nearest changed line (inside it).
    const mapped = a.line < c.start ? a.line : a.line >= c.beforeEnd ? a.line + shift : Math.max(0, Math.min(a.line, c.afterEnd - 1, last));
    // A stale anchor next to the change is looked for too: re-inserting a deleted line is a
    // change next to where it was.
    const touched = inside || (a.stale && a.line >= c.start - 1 && a.line <= c.beforeEnd);
    // Outside the change: the same physical line, live if it was (a blank anchor keeps its state).
    if (!touched) return { line: mapped, text: a.text, stale: k ? key(after[mapped]) !== k : a.stale };
    const lo = Math.max(c.start, mapped - window);
    const hi = Math.min(c.afterEnd - 1, mapped + window);
    if (!k || hi < lo) return { line: mapped, text: a.text, stale: true };
    // Nearest first, from `mapped` clamped into the changed lines.
    const from = Math.max(lo, Math.min(mapped, hi));
    for (let d = 0; from - d >= lo || from + d <= hi; d++) {
      const up = from - d >= lo && key(after[from - d]) === k;
      const down = d > 0 && from + d <= hi && key(after[from + d]) === k;
      if (up && down) break; // two at the same distance: ambiguous
      if (up) return { line: from - d, text: a.text, stale: false };
      if (down) return { line: from + d, text: a.text, stale: false };
    }
    return { line: mapped, text: a.text, stale: true };
  });
}

/**
 * A finding's range moved from its reported line (where the anchor text was) to `line`, whose
 * text is `lineText`: lines shift by the same amount; columns follow a change of indentation.
 */
export function moveRange(range: Range, anchorText: string, line: number, lineText: string): Range {
  const dl = line - range.start.line;
  const dc = lead(lineText) - lead(anchorText);
  const col = (c: number, l: number) => (l === line ? Math.max(0, Math.min(lineText.length, c + dc)) : c);
  return {
    start: { line: range.start.line + dl, character: col(range.start.character, range.start.line + dl) },
    end: { line: range.end.line + dl, character: col(range.end.character, range.end.line + dl) },
  };
}

function lead(s: string): number {
  const i = s.search(/\S/);
  return i < 0 ? s.length : i;
}
