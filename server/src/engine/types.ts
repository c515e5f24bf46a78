// The analysis engine's vocabulary. Nothing in server/src/engine may import
// 'vscode' or 'vscode-languageserver*': the LSP server, the CLI and the tests
// all drive the same pure functions.
//
// Positions follow the LSP convention: 0-based lines, characters counted in
// UTF-16 code units (what JavaScript string indices count).

/**
 * The runtime profiles, the one list: the settings (`phpLeak.runtime`, package.json's enum,
 * a unit test checks it), `--runtime`, profile detection and the client read it.
 */
export const PROFILES = ['fpm', 'long-running'] as const;
export type Profile = (typeof PROFILES)[number];
/** What `phpLeak.runtime` and `--runtime` take: a profile, or 'auto' (detected). */
export const PROFILE_SETTINGS = ['auto', ...PROFILES] as const;
export type ProfileSetting = (typeof PROFILE_SETTINGS)[number];

/**
 * A profile as users read it: `php-fpm` / `long-running`. The one name for hovers, messages,
 * the CLI and the client's status bar (the setting's value `fpm` stays an id).
 */
export function profileDisplayName(p: Profile): string {
  return p === 'fpm' ? 'php-fpm' : 'long-running';
}

export function isProfileSetting(v: unknown): v is ProfileSetting {
  return typeof v === 'string' && (PROFILE_SETTINGS as readonly string[]).includes(v);
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type SeveritySetting = Severity | 'off';

/** The kinds of document the engine understands. */
export type DocLanguage =
  | 'c'
  | 'php'
  | 'php-fpm-conf'
  | 'ini'
  /** RoadRunner's `.rr.yaml` (other YAML files are 'other'). */
  | 'yaml'
  /** supervisord program files (`supervisord.conf`, `supervisor/conf.d/*.conf`). */
  | 'supervisor'
  /** systemd units (`*.service`). */
  | 'systemd'
  | 'dockerfile'
  /** `composer.json` (other JSON files are 'other'). */
  | 'json'
  | 'other';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix an editor offers first (VS Code: "preferred" quick fix). */
  isPreferred?: boolean;
}

export interface RelatedInfo {
  range: Range;
  message: string;
  /** Another file; absent means the same document. */
  path?: string;
}

/** What a rule reports, before severity is resolved. */
export interface RawFinding {
  message: string;
  range: Range;
  related?: RelatedInfo[];
  fixes?: Fix[];
  /** Markdown shown when hovering the range: the lifetime and why. */
  hover?: string;
  /**
   * Rules with a profile-dependent severity may override the profile default
   * for one finding (e.g. the finding is certain on every path).
   */
  severity?: Severity;
}

/** A finding with its rule and severity resolved. */
export interface Finding extends RawFinding {
  ruleId: string;
  severity: Severity;
}

export interface RuleMeta {
  /** Stable code, kebab-case, shown in the editor and in SARIF. */
  id: string;
  title: string;
  /** One paragraph: what the rule finds and why it matters. */
  description: string;
  languages: DocLanguage[];
  /** Severity by runtime profile; 'off' means the rule is silent under it. */
  defaultSeverity: Record<Profile, SeveritySetting>;
  /** Short label for the kind of memory at stake, shown in the README table ('analysis': the engine's own notice). */
  category: 'c-extension' | 'php-code' | 'configuration' | 'analysis';
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): RawFinding[];
}

/** One document to analyse. */
export interface SourceDocument {
  /** Absolute file system path (or a URI string when the document has no path). */
  path: string;
  text: string;
  language: DocLanguage;
}

export interface AnalysisOptions {
  profile: Profile;
  /** Per-rule severity overrides. */
  rules?: Record<string, SeveritySetting>;
  /** The other files of the workspace, for rules that need cross-file facts. */
  workspace?: WorkspaceView;
  /**
   * Per-document analysis time budget in milliseconds. Past it, `ctx.checkBudget()`
   * throws and analyze() returns what it has plus one `analysis-budget` finding.
   * Absent, 0 or not finite: no budget.
   */
  budgetMs?: number;
}

/**
 * A read-only view of the workspace for cross-file facts (a PHP class index,
 * C function summaries). Rules must work without it (single-file mode).
 */
export interface WorkspaceView {
  /** Absolute paths of the workspace's files of a language (include/exclude applied). */
  files(language: DocLanguage): readonly string[];
  /** A file's current text (the editor's when open, else the disk's); undefined when unreadable or too large. */
  read(path: string): string | undefined;
  /**
   * A workspace-level cache for derived facts. Everything in it is dropped when
   * any file of the workspace changes, so producers must be pure functions of
   * files() and read().
   */
  shared<T>(key: string, produce: () => T): T;
  /**
   * A per-file fact (e.g. the classes a PHP file declares), recomputed only
   * when that file's text changes. Undefined when the file cannot be read.
   * Build workspace-wide indexes from these so an edit re-derives one file.
   */
  fileFact<T>(key: string, file: string, produce: (text: string) => T): T | undefined;
}

/**
 * What a rule sees. Expensive shared work (parse trees, the C ownership
 * analysis) is computed once per document, lazily, and cached on the context.
 */
export interface RuleContext {
  readonly doc: SourceDocument;
  readonly profile: Profile;
  readonly lines: import('./text').LineIndex;
  /** The workspace, when the caller provides one (server, CLI); undefined in single-file mode. */
  readonly workspace?: WorkspaceView;
  /** Lazily computed per-document artefacts, keyed by producer name. */
  shared<T>(key: string, produce: () => T): T;
  /**
   * Throws an AnalysisBudgetExceeded (engine.ts) once the analysis time budget
   * is spent; a no-op without a budget. Call it in hot loops (worklists, tree walks).
   */
  checkBudget(): void;
  /**
   * Runs work that is not this document's own cost (a fact about another file of the
   * workspace, computed once and cached): its time does not count against this
   * document's budget; `check` enforces a budget of the same size for the work itself.
   * Absent in contexts built outside analyze().
   */
  outsideBudget?<T>(work: (check: () => void) => T): T;
}

export interface RuleFailure {
  ruleId: string;
  error: string;
}

export interface AnalysisResult {
  findings: Finding[];
  /** Rules that threw: logged by the caller; the other rules still reported. */
  failures: RuleFailure[];
  /** Set when the document was not analysed (too large, binary, …). */
  skipped?: string;
  /** Set when the time budget cut the analysis short (an `analysis-budget` finding says so too). */
  budgetExceeded?: { budgetMs: number; elapsedMs: number; ruleId: string };
}
