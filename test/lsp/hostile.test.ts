// The server on a hostile workspace (our own generated inputs): profile files linked to
// /proc/self/pagemap (size 0 in stat, ~256 GB when read), and runtime findings naming a FIFO,
// a link to /dev/zero and a file outside the workspace. The server must answer at once, stay
// small, and read none of them.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTempDir, writeFiles } from '../support/fixtures';
import { fileUri, LspClient } from '../support/lsp-client';

function rssMb(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

describe('LSP on a hostile workspace (file door)', function () {
  this.timeout(60_000);
  let ws: string;
  let outside: string;
  let client: LspClient | undefined;
  beforeEach(() => {
    ws = fs.realpathSync(makeTempDir('php-leak-lsp-hostile-'));
    outside = fs.realpathSync(makeTempDir('php-leak-lsp-out-'));
  });
  afterEach(async () => {
    await client?.dispose();
    client = undefined;
    removeTempDir(ws);
    removeTempDir(outside);
  });

  it('composer.json, composer.lock and .rr.yaml linked to /proc/self/pagemap: diagnostics at once, the server stays small', async () => {
    const php = '<?php\nfunction handler() { return 1; }\n';
    writeFiles(ws, { 'src/app.php': php });
    for (const n of ['composer.json', 'composer.lock', '.rr.yaml']) fs.symlinkSync('/proc/self/pagemap', path.join(ws, n));
    client = await LspClient.start({ rootPath: ws });
    const uri = fileUri(path.join(ws, 'src/app.php'));
    const t0 = Date.now();
    await client.open(uri, php, 'php');
    await client.waitForDiagnostics(uri, (p) => p.version === 1, { timeoutMs: 15_000 });
    const ms = Date.now() - t0;
    const status = await client.waitForNotification('phpLeak/status', (p) => p.uri === uri, { timeoutMs: 5_000 });
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.ok(rssMb(client.proc.pid) < 500, `${rssMb(client.proc.pid)} MB`);
    assert.equal((status as { profile?: string }).profile, 'fpm', JSON.stringify(status));
  });

  it('runtime findings naming a FIFO, a link to /dev/zero or an outside file: not read, the server keeps answering', async () => {
    fs.mkdirSync(path.join(ws, 'ext'));
    execFileSync('mkfifo', [path.join(ws, 'ext', 'pipe.c')]);
    fs.symlinkSync('/dev/zero', path.join(ws, 'ext', 'zero.c'));
    writeFiles(outside, { 'out.c': 'int out;\n' });
    client = await LspClient.start({ rootPath: ws });
    const finding = { ruleId: 'runtime-valgrind-leak', severity: 'error', message: 'valgrind: 16 bytes definitely lost', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } } };
    const uris = [path.join(ws, 'ext', 'pipe.c'), path.join(ws, 'ext', 'zero.c'), path.join(outside, 'out.c')].map(fileUri);
    const mark = client.mark();
    const t0 = Date.now();
    await client.notification('phpLeak/runtimeFindings', { source: 'valgrind', files: uris.map((uri) => ({ uri, findings: [finding] })) });
    for (const uri of uris) {
      const pub = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'runtime-valgrind-leak'), { since: mark, timeoutMs: 10_000 });
      assert.equal(pub.diagnostics.length, 1);
    }
    // Still answering requests.
    await client.request('textDocument/hover', { textDocument: { uri: uris[0] }, position: { line: 0, character: 1 } });
    assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
    assert.ok(rssMb(client.proc.pid) < 500, `${rssMb(client.proc.pid)} MB`);
  });
});
