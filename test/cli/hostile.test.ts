// The CLI on a hostile repository (our own generated inputs): profile files linked to
// /proc/self/pagemap (size 0 in stat, ~256 GB when read) or to a file outside the tree, a
// FIFO named composer.json, a file over the size cap. Each run must end quickly with a
// correct result, not hang or grow without bound.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRun, runCli } from '../support/cli';
import { makeTempDir, removeTempDir, writeFiles } from '../support/fixtures';

interface Report {
  files: Array<{ path: string; profile: string }>;
  skipped: Array<{ path: string; reason: string }>;
}

const PHP = '<?php\nfunction handler() { return 1; }\n';
const LONG_RUNNING = JSON.stringify({ require: { 'workerman/webman-framework': '*' } });

function scanJson(ws: string, args: string[] = [], timeoutMs = 20_000): { report: Report; ms: number; stderr: string } {
  const t0 = Date.now();
  const r = runCli(['scan', '.', '--format', 'json', '--fail-on', 'never', ...args], ws, timeoutMs);
  const ms = Date.now() - t0;
  assert.equal(r.signal, null, `killed (timeout or memory)\n${describeRun(r)}`);
  assert.equal(r.status, 0, describeRun(r));
  return { report: JSON.parse(r.stdout) as Report, ms, stderr: r.stderr };
}

describe('CLI on a hostile repository (file door)', function () {
  this.timeout(60_000);
  let ws: string;
  let outside: string;
  beforeEach(() => {
    ws = fs.realpathSync(makeTempDir('php-leak-hostile-cli-'));
    outside = fs.realpathSync(makeTempDir('php-leak-hostile-out-'));
  });
  afterEach(() => {
    removeTempDir(ws);
    removeTempDir(outside);
  });

  it('composer.json, composer.lock and .rr.yaml linked to /proc/self/pagemap: not read, the scan ends at once', () => {
    writeFiles(ws, { 'src/app.php': PHP });
    for (const n of ['composer.json', 'composer.lock', '.rr.yaml']) fs.symlinkSync('/proc/self/pagemap', path.join(ws, n));
    const { report, ms } = scanJson(ws);
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.deepEqual(
      report.files.map((f) => [f.path, f.profile]),
      [['src/app.php', 'fpm']],
    );
  });

  it('a FIFO named composer.json does not block the scan', () => {
    writeFiles(ws, { 'src/app.php': PHP });
    execFileSync('mkfifo', [path.join(ws, 'composer.json')]);
    const { report, ms } = scanJson(ws);
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.equal(report.files[0].profile, 'fpm');
  });

  it('a composer.json linked to one outside the tree does not decide the profile', () => {
    writeFiles(outside, { 'composer.json': LONG_RUNNING });
    writeFiles(ws, { 'src/app.php': PHP });
    fs.symlinkSync(path.join(outside, 'composer.json'), path.join(ws, 'composer.json'));
    assert.equal(scanJson(ws).report.files[0].profile, 'fpm');
    // The same file really in the tree decides (the check can fail).
    fs.rmSync(path.join(ws, 'composer.json'));
    writeFiles(ws, { 'composer.json': LONG_RUNNING });
    assert.equal(scanJson(ws).report.files[0].profile, 'long-running');
  });

  it('a file over the size cap is a reported skip', () => {
    writeFiles(ws, { 'src/app.php': PHP, 'src/big.php': `<?php\n${'$x = 1;\n'.repeat(200)}` });
    const { report, stderr } = scanJson(ws, ['--max-file-size', '500']);
    assert.deepEqual(report.files.map((f) => f.path), ['src/app.php']);
    assert.equal(report.skipped.length, 1);
    assert.match(report.skipped[0].path, /big\.php$/);
    assert.match(report.skipped[0].reason, /larger than the maximum file size/);
    assert.match(stderr, /skipped src\/big\.php: larger than the maximum file size/);
  });

  it('--jobs 1000 is capped to the cores (each worker loads the parsers)', () => {
    writeFiles(ws, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`src/f${i}.php`, PHP])));
    const r = runCli(['scan', '.', '--format', 'json', '--fail-on', 'never', '--jobs', '1000'], ws, 30_000);
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /--jobs 1000 capped to \d+ \(the available cores\)/);
    assert.equal((JSON.parse(r.stdout) as Report).files.length, 20);
  });

  it('a bad option value is quoted with at most 200 characters', () => {
    const r = runCli(['scan', '.', '--jobs', 'x'.repeat(100_000)], ws);
    assert.equal(r.status, 2, describeRun(r));
    assert.ok(r.stderr.length < 1000, `${r.stderr.length} characters on stderr`);
  });
});
