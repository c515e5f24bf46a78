// walkFiles and readText under faults: symlink loops, FIFOs and sockets named
// like sources, files deleted, replaced or grown during the walk, folders
// replaced by files, and 100,000 files (walked in full and cancelled midway).
// The tests run as root too, where chmod 000 stops nothing: every fault here is
// one root cannot read through either.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { readText, walkFiles, type ScanEntry, type SkippedEntry } from '../../server/src/engine';
import { makeMemoryTempDir } from '../support/fixtures';

const filter = { include: ['**/*.c', '**/*.php'], exclude: ['**/vendor/**'], maxFileSize: 1000 };

async function walk(root: string, hooks: { onEntry?: (e: ScanEntry, i: number) => void; cancelAfter?: number } = {}) {
  const found: string[] = [];
  const skipped: SkippedEntry[] = [];
  let n = 0;
  for await (const e of walkFiles(root, { ...filter, onSkip: (s) => skipped.push(s), isCancelled: () => hooks.cancelAfter !== undefined && n >= hooks.cancelAfter })) {
    hooks.onEntry?.(e, n);
    n++;
    found.push(path.relative(root, e.path));
  }
  return { found, skipped: skipped.map((s) => `${path.relative(root, s.path)}: ${s.reason}`) };
}

function mkfifo(p: string): void {
  execFileSync('mkfifo', [p]);
}

describe('workspace scan under faults (walkFiles, readText)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-faults-')));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('symlink loops and linked files are not followed; linked sources are reported', async () => {
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'a.c'), 'int a;');
    fs.symlinkSync(dir, path.join(dir, 'src', 'loop'));
    fs.symlinkSync(path.join(dir, 'src'), path.join(dir, 'src', 'self'));
    fs.symlinkSync(path.join(dir, 'src', 'a.c'), path.join(dir, 'src', 'alias.c'));
    fs.symlinkSync(path.join(dir, 'nowhere.c'), path.join(dir, 'src', 'dangling.c'));
    const r = await walk(dir);
    assert.deepEqual(r.found, ['src/a.c']);
    assert.deepEqual(r.skipped.sort(), ['src/alias.c: symbolic link (not followed)', 'src/dangling.c: symbolic link (not followed)']);
  });

  it('a FIFO and a socket named like sources are reported, never opened (the walk does not block)', async () => {
    mkfifo(path.join(dir, 'pipe.c'));
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(path.join(dir, 'sock.php'), r));
    try {
      fs.writeFileSync(path.join(dir, 'ok.c'), 'int a;');
      const t0 = Date.now();
      const r = await walk(dir);
      assert.ok(Date.now() - t0 < 5000);
      assert.deepEqual(r.found, ['ok.c']);
      assert.deepEqual(r.skipped.sort(), ['pipe.c: not a regular file (a FIFO)', 'sock.php: not a regular file (a socket)']);
      // A root that is a FIFO.
      const root = await walk(path.join(dir, 'pipe.c'));
      assert.deepEqual(root.skipped, [': not a regular file or folder (a FIFO)']);
    } finally {
      server.close();
    }
  });

  it('readText refuses a FIFO (no blocking read), a folder, a vanished file and a file grown past the limit', async () => {
    mkfifo(path.join(dir, 'late.c'));
    fs.mkdirSync(path.join(dir, 'folder.c'));
    fs.writeFileSync(path.join(dir, 'grown.c'), 'x'.repeat(5000));
    const t0 = Date.now();
    await assert.rejects(readText(path.join(dir, 'late.c')), /not a regular file \(a FIFO\)/);
    assert.ok(Date.now() - t0 < 2000, 'no blocking open or read');
    await assert.rejects(readText(path.join(dir, 'folder.c')), /EISDIR|not a regular file/);
    await assert.rejects(readText(path.join(dir, 'gone.c')), /ENOENT/);
    await assert.rejects(readText(path.join(dir, 'grown.c'), 1000), /larger than the maximum file size \(5000 > 1000 bytes\)/);
    assert.equal(await readText(path.join(dir, 'grown.c')), 'x'.repeat(5000));
  });

  it('files deleted, replaced by a folder or a FIFO, and folders replaced by files during the walk: reported with the reason', async () => {
    for (const f of ['a.c', 'b.c', 'c.c', 'd.c', 'e.c']) fs.writeFileSync(path.join(dir, f), 'int x;');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'in.c'), 'int y;');
    const r = await walk(dir, {
      onEntry: (_e, i) => {
        if (i !== 0) return;
        // The walk has listed the folder and stands at its first file (e.c): change what comes next.
        fs.rmSync(path.join(dir, 'b.c'));
        fs.rmSync(path.join(dir, 'c.c'));
        fs.mkdirSync(path.join(dir, 'c.c'));
        fs.rmSync(path.join(dir, 'd.c'));
        mkfifo(path.join(dir, 'd.c'));
        fs.rmSync(path.join(dir, 'sub'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'sub'), 'now a file');
      },
    });
    assert.deepEqual(r.found.sort(), ['a.c', 'e.c']);
    assert.deepEqual(r.skipped.sort(), [
      'b.c: no such file or directory (deleted during the scan?)',
      'c.c: not a regular file any more (a folder)',
      'd.c: not a regular file any more (a FIFO)',
      'sub: not a folder any more (replaced during the scan?)',
    ]);
  });

  describe('100,000 files', function () {
    this.timeout(300_000);
    let big: string;
    const N = 100_000;
    before(() => {
      big = makeMemoryTempDir('php-leak-100k-');
      const t0 = Date.now();
      for (let d = 0; d < 100; d++) {
        const sub = path.join(big, `d${String(d).padStart(2, '0')}`);
        fs.mkdirSync(sub);
        for (let f = 0; f < N / 100; f++) fs.writeFileSync(path.join(sub, `f${f}.${f % 2 ? 'c' : 'php'}`), f % 2 ? 'int x;\n' : '<?php\n');
      }
      console.log(`      generated ${N} files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
    after(() => fs.rmSync(big, { recursive: true, force: true }));

    it('are walked in full, in a measured time', async () => {
      const t0 = Date.now();
      const r = await walk(big);
      const secs = (Date.now() - t0) / 1000;
      console.log(`      walked ${r.found.length} files in ${secs.toFixed(1)} s`);
      assert.equal(r.found.length, N);
      assert.deepEqual(r.skipped, []);
    });

    it('a walk cancelled midway stops at once', async () => {
      const t0 = Date.now();
      const r = await walk(big, { cancelAfter: N / 2 });
      const secs = (Date.now() - t0) / 1000;
      console.log(`      cancelled after ${r.found.length} files, ${secs.toFixed(1)} s`);
      assert.ok(r.found.length >= N / 2 && r.found.length <= N / 2 + 1000, String(r.found.length));
    });
  });
});
