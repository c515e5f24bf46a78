// The rule ids of runtime findings (metadata only: they come from measurements, not from a
// check over the source, so they are not in the static registry's allRules). The SARIF
// output lists them, and each has its page under docs/rules/.
import type { Profile, Rule, RuleMeta, Severity } from '../engine/types';

export const VALGRIND_RULE = 'runtime-valgrind-leak';
export const DEBUG_LEAK_RULE = 'runtime-debug-leak';

export const runtimeRuleMetas: RuleMeta[] = [
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

/** The runtime rules in the shape the report formatters take (their check never runs). */
export const runtimeRules: Rule[] = runtimeRuleMetas.map((meta) => ({ meta, check: () => [] }));

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
  return runtimeRuleMetas.some((m) => m.id === id);
}
