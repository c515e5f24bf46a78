// A decorator's reset() that never resets the object it forwards its work to: under a
// long-running runtime what the wrapped object buffers survives every reset.
import { spanWithoutSemicolon as spanEnd } from '../php/parse';
import { phpModelOf } from '../php/model';
import { unforwardedResets } from '../php/reset-forwarding';
import type { RawFinding, Rule, RuleContext } from '../types';

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const text = ctx.doc.text;
  const out: RawFinding[] = [];
  for (const u of unforwardedResets(pm.model)) {
    const name = u.scope.node.name;
    const s = spanEnd(name && typeof name === 'object' ? name : u.scope.node, text);
    if (!s) continue;
    const call = spanEnd(u.call, text);
    const cls = u.scope.cls?.name ?? 'the class';
    out.push({
      message: `\`${cls}::reset()\` skips \`$this->${u.prop}\`, which \`${u.forwardedBy}()\` forwards to: its buffer outlives every reset.`,
      range: ctx.lines.range(s.start, s.end),
      related: call ? [{ range: ctx.lines.range(call.start, call.end), message: `\`${u.forwardedBy}()\` hands its work to \`$this->${u.prop}\` here` }] : undefined,
      hover: [
        `**Reset not forwarded** in \`${u.scope.displayName}\`.`,
        '',
        `**Why it leaks:** a long-running runtime calls \`reset()\` between requests or messages so that services start clean. \`${cls}\` is a decorator: \`${u.forwardedBy}()\` hands its work to the object in \`$this->${u.prop}\`, which can buffer it (a buffering or fingers-crossed log handler keeps every record it is given). This \`reset()\` never touches that object, so whatever it holds survives every reset and grows with each unit of work until the worker is restarted.`,
        '',
        `**Fix:** forward the reset: \`if ($this->${u.prop} instanceof ResettableInterface) { $this->${u.prop}->reset(); }\` (or the interface your framework uses).`,
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-reset-not-forwarded',
    title: "Decorator's reset() does not reset what it wraps",
    description:
      "A class implementing Monolog's `ResettableInterface` that forwards its own methods to an object it holds (`handle()` calling `$this->handler->handle()` or `$this->getHandler()->handle()`), and whose `reset()` never touches that object. Long-running runtimes call the logger's `reset()` between units of work, and a handler nested in a wrapper is reset only through it: what the wrapped object buffers survives every reset and grows until the worker is restarted. Symfony's `ResetInterface` is not checked (its container resets decorated services itself).",
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
