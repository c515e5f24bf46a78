// The shared check of php-listener-per-request and php-timer-per-request:
// registrations reached from a request entry point and never removed, and —
// when the workspace has no entry point to decide by (library code) — those
// the code itself shows to add a new registration, holding per-call data, on
// every call of the function (perCallEvidence).
import { spanOf } from './parse';
import { reachAt } from './index';
import { phpModelOf } from './model';
import { perCallEvidence, registrationsIn, type PerCallEvidence, type Registration, type RegistrationKind } from './registrations';
import type { RawFinding, RuleContext } from '../types';

const ADVICE: Record<RegistrationKind, string> = {
  listener:
    'Register listeners once, at boot (a service provider\'s `boot()`, `onWorkerStart`, the constructor of a long-lived service), or remove them when the request is done (`->off()` / `removeListener()` / `Event::forget()`). `register_shutdown_function()` callbacks run only when the worker exits: use a `try/finally` or the runtime\'s request-end hook instead.',
  timer:
    'Create periodic timers once per worker (`onWorkerStart`), use a one-shot timer (`Timer::add($t, $cb, [], false)`, `Timer::after()`, `addTimer()`), or keep the id and delete it (`Timer::del($id)`, `Timer::clear($id)`, `cancelTimer()`).',
};

const ONCE_ADVICE =
  'If one registration per process is what is meant, guard it with a flag the branch sets (`if (!self::$registered) { self::$registered = true; … }`); if the work belongs to this call (deleting its temporary file, releasing its lock), do it in a `finally` block or the runtime\'s request-end hook instead.';

function heldText(e: PerCallEvidence): string {
  const names = e.held.map((n) => `\`${n}\``).join(', ');
  return e.withThis ? `${names} (and \`$this\`)` : names;
}

function evidenceFinding(ctx: RuleContext, r: Registration, e: PerCallEvidence, range: RawFinding['range']): RawFinding {
  const fn = `\`${e.fn.displayName}\``;
  const when = e.everyCall ? `runs on every call of ${fn}` : `runs on calls of ${fn} (under a condition)`;
  const verb = r.kind === 'timer' ? 'starts' : 'adds';
  const thing = r.adds.replace(/^an? /, '');
  return {
    message: `\`${r.api}\` ${when}, and each call ${verb} ${r.adds} holding ${heldText(e)}, kept by ${r.keeper} until the worker exits; nothing removes it and no once-guard stops the repeat. Under a long-running runtime they pile up until the worker is restarted.`,
    range,
    severity: ctx.profile === 'long-running' ? 'warning' : undefined,
    hover: [
      `**${thing.charAt(0).toUpperCase()}${thing.slice(1)} registered on every call:** \`${r.api}\` in ${fn}.`,
      '',
      '**Reached:** no request entry point in the workspace (library code), so the code itself is the evidence:',
      `- ${fn} is not setup code (not a constructor, destructor or shutdown callback, not named \`boot\`/\`register\`/\`init\`/\`setUp\`/\`configure\`/\`install\`/\`enable\`/\`start\`…), so it may run once per request or job;`,
      `- no once-guard (an \`if\` on a static, property or static-local flag that the branch sets) stops a second call from registering again${e.everyCall ? '' : ' (a condition decides, but not a once-flag)'};`,
      `- the callback holds per-call data: ${e.how}. Each registration is a new entry, not the same one again.`,
      '',
      `**Why it leaks:** ${r.what}. ${r.keeper.charAt(0).toUpperCase()}${r.keeper.slice(1)} lives as long as the worker process, so every call leaves one more ${thing} — and ${heldText(e)} — behind until the worker is restarted.`,
      '',
      `**Fix:** ${ONCE_ADVICE}${r.api === 'register_shutdown_function()' ? '' : ` ${ADVICE[r.kind]}`}`,
    ].join('\n'),
  };
}

export function checkRegistrations(ctx: RuleContext, kind: RegistrationKind): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  const { model, index } = pm;
  const out: RawFinding[] = [];
  ctx.checkBudget();
  for (const r of registrationsIn(model, ctx.doc.text)) {
    if (r.kind !== kind || r.removedBy) continue;
    const reach = reachAt(index, r.scope, r.at, model);
    // No entry point to decide by: ask the code for evidence that each call adds a new one.
    const evidence = reach.state === 'unknown' ? perCallEvidence(r, model, ctx.doc.text) : undefined;
    if (reach.state !== 'every' && reach.state !== 'some' && !evidence) continue; // boot-time registration (or no evidence): fine
    const span = spanOf(r.call);
    if (!span) continue;
    if (ctx.doc.text[span.end - 1] === ';') span.end--; // php-parser's call loc may take the statement's `;`
    const range = ctx.lines.range(span.start, span.end);
    if (evidence) {
      out.push(evidenceFinding(ctx, r, evidence, range));
      continue;
    }
    if (reach.state !== 'every' && reach.state !== 'some') continue;
    const noun = kind === 'timer' ? 'timer' : 'listener';
    const when = reach.state === 'every' ? `on every request handled by the ${reach.label}` : `from the ${reach.label} (on some requests)`;
    out.push({
      message: `\`${r.api}\` registers a ${noun} ${reach.state === 'every' ? 'on every request' : 'on some requests'} and nothing removes it. It runs ${when}: ${r.what}. Under a long-running runtime they pile up until the worker is restarted.`,
      range,
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
