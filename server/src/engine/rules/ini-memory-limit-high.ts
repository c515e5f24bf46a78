import { iniOf } from '../config/shared';
import { keyDoc, keyDocMarkdown } from '../config/keys';
import { formatBytes, parseSize } from '../config/ini';
import type { RawFinding, Rule } from '../types';
import { clip } from '../text';

/** Above this, one request (or one long-running worker) may hold more than most machines give a PHP worker. */
export const HIGH_MEMORY_LIMIT = 2 * 1024 ** 3;

const rule: Rule = {
  meta: {
    id: 'ini-memory-limit-high',
    title: 'memory_limit above 2G: the per-request bound no longer protects the machine',
    description:
      'A memory_limit above 2 GB lets one request (under a long-running runtime: one worker for its whole life) grow past what a worker can usually afford, and in a php-fpm pool every one of pm.max_children workers may do so at once. The bound exists but stops nothing in time.',
    languages: ['ini', 'php-fpm-conf'],
    defaultSeverity: { fpm: 'information', 'long-running': 'information' },
    category: 'configuration',
  },
  check(ctx) {
    const ini = iniOf(ctx);
    const findings: RawFinding[] = [];
    // Each pool's last pm.max_children, found in one pass (looking it up per memory_limit line
    // was quadratic: 40,000 memory_limit lines blocked the server for 29 s).
    const childrenBySection = new Map<string | undefined, (typeof ini.entries)[number]>();
    if (ctx.doc.language === 'php-fpm-conf') {
      for (const c of ini.entries) if (c.key === 'pm.max_children') childrenBySection.set(c.section, c);
    }
    for (const e of ini.entries) {
      const key = e.iniKey ?? e.key;
      if (key !== 'memory_limit' || (e.directive !== undefined && !e.directive.startsWith('php_'))) continue;
      const bytes = parseSize(e.value);
      if (bytes === undefined || bytes <= HIGH_MEMORY_LIMIT) continue;
      let worst = '';
      if (ctx.doc.language === 'php-fpm-conf') {
        const children = childrenBySection.get(e.section);
        const n = children ? Number(children.value) : NaN;
        if (Number.isFinite(n) && n > 0) worst = ` With pm.max_children = ${n}, the pool may take ${formatBytes(n * bytes)} before any worker hits it.`;
      }
      findings.push({
        message: `${clip(e.key)} = ${clip(e.value)} (${formatBytes(bytes)}): a runaway request${ctx.profile === 'long-running' ? ' or a leaking long-running worker' : ''} can grow that far before PHP stops it.${worst} Lower it to what one request needs, and bound the worker (pm.max_requests, max_request, max_jobs) for malloc'd memory.`,
        range: ctx.lines.range(e.keyStart, e.valueEnd),
        hover: keyDocMarkdown(keyDoc('memory_limit')!, e.value),
        fixes: [
          {
            title: 'Set memory_limit to 512M',
            edits: [{ range: ctx.lines.range(e.valueStart, e.valueEnd), newText: '512M' }],
          },
        ],
      });
    }
    return findings;
  },
};
export default rule;
