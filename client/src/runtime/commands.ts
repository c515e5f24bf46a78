// The runtime-proof commands in VS Code: measure memory per request, run under valgrind,
// import a debug build's leak log. Each asks for its inputs (or takes an argument object, for
// tests and other extensions), runs with a cancellable progress notification (cancel kills
// the child process), never through a shell, and asks first in an untrusted workspace.
// valgrind and leak-log findings go to the server (phpLeak/runtimeFindings), which shows them
// in the Problems panel beside the static findings and marks the ones they confirm.
import * as path from 'path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { isProfileSetting, PROFILE_SETTINGS, type ProfileSetting } from '../../../server/src/engine/types';
import { RuntimeFindingsNotification, type RuntimeFindingsParams } from '../../../server/src/lsp/protocol';
import { chartData, type ChartData } from '../../../server/src/runtime/chart';
import { formatMeasureText } from '../../../server/src/runtime/format';
import { leakLogFindings, parseLeakLog } from '../../../server/src/runtime/leaklog';
import { LIMITS, measureScript, measureUrl, type MeasureResult } from '../../../server/src/runtime/measure';
import { childrenOf, listPhpProcesses } from '../../../server/src/runtime/proc';
import { SourceIndex } from '../../../server/src/runtime/sources';
import { groupDigits } from '../../../server/src/runtime/stats';
import { runValgrind, type MappedFinding } from '../../../server/src/runtime/valgrind';
import { showChart } from './chart';

/** `phpLeak.measureMemory` without UI. */
export interface MeasureArgs {
  mode: 'url' | 'script';
  url?: string;
  requests?: number;
  pid?: number;
  fpmMaster?: number;
  allowRemote?: boolean;
  script?: string;
  call?: string;
  iterations?: number;
  php?: string;
  phpArgs?: string[];
  warmup?: number;
  timeoutSec?: number;
  /** Open the chart (default true). */
  showChart?: boolean;
}

/** `phpLeak.runValgrind` without UI: php and its arguments; the workspace folder to map to. */
export interface ValgrindArgs {
  command: string[];
  root?: string;
  cwd?: string;
}

/** `phpLeak.importLeakLog` without UI. */
export interface ImportLeakLogArgs {
  file: string;
  root?: string;
  /**
   * The runtime profile that decides the severity, as `php-leak import-leak-log --runtime`:
   * warning under 'fpm', error for 'long-running'; 'auto' follows each file's profile as the
   * language server decides it (the status bar's). Default: the phpLeak.runtime setting.
   */
  runtime?: ProfileSetting;
}

export interface RuntimeState {
  measurement?: MeasureResult;
  chart?: ChartData;
  /** Runtime findings last sent to the server, by source. */
  findings: Record<'valgrind' | 'debug-build', Array<{ path: string; ruleId: string; line: number; message: string }>>;
}

/** Splits an argument line on blanks; '…' and "…" group (no shell is involved). */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

async function trusted(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const go = 'Run';
  const a = await vscode.window.showWarningMessage(`This workspace is not trusted. ${what} Run it anyway?`, { modal: true }, go);
  return a === go;
}

function workspaceRootFor(file: string | undefined): string | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (file) {
    const f = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
    if (f) return f.uri.fsPath;
  }
  return folders[0]?.uri.fsPath;
}

const positiveInt = (max: number) => (v: string) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max ? undefined : `a whole number from 1 to ${max}`);

