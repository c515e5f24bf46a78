// The one file-reading door (engine/fileDoor.ts) and its users: profile detection, the disk
// workspace, the scan's read and the runtime-report readers. A hostile repository names
// links to /proc files, FIFOs and files outside the tree; none of them may be followed,
// waited on or read past the cap.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectProfile, DiskWorkspace, readText } from '../../server/src/engine';
import { admits, readFileSafe, readFileSyncSafe } from '../../server/src/engine/fileDoor';
import { diskText } from '../../server/src/lsp/runtime';
import { lineRange, SourceIndex } from '../../server/src/runtime/sources';

const LONG_RUNNING = JSON.stringify({ require: { 'workerman/webman-framework': '*' } });

describe('file door: no link, regular files only, capped on the read, inside the root', () => {
  let dir: string;
  let outside: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-door-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-door-out-')));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('refuses a symbolic link (sync and async), also one to a regular file', async () => {
    fs.writeFileSync(path.join(dir, 'real.c'), 'int x;');
    fs.symlinkSync(path.join(dir, 'real.c'), path.join(dir, 'link.c'));
    assert.equal(readFileSyncSafe(path.join(dir, 'real.c')).toString(), 'int x;');
    assert.throws(() => readFileSyncSafe(path.join(dir, 'link.c')), /symbolic link/);
    await assert.rejects(readFileSafe(path.join(dir, 'link.c')), /symbolic link/);
    await assert.rejects(readText(path.join(dir, 'link.c')), /symbolic link/);
  });

  it('enforces the cap on the read, not on stat (a /proc file reports size 0)', async () => {
    assert.equal(fs.statSync('/proc/self/status').size, 0);
    assert.throws(() => readFileSyncSafe('/proc/self/status', { maxBytes: 16 }), /larger than the maximum file size \(more than 16 bytes read\)/);
    await assert.rejects(readFileSafe('/proc/self/status', { maxBytes: 16 }), /more than 16 bytes read/);
    assert.ok(readFileSyncSafe('/proc/self/status', { maxBytes: 1 << 20 }).length > 16);
  });

  it('refuses a FIFO and a device without waiting', () => {
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
    const t0 = Date.now();
    assert.throws(() => readFileSyncSafe(path.join(dir, 'pipe.json')), /not a regular file \(a FIFO\)/);
    assert.throws(() => readFileSyncSafe('/dev/zero'), /not a regular file \(a device\)/);
    assert.ok(Date.now() - t0 < 2000);
  });

  it('keeps a read inside the root, also through a linked folder', () => {
    fs.writeFileSync(path.join(outside, 'x.c'), 'int outside;');
    fs.symlinkSync(outside, path.join(dir, 'linked'));
    fs.writeFileSync(path.join(dir, 'in.c'), 'int inside;');
    assert.equal(readFileSyncSafe(path.join(dir, 'in.c'), { root: dir }).toString(), 'int inside;');
    assert.throws(() => readFileSyncSafe(path.join(outside, 'x.c'), { root: dir }), /outside the workspace folder/);
    assert.throws(() => readFileSyncSafe(path.join(dir, 'linked', 'x.c'), { root: dir }), /outside the workspace folder/);
    assert.throws(() => readFileSyncSafe(path.join(dir, '..', path.basename(outside), 'x.c'), { root: dir }), /outside the workspace folder/);
    assert.equal(admits(path.join(dir, 'in.c'), { root: dir }), true);
    assert.equal(admits(path.join(dir, 'linked', 'x.c'), { root: dir }), false);
  });

  it('profile detection: composer.json linked to /proc/self/pagemap, or a FIFO, is not read; an outside composer.json does not decide', () => {
    const sub = path.join(dir, 'app');
    fs.mkdirSync(sub);
    fs.symlinkSync('/proc/self/pagemap', path.join(sub, 'composer.json'));
    fs.symlinkSync('/proc/self/pagemap', path.join(sub, 'composer.lock'));
    fs.symlinkSync('/proc/self/pagemap', path.join(sub, '.rr.yaml'));
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    assert.equal(detectProfile('auto', sub, dir).profile, 'fpm');
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(process.memoryUsage().rss - rss0 < 64 * 1024 * 1024);

    const fifoDir = path.join(dir, 'fifo');
    fs.mkdirSync(fifoDir);
    execFileSync('mkfifo', [path.join(fifoDir, 'composer.json')]);
    assert.equal(detectProfile('auto', fifoDir, dir).profile, 'fpm');

    fs.writeFileSync(path.join(outside, 'composer.json'), LONG_RUNNING);
    const linked = path.join(dir, 'linked');
    fs.mkdirSync(linked);
    fs.symlinkSync(path.join(outside, 'composer.json'), path.join(linked, 'composer.json'));
    const d = detectProfile('auto', linked, dir);
    assert.equal(d.profile, 'fpm', d.reason);
    // The same file, really there, decides (the test can fail).
    fs.rmSync(path.join(linked, 'composer.json'));
    fs.writeFileSync(path.join(linked, 'composer.json'), LONG_RUNNING);
    assert.equal(detectProfile('auto', linked, dir).profile, 'long-running');
  });

  it('the disk workspace reads no link, no FIFO, nothing past maxFileSize', () => {
    fs.writeFileSync(path.join(outside, 'o.c'), 'int o;');
    fs.symlinkSync(path.join(outside, 'o.c'), path.join(dir, 'l.c'));
    fs.symlinkSync('/proc/self/pagemap', path.join(dir, 'p.c'));
    execFileSync('mkfifo', [path.join(dir, 'f.c')]);
    fs.writeFileSync(path.join(dir, 'big.c'), 'x'.repeat(3000));
    fs.writeFileSync(path.join(dir, 'ok.c'), 'int ok;');
    const ws = new DiskWorkspace({ roots: [dir], include: ['**/*.c'], exclude: [], maxFileSize: 1000 });
    for (const f of ['l.c', 'p.c', 'f.c', 'big.c']) assert.equal(ws.read(path.join(dir, f)), undefined, f);
    assert.equal(ws.read(path.join(dir, 'ok.c')), 'int ok;');
    assert.equal(ws.read(path.join(outside, 'o.c')), undefined, 'outside the roots');
  });

  it('runtime-report readers: a reported path that is a link, a FIFO or outside the root is not read', () => {
    fs.mkdirSync(path.join(dir, 'ext'));
    fs.writeFileSync(path.join(dir, 'ext', 'a.c'), 'int a;\n  int b;\n');
    fs.symlinkSync('/dev/zero', path.join(dir, 'ext', 'zero.c'));
    execFileSync('mkfifo', [path.join(dir, 'ext', 'pipe.c')]);
    fs.writeFileSync(path.join(outside, 'out.c'), 'int out;\n');
    const index = new SourceIndex(dir);
    assert.equal(index.resolve(path.join(dir, 'ext', 'a.c')), path.join(dir, 'ext', 'a.c'));
    assert.equal(index.resolve(path.join(dir, 'ext', 'zero.c')), undefined);
    assert.equal(index.resolve(path.join(outside, 'out.c')), undefined);
    assert.deepEqual(lineRange(path.join(dir, 'ext', 'a.c'), 2).start, { line: 1, character: 2 });
    const t0 = Date.now();
    assert.deepEqual(lineRange(path.join(dir, 'ext', 'pipe.c'), 2).start, { line: 1, character: 0 });
    assert.deepEqual(lineRange(path.join(dir, 'ext', 'zero.c'), 2).start, { line: 1, character: 0 });
    assert.ok(Date.now() - t0 < 2000);
    const uri = (p: string) => 'file://' + p;
    assert.equal(diskText(uri(path.join(dir, 'ext', 'a.c')), { root: [dir] }), 'int a;\n  int b;\n');
    assert.equal(diskText(uri(path.join(dir, 'ext', 'zero.c')), { root: [dir] }), undefined);
    assert.equal(diskText(uri(path.join(dir, 'ext', 'pipe.c')), { root: [dir] }), undefined);
    assert.equal(diskText(uri(path.join(outside, 'out.c')), { root: [dir] }), undefined);
  });
});
