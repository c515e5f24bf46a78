import { profileDisplayName, type RawFinding, type Rule } from '../types';
import { describeCall, macroHover, macroRelated, ownershipOf, placed, rangeAt, throughMacro } from '../c/report';

/**
 * A block released twice: on every path reaching the second deallocator call
 * the block was already released (a "must" property: paths that may or may
 * not have released it are not reported). A release inside a same-file macro's
 * expansion is reported at the macro's invocation.
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
        const at = placed(ev.call, ev.via);
        const earlier =
          ua.sites
            .find((r) => r.site.id === site.id)
            ?.releases.filter((c) => c.startIndex !== at.startIndex || c.endIndex !== at.endIndex) ?? [];
        out.push({
          message: `\`${site.variable}\` (${describeCall(site)}) is released twice: it was already released on every path that reaches this ${ev.fn}()${throughMacro(ev.via)}`,
          range: rangeAt(ctx, ev.call, ev.via),
          related: [
            ...earlier.map((c) => ({ range: ctx.lines.range(c.startIndex, c.endIndex), message: 'first released here' })),
            ...macroRelated(ctx, ev.via, `the second ${ev.fn}() is`),
          ],
          hover: [
            `**Double free of \`${site.variable}\`**`,
            '',
            `- Allocated by \`${site.fn}()\`; already released on every path reaching this call.`,
            ...macroHover(ctx, ev.via, `the \`${ev.fn}()\` call`),
            `- A second release corrupts the heap ("zend_mm_heap corrupted", a crash) under every runtime; profile \`${profileDisplayName(ctx.profile)}\`.`,
            `- Set the pointer to NULL after releasing it if later code may release it again.`,
          ].join('\n'),
        });
      }
    }
    return out;
  },
};
export default rule;
