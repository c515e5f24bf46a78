import type { Fix, RawFinding, Rule } from '../types';
import { FAMILIES } from '../c/api';
import { describeCall, ownershipOf } from '../c/report';

/**
 * A block released by the deallocator of another family: free() on emalloc'd
 * memory, efree() on malloc'd memory, zend_string_release() on a plain buffer.
 * Reported only when the call receives a block this function allocated and
 * still owns on that path (the family is known).
 */
const rule: Rule = {
  meta: {
    id: 'c-mismatched-free',
    title: 'Memory released with the deallocator of another allocator',
    description:
      'A block from one allocator family released by another family\'s deallocator: free() on emalloc() memory, efree() on malloc() memory, zend_string_release() on a plain buffer. The Zend memory manager and libc keep separate heaps: this corrupts the heap or aborts the worker (debug builds and valgrind report it), under every runtime.',
    languages: ['c'],
    defaultSeverity: { fpm: 'error', 'long-running': 'error' },
    category: 'c-extension',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const ua of ownershipOf(ctx).units) {
      for (const ev of ua.deallocs) {
        if (!ev.families) continue;
        const bad = ev.seen.find((s) => s.site && s.state === 'A' && !ev.families!.includes(s.site.family));
        if (!bad?.site) continue;
        const site = bad.site;
        const fam = FAMILIES[site.family];
        const callee = ev.call.childForFieldName('function');
        const fixes: Fix[] = [];
        const simple = ['free', 'efree', 'zend_string_release'].includes(fam.release);
        if (callee && simple && ev.call.childForFieldName('arguments')?.namedChildren.length === 1) {
          fixes.push({
            title: `Release it with ${fam.release}()`,
            edits: [{ range: ctx.lines.range(callee.startIndex, callee.endIndex), newText: fam.release }],
            isPreferred: true,
          });
        }
        const allocLine = ctx.lines.positionAt(site.call.startIndex).line + 1;
        out.push({
          message: `\`${site.variable}\` comes from ${describeCall(site)} on line ${allocLine} (${fam.label}) but is released with ${ev.fn}(): use ${fam.release}()`,
          range: ctx.lines.range(ev.call.startIndex, ev.call.endIndex),
          related: [{ range: ctx.lines.range(site.call.startIndex, site.call.endIndex), message: `allocated here by ${site.fn}()` }],
          hover: [
            `**${ev.fn}() on a block from ${site.fn}()**`,
            '',
            `- **Family:** ${fam.label}; its deallocator is \`${fam.release}()\`.`,
            `- libc and the Zend memory manager keep separate heaps: releasing a block into the wrong one corrupts it (a crash, or "zend_mm_heap corrupted").`,
            `- **Profile:** \`${ctx.profile}\` (a bug under every runtime).`,
          ].join('\n'),
          fixes: fixes.length ? fixes : undefined,
        });
      }
    }
    return out;
  },
};
export default rule;
