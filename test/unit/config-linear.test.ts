// ini-memory-limit-high over many memory_limit lines: one pass over the entries, not one pass per
// line (40,000 lines blocked the server's main thread for 29 s). Counted, not timed: the rule
// reads the parsed entries through a proxy that counts element reads.
import * as assert from 'node:assert/strict';
import { LineIndex, type RuleContext } from '../../server/src/engine';
import { parseIni } from '../../server/src/engine/config/ini';
import rule from '../../server/src/engine/rules/ini-memory-limit-high';

function run(text: string) {
  const parsed = parseIni(text);
  let reads = 0;
  const entries = new Proxy(parsed.entries, {
    get(target, prop, recv) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
      return Reflect.get(target, prop, recv);
    },
  });
  const ctx = {
    doc: { path: '/etc/php/8.2/fpm/pool.d/www.conf', text, language: 'php-fpm-conf' },
    profile: 'fpm',
    lines: new LineIndex(text),
    shared<T>(key: string, produce: () => T): T {
      return (key === 'config.ini' ? { ...parsed, entries } : produce()) as T;
    },
  } as unknown as RuleContext;
  const findings = [...rule.check(ctx)];
  return { findings, reads, entries: parsed.entries.length };
}

describe('ini-memory-limit-high is linear in the entries', () => {
  it('2,000 memory_limit lines: element reads stay within a few per entry', () => {
    const lines = ['[www]', 'pm.max_children = 4'];
    for (let i = 0; i < 2000; i++) lines.push('php_admin_value[memory_limit] = 3G');
    const r = run(lines.join('\n') + '\n');
    assert.equal(r.findings.length, 2000);
    assert.ok(r.reads <= 4 * r.entries, `${r.reads} element reads for ${r.entries} entries (quadratic would be ~${r.entries * r.entries})`);
  });

  it('each pool uses its own last pm.max_children', () => {
    const text = [
      '[a]',
      'pm.max_children = 2',
      'php_admin_value[memory_limit] = 3G',
      'pm.max_children = 8',
      '[b]',
      'php_value[memory_limit] = 4G',
      '[c]',
      'pm.max_children = 3',
      'php_admin_value[memory_limit] = 1G',
      'php_admin_value[memory_limit] = 5G',
    ].join('\n');
    const msgs = run(text).findings.map((f) => f.message);
    assert.equal(msgs.length, 3);
    assert.match(msgs[0], /With pm\.max_children = 8, the pool may take 24 GB|With pm\.max_children = 8,/);
    assert.doesNotMatch(msgs[1], /pm\.max_children/);
    assert.match(msgs[2], /With pm\.max_children = 3,/);
  });
});