export function registerRuntimeCommands(
  context: vscode.ExtensionContext,
  getClient: () => LanguageClient | undefined,
  output: vscode.OutputChannel,
): { getRuntimeState(): RuntimeState; resend(): Promise<void> } {
  const state: RuntimeState = { findings: { valgrind: [], 'debug-build': [] } };
  /** The last message of each source, sent again to a restarted server (it keeps nothing). */
  const sent: Partial<Record<'valgrind' | 'debug-build', RuntimeFindingsParams>> = {};

  async function sendFindings(source: 'valgrind' | 'debug-build', mapped: MappedFinding[], runtime?: ProfileSetting): Promise<void> {
    const byUri = new Map<string, MappedFinding['finding'][]>();
    for (const m of mapped) {
      const uri = vscode.Uri.file(m.path).toString();
      byUri.set(uri, [...(byUri.get(uri) ?? []), m.finding]);
    }
    state.findings[source] = mapped.map((m) => ({ path: m.path, ruleId: m.finding.ruleId, line: m.finding.range.start.line + 1, message: m.finding.message }));
    const params: RuntimeFindingsParams = { source, files: [...byUri].map(([uri, findings]) => ({ uri, findings })), ...(runtime ? { runtime } : {}) };
    sent[source] = params;
    const c = getClient();
    if (c?.isRunning()) await c.sendNotification(RuntimeFindingsNotification, params);
    else output.appendLine('runtime findings not shown: the language server is not running');
  }

  async function askMeasureArgs(): Promise<MeasureArgs | undefined> {
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'A running server (php -S, php-fpm)', description: 'send requests to a URL, sample the worker RSS', mode: 'url' as const },
        { label: 'A handler in one long-running PHP process', description: 'Swoole / webman / RoadRunner style: call it N times', mode: 'script' as const },
      ],
      { title: 'PHP Leak: Measure Memory per Request', placeHolder: 'What to measure' },
    );
    if (!mode) return undefined;
    if (mode.mode === 'url') {
      const url = await vscode.window.showInputBox({ title: 'URL to request (loopback only)', value: 'http://127.0.0.1:8080/', ignoreFocusOut: true });
      if (!url) return undefined;
      const requests = await vscode.window.showInputBox({ title: 'Number of requests', value: '200', validateInput: positiveInt(LIMITS.maxRequests), ignoreFocusOut: true });
      if (!requests) return undefined;
      const procs = listPhpProcesses();
      const picks = procs.map((p) => {
        const kids = childrenOf(p.pid);
        const master = /fpm/.test(p.name) && kids.length > 0;
        return { label: `${p.pid}  ${p.name}${master ? ' (php-fpm master: follow its workers)' : ''}`, description: p.cmdline.slice(0, 120), pid: p.pid, master };
      });
      const other = { label: 'Enter a PID…', description: '', pid: 0, master: false };
      const pick = await vscode.window.showQuickPick([...picks, other], { title: 'The process serving the requests', ignoreFocusOut: true });
      if (!pick) return undefined;
      let pid = pick.pid;
      if (!pid) {
        const v = await vscode.window.showInputBox({ title: 'PID (the server, or the php-fpm master)', validateInput: positiveInt(4_194_304) });
        if (!v) return undefined;
        pid = Number(v);
      }
      const master = pick.master || (pick.pid === 0 && childrenOf(pid).length > 0);
      return { mode: 'url', url, requests: Number(requests), ...(master ? { fpmMaster: pid } : { pid }) };
    }
    const active = vscode.window.activeTextEditor?.document;
    const files = await vscode.window.showOpenDialog({
      title: 'The PHP handler to run many times',
      canSelectMany: false,
      filters: { PHP: ['php'] },
      ...(active?.uri.scheme === 'file' ? { defaultUri: active.uri } : {}),
    });
    if (!files?.length) return undefined;
    const call = await vscode.window.showInputBox({ title: 'Function to call each time (empty: include the file each time)', placeHolder: 'handle or App\\Kernel::handle', ignoreFocusOut: true });
    if (call === undefined) return undefined;
    const iterations = await vscode.window.showInputBox({ title: 'Number of calls', value: '1000', validateInput: positiveInt(LIMITS.maxIterations), ignoreFocusOut: true });
    if (!iterations) return undefined;
    const extra = await vscode.window.showInputBox({ title: 'Arguments for php (optional)', placeHolder: '-d extension=/abs/path/x.so -d memory_limit=1G', ignoreFocusOut: true });
    if (extra === undefined) return undefined;
    return { mode: 'script', script: files[0].fsPath, call: call || undefined, iterations: Number(iterations), phpArgs: splitArgs(extra) };
  }

  async function measureMemory(args?: MeasureArgs): Promise<MeasureResult | undefined> {
    const a = args ?? (await askMeasureArgs());
    if (!a) return undefined;
    if (!(await trusted(a.mode === 'url' ? `Measuring sends ${a.requests} requests to ${a.url}.` : `Measuring runs ${a.script} with php.`))) return undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'PHP Leak: measuring memory', cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        let last = 0;
        const onProgress = (done: number, total: number) => {
          const pct = Math.floor((done / total) * 100);
          progress.report({ message: `${done}/${total}`, increment: Math.max(0, pct - last) });
          last = Math.max(last, pct);
        };
        try {
          if (a.mode === 'url') {
            return await measureUrl(
              { url: a.url ?? '', requests: a.requests ?? 0, pid: a.pid, fpmMaster: a.fpmMaster, allowRemote: a.allowRemote, warmup: a.warmup, timeoutSec: a.timeoutSec },
              { signal: ac.signal, onProgress },
            );
          }
          const script = a.script ?? '';
          return await measureScript(
            {
              script,
              call: a.call,
              iterations: a.iterations ?? 0,
              php: a.php,
              phpArgs: a.phpArgs,
              warmup: a.warmup,
              timeoutSec: a.timeoutSec,
              cwd: path.dirname(script),
              harness: context.asAbsolutePath(path.join('dist', 'harness.php')),
            },
            { signal: ac.signal, onProgress },
          );
        } finally {
          sub.dispose();
        }
      },
    ).then(
      (r) => r,
      (e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        if (msg !== 'cancelled') void vscode.window.showErrorMessage(`PHP Leak: measuring failed: ${msg}`);
        output.appendLine(`measure: ${msg}`);
        return undefined;
      },
    );
    if (!result) return undefined;
    state.measurement = result;
    state.chart = chartData(result);
    output.appendLine(formatMeasureText(result));
    if (a.showChart !== false) showChart(state.chart);
    const say = result.verdict === 'leak' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void say(`PHP Leak: ${result.verdict} — ${result.reason}`);
    return result;
  }

  async function askValgrindArgs(): Promise<ValgrindArgs | undefined> {
    const active = vscode.window.activeTextEditor?.document;
    const files = await vscode.window.showOpenDialog({ title: 'The PHP script to run under valgrind', canSelectMany: false, filters: { PHP: ['php'] }, ...(active?.uri.scheme === 'file' ? { defaultUri: active.uri } : {}) });
    if (!files?.length) return undefined;
    const extra = await vscode.window.showInputBox({
      title: 'Arguments for php before the script (load your extension built with -g)',
      placeHolder: '-d extension=/abs/path/modules/x.so',
      ignoreFocusOut: true,
    });
    if (extra === undefined) return undefined;
    const script = files[0].fsPath;
    return { command: ['php', ...splitArgs(extra), script], root: workspaceRootFor(script), cwd: path.dirname(script) };
  }

  async function runValgrindCommand(args?: ValgrindArgs): Promise<MappedFinding[] | undefined> {
    const a = args ?? (await askValgrindArgs());
    if (!a) return undefined;
    const root = a.root ?? workspaceRootFor(undefined);
    if (!root) {
      void vscode.window.showErrorMessage('PHP Leak: open a folder with the extension sources first.');
      return undefined;
    }
    if (!(await trusted(`valgrind runs ${a.command.join(' ')}.`))) return undefined;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'PHP Leak: running under valgrind', cancellable: true },
        async (_progress, token) => {
          const ac = new AbortController();
          const sub = token.onCancellationRequested(() => ac.abort());
          try {
            return await runValgrind({ command: a.command, root, cwd: a.cwd ?? root, signal: ac.signal });
          } finally {
            sub.dispose();
          }
        },
      );
      const { definitely, indirectly, possibly } = result.summary;
      output.appendLine(`valgrind: ${groupDigits(definitely)} bytes definitely, ${groupDigits(indirectly)} indirectly, ${groupDigits(possibly)} possibly lost; ${result.findings.length} sites in ${root}`);
      await sendFindings('valgrind', result.findings);
      void vscode.window.showInformationMessage(`PHP Leak: valgrind found ${result.findings.length} leaking site${result.findings.length === 1 ? '' : 's'} in your sources (see Problems).`);
      return result.findings;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (msg !== 'cancelled') void vscode.window.showErrorMessage(`PHP Leak: valgrind failed: ${msg}`);
      output.appendLine(`valgrind: ${msg}`);
      return undefined;
    }
  }

  async function importLeakLog(args?: ImportLeakLogArgs): Promise<MappedFinding[] | undefined> {
    let a = args;
    if (!a) {
      const files = await vscode.window.showOpenDialog({ title: "A debug build's leak report or a php-fpm error log", canSelectMany: false });
      if (!files?.length) return undefined;
      a = { file: files[0].fsPath };
    }
    const root = a.root ?? workspaceRootFor(undefined);
    if (!root) {
      void vscode.window.showErrorMessage('PHP Leak: open a folder with the extension sources first.');
      return undefined;
    }
    const setting = vscode.workspace.getConfiguration('phpLeak', vscode.Uri.file(root)).get<string>('runtime');
    const runtime: unknown = a.runtime ?? (isProfileSetting(setting) ? setting : 'auto');
    if (!isProfileSetting(runtime)) {
      void vscode.window.showErrorMessage(`PHP Leak: runtime must be one of ${PROFILE_SETTINGS.join(', ')} (got "${String(runtime)}")`);
      return undefined;
    }
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(a.file));
      const log = parseLeakLog(Buffer.from(bytes).toString('utf8'));
      // With 'auto' the server applies each document's profile; php-fpm's severity until it has one.
      const findings = leakLogFindings(log, new SourceIndex(root), () => (runtime === 'long-running' ? 'long-running' : 'fpm'));
      const blocks = log.leaks.reduce((n, l) => n + l.count, 0);
      output.appendLine(
        `leak log ${a.file}: ${blocks} leaked blocks, ${findings.length} sites in ${root}${log.fpmLines ? ` (${log.fpmLines} lines from php-fpm)` : ''}; ` +
          `runtime profile ${runtime === 'auto' ? "auto (each file's, as the status bar shows)" : runtime}`,
      );
      await sendFindings('debug-build', findings, runtime);
      void vscode.window.showInformationMessage(`PHP Leak: ${findings.length} leaking site${findings.length === 1 ? '' : 's'} from the leak log (see Problems).`);
      return findings;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      void vscode.window.showErrorMessage(`PHP Leak: could not import ${a.file}: ${msg}`);
      return undefined;
    }
  }

  /**
   * Measure and valgrind run the workspace's PHP code: only in a trusted workspace (package.json
   * declares untrustedWorkspaces "limited" and disables both commands in Restricted Mode; this
   * is the same check for a call through executeCommand). Static analysis and importing a leak
   * log (a file is only read) stay available.
   */
  function trustedOnly<A, R>(what: string, run: (args?: A) => Promise<R | undefined>): (args?: A) => Promise<R | undefined> {
    return async (args?: A) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage(`PHP Leak: ${what} runs this workspace's PHP code, so it is available only in a trusted workspace (this one is in Restricted Mode).`);
        return undefined;
      }
      return run(args);
    };
  }

  context.subscriptions.push(
    vscode.commands.registerCommand('phpLeak.measureMemory', trustedOnly('Measure Memory per Request', measureMemory)),
    vscode.commands.registerCommand('phpLeak.runValgrind', trustedOnly('Run under valgrind', runValgrindCommand)),
    vscode.commands.registerCommand('phpLeak.importLeakLog', importLeakLog),
  );
  /** After a server (re)start: the runtime findings shown before come back. */
  async function resend(): Promise<void> {
    const c = getClient();
    if (!c?.isRunning()) return;
    for (const params of Object.values(sent)) if (params?.files.length) await c.sendNotification(RuntimeFindingsNotification, params);
  }

  return { getRuntimeState: () => state, resend };
}
