// The VS Code client: starts the language server, shows the runtime profile and
// the count of findings in the status bar, and runs the workspace scan.
import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  TransportKind,
  WorkDoneProgress,
  type LanguageClientOptions,
  type ServerOptions,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import {
  ScanWorkspaceRequest,
  StatusNotification,
  type ScanWorkspaceParams,
  type ScanWorkspaceResult,
  type StatusParams,
} from '../../server/src/lsp/protocol';
import { registerRuntimeCommands, type RuntimeState } from './runtime/commands';
import { profileDisplayName } from '../../server/src/engine/types';

export interface PhpLeakStatus {
  profile: 'fpm' | 'long-running';
  reason: string;
  findings: number;
  /** Runtime findings dropped because their lines were edited since the run. */
  staleRuntimeFindings: number;
  serverRunning: boolean;
}

/** What activate() returns: used by the integration tests and other extensions. */
export interface PhpLeakApi {
  getStatus(): PhpLeakStatus;
  scanWorkspace(): Promise<ScanWorkspaceResult | undefined>;
  /** The last memory measurement (chart data) and runtime findings sent to the server. */
  getRuntimeState(): RuntimeState;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<PhpLeakApi> {
  const output = vscode.window.createOutputChannel('PHP Leak Diagnostics', { log: true });
  const statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'PHP Leak Diagnostics';
  statusItem.command = 'phpLeak.showOutput';
  context.subscriptions.push(output, statusItem);
  const runtime = registerRuntimeCommands(context, () => client, output);

  const status: PhpLeakStatus = { profile: 'fpm', reason: 'starting', findings: 0, staleRuntimeFindings: 0, serverRunning: false };
  const profiles = new Map<string, StatusParams>(); // by document URI

  function renderStatus(): void {
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const p = (active && profiles.get(active)) || undefined;
    if (p) {
      status.profile = p.profile;
      status.reason = p.reason;
    }
    const label = profileDisplayName(status.profile);
    statusItem.text = `$(pulse) ${label} · ${status.findings}`;
    const md = new vscode.MarkdownString(
      `**PHP Leak Diagnostics**\n\nRuntime profile: **${label}** (${status.reason})\n\nFindings: ${status.findings}${
        status.staleRuntimeFindings ? `\n\nRuntime findings dropped after edits: ${status.staleRuntimeFindings} (their lines changed since the run: re-run the measurement)` : ''
      }\n\nClick to show the output.`,
    );
    statusItem.tooltip = md;
    statusItem.show();
  }

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // Generic ids (properties, yaml, json) and patterns without an id (*.service): the server keeps only the files it knows (languageOf).
  const selector: { scheme: string; language?: string; pattern?: string }[] = [
    ...['php', 'c', 'cpp', 'php-fpm-conf', 'ini', 'properties', 'yaml', 'dockerfile', 'json'].flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    ...['**/*.service', '**/*.conf', '**/Dockerfile*', '**/.rr*.{yaml,yml}', '**/composer.json'].map((pattern) => ({ scheme: 'file', pattern })),
  ];
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    outputChannel: output,
    synchronize: {
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/composer.json')],
    },
    initializationOptions: { wasmDir: context.asAbsolutePath('dist') },
  };

  client = new LanguageClient('phpLeak', 'PHP Leak Diagnostics', serverOptions, clientOptions);
  context.subscriptions.push(
    client.onNotification(StatusNotification, (p: StatusParams) => {
      if (p.uri) profiles.set(p.uri, p);
      status.profile = p.profile;
      status.reason = p.reason;
      status.findings = p.findings;
      status.staleRuntimeFindings = p.staleRuntimeFindings ?? 0;
      renderStatus();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => renderStatus()),
  );

  async function scanWorkspace(): Promise<ScanWorkspaceResult | undefined> {
    if (!client) return undefined;
    const c = client;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'PHP Leak: scanning the workspace', cancellable: true },
      async (progress, token) => {
        const workDoneToken = `phpLeak-scan-${Date.now()}`;
        let last = 0;
        const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          const value = v as WorkDoneProgressBegin | WorkDoneProgressReport;
          if (value.kind === 'begin' || value.kind === 'report') {
            const pct = value.percentage ?? last;
            progress.report({ message: value.message, increment: Math.max(0, pct - last) });
            last = pct;
          }
        });
        try {
          const params: ScanWorkspaceParams = { workDoneToken };
          const result = await c.sendRequest<ScanWorkspaceResult>(ScanWorkspaceRequest, params, token);
          // The server logs the one "scan finished" line (and each skipped file) to this output
          // channel; the user gets the summary as a notification.
          void vscode.window.showInformationMessage(
            `PHP Leak: scan ${result.cancelled ? 'cancelled' : 'finished'}: ${result.files} files, ${result.findings} findings, ${result.skipped.length} skipped.`,
          );
          return result;
        } finally {
          sub.dispose();
        }
      },
    );
  }

  context.subscriptions.push(
    vscode.commands.registerCommand('phpLeak.scanWorkspace', scanWorkspace),
    vscode.commands.registerCommand('phpLeak.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('phpLeak.restartServer', async () => {
      await client?.restart();
    }),
  );

  // A restarted server (the command, or after a crash) knows nothing of the runtime findings
  // the client sent to the old one: send them again.
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) void runtime.resend();
    }),
  );
  renderStatus();
  await client.start();
  status.serverRunning = true;
  status.reason = 'no document analysed yet';
  renderStatus();
  context.subscriptions.push({ dispose: () => void client?.stop() });

  return {
    getStatus: () => ({ ...status, serverRunning: client?.isRunning() ?? false }),
    scanWorkspace,
    getRuntimeState: runtime.getRuntimeState,
  };
}

export async function deactivate(): Promise<void> {
  if (client) await client.stop();
  client = undefined;
}
