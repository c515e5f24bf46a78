// An object whose constructor makes it refer to itself through one of its own
// properties, in a class with a release method (close(), kill(), __destruct()…):
// dropping an instance frees nothing until PHP's cycle collector runs, so the
// resources it would release pile up in a long-running worker.
import { spanWithoutSemicolon as spanEnd } from '../php/parse';
import { phpModelOf } from '../php/model';
import { selfCycles } from '../php/self-cycles';
import type { RawFinding, Rule, RuleContext } from '../types';

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const text = ctx.doc.text;
  const out: RawFinding[] = [];
  for (const c of selfCycles(pm.model)) {
    const s = spanEnd(c.at, text);
    if (!s) continue;
    const cls = c.scope.cls?.name ?? 'the object';
    const rel = spanEnd(c.release_at, text);
    const destructor = c.release === '__destruct()';
    out.push({
      message: destructor
        ? `\`$this->${c.prop}\` holds \`$this\`: a dropped \`${cls}\` is destructed only when the cycle collector runs.`
        : `\`$this->${c.prop}\` holds \`$this\`: a dropped \`${cls}\` lives, with what it holds, until the cycle collector runs.`,
      range: ctx.lines.range(s.start, s.end),
      related: rel ? [{ range: ctx.lines.range(rel.start, rel.start + Math.min(rel.end - rel.start, 80)), message: `${c.release} releases what the instance holds` }] : undefined,
      hover: [
        `**Self-referencing object** in \`${c.scope.displayName}\`.`,
        '',
        `**The cycle:** the constructor stores in \`$this->${c.prop}\` ${c.holds}, so every \`${cls}\` refers to itself: object → \`$${c.prop}\` → object.`,
        '',
        `**Why it leaks in a worker:** PHP frees an object in a cycle only when its cycle collector runs (by default once 10,000 possible roots have piled up), not when the last outside reference goes. Until then ${destructor ? 'its destructor does not run' : `nothing calls \`${c.release}\` for an instance that was dropped without it`}, and what the instance holds (a process, a socket, a database session, buffers) stays open. A long-running worker that creates and drops such objects (a pool, a connection or client per job) keeps many of them alive at once.`,
        '',
        '**Fix:** make the callback `static` and give it what it needs by reference or as arguments (`static function () use (&$queue) { … }`), build the helper or callable when it is used instead of in the constructor, or hold the instance through `WeakReference::create($this)`.',
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-self-cycle',
    title: 'Object that releases resources refers to itself',
    description:
      'A constructor that stores in a property of `$this` something that refers back to the instance (a non-static closure or arrow function, `[$this, …]`, `$this->m(...)`, `Closure::fromCallable([$this, …])`, Amp\'s `callableFromInstanceMethod()`, `new Helper($this)`), in a class with a release method (`__destruct()`, `close()`, `disconnect()`, `kill()`, `terminate()`, `shutdown()`) that does not break the cycle. Every instance is then a reference cycle: dropped, it is freed (and its destructor runs) only when PHP\'s cycle collector runs, so under a long-running runtime the processes, sockets and sessions of dropped instances pile up in the meantime.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
