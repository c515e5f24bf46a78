// The runtime findings' rules, as the runtime layer uses them. Their metadata lives in the
// one rule registry (server/src/engine/registry.ts, kind 'runtime'), beside the static rules.
import { DEBUG_LEAK_RULE, ruleKind, runtimeRuleMetas, VALGRIND_RULE, type Profile, type Severity } from '../engine';

export { DEBUG_LEAK_RULE, VALGRIND_RULE };

/**
 * A runtime finding's severity under a runtime profile (the rule's default for it): a debug
 * build's leak is a warning under php-fpm (freed at request end) and an error in a
 * long-running runtime (never freed).
 */
export function runtimeSeverity(ruleId: string, profile: Profile): Severity {
  const s = runtimeRuleMetas.find((m) => m.id === ruleId)?.defaultSeverity[profile];
  return s && s !== 'off' ? s : 'warning';
}

export function isRuntimeRule(id: string): boolean {
  return ruleKind(id) === 'runtime';
}
