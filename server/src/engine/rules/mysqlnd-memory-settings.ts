import { iniOf } from '../config/shared';
import { keyDoc, keyDocMarkdown } from '../config/keys';
import type { RawFinding, Rule } from '../types';
import { iniOff } from '../config/ini';
import { clip } from '../text';

const rule: Rule = {
  meta: {
    id: 'mysqlnd-memory-settings',
    title: 'mysqlnd settings that change memory: statistics cost, fetch copies lower the peak',
    description:
      'Hints on the mysqlnd settings that decide memory: mysqlnd.collect_memory_statistics = On costs speed on every allocation (useful while hunting a leak, not in production), and mysqlnd.fetch_data_copy = 0 keeps fetched rows referencing the whole buffered result until it is freed, where 1 lowers the peak.',
    languages: ['ini', 'php-fpm-conf'],
    defaultSeverity: { fpm: 'information', 'long-running': 'information' },
    category: 'configuration',
  },
  check(ctx) {
    const findings: RawFinding[] = [];
    for (const e of iniOf(ctx).entries) {
      const key = e.iniKey ?? e.key;
      if (e.directive !== undefined && !e.directive.startsWith('php_')) continue;
      if (key === 'mysqlnd.collect_memory_statistics' && !iniOff(e.value)) {
        findings.push({
          message: `${clip(e.key)} = ${clip(e.value)}: mysqlnd counts every allocation it makes. Useful while hunting a leak (it shows result sets never freed explicitly), a cost on every query in production; turn it Off there.`,
          range: ctx.lines.range(e.keyStart, e.valueEnd),
          hover: keyDocMarkdown(keyDoc(key)!, e.value),
          fixes: [{ title: 'Turn mysqlnd memory statistics off', edits: [{ range: ctx.lines.range(e.valueStart, e.valueEnd), newText: e.directive ? '0' : 'Off' }] }],
        });
      } else if (key === 'mysqlnd.fetch_data_copy' && iniOff(e.value)) {
        findings.push({
          message: `${clip(e.key)} = ${clip(e.value)}: fetched rows keep the whole buffered result alive. The buffer is freed only when the result and every row are gone. 1 copies the rows out so the buffer can go earlier: a lower peak for large results, at the cost of copying.`,
          range: ctx.lines.range(e.keyStart, e.valueEnd),
          hover: keyDocMarkdown(keyDoc(key)!, e.value),
          severity: 'hint',
          fixes: [{ title: 'Copy fetched rows (mysqlnd.fetch_data_copy = 1)', edits: [{ range: ctx.lines.range(e.valueStart, e.valueEnd), newText: '1' }] }],
        });
      }
    }
    return findings;
  },
};
export default rule;
