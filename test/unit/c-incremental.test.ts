// The per-function cache and the incremental parse of the C analysis
// (server/src/engine/c/cache.ts, parser.ts): after any edit, the findings of an
// analysis that reuses cached functions and the previous tree must be exactly
// those of a cold analysis. A few hundred seeded random edits (keystrokes, line
// moves, pasted code, broken braces and comments, macro definitions…) on real C
// files, each compared finding for finding (message, range, related locations,
// hover, fixes) with the same text analysed cold.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, initEngine, type AnalysisResult } from '../../server/src/engine';
import { cacheStats, clearCFunctionCache, withoutCFunctionCache } from '../../server/src/engine/c/cache';
import { fixturesDir, repoRoot } from '../support/paths';
import { Rng } from '../fuzz/prng';

before(async () => {
  await initEngine();
});

/** A seeded generator (the fuzz harness's mulberry32): the edits are the same on every run. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

const SNIPPETS = [
  ' ',
  '\n',
  'x',
  ';',
  '}',
  '{',
  '/*',
  '*/',
  '// note\n',
  'efree(buf);\n',
  'char *q = emalloc(16);\n',
  'p = malloc(8);\n',
  'zend_string *zs = zend_string_init("a", 1, 0);\n',
  'zend_string_release(zs);\n',
  'free(p);\n',
  'return;\n',
  'RETURN_FALSE;\n',
  'if (!p) {\n\treturn NULL;\n}\n',
  '#define DROP(x) efree(x)\n',
  '#define BAIL() return\n',
  '#if 0\n',
  '#endif\n',
  'static char *mk(size_t n)\n{\n\treturn emalloc(n);\n}\n',
  'PHP_FUNCTION(inc_test)\n{\n\tchar *s = mk(4);\n\tRETURN_TRUE;\n}\n',
];

function files(): Array<{ file: string; edits: number }> {
  const out: Array<{ file: string; edits: number }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.c')) out.push({ file: f, edits: 20 });
    }
  };
  walk(fixturesDir);
  out.push({ file: path.join(repoRoot, 'examples', 'ext-memory', 'memory.c'), edits: 30 });
  const cache = process.env.PHP_LEAK_CACHE || path.join(os.homedir(), '.cache', 'php-leak-diagnostics');
  const std = path.join(cache, 'corpora', 'src', 'php8.2', 'ext', 'standard');
  for (const [name, edits] of [
    ['url.c', 25],
    ['var.c', 25],
    ['formatted_print.c', 20],
    ['array.c', 12],
  ] as const) {
    const f = path.join(std, name);
    if (fs.existsSync(f)) out.push({ file: f, edits });
  }
  return out;
}

