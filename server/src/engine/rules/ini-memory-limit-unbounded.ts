import { iniOf } from '../config/shared';
import { keyDoc, keyDocMarkdown } from '../config/keys';
import { parseSize } from '../config/ini';
import type { RawFinding, Rule } from '../types';
import { clip } from '../text';

const rule: Rule = {
  meta: {
    id: 'ini-memory-limit-unbounded',
    title: 'memory_limit = -1 removes the per-request memory bound',
    description:
      'memory_limit = -1 lets one request (or, under a long-running runtime, the one request that serves them all) take all the memory of the machine before anything stops it. It never bounded malloc\'d memory anyway; with -1 nothing bounds the Zend heap either.',
    languages: ['ini', 'php-fpm-conf'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const findings: RawFinding[] = [];
    for (const e of iniOf(ctx).entries) {
      const key = e.iniKey ?? e.key;
      if (key !== 'memory_limit' || (e.directive !== undefined && !e.directive.startsWith('php_'))) continue;
      if (parseSize(e.value) !== -1) continue;
      findings.push({
        message: `${clip(e.key)} = ${clip(e.value)}: no per-request memory bound. A runaway request${ctx.profile === 'long-running' ? ', or a slow leak across all the requests a long-running worker serves,' : ''} can use all the machine's memory before anything stops it.`,
        range: ctx.lines.range(e.keyStart, e.valueEnd),
        hover: keyDocMarkdown(keyDoc('memory_limit')!, e.value),
        fixes: [
          {
            title: "Set memory_limit to 128M (PHP's default)",
            isPreferred: true,
            edits: [{ range: ctx.lines.range(e.valueStart, e.valueEnd), newText: '128M' }],
          },
        ],
      });
    }
    return findings;
  },
};
export default rule;
