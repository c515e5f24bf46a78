// The per-document analysis time budget (AnalysisOptions.budgetMs, ctx.checkBudget()):
// past it analyze() stops, keeps what it has and adds one `analysis-budget`
// information finding; without a budget nothing changes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, AnalysisBudgetExceeded, BUDGET_RULE_ID, initEngine, normalizeSettings, type Rule } from '../../server/src/engine';
import { repoRoot } from '../support/paths';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
function rule(id: string, check: Rule['check']): Rule {
  return { meta: { id, title: id, description: id, languages: ['c'], defaultSeverity: { fpm: 'warning', 'long-running': 'warning' }, category: 'c-extension' }, check };
}
const doc = { path: '/x/a.c', text: 'int x;\n', language: 'c' as const };

/** A rule that spins, calling checkBudget, for up to `ms`. */
const spinner = (id: string, ms: number, swallow = false) =>
  rule(id, (ctx) => {
    const end = Date.now() + ms;
    try {
      while (Date.now() < end) ctx.checkBudget();
    } catch (e) {
      if (!swallow) throw e;
    }
    return [{ message: `${id} done`, range }];
  });

describe('engine: analysis time budget', () => {
  before(() => initEngine());

  it('cuts a slow rule short: one information finding, no failure, later rules skipped, earlier findings kept', () => {
    const first = rule('first', () => [{ message: 'first', range }]);
    const r = analyze(doc, { profile: 'fpm', budgetMs: 50 }, [first, spinner('slow', 5000), rule('after', () => [{ message: 'after', range }])]);
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.findings.map((f) => f.ruleId).sort(), [BUDGET_RULE_ID, 'first']);
    const b = r.findings.find((f) => f.ruleId === BUDGET_RULE_ID)!;
    assert.equal(b.severity, 'information');
    assert.match(b.message, /cut short after \d+ ms \(time budget 50 ms, at rule slow\)/);
    assert.equal(r.budgetExceeded?.ruleId, 'slow');
    assert.ok(r.budgetExceeded!.elapsedMs >= 50 && r.budgetExceeded!.elapsedMs < 2000, String(r.budgetExceeded!.elapsedMs));
  });

  it('a rule that swallows the budget error still ends the analysis', () => {
    const r = analyze(doc, { profile: 'fpm', budgetMs: 30 }, [spinner('swallower', 3000, true), rule('after', () => [{ message: 'after', range }])]);
    assert.deepEqual(r.findings.map((f) => f.ruleId).sort(), [BUDGET_RULE_ID, 'swallower']);
  });

  it('phpLeak.rules["analysis-budget"] sets the notice\'s severity, or turns it off (budgetExceeded still set)', () => {
    const rules = () => [spinner('slow', 3000), rule('after', () => [{ message: 'after', range }])];
    const warned = analyze(doc, { profile: 'fpm', budgetMs: 20, rules: { [BUDGET_RULE_ID]: 'warning' } }, rules());
    assert.deepEqual(warned.findings.filter((f) => f.ruleId === BUDGET_RULE_ID).map((f) => f.severity), ['warning']);
    const off = analyze(doc, { profile: 'fpm', budgetMs: 20, rules: { [BUDGET_RULE_ID]: 'off' } }, rules());
    assert.deepEqual(off.findings.map((f) => f.ruleId), []);
    assert.equal(off.budgetExceeded?.ruleId, 'slow');
  });

  it('no budget (absent, 0, not finite): checkBudget never throws', () => {
    for (const budgetMs of [undefined, 0, Infinity, NaN, -5]) {
      const r = analyze(doc, { profile: 'fpm', budgetMs }, [spinner('slow', 60)]);
      assert.deepEqual(r.findings.map((f) => f.ruleId), ['slow'], String(budgetMs));
      assert.equal(r.budgetExceeded, undefined);
    }
  });

  it('the error type is exported and names the budget', () => {
    const e = new AnalysisBudgetExceeded(100, 120);
    assert.ok(e instanceof Error);
    assert.match(e.message, /100 ms/);
  });

  it('the C ownership worklist checks the budget (a large real file under a 1 ms budget)', () => {
    const text = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'ext', 'leaky.c'), 'utf8').repeat(40);
    const r = analyze({ path: '/x/big.c', text, language: 'c' }, { profile: 'fpm', budgetMs: 1 });
    assert.deepEqual(r.failures, []);
    assert.ok(r.budgetExceeded, 'budget hit');
    assert.equal(r.findings.filter((f) => f.ruleId === BUDGET_RULE_ID).length, 1);
  });

  it('phpLeak.analysisTimeBudget: default 2000, bad values reported and replaced', () => {
    assert.equal(normalizeSettings({}).settings.analysisTimeBudget, 2000);
    assert.equal(normalizeSettings({ analysisTimeBudget: 0 }).settings.analysisTimeBudget, 0);
    for (const bad of [-1, 'fast', null, NaN, [], {}]) {
      const n = normalizeSettings({ analysisTimeBudget: bad });
      assert.equal(n.settings.analysisTimeBudget, 2000);
      assert.match(n.problems.join('\n'), /phpLeak\.analysisTimeBudget: expected a number of milliseconds/);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.equal(pkg.contributes.configuration.properties['phpLeak.analysisTimeBudget'].default, 2000);
    assert.ok(fs.existsSync(path.join(repoRoot, 'docs', 'rules', `${BUDGET_RULE_ID}.md`)));
  });
});
