// A pending-work map (requests by id, deferreds by key) whose entries are
// settled but never removed: every finished request stays in the map for the
// life of its owner (usually the worker).
import { spanWithoutSemicolon } from '../php/parse';
import { phpModelOf } from '../php/model';
import { settledEntriesKept } from '../php/settlement';
import type { RawFinding, Rule, RuleContext } from '../types';

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const out: RawFinding[] = [];
  for (const e of settledEntriesKept(pm.model)) {
    const s = spanWithoutSemicolon(e.call, ctx.doc.text);
    const a = spanWithoutSemicolon(e.added, ctx.doc.text);
    if (!s) continue;
    out.push({
      message: `The entry of \`$this->${e.prop}\` is settled here (\`${e.method}()\`) but never removed. Nothing in the class removes entries: every finished one stays in the map.`,
      range: ctx.lines.range(s.start, s.end),
      related: a ? [{ range: ctx.lines.range(a.start, a.end), message: `entries of $this->${e.prop} are added here` }] : undefined,
      hover: [
        `**Settled entry kept** in \`${e.scope.displayName}\`.`,
        '',
        `**Why it leaks:** \`$this->${e.prop}\` holds pending work by key; an entry ends its life when it is settled (\`${e.method}()\`), but neither this method nor any other method of the class unsets it, empties or replaces the map. Each request, message or timer added stays — with its result — for as long as the object lives; under a long-running runtime a protocol, client or workflow object usually lives for the worker.`,
        '',
        `**Fix:** take the entry out before settling it: \`$d = $this->${e.prop}[$id]; unset($this->${e.prop}[$id]); $d->${e.method}(…);\`.`,
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-settled-entry-kept',
    title: 'Pending entry settled but never removed from its map',
    description:
      'A class keeps pending work in a property by key (`$this->requests[$id] = $deferred`), settles an entry (`->resolve()`, `->reject()`, `->fail()`, `->complete()` on `$this->requests[$id]` or on a local read from it), and nothing in the class ever removes an entry (`unset()`, `offsetUnset()`, `detach()`, `array_splice()`, replacing or emptying the property outside the constructor). Every finished request stays in the map for the life of the object; under a long-running runtime that is usually the worker.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
