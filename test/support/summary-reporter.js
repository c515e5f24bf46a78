// Mocha reporter: the spec reporter's output, then one summary line
// "<tier>: N passed, N failed, N skipped", and the counts as JSON in
// $PHP_LEAK_TEST_RESULTS for scripts/test.mjs.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const tier = process.env.PHP_LEAK_TIER || 'tests';
    runner.once(EVENT_RUN_END, () => {
      const s = this.stats;
      const summary = { passes: s.passes || 0, failures: s.failures || 0, pending: s.pending || 0 };
      process.stdout.write(`${tier}: ${summary.passes} passed, ${summary.failures} failed, ${summary.pending} skipped\n`);
      if (process.env.PHP_LEAK_TEST_RESULTS) {
        fs.writeFileSync(process.env.PHP_LEAK_TEST_RESULTS, JSON.stringify(summary));
      }
    });
  }
}
module.exports = SummaryReporter;
