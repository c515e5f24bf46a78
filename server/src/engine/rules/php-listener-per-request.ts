// Event listeners (and shutdown functions) registered from request code and
// never removed: under a long-running runtime, one more per request. Without
// request entry points (library code), only when the code shows that each call
// adds a new one holding per-call data (see perCallEvidence).
import { checkRegistrations } from '../php/registration-rule';
import type { Rule } from '../types';

const rule: Rule = {
  meta: {
    id: 'php-listener-per-request',
    title: 'Listener registered on every request and never removed',
    description:
      'An event listener (`$emitter->on()`, `$server->on()`, `Event::listen()`, `$events->listen()`, `addListener()`, webman/event `Event::on()`) or a `register_shutdown_function()` callback registered from code a request entry point reaches, with nothing that removes it. The dispatcher, the server and the shutdown list live as long as the worker process, so under a long-running runtime every request adds one more listener (and keeps what its closure captures) until the worker is restarted. In a workspace without request entry points (a library), it is reported only when the code shows that every call adds a new one: an ordinary function or method (not a constructor, boot/register/init… method or shutdown callback), no once-guard flag, a registry that outlives the call, and a callback holding per-call data (a captured parameter or local, arguments passed to it).',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check: (ctx) => checkRegistrations(ctx, 'listener'),
};
export default rule;
