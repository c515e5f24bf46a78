// Regenerates the README's rule table from the rule registry (run after `tsc -b`).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// The one registry: static rules, runtime findings' rules (valgrind, debug-build logs), the budget notice.
const { registeredRules } = require(join(root, 'out/server/src/engine/registry.js'));
const { replaceRuleTable } = require(join(root, 'out/server/src/engine/ruleTable.js'));
const readmePath = join(root, 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = replaceRuleTable(before, registeredRules);
if (after !== before) {
  writeFileSync(readmePath, after);
  console.log('README.md rule table updated');
} else {
  console.log('README.md rule table is current');
}
