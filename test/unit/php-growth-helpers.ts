// Shared by the PHP growth tests: the two halves of the growth check as one rule, and the
// setting that turns the off-by-default half on.
import type { Rule } from '../../server/src/engine';
import growth from '../../server/src/engine/rules/php-unbounded-static-growth';
import { growthFindings } from '../../server/src/engine/php/growth-report';

/** `phpLeak.rules` turning php-unproven-static-growth (off by default) on, as information. */
export const UNPROVEN_ON = { 'php-unproven-static-growth': 'information' } as const;

/**
 * Both halves of the growth check: what php-unbounded-static-growth reports, plus what it
 * leaves to php-unproven-static-growth (no entry point, no evidence), shown as information.
 * For cases that test the containers, growth forms and bounds, which are the same for both.
 */
export const growthBothHalves: Rule = {
  meta: growth.meta,
  check: (ctx) => [...growthFindings(ctx, false), ...growthFindings(ctx, true).map((f) => ({ ...f, severity: 'information' as const }))],
};
