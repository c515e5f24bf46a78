// Every rule, one module each (ESLint-style). Adding a rule: write the module
// under rules/, list it here, write docs/rules/<id>.md, run `npm run docs:rules`.
import type { Rule } from './types';
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
import phpInstancePinned from './rules/php-instance-pinned';
import phpUnboundedRecorder from './rules/php-unbounded-recorder';
import phpSettledEntryKept from './rules/php-settled-entry-kept';
import phpUnbalancedPair from './rules/php-unbalanced-pair';

export const allRules: Rule[] = [cProcessHeapLeak, cRequestHeapLeak, cMismatchedFree, cDoubleFree, cRefcountLeak, fpmMaxRequests, iniMemoryLimitUnbounded,
  // configuration: the settings that decide whether a leak takes a server down
  iniMemoryLimitHigh, iniGcDisabled, mysqlndMemorySettings, rrWorkerRecyclingMissing, rrWorkerMemoryAboveLimit, swooleMaxRequestMissing, swooleMaxRequestIneffective, webmanMemoryMonitorOff, webmanMonitorMemoryLimitUnbounded, octaneMaxRequestsDisabled,
  phpUnboundedStaticGrowth, phpUnprovenStaticGrowth, phpListenerPerRequest, phpTimerPerRequest, phpBufferedResultRetained, phpUncollectableCycle, phpInstancePinned, phpUnboundedRecorder, phpSettledEntryKept, phpUnbalancedPair];

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
