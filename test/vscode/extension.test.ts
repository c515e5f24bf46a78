// Integration tests through the real `vscode` API, run inside a real extension host
// (code-server + smoke-test driver, or @vscode/test-electron). The workspace is a copy of
// examples/, so the tests may write files and settings into it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'php-leak-diagnostics.php-leak-diagnostics';
const MALLOC_LINE = 'void *foo = malloc(2 * 1024 * 1024);';
const MALLOC_CALL = 'malloc(2 * 1024 * 1024)';

interface PhpLeakStatus {
  profile: 'fpm' | 'long-running';
  reason: string;
  findings: number;
  serverRunning: boolean;
}
interface PhpLeakApi {
  getStatus(): PhpLeakStatus;
}

/** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${describe(last)}; ${state()})`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

let stateOf: () => string = () => '';
function state(): string {
  try {
    return stateOf();
  } catch (e) {
    return String(e);
  }
}

function leakDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'php-leak');
}

function ruleOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c && typeof c === 'object') return String(c.value);
  return c === undefined ? undefined : String(c);
}

function dump(ds: vscode.Diagnostic[]): string {
  return ds
    .map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.source}/${ruleOf(d)} sev=${vscode.DiagnosticSeverity[d.severity]}`)
    .join('; ');
}

/** 0-based line of the first line (at or after `from`) that contains `needle`. */
function lineOf(doc: vscode.TextDocument, needle: string, from = 0): number {
  for (let i = from; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(needle)) return i;
  throw new Error(`"${needle}" not found in ${doc.uri.fsPath} after line ${from + 1}`);
}

/** [first, last] 0-based lines of a PHP_FUNCTION(name) definition. */
function functionLines(doc: vscode.TextDocument, name: string): [number, number] {
  const start = lineOf(doc, `PHP_FUNCTION(${name})`);
  for (let i = start + 1; i < doc.lineCount; i++) {
    if (/^\}/.test(doc.lineAt(i).text)) return [start, i];
  }
  return [start, doc.lineCount - 1];
}

function hoverText(hovers: vscode.Hover[]): string {
  const parts: string[] = [];
  for (const h of hovers) {
    for (const c of h.contents) {
      if (typeof c === 'string') parts.push(c);
      else if (c instanceof vscode.MarkdownString) parts.push(c.value);
      else if (c && typeof (c as { value?: unknown }).value === 'string') parts.push((c as { value: string }).value);
    }
  }
  return parts.join('\n');
}

