// The shared check of php-listener-per-request and php-timer-per-request:
// registrations reached from a request entry point and never removed.
import { spanOf } from './parse';
import { reachAt } from './index';
import { phpModelOf } from './model';
import { registrationsIn, type RegistrationKind } from './registrations';
import type { RawFinding, RuleContext } from '../types';

const ADVICE: Record<RegistrationKind, string> = {
  listener:
    'Register listeners once, at boot (a service provider\'s `boot()`, `onWorkerStart`, the constructor of a long-lived service), or remove them when the request is done (`->off()` / `removeListener()` / `Event::forget()`). `register_shutdown_function()` callbacks run only when the worker exits: use a `try/finally` or the runtime\'s request-end hook instead.',
  timer:
    'Create periodic timers once per worker (`onWorkerStart`), use a one-shot timer (`Timer::add($t, $cb, [], false)`, `Timer::after()`, `addTimer()`), or keep the id and delete it (`Timer::del($id)`, `Timer::clear($id)`, `cancelTimer()`).',
};

export function checkRegistrations(ctx: RuleContext, kind: RegistrationKind): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  const { model, index } = pm;
  const out: RawFinding[] = [];
  ctx.checkBudget();
  for (const r of registrationsIn(model, ctx.doc.text)) {
    if (r.kind !== kind || r.removedBy) continue;
    const reach = reachAt(index, r.scope, r.at, model);
    if (reach.state !== 'every' && reach.state !== 'some') continue; // boot-time registration (or unknown): fine
    const span = spanOf(r.call);
    if (!span) continue;
    if (ctx.doc.text[span.end - 1] === ';') span.end--; // php-parser's call loc may take the statement's `;`
    const noun = kind === 'timer' ? 'timer' : 'listener';
    const when = reach.state === 'every' ? `on every request handled by the ${reach.label}` : `from the ${reach.label} (on some requests)`;
    out.push({
      message: `\`${r.api}\` registers a ${noun} ${when}: ${r.what}, and nothing removes it. Under a long-running runtime they pile up until the worker is restarted.`,
      range: ctx.lines.range(span.start, span.end),
      severity: ctx.profile === 'long-running' && reach.state === 'every' ? 'error' : undefined,
      hover: [
        `**${noun === 'timer' ? 'Timer' : 'Listener'} registered per request:** \`${r.api}\` in \`${r.scope.displayName}\`.`,
        '',
        `**Reached:** ${reach.state === 'every' ? `on every request handled by the ${reach.label}` : `from the ${reach.label}, on some requests`}.`,
        '',
        `**Why it leaks:** ${r.what}. The registry holding it (the event loop, the dispatcher, the shutdown list) lives as long as the worker process, so one more entry — and everything its callback captures — stays per request.`,
        '',
        `**Fix:** ${ADVICE[kind]}`,
      ].join('\n'),
    });
  }
  return out;
}
