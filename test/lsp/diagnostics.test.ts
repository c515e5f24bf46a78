// The bundled server over stdio, driven as an editor drives it: diagnostics on open
// and on incremental edits, hover, quick fixes, settings, odd documents, shutdown.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { CodeAction, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { LEAKY, makeTempDir, PROCESS_RULE, readFixture, removeTempDir, REQUEST_RULE } from '../support/fixtures';
import { applyEdits, codesOf, fileUri, LspClient } from '../support/lsp-client';

const Error_ = 1;
const Warning = 2;
const Information = 3;

function byRule(diags: Diagnostic[], rule: string, line0?: number): Diagnostic[] {
  return diags.filter((d) => d.code === rule && (line0 === undefined || d.range.start.line === line0));
}

function hoverMarkdown(h: Hover | null): string {
  assert.ok(h, 'hover returned null');
  const c = h.contents as MarkupContent;
  assert.equal(c.kind, 'markdown', `hover kind: ${JSON.stringify(h.contents)}`);
  return c.value;
}

describe('LSP server over stdio (dist/server.js --stdio)', function () {
  let ws: string;
  let client: LspClient | undefined;
  const leakyText = () => readFixture('ext/leaky.c');
  const docUri = (name: string) => fileUri(path.join(ws, 'ext', name));

  beforeEach(() => {
    ws = makeTempDir('php-leak-lsp-');
  });
  afterEach(async () => {
    await client?.dispose();
    client = undefined;
    removeTempDir(ws);
  });

  it('initialize advertises incremental sync, hover and quick fixes', async () => {
    client = await LspClient.start({ rootPath: ws });
    const caps = client.initializeResult!.capabilities;
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(caps.hoverProvider, true);
    assert.deepEqual(caps.codeActionProvider, { codeActionKinds: ['quickfix'] });
    assert.equal(client.initializeResult!.serverInfo?.name, 'php-leak-diagnostics');
  });

  it('publishes the expected diagnostics for an opened C file', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('leaky.c');
    await client.open(uri, leakyText());
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const diags = pub.diagnostics;
    // leak_malloc, leak_emalloc and greet; nothing else.
    assert.deepEqual(codesOf(diags), [PROCESS_RULE, REQUEST_RULE, REQUEST_RULE], JSON.stringify(diags, null, 1));
    const proc = byRule(diags, PROCESS_RULE);
    assert.equal(proc.length, 1, JSON.stringify(diags, null, 1));
    assert.deepEqual(proc[0].range, LEAKY.malloc.range);
    assert.equal(proc[0].severity, Error_);
    const emalloc = byRule(diags, REQUEST_RULE, LEAKY.emalloc.line - 1);
    assert.equal(emalloc.length, 1, JSON.stringify(diags, null, 1));
    assert.equal(emalloc[0].severity, Information);
    const greet = diags.filter((d) => d.code === REQUEST_RULE && d.range.start.line + 1 >= LEAKY.greet.firstLine && d.range.start.line + 1 <= LEAKY.greet.lastLine);
    assert.ok(greet.length >= 1, `greet: ${JSON.stringify(diags, null, 1)}`);
    // Nothing in no_leak or make_greeting.
    for (const d of diags) {
      const line = d.range.start.line + 1;
      assert.ok(!(line >= LEAKY.noLeak.firstLine && line <= LEAKY.noLeak.lastLine), `finding in no_leak: ${JSON.stringify(d)}`);
      assert.ok(!(line >= LEAKY.makeGreeting.firstLine && line <= LEAKY.makeGreeting.lastLine), `finding in make_greeting: ${JSON.stringify(d)}`);
    }
    for (const d of diags) {
      assert.equal(d.source, 'php-leak');
      assert.ok(typeof d.message === 'string' && d.message.length > 0);
      assert.ok(d.codeDescription?.href.endsWith(`docs/rules/${d.code}.md`), `codeDescription: ${JSON.stringify(d.codeDescription)}`);
    }
  });

  it('an incremental edit that frees the memory removes the diagnostic (debounced, new version)', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('change.c');
    await client.open(uri, leakyText());
    const first = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.equal(byRule(first.diagnostics, PROCESS_RULE).length, 1, JSON.stringify(first.diagnostics));
    const mark = client.mark();
    const at = { line: LEAKY.insertFreeAtLine, character: 0 };
    const version = await client.change(uri, [{ range: { start: at, end: at }, text: '\tfree(foo);\n' }]);
    assert.equal(version, 2);
    const second = await client.waitForDiagnostics(uri, (p) => p.version === 2, { since: mark });
    assert.deepEqual(byRule(second.diagnostics, PROCESS_RULE), [], JSON.stringify(second.diagnostics, null, 1));
    // The other leaks are still there, shifted one line down.
    assert.equal(byRule(second.diagnostics, REQUEST_RULE, LEAKY.emalloc.line).length, 1, JSON.stringify(second.diagnostics, null, 1));
  });

  it('several quick edits are debounced into one analysis of the last version', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('typing.c');
    await client.open(uri, leakyText());
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const mark = client.mark();
    // Type "free(foo);" one character at a time at the start of line 11 (0-based 10).
    const typed = '\tfree(foo);\n';
    for (let i = 0; i < typed.length; i++) {
      const at = { line: LEAKY.insertFreeAtLine, character: i };
      await client.change(uri, [{ range: { start: at, end: at }, text: typed[i] }]);
    }
    const lastVersion = 1 + typed.length;
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === lastVersion, { since: mark });
    assert.deepEqual(byRule(pub.diagnostics, PROCESS_RULE), []);
    const intermediate = client.events.slice(mark).filter((e) => e.method === 'textDocument/publishDiagnostics' && e.params.uri === uri);
    assert.ok(intermediate.length < typed.length, `expected debouncing, got ${intermediate.length} publications for ${typed.length} edits`);
  });

  it('hover on the malloc explains the lifetime and names the runtime profile', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('hover.c');
    await client.open(uri, leakyText());
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: LEAKY.malloc.range.start.line, character: LEAKY.malloc.range.start.character + 3 } });
    const md = hoverMarkdown(h);
    assert.match(md, /survives the request/);
    assert.match(md, /php-fpm/);
    assert.match(md, /c-process-heap-leak/);
    assert.deepEqual(h!.range, LEAKY.malloc.range);
    // Away from any finding: nothing.
    const none = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 3 } });
    assert.equal(none, null);
  });

  it('the quick fix switches malloc to emalloc; applied, it gives the expected text', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('fix.c');
    const text = leakyText();
    await client.open(uri, text);
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const diag = byRule(pub.diagnostics, PROCESS_RULE);
    assert.equal(diag.length, 1);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: LEAKY.malloc.range,
      context: { diagnostics: diag, only: ['quickfix'] },
    });
    const fix = actions.find((a) => a.title.startsWith('Switch to the Zend allocator'));
    assert.ok(fix, `actions: ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.diagnostics?.[0].code, PROCESS_RULE);
    const edits = fix.edit?.changes?.[uri];
    assert.ok(edits && edits.length > 0, `edit: ${JSON.stringify(fix.edit)}`);
    // By hand: only line 9 changes, malloc -> emalloc.
    const lines = text.split('\n');
    assert.equal(lines[LEAKY.malloc.line - 1], LEAKY.malloc.lineText);
    lines[LEAKY.malloc.line - 1] = LEAKY.malloc.fixedLineText;
    assert.equal(applyEdits(text, edits), lines.join('\n'));
  });

  it('no quick fix is offered away from the finding', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('nofix.c');
    await client.open(uri, leakyText());
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const r = { start: { line: 29, character: 1 }, end: { line: 29, character: 5 } }; // inside no_leak
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: r, context: { diagnostics: [] } });
    assert.deepEqual(actions, []);
  });

  it('a settings change to runtime long-running makes the emalloc diagnostic an error', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('settings.c');
    await client.open(uri, leakyText());
    const first = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.equal(byRule(first.diagnostics, REQUEST_RULE, LEAKY.emalloc.line - 1)[0]?.severity, Information);
    assert.ok(client.configurationRequests.length >= 1, 'the server asked for settings with workspace/configuration');
    assert.equal(client.configurationRequests[0].items[0].section, 'phpLeak');
    const asked = client.configurationRequests.length;
    const mark = client.mark();
    client.settings = { runtime: 'long-running' };
    await client.notification('workspace/didChangeConfiguration', { settings: null });
    const pub = await client.waitForDiagnostics(uri, (p) => byRule(p.diagnostics, REQUEST_RULE, LEAKY.emalloc.line - 1)[0]?.severity === Error_, { since: mark });
    assert.ok(client.configurationRequests.length > asked, 'settings were asked for again');
    assert.equal(byRule(pub.diagnostics, PROCESS_RULE)[0]?.severity, Error_);
    // The hover now names the long-running profile.
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: LEAKY.emalloc.line - 1, character: LEAKY.emalloc.column + 1 } });
    assert.match(hoverMarkdown(h), /long-running/);
  });

  it('a rule set to off in the settings removes its diagnostics', async () => {
    client = await LspClient.start({ rootPath: ws, settings: { rules: { [PROCESS_RULE]: 'off', [REQUEST_RULE]: 'warning' } } });
    const uri = docUri('rules.c');
    await client.open(uri, leakyText());
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.deepEqual(byRule(pub.diagnostics, PROCESS_RULE), []);
    const req = byRule(pub.diagnostics, REQUEST_RULE);
    assert.ok(req.length >= 2, JSON.stringify(pub.diagnostics));
    assert.ok(req.every((d) => d.severity === Warning));
  });

  it('a bad setting value gives a warning naming phpLeak.runtime, and defaults are used', async () => {
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 42 } });
    const uri = docUri('bad-setting.c');
    await client.open(uri, leakyText());
    const msg = await client.waitForNotification('window/showMessage', (p) => /phpLeak\.runtime/.test(p.message));
    assert.equal(msg.type, Warning);
    assert.match(msg.message, /42/);
    // The output line is a warning too (window/logMessage type 2), not an [info] line.
    const logged = await client.waitForNotification('window/logMessage', (p) => /settings: phpLeak\.runtime/.test(p.message));
    assert.equal(logged.type, 2, JSON.stringify(logged));
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.equal(byRule(pub.diagnostics, PROCESS_RULE)[0]?.severity, Error_, JSON.stringify(pub.diagnostics));
    assert.equal(byRule(pub.diagnostics, REQUEST_RULE, LEAKY.emalloc.line - 1)[0]?.severity, Information, 'runtime fell back to auto (php-fpm)');
  });

  it('enable: false clears the diagnostics', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('disable.c');
    await client.open(uri, leakyText());
    const first = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.ok(first.diagnostics.length > 0);
    const mark = client.mark();
    client.settings = { enable: false };
    await client.notification('workspace/didChangeConfiguration', { settings: null });
    const pub = await client.waitForDiagnostics(uri, () => true, { since: mark });
    assert.deepEqual(pub.diagnostics, []);
  });

  it('broken syntax, NUL bytes and a huge line do not kill the server', async () => {
    client = await LspClient.start({ rootPath: ws });
    const broken = docUri('broken.c');
    const nul = docUri('nul.c');
    const huge = docUri('huge.c');
    const deep = docUri('deep.c');
    await client.open(broken, 'PHP_FUNCTION(broken)\n{\n\tvoid *p = malloc(;\n\tif ((( {\n\t} } }\n#if\nstruct { int\n');
    await client.open(nul, 'PHP_FUNCTION(x)\n{\n\tvoid *p = malloc(8);\u0000\u0000\n}\n');
    // A generated data table: one ~600 kB line.
    const table = 'static const unsigned char table[] = { ' + Array.from({ length: 100_000 }, (_, i) => `0x${(i % 256).toString(16).padStart(2, '0')}`).join(', ') + ' };';
    await client.open(huge, `#include "php.h"\n${table}\nPHP_FUNCTION(big)\n{\n\tchar *p = malloc(16);\n\tp[0] = table[0];\n\tRETURN_TRUE;\n}\n`);
    // A 60000-term expression: a very deep syntax tree.
    const sum = '\tint x = ' + Array.from({ length: 60_000 }, (_, i) => `a${i % 10}`).join(' + ') + ';';
    await client.open(deep, `PHP_FUNCTION(deep)\n{\n\tchar *p = malloc(16);\n${sum}\n\tRETURN_TRUE;\n}\n`);
    const pubs = await Promise.all([broken, nul, huge, deep].map((u) => client!.waitForDiagnostics(u, (p) => p.version === 1, { timeoutMs: 30_000 })));
    assert.deepEqual(pubs[1].diagnostics, [], 'binary content is not analysed');
    // The huge document's malloc (line 5) is still found.
    assert.deepEqual(byRule(pubs[2].diagnostics, PROCESS_RULE).map((d) => d.range.start.line), [4], JSON.stringify(pubs[2].diagnostics).slice(0, 2000));
    assert.ok(client.alive, `server exited; stderr:\n${client.stderr}`);
    // Still answering, with a real result.
    const uri = docUri('after.c');
    await client.open(uri, leakyText());
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 8, character: 15 } });
    assert.match(hoverMarkdown(h), /survives the request/);
    assert.doesNotMatch(client.stderr, /uncaught/, client.stderr);
  });

  it('closing a document clears its diagnostics', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('close.c');
    await client.open(uri, leakyText());
    await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.length > 0);
    const mark = client.mark();
    await client.close(uri);
    const pub = await client.waitForDiagnostics(uri, () => true, { since: mark });
    assert.deepEqual(pub.diagnostics, []);
  });

  it('shutdown then exit ends the process with code 0', async () => {
    client = await LspClient.start({ rootPath: ws });
    const uri = docUri('bye.c');
    await client.open(uri, leakyText());
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const code = await client.shutdown();
    assert.equal(code, 0, `stderr:\n${client.stderr}`);
  });
});
