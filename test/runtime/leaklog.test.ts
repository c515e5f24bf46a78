// php-leak import-leak-log on logs from a real debug build of PHP (built once from Debian's
// php8.2 source into the cache): the CLI's standard error and a php-fpm error log
// (catch_workers_output), both mapped to the emalloc line of the seed extension.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixturesDir } from '../support/paths';
import { makeTempDir, removeTempDir } from '../support/fixtures';
import { parseLeakLog } from '../../server/src/runtime/leaklog';
import { httpGet } from './php';
import { buildSeed, describeCli, ensureDebugPhp, ensureRuntimeTools, FpmNginx, runCliAsync, SEED_C, SEED_DIR, SEED_LINES, writeDocroot } from './runtime-php';

interface JsonReport {
  files: Array<{ path: string; findings: Array<{ ruleId: string; severity: string; message: string; range: { start: { line: number } } }> }>;
}

function onlyFinding(stdout: string, cwd: string) {
  const report = JSON.parse(stdout) as JsonReport;
  assert.equal(report.files.length, 1, stdout);
  assert.equal(path.resolve(cwd, report.files[0].path), SEED_C);
  assert.equal(report.files[0].findings.length, 1, stdout);
  return report.files[0].findings[0];
}

describe('runtime: php-leak import-leak-log with a real debug build', function () {
  this.timeout(300_000);
  let tmp: string;
  let debug: ReturnType<typeof ensureDebugPhp>;
  let so: string;

  before(function () {
    // First run on a fresh machine: the debug build (~2 min on 2 cores); cached afterwards.
    this.timeout(2_400_000);
    ensureRuntimeTools((s) => console.log(s));
    debug = ensureDebugPhp((s) => console.log(`      ${s}`));
    tmp = makeTempDir('php-leak-leaklog-');
    so = buildSeed(path.join(tmp, 'build'), debug.phpize, debug.phpConfig);
  });
  after(() => removeTempDir(tmp));

  it('the CLI leak report: 3 x emalloc without efree -> one finding on the emalloc line', async () => {
    fs.writeFileSync(path.join(tmp, 'loop.php'), '<?php\nfor ($i = 0; $i < 3; $i++) leak_emalloc();\nno_leak();\nleak_malloc();\n');
    const r = require('node:child_process').spawnSync(debug.php, ['-n', '-d', `extension=${so}`, 'loop.php'], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /memory\.c\(31\) :  Freeing 0x[0-9a-f]+ \(2097152 bytes\), script=.*loop\.php/);
    assert.match(r.stderr, /Last leak repeated 2 times/);
    assert.match(r.stderr, /=== Total 3 memory leaks detected ===/);
    fs.writeFileSync(path.join(tmp, 'cli.log'), r.stderr);
    const out = await runCliAsync(['import-leak-log', 'cli.log', '--root', SEED_DIR, '--format', 'json'], tmp);
    assert.equal(out.status, 1, describeCli(out));
    const f = onlyFinding(out.stdout, tmp);
    assert.equal(f.ruleId, 'runtime-debug-leak');
    assert.equal(f.range.start.line + 1, SEED_LINES.emalloc);
    assert.match(f.message, /6,291,456 bytes in 3 blocks/);
    assert.match(out.stderr, /3 leaked blocks in the log \(the build reported 3\)/);
  });

  it('the php-fpm error log of the debug build behind nginx', async () => {
    const docroot = path.join(tmp, 'docroot');
    writeDocroot(docroot);
    const stack = new FpmNginx({ fpm: debug.fpm, phpArgs: ['-n', '-d', `extension=${so}`], docroot, maxRequests: 0 }, path.join(tmp, 'fpm'));
    try {
      await stack.start();
      for (const fn of ['leak_emalloc', 'leak_emalloc', 'no_leak', 'leak_malloc']) assert.equal((await httpGet(stack.port, `/index.php?fn=${fn}`)).status, 200);
    } finally {
      await stack.stop();
    }
    const log = fs.readFileSync(stack.fpmLog, 'utf8');
    assert.match(log, /WARNING: \[pool www\] child \d+ said into stderr: ".*memory\.c\(31\) :  Freeing/, log);
    const out = await runCliAsync(['import-leak-log', stack.fpmLog, '--root', SEED_DIR, '--format', 'json'], tmp);
    assert.equal(out.status, 1, describeCli(out));
    const f = onlyFinding(out.stdout, tmp);
    assert.equal(f.range.start.line + 1, SEED_LINES.emalloc);
    assert.match(f.message, /4,194,304 bytes in 2 blocks .*php-fpm worker \d+/);
    assert.match(out.stderr, /lines from php-fpm/);
  });

  it('the committed captures (test/fixtures/leak-logs) and SARIF', async () => {
    const dir = path.join(fixturesDir, 'leak-logs');
    const fpm = parseLeakLog(fs.readFileSync(path.join(dir, 'php-fpm-debug.log'), 'utf8'));
    assert.equal(fpm.leaks.length, 2);
    assert.equal(fpm.reportedTotal, 2);
    assert.equal(fpm.fpmLines, 6);
    assert.equal(fpm.leaks[0].pid, 18712);
    const out = await runCliAsync(['import-leak-log', path.join(dir, 'cli-debug.log'), '--root', SEED_DIR, '--format', 'sarif'], tmp);
    assert.equal(out.status, 1, describeCli(out));
    const sarif = JSON.parse(out.stdout);
    const res = sarif.runs[0].results;
    assert.equal(res.length, 1);
    assert.equal(res[0].ruleId, 'runtime-debug-leak');
    assert.equal(res[0].locations[0].physicalLocation.region.startLine, SEED_LINES.emalloc);
    assert.equal(sarif.runs[0].tool.driver.rules[res[0].ruleIndex].id, 'runtime-debug-leak');
  });

  it('relayed locations and lines that are not ours', () => {
    const log = parseLeakLog(
      [
        '/build/php/Zend/zend_string.h(166) :  Freeing 0x00007f0000001000 (32 bytes), script=/srv/a.php',
        '/build/ext/memory.c(31) : Actual location (location was relayed)',
        'Last leak repeated 1 time',
        '/usr/src/php/ext/standard/array.c(12) :  Freeing 0x00007f0000002000 (56 bytes), script=/srv/a.php',
        '=== Total 3 memory leaks detected ===',
      ].join('\n'),
    );
    assert.equal(log.leaks.length, 2);
    assert.deepEqual({ file: log.leaks[0].file, line: log.leaks[0].line, count: log.leaks[0].count }, { file: '/build/ext/memory.c', line: 31, count: 2 });
    assert.deepEqual(log.leaks[0].via, { file: '/build/php/Zend/zend_string.h', line: 166 });
  });
});
