import { initCParser } from './c/parser';
import { LineIndex } from './text';
import { allRules, BUDGET_RULE_ID } from './registry';
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

export { BUDGET_RULE_ID };

/** Thrown by ctx.checkBudget() past the deadline; analyze() turns it into one `analysis-budget` finding. */
export class AnalysisBudgetExceeded extends Error {
  constructor(
    readonly budgetMs: number,
    readonly elapsedMs: number,
  ) {
    super(`analysis time budget of ${budgetMs} ms spent after ${elapsedMs} ms`);
    this.name = 'AnalysisBudgetExceeded';
  }
}

class Context implements RuleContext {
  readonly lines: LineIndex;
  private readonly cache = new Map<string, unknown>();
  private readonly disposers: Array<() => void> = [];
  private readonly started = performance.now();
  private deadline: number;
  /** Sticky: once spent, every later checkBudget() throws (even if a rule swallowed the first). */
  exceeded: AnalysisBudgetExceeded | undefined;

  constructor(
    readonly doc: SourceDocument,
    readonly profile: AnalysisOptions['profile'],
    readonly workspace?: AnalysisOptions['workspace'],
    readonly budgetMs = 0,
  ) {
    this.deadline = Number.isFinite(budgetMs) && budgetMs > 0 ? this.started + budgetMs : Infinity;
    this.lines = new LineIndex(doc.text);
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }

  checkBudget(): void {
    if (this.exceeded) throw this.exceeded;
    if (this.deadline === Infinity || performance.now() <= this.deadline) return;
    this.exceeded = new AnalysisBudgetExceeded(this.budgetMs, this.elapsedMs());
    throw this.exceeded;
  }

  outsideBudget<T>(work: (check: () => void) => T): T {
    const t0 = performance.now();
    const limit = this.deadline === Infinity ? Infinity : t0 + this.budgetMs;
    const check = () => {
      if (limit !== Infinity && performance.now() > limit) throw new AnalysisBudgetExceeded(this.budgetMs, Math.round(performance.now() - t0));
    };
    try {
      return work(check);
    } finally {
      this.deadline += performance.now() - t0;
    }
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
 * Test hook: the rule with this id throws on every document (PHP_LEAK_TEST_THROW_RULE), so
 * the CLI tests can check that a rule failure reaches the report, SARIF and the exit code.
 * Read once; an unset variable costs nothing.
 */
const TEST_THROW_RULE = typeof process !== 'undefined' ? process.env?.PHP_LEAK_TEST_THROW_RULE || undefined : undefined;

/**
 * Runs every rule that applies to the document. A rule that throws is recorded
 * in `failures`; the other rules still report.
 */
export function analyze(doc: SourceDocument, options: AnalysisOptions, rules: Rule[] = allRules): AnalysisResult {
  if (looksBinary(doc.text)) {
    return { findings: [], failures: [], skipped: 'binary content (NUL bytes)' };
  }
  const ctx = new Context(doc, options.profile, options.workspace, options.budgetMs);
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  let cutAt: string | undefined; // the rule the time budget stopped
  const budgetSpent = (): boolean => {
    try {
      ctx.checkBudget();
      return false;
    } catch {
      return true;
    }
  };
  try {
    for (const rule of rules) {
      if (!rule.meta.languages.includes(doc.language)) continue;
      const setting = effectiveSeverity(rule, options);
      if (setting === 'off') continue;
      if (budgetSpent()) {
        cutAt = rule.meta.id;
        break;
      }
      try {
        if (TEST_THROW_RULE === rule.meta.id) throw new Error(`PHP_LEAK_TEST_THROW_RULE: ${rule.meta.id} made to throw`);
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
        if (error instanceof AnalysisBudgetExceeded) {
          ctx.exceeded ??= error; // also one thrown by an outsideBudget() check
        } else {
          failures.push({ ruleId: rule.meta.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        }
      }
      if (ctx.exceeded) {
        // Also when the rule caught the error itself: nothing after it runs.
        cutAt = rule.meta.id;
        break;
      }
    }
  } finally {
    ctx.dispose();
  }
  let budgetExceeded: AnalysisResult['budgetExceeded'];
  if (cutAt !== undefined) {
    const elapsedMs = ctx.exceeded?.elapsedMs ?? ctx.elapsedMs();
    budgetExceeded = { budgetMs: ctx.budgetMs, elapsedMs, ruleId: cutAt };
    // phpLeak.rules["analysis-budget"] sets its severity or turns the notice off (budgetExceeded still says so).
    const setting = options.rules?.[BUDGET_RULE_ID] ?? 'information';
    if (setting !== 'off') findings.push(budgetFinding(budgetExceeded, setting));
  }
  findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.ruleId.localeCompare(b.ruleId),
  );
  return budgetExceeded ? { findings, failures, budgetExceeded } : { findings, failures };
}

/** The one finding that says the analysis was cut short (at the top of the file; information unless phpLeak.rules says otherwise). */
function budgetFinding(b: NonNullable<AnalysisResult['budgetExceeded']>, severity: Severity): Finding {
  const message =
    `Leak analysis cut short after ${b.elapsedMs} ms (time budget ${b.budgetMs} ms, at rule ${b.ruleId}): ` +
    'findings for this file may be incomplete. Raise phpLeak.analysisTimeBudget (0 = no budget) to analyse it fully.';
  return {
    ruleId: BUDGET_RULE_ID,
    severity,
    message,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    hover: `**Analysis cut short.** ${message}`,
  };
}
