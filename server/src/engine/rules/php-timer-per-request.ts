// Periodic timers started from request code and never cleared (without request
// entry points: only when each call starts a new one holding per-call data).
import { checkRegistrations } from '../php/registration-rule';
import type { Rule } from '../types';

const rule: Rule = {
  meta: {
    id: 'php-timer-per-request',
    title: 'Periodic timer started on every request and never cleared',
    description:
      'A persistent timer (Workerman `Timer::add()` without `$persistent = false`, Swoole `Timer::tick()` / `swoole_timer_tick()` / `$server->tick()`, ReactPHP `addPeriodicTimer()`, Revolt `EventLoop::repeat()`, Amp v2 `Loop::repeat()`) started from code a request entry point reaches, with nothing that deletes it. Each request adds one more timer that runs, and keeps its callback, until the worker is restarted. One-shot timers (`Timer::add(…, false)`, `Timer::after()`, `addTimer()`) are bounded and not reported. In a workspace without request entry points (a library), a timer is reported only when the code shows that every call starts a new one holding per-call data (an ordinary function or method, no once-guard flag, a callback capturing a parameter or local or given per-call timer arguments).',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check: (ctx) => checkRegistrations(ctx, 'timer'),
};
export default rule;
