import type { RawFinding, Rule } from '../types';
import { describeCall, ownershipOf } from '../c/report';

/**
 * A block released twice: on every path reaching the second deallocator call
 * the block was already released (a "must" property: paths that may or may
 * not have released it are not reported).
 */
const rule: Rule = {
  meta: {
    id: 'c-double-free',
    title: 'Memory released twice',
    description:
      'A block released a second time on every path that reaches the call (efree(p); … efree(p);). A double free corrupts the allocator: the Zend memory manager reports "zend_mm_heap corrupted" or the worker crashes, under every runtime.',
    languages: ['c'],
    defaultSeverity: { fpm: 'error', 'long-running': 'error' },
    category: 'c-extension',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const ua of ownershipOf(ctx).units) {
      for (const ev of ua.deallocs) {
        if (!ev.seen.length || !ev.seen.every((s) => s.site && s.state === 'R')) continue;
        const site = ev.seen[0].site!;
        if (!ev.seen.every((s) => s.site!.id === site.id)) continue;
        const earlier = ua.sites
          .find((r) => r.site.id === site.id)
          ?.releases.filter((c) => c.startIndex !== ev.call.startIndex) ?? [];
        out.push({
          message: `\`${site.variable}\` (${describeCall(site)}) is released twice: it was already released on every path that reaches this ${ev.fn}()`,
          range: ctx.lines.range(ev.call.startIndex, ev.call.endIndex),
          related: earlier.map((c) => ({ range: ctx.lines.range(c.startIndex, c.endIndex), message: 'first released here' })),
          hover: [
            `**Double free of \`${site.variable}\`**`,
            '',
            `- Allocated by \`${site.fn}()\`; already released on every path reaching this call.`,
            `- A second release corrupts the heap ("zend_mm_heap corrupted", a crash) under every runtime; profile \`${ctx.profile}\`.`,
            `- Set the pointer to NULL after releasing it if later code may release it again.`,
          ].join('\n'),
        });
      }
    }
    return out;
  },
};
export default rule;
