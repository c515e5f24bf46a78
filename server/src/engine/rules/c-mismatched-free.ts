import { profileDisplayName, type Fix, type RawFinding, type Rule } from '../types';
import { FAMILIES } from '../c/api';
import { describeCall, macroHover, macroRelated, ownershipOf, placed, rangeAt, throughMacro } from '../c/report';
import { DEALLOCATORS, type Family } from '../c/api';
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../types';

/**
 * "Release it with efree()": the deallocator call replaced by the one matching
 * the block's family, keeping its argument (`free(p)` -> `efree(p)`,
 * `efree(p)` -> `pefree(p, 1)`, `zend_string_release(p)` -> `efree(p)`).
 * Only for calls of an API deallocator (not a helper summarised as releasing).
 */
function matchingReleaseFix(ctx: RuleContext, call: Node, fn: string, release: string, family: Family): Fix | undefined {
  const d = DEALLOCATORS[fn];
  const args = call.childForFieldName('arguments')?.namedChildren.filter((c) => c && c.type !== 'comment') ?? [];
  const arg = d ? args[d.arg] : undefined;
  if (!arg || arg.text.includes('\n')) return undefined;
  const text = release === 'pefree' ? `pefree(${arg.text}, 1)` : family === 'zval-ref' ? `zval_ptr_dtor(${arg.text})` : `${release}(${arg.text})`;
  return {
    title: `Release it with ${release}()`,
    edits: [{ range: ctx.lines.range(call.startIndex, call.endIndex), newText: text }],
    isPreferred: true,
  };
}

/**
 * A block released by the deallocator of another family: free() on emalloc'd
 * memory, efree() on malloc'd memory, zend_string_release() on a plain buffer.
 * Reported only when the call receives a block this function allocated and
 * still owns on that path (the family is known). A call inside a same-file
 * macro's expansion is reported at the macro's invocation (and gets no fix: the
 * call is written in the #define).
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
        const fixes: Fix[] = [];
        const fix = ev.via ? undefined : matchingReleaseFix(ctx, ev.call, ev.fn, fam.release, site.family);
        if (fix) fixes.push(fix);
        const allocLine = ctx.lines.positionAt(placed(site.call, site.via).startIndex).line + 1;
        out.push({
          message: `\`${site.variable}\` comes from ${describeCall(site)}${throughMacro(site.via)} on line ${allocLine} but is released with ${ev.fn}()${throughMacro(ev.via)}: use ${fam.release}(). The block is ${fam.label}.`,
          range: rangeAt(ctx, ev.call, ev.via),
          related: [
            { range: rangeAt(ctx, site.call, site.via), message: `allocated here by ${site.fn}()${throughMacro(site.via)}` },
            ...macroRelated(ctx, ev.via, `the ${ev.fn}() call is`),
          ],
          hover: [
            `**${ev.fn}() on a block from ${site.fn}()**`,
            '',
            `- **Family:** ${fam.label}; its deallocator is \`${fam.release}()\`.`,
            ...macroHover(ctx, ev.via, `the \`${ev.fn}()\` call`),
            `- libc and the Zend memory manager keep separate heaps: releasing a block into the wrong one corrupts it (a crash, or "zend_mm_heap corrupted").`,
            `- **Profile:** \`${profileDisplayName(ctx.profile)}\` (a bug under every runtime).`,
          ].join('\n'),
          fixes: fixes.length ? fixes : undefined,
        });
      }
    }
    return out;
  },
};
export default rule;
