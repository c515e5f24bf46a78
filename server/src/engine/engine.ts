import { initCParser } from './c/parser';
import { LineIndex } from './text';
import { allRules } from './registry';
import { isSuppressed, suppressionFix } from './suppress';
import type {
  AnalysisOptions,
  AnalysisResult,
  Finding,
  Rule,
  RuleContext,
  RuleFailure,
  Severity,
  SeveritySetting,
  SourceDocument,
} from './types';

export interface EngineInit {
  /** Folder holding web-tree-sitter.wasm and tree-sitter-c.wasm (the bundle's folder). */
  wasmDir?: string;
}

/** Loads the parsers. Every entry point (server, CLI, tests) awaits this once. */
export async function initEngine(init: EngineInit = {}): Promise<void> {
  await initCParser(init.wasmDir);
}

/** Heuristic for binary content: NUL bytes in the first 8 KiB. */
export function looksBinary(text: string): boolean {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  return head.includes('\u0000');
}

class Context implements RuleContext {
  readonly lines: LineIndex;
  private readonly cache = new Map<string, unknown>();
  private readonly disposers: Array<() => void> = [];

  constructor(
    readonly doc: SourceDocument,
    readonly profile: AnalysisOptions['profile'],
    readonly workspace?: AnalysisOptions['workspace'],
  ) {
    this.lines = new LineIndex(doc.text);
  }

  shared<T>(key: string, produce: () => T): T {
    if (this.cache.has(key)) {
      const v = this.cache.get(key);
      if (v instanceof SharedError) throw v.error;
      return v as T;
    }
    try {
      const value = produce();
      this.cache.set(key, value);
      const d = (value as { dispose?: () => void } | undefined)?.dispose;
      if (typeof d === 'function') this.disposers.push(() => d.call(value));
      return value;
    } catch (error) {
      // A producer that failed fails every rule that needs it, once each, without re-running.
      this.cache.set(key, new SharedError(error));
      throw error;
    }
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) {
      try {
        d();
      } catch {
        /* freeing parse trees must not fail analysis */
      }
    }
  }
}

class SharedError {
  constructor(readonly error: unknown) {}
}

/** The severity a rule reports under the options, or 'off'. */
export function effectiveSeverity(rule: Rule, options: AnalysisOptions): SeveritySetting {
  const override = options.rules?.[rule.meta.id];
  if (override) return override;
  return rule.meta.defaultSeverity[options.profile];
}

/**
 * Runs every rule that applies to the document. A rule that throws is recorded
 * in `failures`; the other rules still report.
 */
export function analyze(doc: SourceDocument, options: AnalysisOptions, rules: Rule[] = allRules): AnalysisResult {
  if (looksBinary(doc.text)) {
    return { findings: [], failures: [], skipped: 'binary content (NUL bytes)' };
  }
  const ctx = new Context(doc, options.profile, options.workspace);
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  try {
    for (const rule of rules) {
      if (!rule.meta.languages.includes(doc.language)) continue;
      const setting = effectiveSeverity(rule, options);
      if (setting === 'off') continue;
      try {
        for (const raw of rule.check(ctx)) {
          // An explicit user override wins over a rule's per-finding severity.
          const severity: Severity =
            options.rules?.[rule.meta.id] !== undefined ? (setting as Severity) : (raw.severity ?? (setting as Severity));
          const finding: Finding = { ...raw, ruleId: rule.meta.id, severity };
          if (isSuppressed(finding, ctx.lines, doc.language)) continue;
          finding.fixes = [...(raw.fixes ?? []), suppressionFix(finding, ctx.lines, doc.language)];
          findings.push(finding);
        }
      } catch (error) {
        failures.push({ ruleId: rule.meta.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    }
  } finally {
    ctx.dispose();
  }
  findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.ruleId.localeCompare(b.ruleId),
  );
  return { findings, failures };
}
