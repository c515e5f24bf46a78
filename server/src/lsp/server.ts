// The language server: a thin LSP layer over the engine (server/src/engine).
// Runs over IPC (VS Code) or stdio (`node dist/server.js --stdio`, other editors).
import * as path from 'path';
import { URI } from 'vscode-uri';
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  createConnection,
  Diagnostic,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  Hover,
  HoverParams,
  InitializeParams,
  InitializeResult,
  MarkupKind,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  analyze,
  compileFilter,
  containsPosition,
  describeAt,
  composeHover,
  detectProfile,
  DiskWorkspace,
  initEngine,
  installRoot,
  languageOf,
  normalizeSettings,
  packageVersion,
  rangesOverlap,
  readText,
  ruleDocsUrl,
  type Finding,
  type ProfileDecision,
  type Settings,
  type Severity,
} from '../engine';
import {
  ScanWorkspaceRequest,
  StatusNotification,
  type ScanWorkspaceParams,
  type ScanWorkspaceResult,
  type StatusParams,
} from './protocol';
import { RuntimeFindingsNotification, type RuntimeFindingsParams } from './protocol';
import { diskText, fsPathOf, mergeRuntimeFindings, RuntimeFindingsStore, textOf } from './runtime';
import { JobRunner } from '../scanpool/analyzeJob';
import { ResultCache } from '../scanpool/cache';
import { ScanPool } from '../scanpool/pool';
import { scanWithPool, type ScanTarget } from '../scanpool/scan';

const SOURCE = 'php-leak';
const DEBOUNCE_MS = 200;
/** The most of a file a runtime report's findings are anchored on (read through the file door). */
const RUNTIME_TEXT_MAX = 16 * 1024 * 1024;
/** A workspace scan with fewer files to analyse than this runs in this thread (starting workers costs more). */
const MIN_FILES_FOR_WORKERS = 16;
/** Scan workers stop after this long without work (their memory goes back). */
const POOL_IDLE_MS = 5000;

interface DocState {
  version: number | null;
  findings: Finding[];
  profile: ProfileDecision;
  /** phpLeak.rules of the analysis: also applied to the document's runtime findings. */
  rules?: Settings['rules'];
}

