// php-leak import-leak-log as a child process, on the committed debug-build capture
// (test/fixtures/leak-logs, no PHP needed): --runtime decides the severity as it does for
// php-leak scan (warning under php-fpm, error in a long-running runtime; auto = detected).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describeRun, runCli } from '../support/cli';
import { makeTempDir, readFixture, removeTempDir, writeFiles } from '../support/fixtures';
import { projectUrl, registeredRules, ruleHelpUri } from '../../server/src/engine';

interface JsonReport {
  files: Array<{ path: string; findings: Array<{ ruleId: string; severity: string; range: { start: { line: number } } }> }>;
}

/** memory.c(31) in the capture: the emalloc line of the seed extension. */
const EMALLOC_LINE = 31;

describe('CLI: php-leak import-leak-log --runtime', () => {
  let ws: string;
  let swoole: string;

  before(() => {
    ws = makeTempDir('php-leak-cli-leaklog-');
    writeFiles(ws, {
      'ext/memory.c': readFixture('seed-ext/memory.c'),
      'leaks.log': readFixture('leak-logs/cli-debug.log'),
      'fpm.log': readFixture('leak-logs/php-fpm-debug.log'),
    });
    // The same extension inside a Swoole project: auto detects long-running.
    swoole = path.join(ws, 'swoole-app');
    writeFiles(swoole, {
      'composer.json': JSON.stringify({ require: { 'swoole/ide-helper': '^5' } }),
      'ext/memory.c': readFixture('seed-ext/memory.c'),
    });
  });
  after(() => removeTempDir(ws));

  function severities(args: string[], root = 'ext'): { severities: string[]; stderr: string } {
    const r = runCli(['import-leak-log', 'leaks.log', '--root', root, '--format', 'json', ...args], ws);
    assert.equal(r.status, 1, describeRun(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    const findings = report.files.flatMap((f) => f.findings);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.range.start.line + 1]),
      [['runtime-debug-leak', EMALLOC_LINE]],
      describeRun(r),
    );
    return { severities: findings.map((f) => f.severity), stderr: r.stderr };
  }

  it('without --runtime (auto) and nothing long-running in the workspace: a warning, and stderr says why', () => {
    const r = severities([]);
    assert.deepEqual(r.severities, ['warning']);
    assert.match(r.stderr, /runtime profile php-fpm \(.*php-fpm assumed\)/);
  });

  it('--runtime fpm: a warning', () => {
    const r = severities(['--runtime', 'fpm']);
    assert.deepEqual(r.severities, ['warning']);
    assert.match(r.stderr, /runtime profile php-fpm \(--runtime\)/);
  });

  it('--runtime long-running: an error (text, JSON and SARIF)', () => {
    assert.deepEqual(severities(['--runtime', 'long-running']).severities, ['error']);
    const text = runCli(['import-leak-log', 'leaks.log', '--root', 'ext', '--runtime', 'long-running'], ws);
    assert.match(text.stdout, new RegExp(`^ext/memory\\.c:${EMALLOC_LINE}:\\d+: error: debug build: `, 'm'), describeRun(text));
    const sarif = runCli(['import-leak-log', 'leaks.log', '--root', 'ext', '--runtime', 'long-running', '--format', 'sarif'], ws);
    assert.equal(sarif.status, 1, describeRun(sarif));
    assert.deepEqual(
      JSON.parse(sarif.stdout).runs[0].results.map((x: { level: string }) => x.level),
      ['error'],
    );
    // The runtime report lists the same registry as php-leak scan, so ruleIndex is the same across reports.
    const run = JSON.parse(sarif.stdout).runs[0];
    assert.deepEqual(run.tool.driver.rules.map((x: { id: string }) => x.id), registeredRules.map((x) => x.meta.id));
    assert.equal(run.tool.driver.rules[run.results[0].ruleIndex].id, 'runtime-debug-leak');
    // The rule pages are https URLs in the project repository, as in php-leak scan's SARIF.
    const debugRule = run.tool.driver.rules.find((x: { id: string }) => x.id === 'runtime-debug-leak');
    assert.equal(debugRule.helpUri, ruleHelpUri('runtime-debug-leak', projectUrl()));
    assert.match(debugRule.helpUri, /^https:\/\/.*\/docs\/rules\/runtime-debug-leak\.md$/);
    assert.ok(debugRule.help.markdown.length > 50, 'help.markdown kept');
  });

  it('auto in a project whose composer.json requires Swoole: an error, as php-leak scan would decide', () => {
    const r = severities([], path.join('swoole-app', 'ext'));
    // --root is the extension folder: the composer.json above it is not in the workspace.
    assert.deepEqual(r.severities, ['warning']);
    const app = severities([], 'swoole-app');
    assert.deepEqual(app.severities, ['error']);
    assert.match(app.stderr, /runtime profile long-running \(Swoole \(`composer\.json` requires swoole\/ide-helper\)\)/);
    const scan = runCli(['scan', 'swoole-app', '--format', 'json'], ws);
    assert.deepEqual((JSON.parse(scan.stdout) as { files: Array<{ path: string; profile: string }> }).files.filter((f) => f.path.endsWith('memory.c')).map((f) => f.profile), ['long-running'], describeRun(scan));
    assert.deepEqual(severities(['--runtime', 'fpm'], 'swoole-app').severities, ['warning'], '--runtime wins over the detection');
  });

  it('a php-fpm error log with --runtime long-running: an error too', () => {
    const r = runCli(['import-leak-log', 'fpm.log', '--root', 'ext', '--runtime', 'long-running', '--format', 'json'], ws);
    assert.equal(r.status, 1, describeRun(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.files.flatMap((f) => f.findings.map((x) => x.severity)), ['error'], describeRun(r));
    // The JSON report names the profile that decided the severity.
    assert.deepEqual((JSON.parse(r.stdout) as { files: Array<{ profile: string }> }).files.map((f) => f.profile), ['long-running']);
  });

  it('a bad --runtime value exits 2 with the same message as php-leak scan', () => {
    const r = runCli(['import-leak-log', 'leaks.log', '--root', 'ext', '--runtime', 'swoole'], ws);
    assert.equal(r.status, 2, describeRun(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr.split('\n')[0], /^php-leak: --runtime must be one of auto, fpm, long-running \(got "swoole"\)$/);
    const scan = runCli(['scan', 'ext', '--runtime', 'swoole'], ws);
    assert.equal(scan.stderr.split('\n')[0], r.stderr.split('\n')[0]);
  });

  it('--help documents --runtime with the text of php-leak scan', () => {
    const h = runCli(['import-leak-log', '--help'], ws);
    assert.equal(h.status, 0, describeRun(h));
    assert.match(h.stdout, /--runtime auto\|fpm\|long-running\s+runtime profile \(default: auto, from composer\.json\)/);
    const scan = runCli(['scan', '--help'], ws);
    assert.match(scan.stdout, /--runtime auto\|fpm\|long-running\s+runtime profile \(default: auto, from composer\.json\)/);
  });
});
