// Runtime findings follow the edits of their document: the pure anchoring
// (server/src/runtime/anchor.ts) and the server's store built on it (server/src/lsp/runtime.ts).
import * as assert from 'node:assert/strict';
import { anchorAt, changedBlock, moveRange, reanchor, splitLines, type LineAnchor } from '../../server/src/runtime/anchor';
import { RuntimeFindingsStore } from '../../server/src/lsp/runtime';
import type { Finding } from '../../server/src/engine/types';
import { lineRange } from '../../server/src/runtime/sources';

/** A C function body of `n` distinct lines, `line i` on line i. */
function numbered(n: number, prefix = 'line'): string[] {
  return Array.from({ length: n }, (_, i) => `\t${prefix} ${i};`);
}

/** Anchors on `lines` at the given 0-based lines, then moved to `after`. */
function move(before: string[], after: string[], at: number[], window?: number): LineAnchor[] {
  return reanchor(
    at.map((l) => anchorAt(before, l)),
    before,
    after,
    window,
  );
}

const live = (line: number) => ({ line, stale: false });
const brief = (a: LineAnchor[]) => a.map(({ line, stale }) => ({ line, stale }));

describe('runtime anchors: reanchor (pure)', () => {
  const base = [
    '#include "php.h"',
    '',
    'PHP_FUNCTION(leak_malloc)',
    '{',
    '\tvoid *foo = malloc(1024);', // 4
    '\tmemset(foo, 0, 1024);', // 5
    '\tRETURN_TRUE;',
    '}',
  ];

  it('lines inserted above move the anchor down by as many lines', () => {
    const after = ['/* a */', '/* b */', '/* c */', ...base];
    assert.deepEqual(brief(move(base, after, [4, 5])), [live(7), live(8)]);
  });

  it('lines inserted below, or an edit of another line, leave it where it is', () => {
    assert.deepEqual(brief(move(base, [...base, 'static int x;', ''], [4])), [live(4)]);
    const edited = base.map((l, i) => (i === 5 ? '\tmemset(foo, 1, 1024);' : l));
    assert.deepEqual(brief(move(base, edited, [4])), [live(4)]);
  });

  it('lines deleted above move it up', () => {
    const after = base.filter((_, i) => i !== 0 && i !== 1);
    assert.deepEqual(brief(move(base, after, [4, 5])), [live(2), live(3)]);
  });

  it('a line inserted at the start of the anchored line (text + newline) pushes it down', () => {
    const after = [...base.slice(0, 4), '\tZEND_PARSE_PARAMETERS_NONE();', ...base.slice(4)];
    assert.deepEqual(brief(move(base, after, [4])), [live(5)]);
  });

  it('an edit of the line itself makes it stale; undoing the edit brings it back', () => {
    const edited = base.map((l, i) => (i === 4 ? '\tvoid *foo = emalloc(1024);' : l));
    const [a] = move(base, edited, [4]);
    assert.deepEqual({ line: a.line, stale: a.stale }, { line: 4, stale: true });
    assert.equal(a.text, base[4], 'the anchor keeps the text of the run');
    const [b] = reanchor([a], edited, base);
    assert.deepEqual({ line: b.line, stale: b.stale }, live(4));
  });

  it('a deleted line makes it stale; re-inserting it (undo) brings it back', () => {
    const deleted = base.filter((_, i) => i !== 4);
    const [a] = move(base, deleted, [4]);
    assert.equal(a.stale, true);
    const [b] = reanchor([a], deleted, base);
    assert.deepEqual(brief([b]), [live(4)]);
  });

  it('a stale anchor far from a later change stays stale (no match elsewhere revives it)', () => {
    const deleted = base.filter((_, i) => i !== 4);
    const [a] = move(base, deleted, [4]);
    const far = [...deleted, '', 'static void other(void) {', '\tvoid *foo = malloc(1024);', '}'];
    const [b] = reanchor([a], deleted, far);
    assert.equal(b.stale, true);
  });

  it('re-indenting the line keeps it (blanks around the text do not count)', () => {
    const after = base.map((l, i) => (i === 4 ? `    ${l.trim()}  ` : l));
    assert.deepEqual(brief(move(base, after, [4])), [live(4)]);
  });

  it('a line moved within one change (cut and paste in one edit) is found among the changed lines, nearest first', () => {
    // lines 4..5 swapped: one changed block [4, 6)
    const after = [...base.slice(0, 4), base[5], base[4], ...base.slice(6)];
    assert.deepEqual(brief(move(base, after, [4, 5])), [live(5), live(4)]);
  });

  it('keeps it on the same line when the change covers it but its text is still there', () => {
    const after = base.map((l, i) => (i === 3 ? '{ /* x */' : i === 5 ? '\tmemset(foo, 2, 1024);' : l));
    assert.deepEqual(changedBlock(base, after), { start: 3, beforeEnd: 6, afterEnd: 6 });
    assert.deepEqual(brief(move(base, after, [4])), [live(4)]);
  });

  describe('duplicate identical lines', () => {
    // The same allocation in two functions.
    const dup = [
      'PHP_FUNCTION(a)', // 0
      '{',
      '\tchar *p = emalloc(8);', // 2
      '}',
      'PHP_FUNCTION(b)', // 4
      '{',
      '\tchar *p = emalloc(8);', // 6
      '}',
    ];

    it('each anchor follows its own line when lines are inserted above or between them', () => {
      const above = ['/* 1 */', '/* 2 */', ...dup];
      assert.deepEqual(brief(move(dup, above, [2, 6])), [live(4), live(8)]);
      // Two lines inserted right after the first copy: the second copy is where the first
      // one would be by line number, but the diff knows better.
      const between = [...dup.slice(0, 3), '\tp[0] = 0;', '\tp[1] = 0;', ...dup.slice(3)];
      assert.deepEqual(brief(move(dup, between, [2, 6])), [live(2), live(8)]);
    });

    it('editing one copy makes its finding stale: it does not jump to the other copy', () => {
      const edited = dup.map((l, i) => (i === 2 ? '\tchar *p = emalloc(16);' : l));
      assert.deepEqual(brief(move(dup, edited, [2, 6])), [{ line: 2, stale: true }, live(6)]);
    });

    it('deleting the function of one copy drops that finding only', () => {
      const deleted = dup.slice(4);
      assert.deepEqual(brief(move(dup, deleted, [2, 6])), [{ line: 0, stale: true }, live(2)]);
    });

    it('among several copies in the changed lines the nearest wins; two at the same distance are ambiguous (stale)', () => {
      const before = ['{', '\tx();', '\tchar *p = emalloc(8);', '\ty();', '}'];
      // lines 1..3 replaced by a block holding the text twice, at distances 1 (above) and 2 (below)
      const nearer = ['{', '\tchar *p = emalloc(8);', '\tz();', '\tw();', '\tchar *p = emalloc(8);', '}'];
      assert.deepEqual(brief(move(before, nearer, [2])), [live(1)]);
      // at distances 1 above and 1 below
      const tie = ['{', '\tchar *p = emalloc(8);', '\tz();', '\tchar *p = emalloc(8);', '}'];
      assert.deepEqual(brief(move(before, tie, [2])), [{ line: 2, stale: true }]);
    });
  });

  it('looks no further than the window', () => {
    const before = ['top', ...numbered(20), 'bottom'];
    // One change over the whole middle: line 3 moved 12 lines down.
    const middle = numbered(20);
    const moved = [...middle.slice(0, 3), ...middle.slice(4, 16), middle[3], ...middle.slice(16)];
    const after = ['top', ...moved, 'bottom'];
    assert.deepEqual(brief(move(before, after, [4], 5)), [{ line: 4, stale: true }]);
    assert.deepEqual(brief(move(before, after, [4], 20)), [live(16)]);
  });

  it('a blank line is never searched for (only moved by the diff)', () => {
    const before = ['a', '', 'b', 'c'];
    assert.deepEqual(brief(move(before, ['x', 'a', '', 'b', 'c'], [1])), [live(2)]);
    assert.deepEqual(brief(move(before, ['a', 'b', '', 'c'], [1])), [{ line: 1, stale: true }]);
  });

  it('a line past the end of the text is stale from the start', () => {
    const a = anchorAt(['a', 'b'], 7);
    assert.deepEqual({ line: a.line, stale: a.stale }, { line: 1, stale: true });
    const [b] = reanchor([a], ['a', 'b'], ['a', 'b', '', '', '', '', '', '']);
    assert.equal(b.stale, true);
  });

  describe('line ends', () => {
    it('splits on \\r\\n, \\n and \\r as LSP does', () => {
      assert.deepEqual(splitLines('a\r\nb\nc\rd'), ['a', 'b', 'c', 'd']);
      assert.deepEqual(splitLines('a\r\n'), ['a', '']);
    });

    it('CRLF text: inserting lines above moves it; the line text has no \\r', () => {
      const text = base.join('\r\n');
      const after = ['// one', '// two', ...base].join('\r\n');
      const [a] = reanchor([anchorAt(splitLines(text), 4)], splitLines(text), splitLines(after));
      assert.deepEqual(brief([a]), [live(6)]);
      assert.equal(a.text, base[4]);
    });

    it('a file whose line ends went from LF to CRLF keeps its anchors', () => {
      const lf = base.join('\n');
      const crlf = base.join('\r\n');
      assert.deepEqual(brief(move(splitLines(lf), splitLines(crlf), [4])), [live(4)]);
    });
  });

  it('moveRange shifts lines and follows the indentation', () => {
    const range = { start: { line: 4, character: 1 }, end: { line: 4, character: 25 } };
    assert.deepEqual(moveRange(range, '\tvoid *foo = malloc(1024);', 9, '\tvoid *foo = malloc(1024);'), {
      start: { line: 9, character: 1 },
      end: { line: 9, character: 25 },
    });
    assert.deepEqual(moveRange(range, '\tvoid *foo = malloc(1024);', 9, '    void *foo = malloc(1024);'), {
      start: { line: 9, character: 4 },
      end: { line: 9, character: 28 },
    });
  });
});

