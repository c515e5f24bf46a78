// Runtime findings (phpLeak/runtimeFindings) over stdio: merged into the published
// diagnostics, moved with the edits of the document, dropped (with a note) when their line is
// edited, back on undo, and back on the disk's lines when the document closes.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { LEAKY, makeTempDir, PROCESS_RULE, readFixture, removeTempDir, writeFiles } from '../support/fixtures';
import { fileUri, LspClient } from '../support/lsp-client';

const Information = 3;
const VALGRIND = 'runtime-valgrind-leak';
const DEBUG = 'runtime-debug-leak';

const msg = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);
const dump = (d: Diagnostic[]) => JSON.stringify(d.map((x) => [x.code, x.range.start.line, x.severity, msg(x)]), null, 1);

/** A runtime finding on a 0-based line, as the client sends it (its range spans the line's text). */
function runtimeFinding(ruleId: string, line: number, text: string, message: string) {
  const first = text.search(/\S/);
  return { ruleId, severity: ruleId === VALGRIND ? 'error' : 'warning', message, range: { start: { line, character: first }, end: { line, character: text.trimEnd().length } } };
}

describe('LSP: runtime findings follow the edits of their document', function () {
  let ws: string;
  let client: LspClient | undefined;

  beforeEach(() => {
    ws = makeTempDir('php-leak-lsp-rt-');
  });
  afterEach(async () => {
    await client?.dispose();
    client = undefined;
    removeTempDir(ws);
  });

  it('the status bar counts what Problems shows: static findings plus runtime findings, also of files never opened', async () => {
    const text = readFixture(LEAKY.file);
    const other = 'other.c';
    const otherText = 'void f(void) {\n  char *p = malloc(4);\n}\n';
    writeFiles(ws, { [LEAKY.file]: text, [other]: otherText });
    const uri = fileUri(path.join(ws, LEAKY.file));
    const otherUri = fileUri(path.join(ws, other));
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    let mark = client.mark();
    await client.open(uri, text);
    const first = await client.waitForDiagnostics(uri, (p) => p.version === 1, { since: mark });
    const statics = first.diagnostics.length;
    assert.ok(statics > 0, 'the fixture has static findings');
    await client.waitForNotification('phpLeak/status', (p) => p.uri === uri && p.findings === statics, { since: mark });

    mark = client.mark();
    await client.notification('phpLeak/runtimeFindings', {
      source: 'valgrind',
      files: [
        { uri, findings: [runtimeFinding(VALGRIND, 0, text.split('\n')[0], 'valgrind: 16 bytes definitely lost in 1 blocks')] },
        { uri: otherUri, findings: [runtimeFinding(VALGRIND, 1, '  char *p = malloc(4);', 'valgrind: 4 bytes definitely lost in 1 blocks')] },
      ],
    });
    const mine = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === VALGRIND), { since: mark });
    const theirs = await client.waitForDiagnostics(otherUri, (p) => p.diagnostics.some((d) => d.code === VALGRIND), { since: mark });
    const shown = mine.diagnostics.length + theirs.diagnostics.length;
    assert.equal(shown, statics + 2, dump([...mine.diagnostics, ...theirs.diagnostics]));
    await client.waitForNotification('phpLeak/status', (p) => p.findings === shown, { since: mark });

    // Cleared again: the count goes back to the static findings.
    mark = client.mark();
    await client.notification('phpLeak/runtimeFindings', { source: 'valgrind', files: [] });
    await client.waitForNotification('phpLeak/status', (p) => p.findings === statics, { since: mark });
  });

  it('lines inserted above move the runtime finding and its confirmation; editing its line drops it with a note; undo and close restore it', async () => {
    const text = readFixture(LEAKY.file);
    writeFiles(ws, { [LEAKY.file]: text });
    const uri = fileUri(path.join(ws, LEAKY.file));
    const mallocLine = LEAKY.malloc.line - 1;
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    await client.open(uri, text);
    await client.waitForDiagnostics(uri, (p) => p.version === 1);

    const runtimeOn = (line: number) => (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === VALGRIND && d.range.start.line === line);
    let mark = client.mark();
    await client.notification('phpLeak/runtimeFindings', {
      source: 'valgrind',
      files: [{ uri, findings: [runtimeFinding(VALGRIND, mallocLine, LEAKY.malloc.lineText, 'valgrind: 2,097,152 bytes definitely lost in 1 blocks')] }],
    });
    let pub = await client.waitForDiagnostics(uri, runtimeOn(mallocLine), { since: mark });
    const confirmed = (p: PublishDiagnosticsParams, line: number) => p.diagnostics.find((d) => d.code === PROCESS_RULE && d.range.start.line === line && /confirmed at runtime by valgrind/.test(msg(d)));
    assert.ok(confirmed(pub, mallocLine), dump(pub.diagnostics));

    // Three lines inserted at the top: the runtime finding moves with its line.
    mark = client.mark();
    const top = { line: 0, character: 0 };
    await client.change(uri, [{ range: { start: top, end: top }, text: '/* one */\n/* two */\n/* three */\n' }]);
    pub = await client.waitForDiagnostics(uri, (p) => p.version === 2, { since: mark });
    const rt = pub.diagnostics.filter((d) => d.code === VALGRIND);
    assert.equal(rt.length, 1, dump(pub.diagnostics));
    assert.deepEqual(rt[0].range, { start: { line: mallocLine + 3, character: 1 }, end: { line: mallocLine + 3, character: LEAKY.malloc.lineText.length } });
    assert.ok(confirmed(pub, mallocLine + 3), `the static finding on the moved line is still confirmed\n${dump(pub.diagnostics)}`);

    // The line itself edited (malloc -> calloc): the finding no longer applies.
    mark = client.mark();
    const at = (c: number) => ({ line: mallocLine + 3, character: c });
    await client.change(uri, [{ range: { start: at(13), end: at(19) }, text: 'calloc' }]);
    pub = await client.waitForDiagnostics(uri, (p) => p.version === 3, { since: mark });
    const left = pub.diagnostics.filter((d) => d.code === VALGRIND);
    assert.equal(left.length, 1, dump(pub.diagnostics));
    assert.equal(left[0].severity, Information);
    assert.equal(left[0].range.start.line, 0);
    assert.match(msg(left[0]), /^valgrind: 1 runtime finding dropped after edits .*re-run the measurement/);
    assert.ok(!pub.diagnostics.some((d) => /confirmed at runtime/.test(msg(d))), dump(pub.diagnostics));
    const status = await client.waitForNotification('phpLeak/status', (p) => p.uri === uri && p.staleRuntimeFindings === 1, { since: mark });
    assert.equal(status.staleRuntimeFindings, 1);

    // Undo: the line is back, and so is the finding.
    mark = client.mark();
    await client.change(uri, [{ range: { start: at(13), end: at(19) }, text: 'malloc' }]);
    pub = await client.waitForDiagnostics(uri, (p) => p.version === 4, { since: mark });
    assert.deepEqual(pub.diagnostics.filter((d) => d.code === VALGRIND).map((d) => [d.range.start.line, d.severity]), [[mallocLine + 3, 1]], dump(pub.diagnostics));

    // Closed without saving: shown on the disk's text again, on the line of the run.
    mark = client.mark();
    await client.close(uri);
    pub = await client.waitForDiagnostics(uri, () => true, { since: mark });
    assert.deepEqual(pub.diagnostics.filter((d) => d.code === VALGRIND).map((d) => d.range.start.line), [mallocLine], dump(pub.diagnostics));
  });

  it('a document that is not on disk, with CRLF line ends: anchored on its text, moved by an insertion above, dropped when the line is deleted', async () => {
    const text = readFixture(LEAKY.file).replace(/\n/g, '\r\n');
    const uri = fileUri(path.join(ws, 'ext', 'unsaved.c'));
    const emallocLine = LEAKY.emalloc.line - 1;
    const emallocText = text.split('\r\n')[emallocLine];
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    await client.open(uri, text);
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    let mark = client.mark();
    await client.notification('phpLeak/runtimeFindings', {
      source: 'debug-build',
      files: [{ uri, findings: [runtimeFinding(DEBUG, emallocLine, emallocText, 'debug build: 1,024 bytes in 1 block still allocated at request end (emalloc without efree)')] }],
    });
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === DEBUG && d.range.start.line === emallocLine), { since: mark });

    mark = client.mark();
    const at = { line: 4, character: 0 };
    await client.change(uri, [{ range: { start: at, end: at }, text: '/* a */\r\n/* b */\r\n' }]);
    let pub = await client.waitForDiagnostics(uri, (p) => p.version === 2, { since: mark });
    assert.deepEqual(pub.diagnostics.filter((d) => d.code === DEBUG).map((d) => d.range.start.line), [emallocLine + 2], dump(pub.diagnostics));

    mark = client.mark();
    await client.change(uri, [{ range: { start: { line: emallocLine + 2, character: 0 }, end: { line: emallocLine + 3, character: 0 } }, text: '' }]);
    pub = await client.waitForDiagnostics(uri, (p) => p.version === 3, { since: mark });
    const left = pub.diagnostics.filter((d) => d.code === DEBUG);
    assert.deepEqual(left.map((d) => [d.range.start.line, d.severity]), [[0, Information]], dump(pub.diagnostics));
    assert.match(msg(left[0]), /^debug build: 1 runtime finding dropped after edits/);
  });
  it('each change is followed as it comes: two quick edits around a duplicated line keep the finding on its own copy', async () => {
    // `\tp = emalloc(8);` twice, two lines apart; the finding is on the second copy (line 5).
    const text = ['PHP_FUNCTION(twice)', '{', '\tchar *p;', '\tp = emalloc(8);', '\tuse(p);', '\tp = emalloc(8);', '\tuse(p);', '\tRETURN_TRUE;', '}', ''].join('\n');
    const uri = fileUri(path.join(ws, 'ext', 'twice.c'));
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    await client.open(uri, text);
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    let mark = client.mark();
    await client.notification('phpLeak/runtimeFindings', {
      source: 'debug-build',
      files: [{ uri, findings: [runtimeFinding(DEBUG, 5, '\tp = emalloc(8);', 'debug build: 8 bytes in 1 block still allocated at request end (emalloc without efree)')] }],
    });
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === DEBUG && d.range.start.line === 5), { since: mark });
    // Within one debounce period: two lines at the top, then two at the end. Taken together
    // they change every line; one at a time, each is a plain insertion.
    mark = client.mark();
    const top = { line: 0, character: 0 };
    await client.change(uri, [{ range: { start: top, end: top }, text: '/* 1 */\n/* 2 */\n' }]);
    const end = { line: 12, character: 0 };
    await client.change(uri, [{ range: { start: end, end }, text: '/* 3 */\n/* 4 */\n' }]);
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === 3, { since: mark });
    assert.deepEqual(pub.diagnostics.filter((d) => d.code === DEBUG).map((d) => d.range.start.line), [7], dump(pub.diagnostics));
  });
  it("debug-build findings sent with runtime 'auto' take the document's profile for their severity; an explicit one is kept", async () => {
    const text = readFixture(LEAKY.file);
    const uri = fileUri(path.join(ws, 'ext', 'profile.c'));
    const line = LEAKY.emalloc.line - 1;
    const lineText = text.split('\n')[line];
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'long-running' } });
    await client.open(uri, text);
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const send = async (runtime: string | undefined) => {
      const mark = client!.mark();
      const message = `debug build: 1,024 bytes in 1 block still allocated at request end (${runtime ?? 'absent'})`;
      await client!.notification('phpLeak/runtimeFindings', { source: 'debug-build', ...(runtime ? { runtime } : {}), files: [{ uri, findings: [runtimeFinding(DEBUG, line, lineText, message)] }] });
      const pub = await client!.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === DEBUG && msg(d) === message), { since: mark });
      return pub.diagnostics.find((d) => d.code === DEBUG)!.severity;
    };
    assert.equal(await send('auto'), 1, 'long-running document: an error');
    assert.equal(await send('fpm'), 2, 'fpm as the client decided: a warning');
    assert.equal(await send(undefined), 2, 'no runtime: the severity as sent');
  });
});
