// A short, fixed-seed fuzz run (the full campaign is `npm run fuzz`): the
// repository's own fixtures and examples, mutated every way the harness knows,
// fed to analyze() in a child process (timeout, RSS cap) and, every 20th input,
// to the bundled server over LSP. Zero failures expected. Reproducible:
// `npm run fuzz -- --corpus repo --seed 20240611 --inputs 400 --lsp-every 20 --no-huge`
// (with the same files in test/fixtures and examples).
import * as assert from 'node:assert/strict';
import { minimise, runCampaign } from '../fuzz/runner';
import { boundaries, mutate, KINDS } from '../fuzz/mutators';
import { inputRng, Rng } from '../fuzz/prng';

describe('fuzz: short fixed-seed run', () => {
  it('400 mutated inputs: no rule failure, hang, crash, memory blow-up or out-of-document range', async function () {
    this.timeout(180_000);
    const lines: string[] = [];
    const report = await runCampaign({
      seed: 20240611,
      inputs: 400,
      corpus: 'repo',
      lspEvery: 20,
      timeoutMs: 20_000,
      rssCapMb: 1536,
      serverRssCapMb: 1024,
      budgetMs: 0,
      save: false,
      forceHuge: false,
      log: (l) => lines.push(l),
    });
    assert.equal(report.inputs, 400);
    assert.ok(report.lspInputs >= 20, `LSP sessions: ${report.lspInputs}`);
    assert.deepEqual(report.failures.map((f) => `#${f.index} [${f.kinds.join('+')}] ${f.language}: ${f.signature}`), [], lines.join('\n'));
    const tried = Object.entries(report.kinds).filter(([, s]) => s.inputs > 0).length;
    assert.ok(tried >= 12, `only ${tried} mutation kinds tried`);
  });

  it('the PRNG and the mutations are reproducible from the seed', () => {
    const a = inputRng(42, 7);
    const b = inputRng(42, 7);
    const xs = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(Array.from({ length: 5 }, () => b.next()), xs);
    assert.notDeepEqual(Array.from({ length: 5 }, () => inputRng(42, 8).next()), xs);
    const text = 'int f(void) {\n\tchar *p = malloc(1);\n\treturn 0;\n}\n';
    for (const [kind] of KINDS) {
      if (kind === 'huge-file') continue;
      const m1 = mutate(kind, new Rng(9), { text, language: 'c', other: () => '<?php echo 1;' });
      const m2 = mutate(kind, new Rng(9), { text, language: 'c', other: () => '<?php echo 1;' });
      assert.equal(m1.text, m2.text, kind);
    }
    assert.deepEqual(boundaries('a;b{c}\n'), [2, 4, 6, 7]);
  });

  it('the minimiser keeps what makes the failure and drops the rest', async () => {
    const text = Array.from({ length: 200 }, (_, i) => (i === 137 ? 'x = BUG(1);\n' : `line ${i};\n`)).join('');
    const out = await minimise(text, async (t) => t.includes('BUG'));
    assert.equal(out, 'BUG');
  });
});
