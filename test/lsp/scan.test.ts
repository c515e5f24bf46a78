// phpLeak/scanWorkspace: progress, diagnostics for files never opened, the result,
// and cancellation through $/cancelRequest.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { LEAKY, makeTempDir, PROCESS_ONLY, PROCESS_RULE, readFixture, removeTempDir, writeFiles } from '../support/fixtures';
import { fileUri, LspClient } from '../support/lsp-client';

interface ScanResult {
  files: number;
  findings: number;
  skipped: Array<{ path: string; reason: string }>;
  cancelled: boolean;
}

const REQUEST_CANCELLED = -32800;

function progressOf(client: LspClient, token: string, since = 0): Array<{ kind: string; percentage?: number; message?: string; title?: string; cancellable?: boolean }> {
  return client.events
    .slice(since)
    .filter((e) => e.method === '$/progress' && e.params.token === token)
    .map((e) => e.params.value);
}

describe('LSP workspace scan (phpLeak/scanWorkspace)', () => {
  let ws: string;
  let client: LspClient | undefined;

  afterEach(async () => {
    await client?.dispose();
    client = undefined;
    removeTempDir(ws);
  });

  it('reports progress, publishes diagnostics for never-opened files and returns the totals', async () => {
    ws = makeTempDir('php-leak-scan-');
    writeFiles(ws, {
      'ext/unopened.c': readFixture(PROCESS_ONLY.file),
      'ext/clean.c': readFixture('ext/clean.c'),
      'ext/php_leaky.h': readFixture('ext/php_leaky.h'),
      'vendor/acme/leaky.c': readFixture(LEAKY.file), // excluded by default
      'node_modules/x/leaky.c': readFixture(LEAKY.file), // excluded by default
      'notes.txt': 'malloc(1);\n', // not a C, PHP or configuration file
    });
    client = await LspClient.start({ rootPath: ws });
    const unopened = fileUri(path.join(ws, 'ext', 'unopened.c'));
    const result = await client.request<ScanResult>('phpLeak/scanWorkspace', { workDoneToken: 'scan-1' });
    // By hand: unopened.c, clean.c and php_leaky.h are scanned; one leak in unopened.c.
    assert.deepEqual(result, { files: 3, findings: 1, skipped: [], cancelled: false });

    const pub = await client.waitForDiagnostics(unopened, (p) => p.diagnostics.length > 0);
    assert.equal(pub.diagnostics.length, 1, JSON.stringify(pub.diagnostics));
    const d = pub.diagnostics[0];
    assert.equal(d.code, PROCESS_RULE);
    assert.equal(d.severity, 1);
    assert.equal(d.source, 'php-leak');
    assert.equal(d.range.start.line, PROCESS_ONLY.mallocLine - 1);
    const published = new Set(client.events.filter((e) => e.method === 'textDocument/publishDiagnostics').map((e) => e.params.uri as string));
    assert.ok(![...published].some((u) => u.includes('/vendor/') || u.includes('/node_modules/')), [...published].join('\n'));

    const progress = progressOf(client, 'scan-1');
    const kinds = progress.map((p) => p.kind);
    assert.equal(kinds[0], 'begin', kinds.join(','));
    assert.equal(kinds[kinds.length - 1], 'end', kinds.join(','));
    assert.ok(kinds.includes('report'), kinds.join(','));
    assert.equal(kinds.filter((k) => k === 'begin').length, 1);
    assert.equal(kinds.filter((k) => k === 'end').length, 1);
    assert.ok(progress[0].title && progress[0].cancellable === true, JSON.stringify(progress[0]));

    // The scanned file answers hovers without being opened.
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: unopened }, position: { line: PROCESS_ONLY.mallocLine - 1, character: 12 } });
    assert.ok(h, 'hover on a scanned file');
    assert.match((h.contents as MarkupContent).value, /survives the request/);
  });

  it('a second scan clears the diagnostics of a file that was fixed on disk', async () => {
    ws = makeTempDir('php-leak-rescan-');
    writeFiles(ws, { 'ext/unopened.c': readFixture(PROCESS_ONLY.file) });
    client = await LspClient.start({ rootPath: ws });
    const uri = fileUri(path.join(ws, 'ext', 'unopened.c'));
    const first = await client.request<ScanResult>('phpLeak/scanWorkspace', {});
    assert.equal(first.findings, 1);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1);
    writeFiles(ws, { 'ext/unopened.c': readFixture('ext/clean.c') });
    const mark = client.mark();
    const second = await client.request<ScanResult>('phpLeak/scanWorkspace', {});
    assert.deepEqual(second, { files: 1, findings: 0, skipped: [], cancelled: false });
    const pub = await client.waitForDiagnostics(uri, () => true, { since: mark });
    assert.deepEqual(pub.diagnostics, []);
  });

  it('without a workDoneToken, the server creates its own progress (window/workDoneProgress/create)', async () => {
    ws = makeTempDir('php-leak-scan-create-');
    writeFiles(ws, { 'a.c': readFixture(PROCESS_ONLY.file) });
    client = await LspClient.start({ rootPath: ws });
    const result = await client.request<ScanResult>('phpLeak/scanWorkspace', {});
    assert.equal(result.files, 1);
    assert.equal(client.createdProgressTokens.length, 1);
    const token = client.createdProgressTokens[0];
    const kinds = client.events.filter((e) => e.method === '$/progress' && e.params.token === token).map((e) => e.params.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds[kinds.length - 1], 'end');
  });

  it('$/cancelRequest stops a long scan early, and the server keeps answering', async function () {
    this.timeout(120_000);
    ws = makeTempDir('php-leak-cancel-');
    const N = 400;
    const files: Record<string, string> = {};
    for (let i = 0; i < N; i++) {
      files[`ext/f${String(i).padStart(3, '0')}.c`] =
        `#include "php.h"\n\nPHP_FUNCTION(f${i})\n{\n\tchar *a = malloc(${i + 1});\n\tchar *b = emalloc(${i + 2});\n\tif (${i} > 1) {\n\t\tRETURN_FALSE;\n\t}\n\tefree(b);\n\tfree(a);\n\tRETURN_TRUE;\n}\n`;
    }
    writeFiles(ws, files);
    client = await LspClient.start({ rootPath: ws });

    // A full scan first: how long it takes and how many progress reports it sends.
    const t0 = Date.now();
    const full = await client.request<ScanResult>('phpLeak/scanWorkspace', { workDoneToken: 'full' }, undefined, 110_000);
    const fullMs = Date.now() - t0;
    assert.equal(full.files, N);
    assert.equal(full.cancelled, false);
    const fullReports = progressOf(client, 'full').filter((p) => p.kind === 'report').length;

    // Then cancel one once it is under way (after its first progress report). The server keeps
    // results by content (an unchanged file is not analysed twice): change the files first.
    for (const rel of Object.keys(files)) files[rel] += '/* changed */\n';
    writeFiles(ws, files);
    const mark = client.mark();
    const source = new CancellationTokenSource();
    const t1 = Date.now();
    const pending = client.request<ScanResult>('phpLeak/scanWorkspace', { workDoneToken: 'cancel-me' }, source.token, 110_000);
    const settled = pending.then(
      (r) => ({ result: r, error: undefined as unknown }),
      (e: unknown) => ({ result: undefined, error: e }),
    );
    await client.waitForNotification('$/progress', (p) => p.token === 'cancel-me' && p.value.kind === 'report', { since: mark });
    const tCancel = Date.now();
    source.cancel();
    const outcome = await settled;
    const cancelToEndMs = Date.now() - tCancel;
    if (outcome.error !== undefined) {
      assert.ok(outcome.error instanceof ResponseError, `unexpected error: ${outcome.error}`);
      assert.equal(outcome.error.code, REQUEST_CANCELLED);
    } else {
      assert.equal(outcome.result!.cancelled, true, JSON.stringify(outcome.result));
      assert.ok(outcome.result!.files < N, `cancelled after all ${N} files`);
    }
    const reports = progressOf(client, 'cancel-me', mark).filter((p) => p.kind === 'report').length;
    assert.ok(reports < fullReports, `cancelled scan sent ${reports} progress reports, a full one ${fullReports}`);
    assert.ok(cancelToEndMs < fullMs / 2, `ended ${cancelToEndMs} ms after the cancel; a full scan takes ${fullMs} ms (request sent ${tCancel - t1} ms before cancel)`);
    await client.waitForNotification('$/progress', (p) => p.token === 'cancel-me' && p.value.kind === 'end', { since: mark });

    // Still serving.
    const uri = fileUri(path.join(ws, 'open.c'));
    await client.open(uri, readFixture(LEAKY.file));
    await client.waitForDiagnostics(uri, (p) => p.version === 1);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 8, character: 15 } });
    assert.ok(h, 'hover after a cancelled scan');
    assert.match((h.contents as MarkupContent).value, /survives the request/);
  });
});
