import { iniOf } from '../config/shared';
import { keyDoc, keyDocMarkdown } from '../config/keys';
import type { RawFinding, Rule } from '../types';
import { iniOff } from '../config/ini';
import { clip } from '../text';

const rule: Rule = {
  meta: {
    id: 'ini-gc-disabled',
    title: 'zend.enable_gc = 0 under a long-running runtime: reference cycles are never freed',
    description:
      "With the cycle collector off, objects that reference each other (a parent with its children, a closure bound to its owner, a Doctrine entity graph) are only freed at the end of the request. Under a long-running runtime the request never ends, so every cycle created per request stays for the worker's life.",
    languages: ['ini', 'php-fpm-conf'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const findings: RawFinding[] = [];
    for (const e of iniOf(ctx).entries) {
      const key = e.iniKey ?? e.key;
      if (key !== 'zend.enable_gc' || (e.directive !== undefined && !e.directive.startsWith('php_'))) continue;
      if (!iniOff(e.value)) continue;
      findings.push({
        message: `${clip(e.key)} = ${clip(e.value)}: the cycle collector is off. Objects that reference each other are freed only when the request ends, which under a long-running runtime is never. Every cycle made per request stays.`,
        range: ctx.lines.range(e.keyStart, e.valueEnd),
        hover: keyDocMarkdown(keyDoc('zend.enable_gc')!, e.value),
        fixes: [
          {
            title: 'Turn the cycle collector on (zend.enable_gc = On)',
            isPreferred: true,
            edits: [{ range: ctx.lines.range(e.valueStart, e.valueEnd), newText: e.directive?.includes('flag') ? 'on' : e.directive ? '1' : 'On' }],
          },
        ],
      });
    }
    return findings;
  },
};
export default rule;
