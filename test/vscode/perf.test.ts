// Performance inside a real VS Code: how long until the first diagnostics appear.
// The target is 1 s from activation; the assertion is generous (a loaded CI
// machine) and the measured figure is printed ("perf: …") for docs/performance.md.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'php-leak-diagnostics.php-leak-diagnostics';
/** Generous: the target is 1,000 ms; a busy 2-core machine must not fail the suite. */
const BOUND_MS = 5_000;

function leakDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'php-leak');
}

/** Resolves with the time (performance.now()) diagnostics for `uri` first appear after `since`. */
function nextDiagnostics(uri: vscode.Uri, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no php-leak diagnostics for ${uri.fsPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString()) && leakDiagnostics(uri).length > 0) {
        clearTimeout(timer);
        sub.dispose();
        resolve(performance.now());
      }
    });
  });
}

suite('performance in VS Code', () => {
  test('first diagnostics arrive soon after activation (and after a server restart)', async function () {
    this.timeout(60_000);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'a workspace folder is open');
    const uri = vscode.Uri.file(path.join(folder, 'ext-memory', 'memory.c'));
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);

    if (!ext.isActive) {
      // Activation measured directly: open the document, activate, wait for its diagnostics.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const t0 = performance.now();
      const first = nextDiagnostics(uri, 30_000);
      await ext.activate();
      const ms = Math.round((await first) - t0);
      console.log(`perf: activation to first diagnostics ${ms} ms (target 1000 ms)`);
      assert.ok(ms < BOUND_MS, `first diagnostics ${ms} ms after activation`);
    } else {
      console.log('perf: the extension was already active (another suite activated it): measuring a server restart instead');
    }

    // A restart runs what activation runs: start the server (IPC), initialise, load the
    // parsers, analyse the open documents.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    if (!leakDiagnostics(uri).length) await nextDiagnostics(uri, 30_000);
    const t1 = performance.now();
    const again = new Promise<number>((resolve, reject) => {
      // The new server's first publication for the document (restart awaits the old one's stop).
      const deadline = setTimeout(() => {
        sub.dispose();
        reject(new Error('no diagnostics after the restart within 30 s'));
      }, 30_000);
      const sub = vscode.languages.onDidChangeDiagnostics((e) => {
        if (!e.uris.some((u) => u.toString() === uri.toString()) || !leakDiagnostics(uri).length) return;
        clearTimeout(deadline);
        sub.dispose();
        resolve(performance.now());
      });
    });
    await vscode.commands.executeCommand('phpLeak.restartServer');
    const ms = Math.round((await again) - t1);
    console.log(`perf: server restart to first diagnostics ${ms} ms (target 1000 ms from activation)`);
    assert.ok(ms < BOUND_MS, `first diagnostics ${ms} ms after the restart`);
  });
});
