// The rule pages' URLs in reports (SARIF helpUri): https URLs into the project repository.
import * as assert from 'assert';
import { PROJECT_URL, projectUrl, registeredRules, ruleHelpUri } from '../../server/src/engine';
import { httpsProjectUrl } from '../../server/src/engine/installRoot';
import { formatRuntimeFindings } from '../../server/src/runtime/report';

describe('rule docs URLs', () => {
  it('ruleHelpUri: <project>/blob/main/docs/rules/<id>.md, https', () => {
    assert.equal(ruleHelpUri('c-double-free', 'https://github.com/o/r'), 'https://github.com/o/r/blob/main/docs/rules/c-double-free.md');
    assert.equal(ruleHelpUri('c-double-free', 'https://github.com/o/r/'), 'https://github.com/o/r/blob/main/docs/rules/c-double-free.md');
    assert.match(ruleHelpUri('runtime-valgrind-leak'), /^https:\/\/.*\/docs\/rules\/runtime-valgrind-leak\.md$/);
    assert.ok(PROJECT_URL.startsWith('https://'));
    assert.ok(projectUrl().startsWith('https://'), projectUrl());
  });

  it('package.json repository/homepage forms become an https base; anything else is refused', () => {
    assert.equal(httpsProjectUrl('https://github.com/o/r'), 'https://github.com/o/r');
    assert.equal(httpsProjectUrl({ type: 'git', url: 'git+https://github.com/o/r.git' }), 'https://github.com/o/r');
    assert.equal(httpsProjectUrl('github:o/r'), 'https://github.com/o/r');
    assert.equal(httpsProjectUrl('o/r'), 'https://github.com/o/r');
    assert.equal(httpsProjectUrl('git://github.com/o/r.git'), 'https://github.com/o/r');
    assert.equal(httpsProjectUrl('file:///home/me/repo'), undefined);
    assert.equal(httpsProjectUrl('http://example.com/x'), undefined);
    assert.equal(httpsProjectUrl(undefined), undefined);
    assert.equal(httpsProjectUrl(42), undefined);
  });

  it('the runtime reports (valgrind, import-leak-log) give every rule an https helpUri and keep help.markdown', () => {
    const log = JSON.parse(formatRuntimeFindings([], 'sarif', '/tmp'));
    const rules = log.runs[0].tool.driver.rules as Array<{ id: string; helpUri: string; help: { markdown?: string } }>;
    assert.equal(rules.length, registeredRules.length);
    for (const r of rules) {
      assert.equal(r.helpUri, ruleHelpUri(r.id, projectUrl()), r.id);
      assert.doesNotMatch(r.helpUri, /^file:/, r.id);
      assert.ok(r.help.markdown && r.help.markdown.length > 50, `${r.id}: help.markdown`);
    }
    assert.match(rules.find((r) => r.id === 'runtime-valgrind-leak')!.helpUri, /docs\/rules\/runtime-.*\.md$/);
  });
});