describe('runtime anchors: the server store (RuntimeFindingsStore)', () => {
  const uri = 'file:///ws/ext/memory.c';
  const fsPath = '/ws/ext/memory.c';
  const disk = ['#include "php.h"', 'PHP_FUNCTION(a)', '{', '\tchar *p = emalloc(8);', '\tuse(p);', '}', ''].join('\n');
  const finding = (line: number, extra: Partial<Finding> = {}): Finding => ({
    ruleId: 'runtime-debug-leak',
    severity: 'warning',
    message: 'debug build: 8 bytes in 1 block still allocated at request end',
    range: { start: { line, character: 1 }, end: { line, character: 22 } },
    ...extra,
  });
  const lines = (fs: Finding[]) => fs.map((f) => f.range.start.line);

  it('follows an insertion above; an edit of the line drops it and leaves a note; undo brings it back', () => {
    const store = new RuntimeFindingsStore();
    let editor = disk;
    store.set({ source: 'debug-build', files: [{ uri, findings: [finding(3)] }] }, () => disk, () => editor);
    assert.deepEqual(lines(store.get(uri, () => editor).findings), [3]);
    editor = `// 1\n// 2\n${disk}`;
    assert.equal(store.update(uri, editor), 0);
    const moved = store.get(uri, () => editor);
    assert.deepEqual(moved.findings.map((f) => f.range), [{ start: { line: 5, character: 1 }, end: { line: 5, character: 22 } }]);
    assert.deepEqual(moved.notes, []);
    const fixed = editor.replace('\tchar *p = emalloc(8);', '\tchar *p = emalloc(8); efree(p);');
    assert.equal(store.update(uri, fixed), 1, 'one finding became stale');
    const after = store.get(uri, () => fixed);
    assert.deepEqual(after.findings, []);
    assert.equal(after.notes.length, 1);
    assert.equal(after.notes[0].ruleId, 'runtime-debug-leak');
    assert.equal(after.notes[0].severity, 'information');
    assert.match(after.notes[0].message, /^debug build: 1 runtime finding dropped after edits .*re-run the measurement/);
    assert.equal(store.staleCount(), 1);
    assert.deepEqual(lines(store.get(uri, () => editor).findings), [5], 'undo');
    assert.equal(store.staleCount(), 0);
  });

  it("the document's phpLeak.rules win over a runtime finding's severity; 'off' hides it", () => {
    const store = new RuntimeFindingsStore();
    store.set({ source: 'debug-build', files: [{ uri, findings: [finding(3)] }] }, () => disk, () => disk);
    assert.deepEqual(store.get(uri, () => disk, 'long-running', { 'runtime-debug-leak': 'hint' }).findings.map((f) => f.severity), ['hint']);
    assert.deepEqual(store.get(uri, () => disk, 'long-running', { 'runtime-debug-leak': 'off' }).findings, []);
    assert.deepEqual(store.get(uri, () => disk, 'long-running', { 'runtime-valgrind-leak': 'off' }).findings.map((f) => f.severity), ['warning'], 'another rule\'s setting');
  });

  it('anchors on the disk text (what the run saw) and moves to unsaved editor text', () => {
    const store = new RuntimeFindingsStore();
    const editor = `/* unsaved */\n/* lines */\n/* above */\n${disk}`;
    store.set({ source: 'valgrind', files: [{ uri, findings: [finding(3, { ruleId: 'runtime-valgrind-leak' })] }] }, () => disk, () => editor);
    assert.deepEqual(lines(store.get(uri, () => editor).findings), [6]);
  });

  it('without a text on disk, the document text when the findings arrive is the baseline', () => {
    const store = new RuntimeFindingsStore();
    store.set({ source: 'valgrind', files: [{ uri, findings: [finding(3)] }] }, () => undefined, () => disk);
    assert.deepEqual(lines(store.get(uri, () => `\n${disk}`).findings), [4]);
  });

  it('with no text at all they pass through unchanged, and are anchored on the first text seen', () => {
    const store = new RuntimeFindingsStore();
    store.set({ source: 'valgrind', files: [{ uri, findings: [finding(3)] }] }, () => undefined, () => undefined);
    assert.deepEqual(lines(store.get(uri, () => undefined).findings), [3]);
    assert.deepEqual(lines(store.get(uri, () => disk).findings), [3]);
    assert.deepEqual(lines(store.get(uri, () => `\n\n${disk}`).findings), [5]);
  });

  it('related lines in the same file move too (a stale one is left out); other files are not followed', () => {
    const store = new RuntimeFindingsStore();
    const r = (line: number, path?: string) => ({ range: { start: { line, character: 1 }, end: { line, character: 5 } }, message: `frame ${line}`, ...(path ? { path } : {}) });
    store.set({ source: 'valgrind', files: [{ uri, findings: [finding(3, { related: [r(4, fsPath), r(1), r(4, '/elsewhere/x.c')] })] }] }, () => disk, () => disk);
    const editor = `// 1\n${disk.replace('PHP_FUNCTION(a)', 'PHP_FUNCTION(renamed)')}`;
    const [f] = store.get(uri, () => editor).findings;
    assert.equal(f.range.start.line, 4);
    assert.deepEqual(
      f.related!.map((x) => [x.message, x.range.start.line]),
      [
        ['frame 4', 5],
        ['frame 4', 4],
      ],
    );
    assert.equal(f.related![1].path, '/elsewhere/x.c');
  });

  it('a new run of one source replaces its findings (and its stale ones), not the other source', () => {
    const store = new RuntimeFindingsStore();
    store.set({ source: 'valgrind', files: [{ uri, findings: [finding(3, { ruleId: 'runtime-valgrind-leak' })] }] }, () => disk, () => disk);
    store.set({ source: 'debug-build', files: [{ uri, findings: [finding(4)] }] }, () => disk, () => disk);
    const edited = disk.replace('\tchar *p = emalloc(8);', '\tchar *p = NULL;');
    assert.equal(store.update(uri, edited), 1);
    assert.deepEqual(store.get(uri, () => edited).findings.map((f) => f.ruleId), ['runtime-debug-leak']);
    assert.deepEqual(store.get(uri, () => edited).notes.map((n) => n.ruleId), ['runtime-valgrind-leak']);
    const changed = store.set({ source: 'valgrind', files: [] }, () => edited, () => edited);
    assert.deepEqual(changed, [uri]);
    assert.deepEqual(store.get(uri, () => edited).notes, []);
    assert.deepEqual(lines(store.get(uri, () => edited).findings), [4]);
  });
});

describe('lineRange: lines as LSP counts them', () => {
  it('a lone \\r ends a line too (old Mac line ends), like \\n and \\r\\n', () => {
    const text = 'a();\r  emalloc(8);\rb();\r\n  efree(p);\nend();';
    const read = () => text;
    assert.deepEqual(lineRange('/x.c', 2, read), { start: { line: 1, character: 2 }, end: { line: 1, character: 13 } });
    assert.deepEqual(lineRange('/x.c', 4, read), { start: { line: 3, character: 2 }, end: { line: 3, character: 11 } });
    assert.deepEqual(lineRange('/x.c', 5, read), { start: { line: 4, character: 0 }, end: { line: 4, character: 6 } });
  });
});
