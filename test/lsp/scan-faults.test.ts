// phpLeak/scanWorkspace under faults, through the bundled server: FIFOs, sockets
// and symlinks in the workspace, files deleted and rewritten while the scan runs,
// and a 100,000-file workspace cancelled midway. The scan must finish (or stop
// when cancelled), report what it skipped and why, and keep serving.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { LEAKY, makeMemoryTempDir, makeTempDir, PROCESS_ONLY, readFixture, removeTempDir, writeFiles } from '../support/fixtures';
import { fileUri, LspClient } from '../support/lsp-client';

interface ScanResult {
  files: number;
  findings: number;
  skipped: Array<{ path: string; reason: string }>;
  cancelled: boolean;
}

describe('LSP workspace scan under faults', () => {
  let ws: string | undefined;
  let client: LspClient | undefined;
  let server: net.Server | undefined;

  // Removing the 100,000-file workspace alone can take a minute on a loaded 2-core machine.
  afterEach(async function () {
    this.timeout(240_000);
    await client?.dispose();
    client = undefined;
    server?.close();
    server = undefined;
    removeTempDir(ws);
    ws = undefined;
  });

  it('FIFOs, sockets, symlink loops and linked files: skipped with a reason, the scan ends, the real leak is found', async function () {
    this.timeout(60_000);
    ws = makeTempDir('php-leak-faults-lsp-');
    writeFiles(ws, { 'ext/leak.c': readFixture(PROCESS_ONLY.file) });
    execFileSync('mkfifo', [path.join(ws, 'ext', 'pipe.c')]);
    server = net.createServer();
    await new Promise<void>((r) => server!.listen(path.join(ws!, 'ext', 'sock.php'), r));
    fs.symlinkSync(ws, path.join(ws, 'ext', 'loop'));
    fs.symlinkSync(path.join(ws, 'ext', 'leak.c'), path.join(ws, 'ext', 'alias.c'));
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    const t0 = Date.now();
    const result = await client.request<ScanResult>('phpLeak/scanWorkspace', {}, undefined, 30_000);
    assert.ok(Date.now() - t0 < 20_000);
    assert.equal(result.cancelled, false);
    assert.equal(result.files, 1);
    assert.equal(result.findings, 1);
    const reasons = result.skipped.map((s) => `${path.relative(ws!, s.path)}: ${s.reason}`).sort();
    assert.deepEqual(reasons, ['ext/alias.c: symbolic link (not followed)', 'ext/pipe.c: not a regular file (a FIFO)', 'ext/sock.php: not a regular file (a socket)']);
    // The output channel says it too.
    const logged = client.events.filter((e) => e.method === 'window/logMessage').map((e) => String(e.params.message));
    assert.ok(logged.some((m) => /scan skipped .*pipe\.c: not a regular file \(a FIFO\)/.test(m)), logged.join('\n'));
    await client.waitForDiagnostics(fileUri(path.join(ws, 'ext', 'leak.c')), (p) => p.diagnostics.length === 1);
  });

  it('files deleted and rewritten while the scan runs: it finishes, every listed file is analysed or skipped with a reason', async function () {
    this.timeout(180_000);
    ws = makeTempDir('php-leak-faults-race-');
    const N = 3000;
    const files: Record<string, string> = {};
    for (let i = 0; i < N; i++) files[`src/f${String(i).padStart(4, '0')}.c`] = readFixture('ext/clean.c');
    writeFiles(ws, files);
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    const mark = client.mark();
    const pending = client.request<ScanResult>('phpLeak/scanWorkspace', { workDoneToken: 'race' }, undefined, 170_000);
    // Once listed ("0/N files"), delete every third file and rewrite another third with a leak.
    await client.waitForNotification('$/progress', (p) => p.token === 'race' && p.value.kind === 'report', { since: mark, timeoutMs: 60_000 });
    let deleted = 0;
    let rewritten = 0;
    for (let i = 0; i < N; i++) {
      const f = path.join(ws, 'src', `f${String(i).padStart(4, '0')}.c`);
      if (i % 3 === 0) {
        fs.rmSync(f);
        deleted++;
      } else if (i % 3 === 1) {
        fs.writeFileSync(f, readFixture(LEAKY.file));
        rewritten++;
      }
    }
    const result = await pending;
    console.log(`      ${deleted} deleted, ${rewritten} rewritten during the scan: ${result.files} analysed, ${result.skipped.length} skipped, ${result.findings} findings`);
    assert.equal(result.cancelled, false);
    assert.equal(result.files + result.skipped.length, N, 'every listed file is analysed or skipped');
    for (const s of result.skipped) assert.match(s.reason, /ENOENT|no such file/, `${s.path}: ${s.reason}`);
    assert.ok(client.alive);
    // A second scan sees the workspace as it is now.
    const again = await client.request<ScanResult>('phpLeak/scanWorkspace', {}, undefined, 170_000);
    assert.equal(again.files, N - deleted);
    assert.deepEqual(again.skipped, []);
  });

  it('100,000 files: a scan cancelled midway stops within seconds and the server keeps answering', async function () {
    this.timeout(300_000);
    ws = makeMemoryTempDir('php-leak-faults-100k-');
    const N = 100_000;
    const t0 = Date.now();
    for (let d = 0; d < 100; d++) {
      const sub = path.join(ws, `d${String(d).padStart(2, '0')}`);
      fs.mkdirSync(sub);
      for (let f = 0; f < N / 100; f++) fs.writeFileSync(path.join(sub, `f${f}.c`), f === 7 ? readFixture(PROCESS_ONLY.file) : 'int x;\n');
    }
    const genSecs = (Date.now() - t0) / 1000;
    client = await LspClient.start({ rootPath: ws, settings: { runtime: 'fpm' } });
    const source = new CancellationTokenSource();
    const t1 = Date.now();
    const settled = client.request<ScanResult>('phpLeak/scanWorkspace', { workDoneToken: 'big' }, source.token, 290_000).then(
      (r) => ({ r, e: undefined as unknown }),
      (e: unknown) => ({ r: undefined, e }),
    );
    // Cancel once the analysis is under way (a report past 0 %), or after 20 s, whichever first.
    const mark = client.mark();
    await Promise.race([
      client.waitForNotification('$/progress', (p) => p.token === 'big' && p.value.kind === 'report' && (p.value.percentage ?? 0) > 0, { since: mark, timeoutMs: 200_000 }),
      new Promise((r) => setTimeout(r, 20_000)),
    ]);
    const tCancel = Date.now();
    source.cancel();
    const o = await settled;
    const stopMs = Date.now() - tCancel;
    console.log(`      generated ${N} files in ${genSecs.toFixed(1)} s; cancelled ${((tCancel - t1) / 1000).toFixed(1)} s into the scan, stopped ${stopMs} ms later (${o.r ? `${o.r.files} files analysed` : 'RequestCancelled'})`);
    if (o.e !== undefined) {
      assert.ok(o.e instanceof ResponseError && o.e.code === -32800, String(o.e));
    } else {
      assert.equal(o.r!.cancelled, true);
      assert.ok(o.r!.files < N);
    }
    assert.ok(stopMs < 10_000, `${stopMs} ms from cancel to the end of the scan`);
    const uri = fileUri(path.join(ws, 'open.c'));
    await client.open(uri, readFixture(LEAKY.file));
    const pub = await client.waitForDiagnostics(uri, (p) => p.version === 1, { timeoutMs: 30_000 });
    assert.ok(pub.diagnostics.length >= 2);
  });
});
