// Runtime findings through the engine's formatters (text, JSON, SARIF), with the rule registry.
import { packageVersion, registeredRules, ruleReportDocs } from '../engine';
import { formatJson, formatSarif, formatText, type FileResult } from '../engine/report';
import type { MappedFinding } from './valgrind';

/**
 * `profileOf` names the profile that decided a file's severities (import-leak-log); without
 * it (valgrind, whose severity follows the loss kind) the report says `runtime`.
 */
export function formatRuntimeFindings(findings: MappedFinding[], format: 'text' | 'json' | 'sarif', cwd: string, profileOf?: (path: string) => string): string {
  const byPath = new Map<string, FileResult>();
  for (const m of findings) {
    const f = byPath.get(m.path) ?? { path: m.path, findings: [], profile: profileOf?.(m.path) ?? 'runtime' };
    f.findings.push(m.finding);
    byPath.set(m.path, f);
  }
  const input = {
    files: [...byPath.values()],
    skipped: [],
    cwd,
    rules: registeredRules,
    toolVersion: packageVersion(),
    docs: ruleReportDocs,
  };
  return format === 'sarif' ? formatSarif(input) : format === 'json' ? formatJson(input) : formatText(input);
}
