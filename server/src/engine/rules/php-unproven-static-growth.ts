// The half of php-unbounded-static-growth that the code cannot back: a long-lived
// container grows with nothing in sight that bounds it, but the workspace has no request
// entry point to decide reachability by, and nothing in the code shows that the growth
// follows the traffic (no clock or random key, no request input, no id or client address,
// not in a function handed the request, not a list named like a log or queue). Library
// registries filled at boot and caches keyed by names of the code look exactly like this,
// so the rule is off by default; turn it on (`"phpLeak.rules": {"php-unproven-static-growth":
// "information"}`) to review such growth by hand.
import type { Rule } from '../types';
import { growthFindings } from '../php/growth-report';

const rule: Rule = {
  meta: {
    id: 'php-unproven-static-growth',
    title: 'Long-lived container grows, but nothing ties the growth to requests (off by default)',
    description:
      'The same growth as php-unbounded-static-growth (a static, static local, global or singleton property that a function grows with no bound), in a workspace without request entry points, where nothing in the code shows that it runs per request or that its keys follow the traffic. Boot-time registries and caches keyed by class or configuration names look the same, so this rule is off by default; enable it to review such growth in libraries or in applications whose entry points the analysis does not recognise.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'off' },
    category: 'php-code',
  },
  check: (ctx) => growthFindings(ctx, true),
};
export default rule;
