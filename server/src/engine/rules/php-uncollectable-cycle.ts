// Cycles PHP's cycle collector cannot free: a WeakMap entry whose value holds
// its own key (PHP before 8.3), and a closure bound to an object stored in a
// resource that object owns. Each such object stays for the worker's life.
import { spanWithoutSemicolon as spanEnd } from '../php/parse';
import { resourceCycles, selfHeldWeakMapEntries } from '../php/pinning';
import { phpModelOf } from '../php/model';
import type { RawFinding, Rule, RuleContext } from '../types';

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const text = ctx.doc.text;
  const out: RawFinding[] = [];
  for (const e of selfHeldWeakMapEntries(pm.model)) {
    const s = spanEnd(e.at, text);
    if (!s) continue;
    const decl = e.declared && spanEnd(e.declared, text);
    out.push({
      message: `\`${e.container}\` keeps one entry per call: the WeakMap value holds its own key \`$${e.key}\`. So the key is never freed (PHP before 8.3).`,
      range: ctx.lines.range(s.start, s.end),
      related: decl ? [{ range: ctx.lines.range(decl.start, decl.end), message: `\`${e.container}\` is a WeakMap` }] : undefined,
      hover: [
        `**Uncollectable WeakMap entry** in \`${e.scope.displayName}\`.`,
        '',
        `**Why it leaks:** a WeakMap drops an entry when its key object dies, but it holds the entry's value strongly. Here the value is (or contains) the key \`$${e.key}\`, so the key stays reachable from the map itself and never dies; the entry is never dropped. PHP before 8.3 cannot collect such an entry (8.3's cycle collector can). Every \`$${e.key}\` stored this way stays for the life of \`${e.container}\`'s owner — under a long-running runtime, usually the worker.`,
        '',
        '**Fix:** store a value that does not refer to the key (`null`, `true`, an id), or keep the value in the key object itself.',
      ].join('\n'),
    });
  }
  for (const c of resourceCycles(pm.model)) {
    const s = spanEnd(c.closure, text);
    if (!s) continue;
    const call = spanEnd(c.call, text);
    out.push({
      message: `This closure bound to \`$this\` is stored in the resource \`${c.resource}\`: the object is never freed. The object owns the resource (\`${c.api}()\`), a cycle the collector cannot see.`,
      range: ctx.lines.range(s.start, s.end),
      related: call && c.via ? [{ range: ctx.lines.range(call.start, call.end), message: `${c.via} is stored in ${c.resource} here` }] : undefined,
      hover: [
        `**Cycle through a resource** in \`${c.scope.displayName}\`.`,
        '',
        `**Why it leaks:** a non-static closure (or \`[$this, …]\` callable) keeps \`$this\`. \`${c.api}()\` stores it inside the resource \`${c.resource}\`, which \`$this\` owns: object → resource → closure → object. PHP's cycle collector follows objects and arrays but not a resource's internal data, so it never breaks this cycle: every instance (with its socket or buffers) stays until the worker exits.`,
        '',
        '**Fix:** make the callback `static` (it does not need `$this`), or cache one static closure (`static $handler; return $handler ??= static fn (…) => …;`).',
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-uncollectable-cycle',
    title: 'Reference cycle the cycle collector cannot free',
    description:
      'Objects kept alive by a cycle that PHP\'s cycle collector cannot break: a WeakMap entry whose value holds its own key (`$this->map[$obj] = $obj`, `offsetSet($obj, $obj)`; PHP before 8.3 never frees such an entry), and a closure bound to `$this` (a non-static closure or arrow function of an instance method, `[$this, …]`, `$this->m(...)`, or one returned by a method of the class) stored inside a resource the object owns (`phpiredis_reader_set_status_handler($this->reader, …)`), where the collector cannot see the edge. Under a long-running runtime each such object, and what it holds, stays until the worker exits.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