/** One random edit of `text`. */
function randomEdit(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const lineStart = (i: number) => text.lastIndexOf('\n', i - 1) + 1;
  const lineEnd = (i: number) => {
    const e = text.indexOf('\n', i);
    return e < 0 ? text.length : e + 1;
  };
  switch (Math.floor(r() * 10)) {
    case 8:
    case 9: {
      // Change what a function does with memory (a release, a hand-over, an allocation, a
      // #define): the summaries and macros other, unchanged functions read from it change.
      const swaps: Array<[RegExp, string]> = [
        [/\b(efree|free|zend_string_release|pefree|zval_ptr_dtor)\(/g, '(void)('],
        [/\(void\)\(/g, 'efree('],
        [/\breturn\b/g, 'efree(NULL); return'],
        [/\b(emalloc|estrdup|malloc|strdup)\(/g, 'get_buf('],
        [/#define\s+\w+/g, '#define ZZ_RENAMED'],
        [/\bstatic\s+(char|void|int|zend_string)\b/g, '$1'],
      ];
      const [re, to] = swaps[Math.floor(r() * swaps.length)];
      const hits = [...text.matchAll(re)];
      if (!hits.length) return text + '\n';
      const m = hits[Math.floor(r() * hits.length)];
      return text.slice(0, m.index) + m[0].replace(new RegExp(re.source), to) + text.slice(m.index! + m[0].length);
    }
    case 0: {
      // A space typed at the end of a line (the bench's keystroke).
      const e = lineEnd(at);
      const end = text[e - 1] === '\n' ? e - 1 : e;
      return text.slice(0, end) + ' ' + text.slice(end);
    }
    case 1: // delete a few characters
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(r() * 12)));
    case 2: {
      // delete a line
      const s = lineStart(at);
      return text.slice(0, s) + text.slice(lineEnd(at));
    }
    case 3: {
      // duplicate a line elsewhere
      const s = lineStart(at);
      const line = text.slice(s, lineEnd(at));
      const to = lineStart(Math.floor(r() * (text.length + 1)));
      return text.slice(0, to) + line + text.slice(to);
    }
    case 4: {
      // move a block of lines (a function above another one shifts both)
      const s = lineStart(at);
      let e = s;
      for (let i = 0, n = 1 + Math.floor(r() * 30); i < n && e < text.length; i++) e = lineEnd(e);
      const block = text.slice(s, e);
      const rest = text.slice(0, s) + text.slice(e);
      const to = rest.lastIndexOf('\n', Math.floor(r() * rest.length)) + 1;
      return rest.slice(0, to) + block + rest.slice(to);
    }
    default: {
      const snip = SNIPPETS[Math.floor(r() * SNIPPETS.length)];
      const to = r() < 0.5 ? lineStart(at) : at;
      return text.slice(0, to) + snip + text.slice(to);
    }
  }
}

function comparable(r: AnalysisResult) {
  return { findings: r.findings, failures: r.failures, skipped: r.skipped, budgetExceeded: r.budgetExceeded };
}

describe('C per-function cache and incremental parse: cached = cold after random edits', function () {
  this.timeout(600_000);

  after(() => clearCFunctionCache());

  for (const { file, edits } of files()) {
    it(`${path.relative(repoRoot, file).replace(/^.*corpora\//, 'corpora/')} (${edits} edits)`, () => {
      clearCFunctionCache();
      const original = fs.readFileSync(file, 'utf8');
      const r = rng(0x5eed ^ original.length);
      const docPath = path.join(os.tmpdir(), 'php-leak-incremental', path.basename(file));
      const run = (text: string) => analyze({ path: docPath, text, language: 'c' }, { profile: r() < 0.8 ? 'fpm' : 'long-running' });
      let text = original;
      run(text);
      const before = cacheStats.hits;
      for (let i = 0; i < edits; i++) {
        // Every tenth step goes back to the original text (old entries hit again).
        text = i % 10 === 9 ? original : randomEdit(text, r);
        const profile = r() < 0.7 ? 'fpm' : 'long-running';
        const cached = analyze({ path: docPath, text, language: 'c' }, { profile });
        const cold = withoutCFunctionCache(() => analyze({ path: docPath, text, language: 'c' }, { profile }));
        assert.deepStrictEqual(comparable(cached), comparable(cold), `edit ${i} of ${file}`);
      }
      // The cache did serve (the comparison is not between two cold analyses).
      if (/\b(PHP_FUNCTION|static\s+\w)/.test(original)) assert.ok(cacheStats.hits > before, `no cache hit on ${file}`);
    });
  }

  it('an unchanged function is re-analysed when what it reads changes (summary, macro, global, helper kind)', () => {
    const docPath = path.join(os.tmpdir(), 'php-leak-incremental', 'deps.c');
    const caller = [
      'PHP_FUNCTION(a)',
      '{',
      '\tchar *b = emalloc(8);',
      '\tchar *c = emalloc(8);',
      '\tdrop(b);',
      '\tDROP(c);',
      '\tg = malloc(4);',
      '\tRETURN_TRUE;',
      '}',
      '',
    ].join('\n');
    const releases = 'static void drop(char *s)\n{\n\tefree(s);\n}\n';
    const reads = 'static void drop(char *s)\n{\n\t(void)s;\n}\n';
    const frees = '#define DROP(x) efree(x)\n';
    const bails = '#define DROP(x) if (x) return\n';
    const global = 'static char *g;\n';
    const variants = [releases + frees, reads + frees, reads + bails, global + reads + bails, global + releases + bails, releases + bails, global + releases + frees];
    clearCFunctionCache();
    const seen = new Set<string>();
    for (const head of [...variants, ...variants.reverse()]) {
      const text = head + caller;
      const cached = analyze({ path: docPath, text, language: 'c' }, { profile: 'long-running' });
      const cold = withoutCFunctionCache(() => analyze({ path: docPath, text, language: 'c' }, { profile: 'long-running' }));
      assert.deepStrictEqual(comparable(cached), comparable(cold), head);
      seen.add(JSON.stringify(cold.findings.map((f) => f.message)));
    }
    assert.ok(seen.size >= 5, `the variants change the findings of the unchanged PHP_FUNCTION: ${[...seen].join('\n')}`);
  });

  it('an edit above a function re-bases its cached findings (ranges, related lines, fixes)', () => {
    clearCFunctionCache();
    const body = ['PHP_FUNCTION(a)', '{', '\tchar *b = emalloc(8);', '\tif (ZEND_NUM_ARGS()) {', '\t\treturn;', '\t}', '\tefree(b);', '}', ''].join('\n');
    const docPath = path.join(os.tmpdir(), 'php-leak-incremental', 'shift.c');
    const first = analyze({ path: docPath, text: body, language: 'c' }, { profile: 'fpm' });
    analyze({ path: docPath, text: body + '\n', language: 'c' }, { profile: 'fpm' });
    const hits = cacheStats.hits;
    const shifted = '/* three\n lines\n */\n' + body;
    const got = analyze({ path: docPath, text: shifted, language: 'c' }, { profile: 'fpm' });
    assert.ok(cacheStats.hits > hits, 'the function came from the cache');
    const cold = withoutCFunctionCache(() => analyze({ path: docPath, text: shifted, language: 'c' }, { profile: 'fpm' }));
    assert.deepStrictEqual(got.findings, cold.findings);
    assert.strictEqual(first.findings.length, 1);
    assert.strictEqual(got.findings[0].range.start.line, first.findings[0].range.start.line + 3);
    assert.deepStrictEqual(
      got.findings[0].related?.map((x) => x.range.start.line),
      first.findings[0].related?.map((x) => x.range.start.line + 3),
    );
    assert.ok(got.findings[0].message.includes('line 8'), got.findings[0].message);
  });
});
