// Every reproducer the fuzz harness saved (test/fixtures/fuzz-regressions/) stays
// fixed: no rule throws, every finding lies inside the document, and the analysis
// ends in reasonable time (no time budget: the fix must be real).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, initEngine, LineIndex, type DocLanguage, type Profile } from '../../server/src/engine';
import { fixturesDir } from '../support/paths';

const dir = path.join(fixturesDir, 'fuzz-regressions');

interface Meta {
  input: string;
  language: DocLanguage;
  profile?: Profile;
  failure: string;
  signature: string;
  /** For hangs: the time the analysis must now stay under. */
  maxMs?: number;
  /** Analyse with this time budget (the failure needed the budget hooks installed). */
  budgetMs?: number;
}

const metas = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

describe('fuzz regressions (test/fixtures/fuzz-regressions)', () => {
  before(() => initEngine());

  it('the folder holds reproducers, each with its input', () => {
    assert.ok(metas.length >= 3, `expected saved reproducers in ${dir}`);
    for (const m of metas) {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, m), 'utf8')) as Meta;
      assert.ok(fs.existsSync(path.join(dir, meta.input)), `${m}: input ${meta.input} missing`);
    }
  });

  it('a single run of 100,000 adjacent comments (blankCommentRuns once overflowed the stack with a spread push)', () => {
    const text = 'void f(void)\n{\n\tfoo_t *i;\n' + '/*x*/'.repeat(100_000) + '\n\tfor (i = 0; i < n; i++) {\n\t}\n}\n';
    const r = analyze({ path: '/fuzz/comments.c', text, language: 'c' }, { profile: 'fpm' });
    assert.deepEqual(r.failures.map((f) => f.error.split('\n')[0]), []);
    const after = analyze({ path: '/fuzz/after.c', text: 'void g(void) { char *p = malloc(1); }\n', language: 'c' }, { profile: 'fpm' });
    assert.deepEqual(after.failures, [], 'the C parser still works afterwards');
  });

  for (const m of metas) {
    it(`${m.replace(/\.json$/, '')} stays fixed`, function () {
      this.timeout(30_000);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, m), 'utf8')) as Meta;
      const text = fs.readFileSync(path.join(dir, meta.input), 'utf8');
      for (const profile of ['fpm', 'long-running'] as const) {
        const t0 = Date.now();
        const r = analyze({ path: `/fuzz/${meta.input}`, text, language: meta.language }, { profile, budgetMs: meta.budgetMs });
        const ms = Date.now() - t0;
        assert.deepEqual(r.failures.map((f) => `${f.ruleId}: ${f.error.split('\n')[0]}`), [], `was: ${meta.signature}`);
        assert.ok(ms < (meta.maxMs ?? 15_000), `${ms} ms`);
        const lines = new LineIndex(text);
        for (const f of r.findings) {
          for (const p of [f.range.start, f.range.end]) {
            assert.ok(p.line >= 0 && p.line < lines.lineCount && p.character >= 0 && p.character <= lines.lineText(p.line).length, `${f.ruleId} range ${JSON.stringify(f.range)}`);
          }
        }
      }
    });
  }
});
