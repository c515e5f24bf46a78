// A trap of tree-sitter's WebAssembly during a parse (parser.ts): the Parser is replaced by a
// fresh one (same Language) and the file parsed again from scratch; when the retry traps too,
// that file fails alone (the C rules record a failure, nothing throws) and the next file parses.
// The traps are injected with the test-only hook injectCParseTrapsForTests.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, initEngine, type AnalysisResult } from '../../server/src/engine';
import { cParserStats, injectCParseTrapsForTests } from '../../server/src/engine/c/parser';
import { DiskWorkspace } from '../../server/src/engine/workspace';
import { rangeOf, src } from './c-helpers';

before(async () => {
  await initEngine();
});

afterEach(() => injectCParseTrapsForTests(0));

const LEAK = src('PHP_FUNCTION(a)', '{', '    char *p = emalloc(8);', '    RETURN_TRUE;', '}');
const C_RULES = ['c-double-free', 'c-mismatched-free', 'c-process-heap-leak', 'c-refcount-leak', 'c-request-heap-leak'];

function run(file: string, text: string): AnalysisResult {
  return analyze({ path: file, text, language: 'c' }, { profile: 'long-running' });
}

function leaks(r: AnalysisResult): Array<[number, number, number, number]> {
  return r.findings.filter((f) => f.ruleId === 'c-request-heap-leak').map(rangeOf);
}

describe('C parser recovery after a WebAssembly trap', () => {
  it('a trap on the first try: a fresh parser parses the file again and the leak is found', () => {
    const before = { ...cParserStats };
    injectCParseTrapsForTests(1);
    const r = run('/tmp/c-recovery-once.c', LEAK);
    assert.deepStrictEqual(r.failures, []);
    assert.deepStrictEqual(leaks(r), [[2, 14, 2, 24]]);
    assert.strictEqual(cParserStats.traps, before.traps + 1);
    assert.strictEqual(cParserStats.recovered, before.recovered + 1);
    assert.strictEqual(cParserStats.failed, before.failed);
  });

  it('a trap during an incremental parse: the old tree is dropped, the file parsed from scratch, later edits still parse', () => {
    const file = '/tmp/c-recovery-incremental.c';
    assert.deepStrictEqual(leaks(run(file, LEAK)), [[2, 14, 2, 24]]); // keeps a tree for the next (incremental) parse
    injectCParseTrapsForTests(1);
    const edited = '/* one line above */\n' + LEAK;
    const r = run(file, edited);
    assert.deepStrictEqual(r.failures, []);
    assert.deepStrictEqual(leaks(r), [[3, 14, 3, 24]]);
    // The retry's tree is kept: the next edit parses (incrementally) as usual.
    const again = run(file, edited.replace('emalloc(8)', 'emalloc(16)'));
    assert.deepStrictEqual(again.failures, []);
    assert.deepStrictEqual(leaks(again), [[3, 14, 3, 25]]);
  });

  it('a trap on both tries: no throw, a clear failure for that file only, the next file parses', () => {
    const before = { ...cParserStats };
    injectCParseTrapsForTests(2);
    let r: AnalysisResult | undefined;
    assert.doesNotThrow(() => {
      r = run('/tmp/c-recovery-broken.c', LEAK);
    });
    assert.deepStrictEqual(r!.findings.filter((f) => f.ruleId.startsWith('c-')), []);
    assert.deepStrictEqual(r!.failures.map((f) => f.ruleId).sort(), C_RULES);
    for (const f of r!.failures) {
      assert.ok(f.error.includes('CParseError'), f.error);
      assert.ok(f.error.includes('trapped twice on this file'), f.error);
      assert.ok(f.error.includes('memory access out of bounds'), f.error);
    }
    assert.strictEqual(cParserStats.failed, before.failed + 1);
    const next = run('/tmp/c-recovery-next.c', LEAK);
    assert.deepStrictEqual(next.failures, []);
    assert.deepStrictEqual(leaks(next), [[2, 14, 2, 24]]);
    // And the file that failed parses again once the parser is sound.
    const retried = run('/tmp/c-recovery-broken.c', LEAK);
    assert.deepStrictEqual(retried.failures, []);
    assert.deepStrictEqual(leaks(retried), [[2, 14, 2, 24]]);
  });

  it('traps while parsing a macro body: that macro is left unexpanded, the file is still analysed', () => {
    const code = src(
      '#define FREE_BUF(p) do { efree(p); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *p = emalloc(8);',
      '    efree(p);',
      '    FREE_BUF(p);',
      '    RETURN_TRUE;',
      '}',
    );
    const doubleFrees = (r: AnalysisResult) => r.findings.filter((f) => f.ruleId === 'c-double-free').map(rangeOf);
    // Expanded, the macro frees p a second time.
    assert.deepStrictEqual(doubleFrees(run('/tmp/c-recovery-macro-control.c', code)), [[5, 4, 5, 15]]);
    const before = { ...cParserStats };
    // The file's parse runs; the macro body's parse and its retry trap.
    injectCParseTrapsForTests(2, 1);
    const r = run('/tmp/c-recovery-macro.c', code);
    assert.strictEqual(cParserStats.failed, before.failed + 1);
    assert.deepStrictEqual(r.failures, []);
    // Unexpanded, FREE_BUF(p) is an unknown macro: nothing to say about it.
    assert.deepStrictEqual(doubleFrees(r), []);
  });

  describe('a sibling file of the workspace the parser traps on', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-recovery-'));
      fs.writeFileSync(path.join(dir, 'util.c'), src('char *my_dup(const char *s)', '{', '    return estrdup(s);', '}'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('contributes no summary; the document itself is analysed without failures', () => {
      const main = src('PHP_FUNCTION(a)', '{', '    char *x = my_dup("a");', '    char *y = emalloc(4);', '    RETURN_TRUE;', '}');
      const file = path.join(dir, 'main.c');
      fs.writeFileSync(file, main);
      const workspace = () => new DiskWorkspace({ roots: [dir], include: ['**/*.c'], exclude: [], maxFileSize: 1_000_000 });
      // main.c parses; util.c's parse (looking for my_dup) and its retry trap.
      injectCParseTrapsForTests(2, 1);
      const r = analyze({ path: file, text: main, language: 'c' }, { profile: 'long-running', workspace: workspace() });
      assert.deepStrictEqual(r.failures, []);
      assert.deepStrictEqual(leaks(r), [[3, 14, 3, 24]]);
      // With a sound parser (a fresh workspace: nothing cached), my_dup is an allocator again.
      const ok = analyze({ path: file, text: main, language: 'c' }, { profile: 'long-running', workspace: workspace() });
      assert.deepStrictEqual(ok.failures, []);
      assert.deepStrictEqual(leaks(ok), [
        [2, 14, 2, 25],
        [3, 14, 3, 24],
      ]);
    });
  });
});
