// THE rule registry: every rule id a user can see, with its kind. Static rules are one
// module each (ESLint-style) and run in analyze(); runtime rules name findings measured by
// server/src/runtime/ (valgrind, a debug build's leak log: metadata only, no check runs
// here); the budget rule names the notice analyze() adds when a file's time budget is spent.
// Settings validation, `--rule`, SARIF, the README table and the docs pages all read this
// list. Adding a static rule: write the module under rules/, list it in allRules, write
// docs/rules/<id>.md, run `npm run docs:rules`.
import type { Rule, RuleMeta } from './types';
import cProcessHeapLeak from './rules/c-process-heap-leak';
import cRequestHeapLeak from './rules/c-request-heap-leak';
import cMismatchedFree from './rules/c-mismatched-free';
import cDoubleFree from './rules/c-double-free';
import cRefcountLeak from './rules/c-refcount-leak';
import fpmMaxRequests from './rules/fpm-max-requests';
import iniMemoryLimitUnbounded from './rules/ini-memory-limit-unbounded';
import iniMemoryLimitHigh from './rules/ini-memory-limit-high';
import iniGcDisabled from './rules/ini-gc-disabled';
import mysqlndMemorySettings from './rules/mysqlnd-memory-settings';
import rrWorkerRecyclingMissing from './rules/rr-worker-recycling-missing';
import rrWorkerMemoryAboveLimit from './rules/rr-worker-memory-above-limit';
import swooleMaxRequestMissing from './rules/swoole-max-request-missing';
import swooleMaxRequestIneffective from './rules/swoole-max-request-ineffective';
import webmanMemoryMonitorOff from './rules/webman-memory-monitor-off';
import webmanMonitorMemoryLimitUnbounded from './rules/webman-monitor-memory-limit-unbounded';
import octaneMaxRequestsDisabled from './rules/octane-max-requests-disabled';
import phpUnboundedStaticGrowth from './rules/php-unbounded-static-growth';
import phpUnprovenStaticGrowth from './rules/php-unproven-static-growth';
import phpListenerPerRequest from './rules/php-listener-per-request';
import phpTimerPerRequest from './rules/php-timer-per-request';
import phpBufferedResultRetained from './rules/php-buffered-result-retained';
import phpUncollectableCycle from './rules/php-uncollectable-cycle';
import phpSelfCycle from './rules/php-self-cycle';
import phpResetNotForwarded from './rules/php-reset-not-forwarded';
import phpInstancePinned from './rules/php-instance-pinned';
import phpUnboundedRecorder from './rules/php-unbounded-recorder';
import phpSettledEntryKept from './rules/php-settled-entry-kept';
import phpUnbalancedPair from './rules/php-unbalanced-pair';

export const allRules: Rule[] = [cProcessHeapLeak, cRequestHeapLeak, cMismatchedFree, cDoubleFree, cRefcountLeak, fpmMaxRequests, iniMemoryLimitUnbounded,
  // configuration: the settings that decide whether a leak takes a server down
  iniMemoryLimitHigh, iniGcDisabled, mysqlndMemorySettings, rrWorkerRecyclingMissing, rrWorkerMemoryAboveLimit, swooleMaxRequestMissing, swooleMaxRequestIneffective, webmanMemoryMonitorOff, webmanMonitorMemoryLimitUnbounded, octaneMaxRequestsDisabled,
  phpUnboundedStaticGrowth, phpUnprovenStaticGrowth, phpListenerPerRequest, phpTimerPerRequest, phpBufferedResultRetained, phpUncollectableCycle, phpSelfCycle, phpResetNotForwarded, phpInstancePinned, phpUnboundedRecorder, phpSettledEntryKept, phpUnbalancedPair];

/** The rule id of the finding saying the time budget cut an analysis short (docs/rules/analysis-budget.md). */
export const BUDGET_RULE_ID = 'analysis-budget';
export const VALGRIND_RULE = 'runtime-valgrind-leak';
export const DEBUG_LEAK_RULE = 'runtime-debug-leak';

/** static: a check over the source (allRules); runtime: findings measured by running PHP; budget: the engine's time-budget notice. */
export type RuleKind = 'static' | 'runtime' | 'budget';

