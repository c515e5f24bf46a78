// A minimal LSP client over stdio, driving `node dist/server.js --stdio` the way an
// editor does: it answers workspace/configuration, window/workDoneProgress/create and
// client/registerCapability, and records every notification the server sends.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CancellationToken,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  ConfigurationParams,
  Diagnostic,
  InitializeParams,
  InitializeResult,
  PublishDiagnosticsParams,
  TextDocumentContentChangeEvent,
  TextEdit,
} from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { serverJs } from './paths';

export interface ReceivedNotification {
  method: string;
  params: any;
}

export interface ClientOptions {
  /** Workspace folder (absolute path); none when absent. */
  rootPath?: string;
  /** Advertise workspace.configuration (default true). */
  configuration?: boolean;
  /** Advertise window.workDoneProgress (default true). */
  workDoneProgress?: boolean;
  /** What `phpLeak` settings the client answers with (default: undefined = nothing set). */
  settings?: unknown;
}

export interface WaitOptions {
  /** Only notifications received at or after this mark (from client.mark()). */
  since?: number;
  timeoutMs?: number;
}

export function fileUri(p: string): string {
  return URI.file(p).toString();
}

export class LspClient {
  readonly events: ReceivedNotification[] = [];
  /** workspace/configuration requests received (their params). */
  readonly configurationRequests: ConfigurationParams[] = [];
  /** Tokens the server asked to create with window/workDoneProgress/create. */
  readonly createdProgressTokens: Array<string | number> = [];
  /** What the next workspace/configuration answers return for the `phpLeak` section. */
  settings: unknown;
  stderr = '';
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;
  private listeners: Array<() => void> = [];
  private readonly versions = new Map<string, number>();

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
    readonly options: ClientOptions,
  ) {
    this.settings = options.settings;
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
        this.notify();
      });
    });
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    conn.onNotification((method: string, params: unknown) => {
      this.events.push({ method, params });
      this.notify();
    });
    // vscode-jsonrpc routes $/progress to progress handlers, not to the catch-all above.
    conn.onUnhandledProgress((params) => {
      this.events.push({ method: '$/progress', params });
      this.notify();
    });
    conn.onRequest('workspace/configuration', (params: ConfigurationParams) => {
      this.configurationRequests.push(params);
      this.notify();
      return params.items.map((item) => (item.section === 'phpLeak' ? (this.settings ?? null) : null));
    });
    conn.onRequest('window/workDoneProgress/create', (params: { token: string | number }) => {
      this.createdProgressTokens.push(params.token);
      return null;
    });
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('client/unregisterCapability', () => null);
    conn.onRequest('window/showMessageRequest', () => null);
    conn.onRequest('workspace/applyEdit', () => ({ applied: false }));
    conn.listen();
  }

  /** Spawns the server, sends initialize and initialized. */
  static async start(options: ClientOptions = {}): Promise<LspClient> {
    const proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    conn.onError(() => undefined);
    const client = new LspClient(proc, conn, options);
    await client.initialize();
    return client;
  }

  initializeResult: InitializeResult | undefined;

  private async initialize(): Promise<void> {
    const root = this.options.rootPath;
    const params: InitializeParams = {
      processId: process.pid,
      clientInfo: { name: 'php-leak-test-client' },
      rootUri: root ? fileUri(root) : null,
      workspaceFolders: root ? [{ uri: fileUri(root), name: 'test' }] : null,
      capabilities: {
        workspace: {
          configuration: this.options.configuration ?? true,
          didChangeConfiguration: { dynamicRegistration: true },
          workspaceFolders: true,
        },
        window: { workDoneProgress: this.options.workDoneProgress ?? true, showMessage: {} },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: false },
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
    };
    this.initializeResult = await this.withTimeout(this.conn.sendRequest<InitializeResult>('initialize', params), 20_000, 'initialize');
    await this.conn.sendNotification('initialized', {});
  }

  /** Index of the next notification: pass as `since` to wait for what comes after. */
  mark(): number {
    return this.events.length;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  async open(uri: string, text: string, languageId = 'c', version = 1): Promise<void> {
    this.versions.set(uri, version);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** Sends didChange with the next version; returns that version. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown, token?: CancellationToken, timeoutMs = 30_000): Promise<R> {
    const p = token ? this.conn.sendRequest<R>(method, params, token) : this.conn.sendRequest<R>(method, params);
    return this.withTimeout(p, timeoutMs, method);
  }

  notification(method: string, params: unknown): Promise<void> {
    return this.conn.sendNotification(method, params);
  }

  /** Resolves with the first notification (at or after `since`) that matches. */
  waitForNotification(method: string, match: (params: any) => boolean = () => true, opts: WaitOptions = {}): Promise<any> {
    const since = opts.since ?? 0;
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = since; i < this.events.length; i++) {
          const e = this.events[i];
          if (e.method === method && match(e.params)) {
            resolve(e.params);
            return true;
          }
        }
        if (!this.alive) {
          reject(new Error(`the server exited (code ${this.exitCode}) while waiting for ${method}; stderr:\n${this.stderr}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const listener = () => {
        if (check()) done();
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.events.slice(since).filter((e) => e.method === method).map((e) => JSON.stringify(e.params));
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${method}; received ${seen.length}:\n${seen.join('\n').slice(0, 4000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }

  /** The first publishDiagnostics for `uri` (at or after `since`) that matches. */
  waitForDiagnostics(
    uri: string,
    match: (p: PublishDiagnosticsParams) => boolean = () => true,
    opts: WaitOptions = {},
  ): Promise<PublishDiagnosticsParams> {
    return this.waitForNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => p.uri === uri && match(p), opts);
  }

  /** Waits until `predicate` holds (checked on every message), e.g. a configuration request arrived. */
  waitUntil(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const listener = () => {
        if (predicate()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }

  /** shutdown + exit; resolves with the process exit code. */
  async shutdown(timeoutMs = 10_000): Promise<number | null> {
    await this.request('shutdown', null, undefined, timeoutMs);
    await this.conn.sendNotification('exit');
    return this.withTimeout(this.exited, timeoutMs, 'process exit');
  }

  /** Kills the server if still running and closes the connection. */
  async dispose(): Promise<void> {
    if (this.alive) {
      this.proc.kill();
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    this.conn.dispose();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; server stderr:\n${this.stderr}`)), ms);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

export function codesOf(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => String(d.code)).sort();
}

/** Applies LSP text edits (non-overlapping) to a text, as an editor would. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const offsetAt = (pos: { line: number; character: number }): number => {
    if (pos.line >= starts.length) return text.length;
    const lineEnd = pos.line + 1 < starts.length ? starts[pos.line + 1] - 1 : text.length;
    return Math.min(starts[pos.line] + pos.character, lineEnd);
  };
  const sorted = edits
    .map((e) => ({ start: offsetAt(e.range.start), end: offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let lastStart = Infinity;
  for (const e of sorted) {
    if (e.end > lastStart) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    lastStart = e.start;
  }
  return out;
}
