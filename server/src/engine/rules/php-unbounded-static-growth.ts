// PHP code that grows a long-lived container (static property, static local,
// global, singleton property, worker-loop variable, by-reference capture of a
// request handler) on every call with nothing that bounds it. Under a
// long-running runtime (webman, Swoole, RoadRunner, Octane) one worker serves
// many requests, so such a container grows until the worker is restarted.
//
// Severity under long-running: warning; error when the growth runs on every
// request an entry point handles (reached through unconditional calls);
// information when the workspace has request entry points and none reaches it.
// Without any request entry point (a library, or a runtime whose entry points we cannot
// see), a finding needs evidence from the code itself that the growth follows the traffic
// (a key from the clock, a fresh value, request input, an entity id or a client address;
// an append of request input or in a function handed the request). The rest is left to
// php-unproven-static-growth, which is off by default: on Debian's PHP libraries every
// such finding reviewed was a boot-time registry or a cache of names (docs/accuracy.md).
import { failedRemovalFindings, growthFindings } from '../php/growth-report';
import { phpModelOf } from '../php/model';
import type { Rule } from '../types';

const rule: Rule = {
  meta: {
    id: 'php-unbounded-static-growth',
    title: 'Static, static local or global array grows on every call',
    description:
      'A static property, a static local variable or a global that a function or method grows on every call (`$a[] = …`, a key that never repeats such as time() or request input, `.=`, array_push, array_merge) with no size check, eviction or reset. Under a long-running runtime (webman, Swoole, RoadRunner, Octane) such a container lives as long as the worker process, so it grows until the worker is restarted. Under php-fpm every request starts clean, so the rule is off there by default.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check: (ctx) => {
    const findings = growthFindings(ctx, false);
    const pm = phpModelOf(ctx);
    if (pm) findings.push(...failedRemovalFindings(ctx, pm.model, pm.index));
    return findings;
  },
};
export default rule;