/** The runtime findings' rules (their findings come from measurements, not from a check). */
export const runtimeRuleMetas: readonly RuleMeta[] = [
  {
    id: VALGRIND_RULE,
    title: 'Leak reported by valgrind',
    description:
      'valgrind (memcheck, --leak-check=full, with USE_ZEND_ALLOC=0 and ZEND_DONT_UNLOAD_MODULES=1) found memory that was "definitely lost" or "indirectly lost" when PHP exited, allocated through this line of the workspace\'s C sources. Definitely lost memory is a proven leak of the run that was observed.',
    languages: ['c'],
    defaultSeverity: { fpm: 'error', 'long-running': 'error' },
    category: 'c-extension',
  },
  {
    id: DEBUG_LEAK_RULE,
    title: 'Leak reported by a debug build of PHP',
    description:
      'A PHP build configured with --enable-debug reported request memory (emalloc and friends) still allocated at the end of a request, allocated at this line ("Freeing 0x… (N bytes)"). PHP frees it at request end, so under php-fpm it only wastes memory until then; in a long-running runtime (Swoole, webman, RoadRunner, Octane) it is never freed.',
    languages: ['c'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'error' },
    category: 'c-extension',
  },
];

/** The notice analyze() adds to a file whose analysis the time budget cut short. */
export const budgetRuleMeta: RuleMeta = {
  id: BUDGET_RULE_ID,
  title: 'Analysis cut short by the time budget',
  description:
    'The analysis of this file took longer than phpLeak.analysisTimeBudget; the findings reported before the cut are kept, the rules that had not finished report nothing for the file, so it may hold leaks that are not shown.',
  // Any file some static rule analyses can be cut short.
  languages: [...new Set(allRules.flatMap((r) => r.meta.languages))],
  defaultSeverity: { fpm: 'information', 'long-running': 'information' },
  category: 'analysis',
};

export interface RegisteredRule {
  kind: RuleKind;
  /** For runtime and budget rules the check never runs (it returns nothing). */
  rule: Rule;
}

const metaOnly = (meta: RuleMeta): Rule => ({ meta, check: () => [] });

/** Every rule, in the order of the README table and of SARIF's tool.driver.rules. */
export const ruleRegistry: readonly RegisteredRule[] = [
  ...allRules.map((rule) => ({ kind: 'static' as const, rule })),
  ...runtimeRuleMetas.map((m) => ({ kind: 'runtime' as const, rule: metaOnly(m) })),
  { kind: 'budget', rule: metaOnly(budgetRuleMeta) },
];

/** Every registered rule, in the shape the report formatters and the README table take. */
export const registeredRules: readonly Rule[] = ruleRegistry.map((r) => r.rule);

/** Every rule id a setting (`phpLeak.rules`, `--rule`) may name. */
export const knownRuleIds: ReadonlySet<string> = new Set(registeredRules.map((r) => r.meta.id));

const byId = new Map(ruleRegistry.map((r) => [r.rule.meta.id, r]));

/** A static rule by id (the ones analyze() runs). */
export function ruleById(id: string): Rule | undefined {
  const r = byId.get(id);
  return r?.kind === 'static' ? r.rule : undefined;
}

/** The kind of a registered rule id, else undefined. */
export function ruleKind(id: string): RuleKind | undefined {
  return byId.get(id)?.kind;
}

/** The rule's docs page, relative to the extension's (or package's) root folder. */
export function ruleDocsPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/**
 * The project's home on the web, the base of the rule pages' https URLs (SARIF `helpUri`).
 * No repository URL is recorded anywhere yet (package.json has no `repository` or
 * `homepage`): this constant is THE one place it is written. projectUrl() (installRoot.ts)
 * prefers package.json's `repository` / `homepage` once one is added, so setting that field
 * is enough; change this constant only if the project moves and package.json stays silent.
 */
export const PROJECT_URL = 'https://github.com/php-leak-diagnostics/php-leak-diagnostics';

/** The branch whose docs/rules/ the https URLs point at. */
export const DOCS_BRANCH = 'main';

/**
 * An https URL of the rule's docs page in the project repository (GitHub layout:
 * <repo>/blob/<branch>/docs/rules/<id>.md): what a code-scanning UI or a reader on another
 * machine can open, unlike a file: URL into one install folder.
 */
export function ruleHelpUri(id: string, projectUrl: string = PROJECT_URL): string {
  return `${projectUrl.replace(/\/+$/, '')}/blob/${DOCS_BRANCH}/${ruleDocsPath(id)}`;
}

/** A file: URL of the rule's docs page under an install root (the folder holding docs/). */
export function ruleDocsUrl(id: string, installRoot: string): string {
  const root = installRoot.replace(/\\/g, '/').replace(/\/$/, '');
  return encodeURI(`file://${root.startsWith('/') ? '' : '/'}${root}/${ruleDocsPath(id)}`);
}
