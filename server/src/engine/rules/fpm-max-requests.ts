import { iniOf } from '../config/shared';
import { keyDoc, keyDocMarkdown } from '../config/keys';
import type { Fix, RawFinding, Rule } from '../types';

/** The bound the quick fix proposes: the example in the php-fpm pool file Debian ships. */
export const SUGGESTED_MAX_REQUESTS = 500;

const rule: Rule = {
  meta: {
    id: 'fpm-max-requests',
    title: 'php-fpm pool never recycles its workers',
    description:
      'A php-fpm pool without pm.max_requests, or with pm.max_requests = 0, never replaces its workers, so any per-request leak (malloc in an extension, a static array that grows) grows each worker until the OOM killer or a restart. memory_limit does not help: it bounds one request\'s Zend heap, not the process.',
    languages: ['php-fpm-conf'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const ini = iniOf(ctx);
    const findings: RawFinding[] = [];
    const eol = ctx.lines.eol;
    const hover = keyDocMarkdown(keyDoc('pm.max_requests')!);
    for (const section of ini.sections) {
      if (section.name.toLowerCase() === 'global') continue;
      const inPool = ini.entries.filter((e) => e.section === section.name && e.lineStart >= section.start && e.lineStart < section.bodyEnd);
      const setting = inPool.filter((e) => e.key === 'pm.max_requests').pop();
      if (setting) {
        if (!/^\s*0+\s*$/.test(setting.value)) continue;
        const fix: Fix = {
          title: `Set pm.max_requests = ${SUGGESTED_MAX_REQUESTS} (recycle each worker after ${SUGGESTED_MAX_REQUESTS} requests)`,
          isPreferred: true,
          edits: [{ range: ctx.lines.range(setting.valueStart, setting.valueEnd), newText: String(SUGGESTED_MAX_REQUESTS) }],
        };
        findings.push({
          message: `pm.max_requests = 0: the workers of pool [${section.name}] are never recycled. A per-request leak grows each worker until it is killed. Set a bound such as ${SUGGESTED_MAX_REQUESTS}.`,
          range: ctx.lines.range(setting.keyStart, setting.valueEnd),
          hover,
          fixes: [fix],
        });
      } else {
        // Insert after `pm = …` / `pm.max_children`, else right after the header.
        const anchor = inPool.filter((e) => e.key === 'pm' || e.key.startsWith('pm.')).pop();
        const at = anchor ? anchor.lineEnd : section.end;
        const indent = anchor ? ctx.lines.indentOf(anchor.line) : '';
        const fix: Fix = {
          title: `Add pm.max_requests = ${SUGGESTED_MAX_REQUESTS} to pool [${section.name}]`,
          isPreferred: true,
          edits: [{ range: ctx.lines.range(at, at), newText: `${eol}${indent}pm.max_requests = ${SUGGESTED_MAX_REQUESTS}` }],
        };
        findings.push({
          message: `Pool [${section.name}] does not set pm.max_requests (default 0): its workers are never recycled. A per-request leak grows each worker until it is killed. Set a bound such as ${SUGGESTED_MAX_REQUESTS}.`,
          range: ctx.lines.range(section.start, section.end),
          hover,
          fixes: [fix],
        });
      }
    }
    return findings;
  },
};
export default rule;