/** The scan target a file was found under (the deepest folder holding it). */
function targetOf(targets: ScanTarget[], file: string): ScanTarget | undefined {
  let best: ScanTarget | undefined;
  for (const t of targets) {
    if ((file === t.root || file.startsWith(t.root.endsWith(path.sep) ? t.root : t.root + path.sep)) && (!best || t.root.length > best.root.length)) best = t;
  }
  return best;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const open = new Map<string, DocState>(); // results of open documents, by URI
  const runtimeFindings = new RuntimeFindingsStore(); // measured by the client (valgrind, debug-build logs), by URI
  const scanned = new Map<string, DocState>(); // results of the last workspace scan, by URI
  const timers = new Map<string, NodeJS.Timeout>();
  const settingsCache = new Map<string, Promise<Settings>>();
  const reportedProblems = new Set<string>();
  const reportedSkips = new Set<string>();
  let workspaceFolders: string[] = [];
  let hasConfigurationCapability = false;
  let hasWorkDoneProgress = false;
  let hasWorkspaceFolderEvents = false;
  let globalSettings: unknown = undefined; // for clients without workspace/configuration
  let engineReady: Promise<void> = Promise.resolve();
  let wasmDir = __dirname; // where the tree-sitter .wasm files are (initializationOptions.wasmDir)
  let workspace: DiskWorkspace | undefined; // cross-file facts for rules; rebuilt when folders or settings change
  let debounceMs = DEBOUNCE_MS; // initializationOptions.debounceMs (benchmarks) may change it
  let pool: ScanPool | undefined; // workspace scan workers, started by the first large scan
  const scanCache = new ResultCache(); // scan results by content: unchanged files are not analysed again
  const inlineRunner = new JobRunner(); // small scans, in this thread

  const log = (msg: string) => connection.console.log(msg);
  const logError = (msg: string) => connection.console.error(msg);
  /** A problem the user should fix (a bad setting): a warning in the output, not an [info] line. */
  const logWarning = (msg: string) => connection.console.warn(msg);

  // ---------- settings ----------

  function applyRaw(raw: unknown): Settings {
    const { settings, problems } = normalizeSettings(raw);
    const fresh = problems.filter((p) => !reportedProblems.has(p));
    for (const p of fresh) reportedProblems.add(p);
    if (fresh.length) {
      for (const p of fresh) logWarning(`settings: ${p}`);
      // A window/showMessage notification, not showWarningMessage (a window/showMessageRequest):
      // some clients (Neovim) block on a request until the user answers it.
      void connection.sendNotification('window/showMessage', { type: 2 /* Warning */, message: `PHP Leak Diagnostics: ${fresh.join('; ')}` });
    }
    return settings;
  }

  /** VS Code's `files.exclude` (its true-valued globs) is honoured like phpLeak.exclude. */
  function withFilesExclude(settings: Settings, files: unknown): Settings {
    const ex = (files as { exclude?: unknown } | null | undefined)?.exclude;
    if (!ex || typeof ex !== 'object' || Array.isArray(ex)) return settings;
    const globs: string[] = [];
    for (const [glob, on] of Object.entries(ex as Record<string, unknown>)) {
      if (on !== true || !glob) continue;
      // `**/.git` names the folder: its contents go too.
      globs.push(glob, glob.endsWith('/**') ? glob : `${glob.replace(/\/+$/, '')}/**`);
    }
    return globs.length ? { ...settings, exclude: [...settings.exclude, ...globs.filter((g) => !settings.exclude.includes(g))] } : settings;
  }

  function getSettings(uri: string): Promise<Settings> {
    if (!hasConfigurationCapability) return Promise.resolve(applyRaw(globalSettings));
    let s = settingsCache.get(uri);
    if (!s) {
      s = connection.workspace
        .getConfiguration([
          { scopeUri: uri, section: 'phpLeak' },
          { scopeUri: uri, section: 'files' },
        ])
        .then(([raw, files]: unknown[]) => withFilesExclude(applyRaw(raw), files), (e) => {
          logError(`settings: could not read phpLeak settings (${e}); defaults used`);
          return applyRaw(undefined);
        });
      settingsCache.set(uri, s);
    }
    return s;
  }

  // ---------- paths, folders and the runtime profile ----------

  function folderOf(fsPath: string): string | undefined {
    let best: string | undefined;
    for (const f of workspaceFolders) {
      if ((fsPath === f || fsPath.startsWith(f + path.sep)) && (!best || f.length > best.length)) best = f;
    }
    return best;
  }

  function profileFor(fsPath: string | undefined, settings: Settings): ProfileDecision {
    const dir = fsPath ? path.dirname(fsPath) : undefined;
    return detectProfile(settings.runtime, dir, fsPath ? folderOf(fsPath) : undefined, undefined, workspaceView(settings));
  }

  // Compiled globs per settings object (settings are cached per document, so this runs on
  // every validation: compile once, not on each keystroke).
  const filters = new WeakMap<Settings, ReturnType<typeof compileFilter>>();

  function isExcluded(fsPath: string, settings: Settings): boolean {
    const folder = folderOf(fsPath);
    if (!folder) return false;
    const rel = path.relative(folder, fsPath).split(path.sep).join('/');
    let filter = filters.get(settings);
    if (!filter) filters.set(settings, (filter = compileFilter(settings)));
    return filter.excluded(rel);
  }

  /** Open documents by file system path: the workspace view reads them instead of the disk. */
  const openByPath = new Map<string, string>(); // fsPath -> URI

  // ---------- diagnostics ----------

  const severityMap: Record<Severity, DiagnosticSeverity> = {
    error: DiagnosticSeverity.Error,
    warning: DiagnosticSeverity.Warning,
    information: DiagnosticSeverity.Information,
    hint: DiagnosticSeverity.Hint,
  };

  function toDiagnostic(f: Finding, uri: string): Diagnostic {
    return {
      range: f.range,
      severity: severityMap[f.severity],
      code: f.ruleId,
      codeDescription: { href: ruleDocsUrl(f.ruleId, installRoot()) },
      source: SOURCE,
      message: f.message,
      relatedInformation: f.related?.map((r) => ({
        location: { uri: r.path ? URI.file(r.path).toString() : uri, range: r.range },
        message: r.message,
      })),
    };
  }

  /** Findings published per document (static and runtime), for the status bar's count. */
  const published = new Map<string, number>();
  let lastProfile: ProfileDecision | undefined;

  function publish(uri: string, state: DocState | undefined): void {
    const text = () => textOf(uri, (u) => documents.get(u)?.getText(), { root: workspaceFolders, maxBytes: RUNTIME_TEXT_MAX });
    const runtime = runtimeFindings.get(uri, text, state?.profile.profile, state?.rules); // moved to where their lines are now; stale ones as notes
    const findings = [...mergeRuntimeFindings(state?.findings ?? [], runtime.findings, fsPathOf(uri), text), ...runtime.notes];
    const diagnostics = findings.map((f) => toDiagnostic(f, uri));
    // What the Problems view holds for this document: static and runtime findings (not the
    // "dropped after edits" notes), so the status bar counts what the user sees.
    const shown = findings.length - runtime.notes.length;
    if (shown > 0) published.set(uri, shown);
    else published.delete(uri);
    void connection.sendDiagnostics({ uri, version: state?.version ?? undefined, diagnostics });
  }

  function totalFindings(): number {
    let n = 0;
    for (const c of published.values()) n += c;
    return n;
  }

  function sendStatus(uri: string | undefined, profile: ProfileDecision): void {
    lastProfile = profile;
    const params: StatusParams = { uri, profile: profile.profile, reason: profile.reason, findings: totalFindings(), staleRuntimeFindings: runtimeFindings.staleCount() };
    void connection.sendNotification(StatusNotification, params);
  }

  /** The workspace view rules use for cross-file facts (open documents win over the disk). */
  function workspaceView(settings: Settings): DiskWorkspace {
    if (!workspace) {
      workspace = new DiskWorkspace({
        roots: [...workspaceFolders],
        include: settings.include,
        exclude: settings.exclude,
        maxFileSize: settings.maxFileSize,
        overrides: (file) => {
          const uri = openByPath.get(file);
          return uri ? documents.get(uri)?.getText() : undefined;
        },
      });
    }
    return workspace;
  }

  /** Analyses text as the given document; never throws. */
  function analyzeText(uri: string, fsPath: string | undefined, text: string, languageId: string | undefined, settings: Settings): DocState | undefined {
    const language = languageOf(fsPath ?? uri, languageId);
    if (language === 'other') return undefined;
    const profile = profileFor(fsPath, settings);
    const result = analyze(
      { path: fsPath ?? uri, text, language },
      { profile: profile.profile, rules: settings.rules, workspace: workspaceView(settings), budgetMs: settings.analysisTimeBudget },
    );
    for (const f of result.failures) logError(`rule ${f.ruleId} failed on ${fsPath ?? uri}: ${f.error}`);
    const b = result.budgetExceeded;
    if (b) log(`analysis of ${fsPath ?? uri} cut short after ${b.elapsedMs} ms at rule ${b.ruleId} (phpLeak.analysisTimeBudget = ${b.budgetMs} ms)`);
    if (result.skipped) log(`skipped ${fsPath ?? uri}: ${result.skipped}`);
    return { version: null, findings: result.findings, profile, rules: settings.rules };
  }

  async function validate(doc: TextDocument): Promise<void> {
    const uri = doc.uri;
    const version = doc.version;
    try {
      await engineReady;
      const settings = await getSettings(uri);
      const current = documents.get(uri);
      if (!current || current.version !== version) return; // a newer version will be validated
      const fsPath = fsPathOf(uri);
      const text = doc.getText();
      if (!settings.enable || (fsPath && isExcluded(fsPath, settings))) {
        open.delete(uri);
        publish(uri, undefined);
        return;
      }
      if (text.length > settings.maxFileSize) {
        const key = `${uri}@${settings.maxFileSize}`;
        if (!reportedSkips.has(key)) {
          reportedSkips.add(key);
          log(`skipped ${fsPath ?? uri}: ${text.length} characters is over phpLeak.maxFileSize (${settings.maxFileSize} bytes)`);
        }
        open.delete(uri);
        publish(uri, undefined);
        return;
      }
      const state = analyzeText(uri, fsPath, text, doc.languageId, settings);
      if (documents.get(uri)?.version !== version) return; // edited meanwhile: stale result
      if (!state) return;
      state.version = version;
      open.set(uri, state);
      publish(uri, state);
      sendStatus(uri, state.profile);
    } catch (e) {
      logError(`analysis of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  function schedule(doc: TextDocument, delay: number): void {
    const t = timers.get(doc.uri);
    if (t) clearTimeout(t);
    timers.set(
      doc.uri,
      setTimeout(() => {
        timers.delete(doc.uri);
        const current = documents.get(doc.uri);
        if (current) void validate(current);
      }, delay),
    );
  }

  function revalidateAll(): void {
    for (const doc of documents.all()) schedule(doc, 0);
  }

  // ---------- lifecycle ----------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    hasConfigurationCapability = !!caps.workspace?.configuration;
    hasWorkDoneProgress = !!caps.window?.workDoneProgress;
    hasWorkspaceFolderEvents = !!caps.workspace?.workspaceFolders;
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    workspaceFolders = folders.map((f) => fsPathOf(f.uri)).filter((p): p is string => !!p);
    const init = params.initializationOptions as { settings?: unknown; wasmDir?: string; debounceMs?: unknown } | undefined;
    if (typeof init?.debounceMs === 'number' && Number.isFinite(init.debounceMs) && init.debounceMs >= 0) debounceMs = init.debounceMs;
    if (init?.settings !== undefined) globalSettings = init.settings;
    wasmDir = init?.wasmDir ?? __dirname;
    engineReady = initEngine({ wasmDir }).catch((e) => {
      logError(`could not load the C parser: ${e instanceof Error ? e.message : String(e)}; C files will not be analysed`);
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'php-leak-diagnostics', version: packageVersion() },
    };
  });

  connection.onInitialized(() => {
    if (hasConfigurationCapability) {
      void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
    }
    if (!hasWorkspaceFolderEvents) return;
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const removed = new Set(e.removed.map((f) => fsPathOf(f.uri)));
      workspaceFolders = workspaceFolders.filter((f) => !removed.has(f));
      workspace = undefined;
      for (const f of e.added) {
        const p = fsPathOf(f.uri);
        if (p) workspaceFolders.push(p);
      }
      revalidateAll();
    });
  });

  connection.onDidChangeConfiguration((change) => {
    settingsCache.clear();
    workspace = undefined;
    reportedProblems.clear();
    if (!hasConfigurationCapability) {
      const s = (change.settings as { phpLeak?: unknown } | undefined)?.phpLeak;
      if (s !== undefined) globalSettings = s;
    }
    revalidateAll();
    void rescanPublished();
  });

  connection.onDidChangeWatchedFiles(() => {
    // composer.json or a configuration file changed: the profile may have changed.
    workspace?.invalidateListing();
    revalidateAll();
  });

  documents.onDidOpen((e) => {
    const fsPath = fsPathOf(e.document.uri);
    if (fsPath) {
      openByPath.set(fsPath, e.document.uri);
      workspace?.invalidate(fsPath); // the editor's text now wins over the disk's
    }
    schedule(e.document, 0);
  });
  documents.onDidChangeContent((e) => {
    const fsPath = fsPathOf(e.document.uri);
    workspace?.invalidate(fsPath);
    // Runtime findings follow every change (small steps keep them on their lines); published with the analysis.
    const dropped = runtimeFindings.update(e.document.uri, e.document.getText());
    if (dropped) log(`${fsPath ?? e.document.uri}: ${dropped} runtime finding${dropped === 1 ? '' : 's'} dropped after edits (line edited or deleted): re-run the measurement`);
    schedule(e.document, debounceMs);
  });
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
    open.delete(uri);
    settingsCache.delete(uri);
    const fsPath = fsPathOf(uri);
    if (fsPath && openByPath.get(fsPath) === uri) {
      openByPath.delete(fsPath);
      workspace?.invalidate(fsPath); // back to the disk's text
    }
    if (scanned.has(uri)) void reanalyzeFromDisk(uri);
    else publish(uri, undefined);
  });

  /** A scanned file closed in the editor: show what is on disk again. */
  async function reanalyzeFromDisk(uri: string): Promise<void> {
    const fsPath = fsPathOf(uri);
    if (!fsPath) return;
    try {
      const settings = await getSettings(uri);
      const text = await readText(fsPath, settings.maxFileSize, workspaceFolders);
      const state = analyzeText(uri, fsPath, text, undefined, settings);
      if (documents.get(uri)) return; // reopened meanwhile
      if (state) scanned.set(uri, state);
      else scanned.delete(uri);
      publish(uri, state);
    } catch (e) {
      scanned.delete(uri);
      publish(uri, undefined);
    }
  }

  /** After a settings change, files shown from a scan are re-analysed too. */
  async function rescanPublished(): Promise<void> {
    for (const uri of [...scanned.keys()]) {
      if (!documents.get(uri)) await reanalyzeFromDisk(uri);
    }
  }

  // ---------- hover and quick fixes ----------

  function findingsOf(uri: string): Finding[] {
    return (open.get(uri) ?? scanned.get(uri))?.findings ?? [];
  }

  connection.onHover(async (params: HoverParams): Promise<Hover | null> => {
    try {
      const uri = params.textDocument.uri;
      const settings = await getSettings(uri);
      const state = open.get(uri) ?? scanned.get(uri);
      const hits = state ? state.findings.filter((f) => containsPosition(f.range, params.position)) : [];
      // What a configuration key bounds, when no finding already explains it.
      const doc = documents.get(uri);
      let described: string | undefined;
      // Not for a document over phpLeak.maxFileSize: describing parses the text (a 50 MB one held the server for minutes).
      if (doc && !hits.some((f) => f.hover) && doc.getText().length <= settings.maxFileSize) {
        const fsPath = fsPathOf(uri);
        described = describeAt(
          { path: fsPath ?? uri, text: doc.getText(), language: languageOf(fsPath ?? uri, doc.languageId) },
          params.position,
          workspace, // the view the last analysis used: other php.ini / pool files for the effective value
        );
      }
      const value = composeHover(hits, described, state?.profile);
      if (!value) return null;
      return {
        contents: { kind: MarkupKind.Markdown, value },
        ...(hits.length ? { range: hits[0].range } : {}),
      };
    } catch (e) {
      logError(`hover failed: ${e}`);
      return null;
    }
  });

  connection.onCodeAction((params: CodeActionParams): CodeAction[] => {
    try {
      if (params.context.only && !params.context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(k))) {
        return [];
      }
      const uri = params.textDocument.uri;
      const actions: CodeAction[] = [];
      for (const f of findingsOf(uri)) {
        if (!f.fixes?.length || !rangesOverlap(f.range, params.range)) continue;
        const diag = params.context.diagnostics.find(
          (d) => d.source === SOURCE && d.code === f.ruleId && rangesOverlap(d.range, f.range),
        ) ?? toDiagnostic(f, uri);
        for (const fix of f.fixes) {
          actions.push({
            title: fix.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diag],
            isPreferred: fix.isPreferred,
            edit: { changes: { [uri]: fix.edits } },
          });
        }
      }
      return actions;
    } catch (e) {
      logError(`code actions failed: ${e}`);
      return [];
    }
  });

  // ---------- workspace scan ----------

  connection.onNotification(RuntimeFindingsNotification, (params: RuntimeFindingsParams) => {
    // Anchored on the disk's text (what the run saw), then moved to the editor's.
    // Through the file door, inside the workspace folders: a report naming a FIFO, a device or an outside file is not read.
    const door = { root: workspaceFolders, maxBytes: RUNTIME_TEXT_MAX };
    const changed = runtimeFindings.set(
      params,
      (u) => diskText(u, door),
      (u) => textOf(u, (x) => documents.get(x)?.getText(), door),
    );
    for (const uri of changed) publish(uri, open.get(uri) ?? scanned.get(uri));
    if (changed.length && lastProfile) sendStatus(undefined, lastProfile);
  });

  connection.onRequest(ScanWorkspaceRequest, async (params: ScanWorkspaceParams | undefined, token: CancellationToken): Promise<ScanWorkspaceResult> => {
    let progress: WorkDoneProgressReporter | undefined;
    let progressCancelled = () => false;
    try {
      if (params?.workDoneToken !== undefined) {
        progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
      } else if (hasWorkDoneProgress) {
        const p = await connection.window.createWorkDoneProgress();
        progress = p;
        progressCancelled = () => p.token.isCancellationRequested;
      }
    } catch {
      progress = undefined;
    }
    const cancelled = () => token.isCancellationRequested || progressCancelled();
    const folders = (params?.folders?.map(fsPathOf).filter((p): p is string => !!p) ?? workspaceFolders).filter(Boolean);
    const skipped: Array<{ path: string; reason: string }> = [];
    let files = 0;
    let findings = 0;
    progress?.begin('Scanning for memory leaks', 0, 'listing files', true);
    // A cancel stops the workers mid-file at once (the poll inside the pool is the fallback).
    const onCancel = token.onCancellationRequested(() => pool?.cancel());
    try {
      await engineReady;
      // Settings are read once per folder (not once per file: a scan may see 100,000 files).
      const targets: ScanTarget[] = [];
      for (const folder of folders) {
        const settings = await getSettings(URI.file(folder).toString());
        if (settings.enable) targets.push({ root: folder, settings });
      }
      const seen = new Set<string>();
      let lastReport = 0;
      const summary = await scanWithPool({
        targets,
        workspaceRoots: [...workspaceFolders],
        profileOf: (file, t) => profileFor(file, t.settings),
        // Analysis runs in the workers: this thread keeps answering the editor meanwhile.
        pool: (n) => (n >= MIN_FILES_FOR_WORKERS ? (pool ??= new ScanPool({ wasmDir, idleTimeoutMs: POOL_IDLE_MS })) : undefined),
        inline: inlineRunner,
        cache: scanCache,
        engineKey: packageVersion(),
        isCancelled: cancelled,
        onSkip: (s) => skipped.push(s),
        onListed: (n) => progress?.report(0, `0/${n} files`),
        onProgress: (done, total) => {
          const now = Date.now();
          if (done === total || now - lastReport >= 100) {
            lastReport = now;
            progress?.report(Math.round((done / Math.max(1, total)) * 100), `${done}/${total} files`);
          }
        },
        onFile: (f) => {
          const uri = URI.file(f.path).toString();
          seen.add(uri);
          const result = f.result;
          for (const x of result.failures) logError(`rule ${x.ruleId} failed on ${f.path}: ${x.error}`);
          const b = result.budgetExceeded;
          if (b) log(`analysis of ${f.path} cut short after ${b.elapsedMs} ms at rule ${b.ruleId} (phpLeak.analysisTimeBudget = ${b.budgetMs} ms)`);
          if (result.skipped) log(`skipped ${f.path}: ${result.skipped}`);
          files++;
          findings += result.findings.length;
          const target = targetOf(targets, f.path);
          const state: DocState = { version: null, findings: result.findings, profile: f.profile, ...(target ? { rules: target.settings.rules } : {}) };
          const hadFindings = !!scanned.get(uri)?.findings.length;
          scanned.set(uri, state);
          // Open documents show their live analysis; clean files need no message unless they had findings.
          if (!documents.get(uri) && (state.findings.length || hadFindings)) publish(uri, state);
        },
      });
      const wasCancelled = summary.cancelled || cancelled();
      if (!wasCancelled) {
        // Files that were in an earlier scan but are gone or clean now.
        for (const uri of [...scanned.keys()]) {
          const fp = fsPathOf(uri);
          if (!seen.has(uri) && fp && folders.some((f) => fp.startsWith(f + path.sep))) {
            scanned.delete(uri);
            if (!documents.get(uri)) publish(uri, undefined);
          }
        }
      }
      for (const s of skipped) log(`scan skipped ${s.path}: ${s.reason}`);
      log(
        `scan ${wasCancelled ? 'cancelled' : 'finished'}: ${files} files, ${findings} findings, ${skipped.length} skipped ` +
          `(${summary.analysed} analysed, ${summary.cached} unchanged since the last scan)`,
      );
      const last = [...scanned.values()].pop();
      if (last) sendStatus(undefined, last.profile);
      return { files, findings, skipped, cancelled: wasCancelled };
    } finally {
      onCancel.dispose();
      progress?.done();
    }
  });

  documents.listen(connection);
  connection.listen();
}

// Entry point: stdio when asked (other editors), IPC from VS Code.
if (require.main === module) {
  process.on('uncaughtException', (e) => {
    // Keep serving: one bad input must not take every squiggle away.
    process.stderr.write(`php-leak server: uncaught ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  });
  startServer(createConnection(ProposedFeatures.all));
}
