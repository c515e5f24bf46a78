// Configuration files in a real VS Code: a php-fpm pool file opened in the editor gets
// the language id php-fpm-conf (contributed by the extension), the fpm-max-requests
// diagnostic, its hover, and a quick fix that works.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'php-leak-diagnostics.php-leak-diagnostics';
const POOL = ['[app]', 'user = www-data', 'group = www-data', 'listen = /run/php/app.sock', 'pm = dynamic', 'pm.max_children = 8', 'pm.start_servers = 2', 'pm.min_spare_servers = 1', 'pm.max_spare_servers = 3', ''].join('\n');

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
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
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function ruleOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c && typeof c === 'object') return String(c.value);
  return c === undefined ? undefined : String(c);
}

function leakDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'php-leak');
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : (c as { value?: string }).value ?? ''))
    .join('\n');
}

suite('PHP Leak Diagnostics: configuration files', () => {
  let poolUri: vscode.Uri;
  let doc: vscode.TextDocument;

  suiteSetup(async function () {
    this.timeout(90_000);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const dir = path.join(folder.uri.fsPath, 'config-test', 'php-fpm.d');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'app.conf');
    fs.writeFileSync(file, POOL);
    poolUri = vscode.Uri.file(file);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    await ext.activate();
    doc = await vscode.workspace.openTextDocument(poolUri);
    await vscode.window.showTextDocument(doc);
  });

  suiteTeardown(async () => {
    if (doc) {
      await vscode.window.showTextDocument(doc).then(undefined, () => undefined);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
    }
  });

  test('a pool file under php-fpm.d/ gets the language id php-fpm-conf', () => {
    assert.equal(doc.languageId, 'php-fpm-conf');
  });

  test('the pool without pm.max_requests gets fpm-max-requests on its [app] header', async () => {
    const d = await waitFor('fpm-max-requests on app.conf', () => leakDiagnostics(poolUri).find((x) => ruleOf(x) === 'fpm-max-requests'));
    assert.equal(d.range.start.line, 0);
    assert.equal(d.range.start.character, 0);
    assert.equal(d.range.end.character, '[app]'.length);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(d.message, /Pool \[app\] does not set pm\.max_requests/);
  });

  test('hover on the header explains what pm.max_requests bounds; hover on a key explains the key', async () => {
    const onHeader = await waitFor('a hover on [app]', async () => {
      const t = hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', poolUri, new vscode.Position(0, 2))) ?? []);
      return /caps ANY per-request leak/.test(t) ? t : false;
    });
    assert.match(onHeader, /fpm-max-requests/);
    const line = POOL.split('\n').findIndex((l) => l.startsWith('pm.max_children'));
    const onKey = await waitFor('a hover on pm.max_children', async () => {
      const t = hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', poolUri, new vscode.Position(line, 4))) ?? []);
      return /pm\.max_children/.test(t) ? t : false;
    });
    assert.match(onKey, /\*\*Bounds:\*\*/);
  });

  test('the quick fix adds pm.max_requests = 500 after the last pm.* line and the diagnostic goes away', async function () {
    this.timeout(60_000);
    const d = await waitFor('fpm-max-requests', () => leakDiagnostics(poolUri).find((x) => ruleOf(x) === 'fpm-max-requests'));
    const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', poolUri, d.range)) ?? [];
    const fix = actions.find((a) => a.title.startsWith('Add pm.max_requests = 500')) as vscode.CodeAction | undefined;
    assert.ok(fix, `an "Add pm.max_requests = 500" quick fix among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(fix.edit, 'the quick fix carries a WorkspaceEdit');
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    const lines = doc.getText().split(/\r?\n/);
    const at = lines.indexOf('pm.max_requests = 500');
    assert.ok(at > 0, `pm.max_requests = 500 inserted:\n${doc.getText()}`);
    assert.equal(lines[at - 1], 'pm.max_spare_servers = 3');
    await waitFor('fpm-max-requests to go away', () => !leakDiagnostics(poolUri).some((x) => ruleOf(x) === 'fpm-max-requests'));
  });
});
