// Every message the engine gives on the fixtures and the demo (both profiles) leads with a
// short sentence: under 120 characters (the RuleTester cases check the same, see
// rule-tester.ts and c-helpers.ts).
import * as assert from 'assert';
import * as path from 'path';
import { repoRoot } from '../support/paths';
import { firstSentence, MAX_FIRST_SENTENCE } from './message-text';
import { fixtureRuns } from './fixture-findings';

describe('diagnostic messages', () => {
  it('firstSentence stops at the first sentence end', () => {
    assert.strictEqual(firstSentence('`p` = malloc(n) is never freed. The worker grows.'), '`p` = malloc(n) is never freed.');
    assert.strictEqual(firstSentence('pm.max_requests = 0 in pool [www]'), 'pm.max_requests = 0 in pool [www]');
    assert.strictEqual(firstSentence('a 2.5 MB block leaks. x'), 'a 2.5 MB block leaks.');
  });

  it('the first sentence of every finding on the fixtures and the demo is under 120 characters', async function () {
    this.timeout(120_000);
    const runs = await fixtureRuns();
    const long = new Map<string, string>();
    const rules = new Set<string>();
    for (const run of runs) {
      for (const f of run.findings) {
        rules.add(f.ruleId);
        const s = firstSentence(f.message);
        if (s.length >= MAX_FIRST_SENTENCE && !long.has(f.ruleId)) long.set(f.ruleId, `${path.relative(repoRoot, run.doc.path)} (${run.profile}): ${s.length}: ${s}`);
      }
    }
    assert.ok(rules.size >= 10, `findings of ${rules.size} rules only`);
    assert.deepStrictEqual([...long.values()], []);
  });
});