suite('PHP Leak Diagnostics in VS Code', () => {
  let folder: vscode.WorkspaceFolder;
  let api: PhpLeakApi;
  let memoryUri: vscode.Uri;
  let doc: vscode.TextDocument;
  let mallocLine: number;
  let emallocLine: number;
  let unopenedUri: vscode.Uri;

  suiteSetup(async function () {
    this.timeout(90_000);
    const folders = vscode.workspace.workspaceFolders;
    assert.ok(folders && folders.length > 0, 'a workspace folder (a copy of examples/) is open');
    folder = folders[0];

    // A file the tests never open: only the workspace scan can report it.
    const otherDir = path.join(folder.uri.fsPath, 'ext-other');
    fs.mkdirSync(otherDir, { recursive: true });
    const otherFile = path.join(otherDir, 'other.c');
    fs.writeFileSync(
      otherFile,
      [
        '#include "php.h"',
        '',
        'PHP_FUNCTION(other_leak)',
        '{',
        '\tZEND_PARSE_PARAMETERS_NONE();',
        '',
        '\tchar *buf = malloc(4096);',
        '\tmemset(buf, 0, 4096);',
        '',
        '\tRETURN_TRUE;',
        '}',
        '',
      ].join('\n'),
    );
    unopenedUri = vscode.Uri.file(otherFile);

    const ext = vscode.extensions.getExtension<PhpLeakApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    api = await ext.activate();
    assert.ok(api && typeof api.getStatus === 'function', 'activate() returns an API with getStatus()');

    memoryUri = vscode.Uri.joinPath(folder.uri, 'ext-memory', 'memory.c');
    stateOf = () =>
      `memory.c languageId=${doc?.languageId}, its diagnostics: [${dump(vscode.languages.getDiagnostics(memoryUri))}], ` +
      `status=${JSON.stringify(api.getStatus())}`;
    doc = await vscode.workspace.openTextDocument(memoryUri);
    await vscode.window.showTextDocument(doc);
    mallocLine = lineOf(doc, MALLOC_LINE);
    const [emStart] = functionLines(doc, 'leak_emalloc');
    emallocLine = lineOf(doc, 'emalloc(', emStart);
  });

  suiteTeardown(async () => {
    const cfg = vscode.workspace.getConfiguration('phpLeak', folder?.uri);
    await cfg.update('runtime', undefined, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
    await cfg.update('rules', undefined, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
  });

  test('activation starts the language server', async () => {
    const status = await waitFor('getStatus().serverRunning', () => api.getStatus().serverRunning && api.getStatus());
    assert.ok(status.profile === 'fpm' || status.profile === 'long-running', `profile is ${status.profile}`);
    assert.equal(typeof status.reason, 'string');
    assert.equal(typeof status.findings, 'number');
  });

  test('memory.c: malloc is an Error, emalloc is Information (fpm), clean functions have none', async () => {
    const ds = await waitFor('php-leak diagnostics on memory.c', () => {
      const all = leakDiagnostics(memoryUri);
      return all.some((d) => ruleOf(d) === 'c-process-heap-leak') && all.some((d) => ruleOf(d) === 'c-request-heap-leak') && all;
    });

    const proc = ds.filter((d) => ruleOf(d) === 'c-process-heap-leak' && d.range.start.line === mallocLine);
    assert.equal(proc.length, 1, `one c-process-heap-leak on line ${mallocLine + 1}; got: ${dump(ds)}`);
    const d = proc[0];
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    const col = doc.lineAt(mallocLine).text.indexOf(MALLOC_CALL);
    const call = new vscode.Range(mallocLine, col, mallocLine, col + MALLOC_CALL.length);
    assert.ok(d.range.contains(call), `range ${describe(d.range)} covers ${MALLOC_CALL}`);
    assert.ok(typeof d.code === 'object' && d.code !== null, 'code carries a link');
    const code = d.code as { value: string | number; target: vscode.Uri };
    assert.equal(code.value, 'c-process-heap-leak');
    assert.equal(code.target.scheme, 'file');
    assert.ok(code.target.path.endsWith('/docs/rules/c-process-heap-leak.md'), `target ${code.target.toString()}`);

    const req = ds.filter((x) => ruleOf(x) === 'c-request-heap-leak' && x.range.start.line === emallocLine);
    assert.equal(req.length, 1, `one c-request-heap-leak on line ${emallocLine + 1}; got: ${dump(ds)}`);
    assert.equal(req[0].severity, vscode.DiagnosticSeverity.Information);
    assert.equal(api.getStatus().profile, 'fpm');

    for (const fn of ['no_leak', 'make_greeting']) {
      const [a, b] = functionLines(doc, fn);
      const inside = ds.filter((x) => x.range.start.line >= a && x.range.start.line <= b);
      assert.deepEqual(inside.map((x) => ruleOf(x)), [], `no findings in ${fn}: ${dump(inside)}`);
    }
  });

  test('hover on malloc explains that the memory survives the request', async () => {
    const col = doc.lineAt(mallocLine).text.indexOf(MALLOC_CALL) + 2;
    const text = await waitFor('a hover mentioning "survives the request"', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        memoryUri,
        new vscode.Position(mallocLine, col),
      );
      const t = hoverText(hovers ?? []);
      return /survives the request/i.test(t) ? t : false;
    }, 10_000);
    assert.match(text, /survives the request/i);
  });

  test('workspace scan reports a file that was never opened', async () => {
    assert.ok(
      !vscode.workspace.textDocuments.some((d) => d.uri.toString() === unopenedUri.toString()),
      'other.c is not open',
    );
    assert.equal(leakDiagnostics(unopenedUri).length, 0, 'no diagnostics for other.c before the scan');
    await vscode.commands.executeCommand('phpLeak.scanWorkspace');
    const found = await waitFor('diagnostics for the unopened ext-other/other.c', () => {
      const entry = vscode.languages
        .getDiagnostics()
        .find(([u, ds]) => u.toString() === unopenedUri.toString() && ds.some((d) => d.source === 'php-leak'));
      return entry?.[1];
    }, 20_000);
    assert.ok(
      found.some((d) => ruleOf(d) === 'c-process-heap-leak'),
      `c-process-heap-leak in other.c: ${dump(found)}`,
    );
  });

  test('settings: runtime long-running makes emalloc an Error; a rule set to off disappears', async function () {
    this.timeout(90_000);
    await vscode.window.showTextDocument(doc);
    const cfg = () => vscode.workspace.getConfiguration('phpLeak', folder.uri);
    try {
      await cfg().update('runtime', 'long-running', vscode.ConfigurationTarget.Workspace);
      await waitFor('c-request-heap-leak to become an Error', () =>
        leakDiagnostics(memoryUri).some(
          (d) => ruleOf(d) === 'c-request-heap-leak' && d.range.start.line === emallocLine && d.severity === vscode.DiagnosticSeverity.Error,
        ),
      );
      await waitFor("getStatus().profile === 'long-running'", () => api.getStatus().profile === 'long-running');

      await cfg().update('rules', { 'c-process-heap-leak': 'off' }, vscode.ConfigurationTarget.Workspace);
      await waitFor('c-process-heap-leak to disappear', () => {
        const ds = leakDiagnostics(memoryUri);
        return ds.length > 0 && !ds.some((d) => ruleOf(d) === 'c-process-heap-leak');
      });
    } finally {
      await cfg().update('runtime', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the fpm profile and c-process-heap-leak to come back', () => {
      const ds = leakDiagnostics(memoryUri);
      return (
        ds.some((d) => ruleOf(d) === 'c-process-heap-leak') &&
        ds.some((d) => ruleOf(d) === 'c-request-heap-leak' && d.severity === vscode.DiagnosticSeverity.Information)
      );
    });
    await waitFor("getStatus().profile === 'fpm'", () => api.getStatus().profile === 'fpm');
  });

  test('quick fix "Switch to the Zend allocator" rewrites malloc and clears the diagnostic', async function () {
    this.timeout(60_000);
    await vscode.window.showTextDocument(doc);
    const diag = await waitFor('the c-process-heap-leak diagnostic', () =>
      leakDiagnostics(memoryUri).find((d) => ruleOf(d) === 'c-process-heap-leak' && d.range.start.line === mallocLine),
    );
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      memoryUri,
      diag.range,
    );
    const titles = (actions ?? []).map((a) => a.title);
    const fix = (actions ?? []).find((a) => a.title.startsWith('Switch to the Zend allocator')) as vscode.CodeAction | undefined;
    assert.ok(fix, `a "Switch to the Zend allocator" quick fix among: ${JSON.stringify(titles)}`);
    if ('kind' in fix && fix.kind) assert.ok(vscode.CodeActionKind.QuickFix.contains(fix.kind), `kind ${fix.kind.value} is a quick fix`);
    try {
      assert.ok(fix.edit, 'the quick fix carries a WorkspaceEdit');
      assert.equal(await vscode.workspace.applyEdit(fix.edit), true, 'applyEdit succeeded');
      if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      const line = doc.lineAt(mallocLine).text;
      assert.ok(line.includes('emalloc(2 * 1024 * 1024)'), `line is now: ${line.trim()}`);
      assert.ok(!/(^|[^e])malloc\(/.test(line), `no plain malloc left: ${line.trim()}`);
      await waitFor('c-process-heap-leak to go away after the fix', () =>
        !leakDiagnostics(memoryUri).some((d) => ruleOf(d) === 'c-process-heap-leak' && d.range.start.line === mallocLine),
      );
    } finally {
      // Put memory.c back as it was on disk.
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });
});
