// Registrations that keep their own instance alive for the worker's life: a
// shutdown function registered by each instance's constructor, or a loop
// watcher / listener / subscription holding `$this` that only the destructor
// removes (which cannot run while the registry holds the instance).
import { spanWithoutSemicolon as spanEnd } from '../php/parse';
import { pinnedRegistrations } from '../php/pinning';
import { phpModelOf } from '../php/model';
import type { RawFinding, Rule, RuleContext } from '../types';

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const text = ctx.doc.text;
  const out: RawFinding[] = [];
  for (const p of pinnedRegistrations(pm.model)) {
    const s = spanEnd(p.call, text);
    if (!s) continue;
    const cls = p.scope.cls?.name ?? 'this class';
    const dtor = p.removedOnlyBy && spanEnd(p.removedOnlyBy, text);
    const message = p.removedOnlyBy
      ? `\`${p.api}\` keeps every \`${cls}\` alive until the worker exits. Its callback holds ${p.holds}, and only \`__destruct\` removes it, which cannot run while it is registered.`
      : `\`${p.api}\` in the constructor keeps every \`${cls}\` instance until the worker exits. Its callback holds ${p.holds}, and shutdown functions cannot be removed.`;
    out.push({
      message,
      range: ctx.lines.range(s.start, s.end),
      related: dtor ? [{ range: ctx.lines.range(dtor.start, dtor.end), message: `the only removal, in __destruct: it never runs while ${p.keeper} holds the instance` }] : undefined,
      hover: [
        `**Instance pinned by its own registration** in \`${p.scope.displayName}\`.`,
        '',
        `**Kept by:** ${p.keeper}, which outlives the instance. **Holds:** ${p.holds}.`,
        '',
        p.removedOnlyBy
          ? `**Why it leaks:** the registration is removed only in \`__destruct\`, and the destructor runs only once nothing refers to the instance — but ${p.keeper} does, through the callback. So it never runs: every \`${cls}\` ever created stays registered, with everything it holds, until the worker exits.`
          : `**Why it leaks:** every \`${cls}\` registers one more shutdown function holding it. The shutdown list cannot be emptied before the process ends, so under a long-running runtime every instance ever created stays (with what it holds: connections, child processes, buffers).`,
        '',
        p.removedOnlyBy
          ? '**Fix:** make the callback `static` and reach the object through a `WeakReference` (or capture only what the callback needs), or remove the registration from an explicit `close()` / `dispose()` the owner calls.'
          : '**Fix:** register one static shutdown function for the class (guarded by a static flag) that visits the live instances through a `WeakMap` or `WeakReference`s, or drop the shutdown hook and close from `__destruct`.',
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-instance-pinned',
    title: 'Registration keeps its own instance alive until the worker exits',
    description:
      'An instance registers a callback that holds it (a non-static closure of an instance method, `[$this, …]`, `$this->m(...)`, references to its properties) with a registry that outlives it, so the instance can never be freed: `register_shutdown_function()` in the constructor (shutdown functions cannot be removed), or an event-loop watcher (`EventLoop::repeat()`, `Loop::onReadable()` …), a subscription or a listener on an emitter passed in by the caller that only `__destruct` removes — the destructor cannot run while the registry holds the instance. Each instance ever created stays, with what it holds, until the worker exits. Singletons (one instance per worker) are not reported.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
