// Every rule, one module each (ESLint-style). Adding a rule: write the module
// under rules/, list it here, write docs/rules/<id>.md, run `npm run docs:rules`.
import type { Rule } from './types';
import cProcessHeapLeak from './rules/c-process-heap-leak';
import cRequestHeapLeak from './rules/c-request-heap-leak';
import cMismatchedFree from './rules/c-mismatched-free';
import cDoubleFree from './rules/c-double-free';
import fpmMaxRequests from './rules/fpm-max-requests';
import iniMemoryLimitUnbounded from './rules/ini-memory-limit-unbounded';
import phpUnboundedStaticGrowth from './rules/php-unbounded-static-growth';

export const allRules: Rule[] = [cProcessHeapLeak, cRequestHeapLeak, cMismatchedFree, cDoubleFree, fpmMaxRequests, iniMemoryLimitUnbounded, phpUnboundedStaticGrowth];

const byId = new Map(allRules.map((r) => [r.meta.id, r]));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}

/** The rule's docs page, relative to the extension's (or package's) root folder. */
export function ruleDocsPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/** A file: URL of the rule's docs page under an install root (the folder holding docs/). */
export function ruleDocsUrl(id: string, installRoot: string): string {
  const root = installRoot.replace(/\\/g, '/').replace(/\/$/, '');
  return encodeURI(`file://${root.startsWith('/') ? '' : '/'}${root}/${ruleDocsPath(id)}`);
}
