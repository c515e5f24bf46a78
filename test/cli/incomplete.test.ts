// Failures are results: a rule that throws (PHP_LEAK_TEST_THROW_RULE) or a scan worker that
// dies (PHP_LEAK_TEST_KILL_WORKER) is a per-file failure in JSON (`complete: false`), in SARIF
// (`executionSuccessful: false`, an error notification at the file), a line on stderr, and
// exit code 3 unless --allow-incomplete.
import * as assert from 'node:assert/strict';
import type { ValidateFunction } from 'ajv';
import { describeRun, runCli } from '../support/cli';
import { LEAKY, makeTempDir, PROCESS_RULE, readFixture, removeTempDir, REQUEST_RULE, writeFiles } from '../support/fixtures';
import { compileSchema } from '../support/sarif';

interface JsonReport {
  complete: boolean;
  files: Array<{ path: string; findings: Array<{ ruleId: string }> }>;
  skipped: Array<{ path: string; reason: string }>;
  failures: Array<{ path: string; ruleId?: string; message: string }>;
}

interface Notification {
  level: string;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }>;
  associatedRule?: { id: string; index?: number };
}

interface SarifLike {
  runs: Array<{ invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Notification[] }> }>;
}

describe('CLI: failures are results (exit 3, JSON complete:false, SARIF executionSuccessful:false)', function () {
  this.timeout(60_000);
  let ws: string;
  let validate: ValidateFunction;
  before(() => {
    validate = compileSchema();
    ws = makeTempDir('php-leak-incomplete-');
    const files: Record<string, string> = { [LEAKY.file]: readFixture('ext/leaky.c') };
    // Enough files for the worker pool (the CLI analyses fewer than 16 in its own thread).
    for (let i = 0; i < 20; i++) files[`ext/f${String(i).padStart(2, '0')}.c`] = `int f${i}(void) { return ${i}; }\n`;
    writeFiles(ws, files);
  });
  after(() => removeTempDir(ws));

  const throwEnv = { PHP_LEAK_TEST_THROW_RULE: PROCESS_RULE };

  it('a rule that throws: exit 3, JSON complete:false with the failure, a stderr line', () => {
    const r = runCli(['scan', LEAKY.file, '--format', 'json'], ws, 30_000, throwEnv);
    assert.equal(r.status, 3, describeRun(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.complete, false);
    assert.equal(report.failures.length, 1, describeRun(r));
    assert.deepEqual({ path: report.failures[0].path, ruleId: report.failures[0].ruleId }, { path: LEAKY.file, ruleId: PROCESS_RULE });
    assert.match(report.failures[0].message, /PHP_LEAK_TEST_THROW_RULE/);
    // The other rules still report.
    assert.ok(report.files[0].findings.length > 0);
    assert.ok(!report.files[0].findings.some((f) => f.ruleId === PROCESS_RULE));
    assert.match(r.stderr, new RegExp(`rule ${PROCESS_RULE} failed on ext/leaky\\.c: `));
    assert.match(r.stderr, /analysis incomplete: 1 failure in 1 file \(exit 3/);
  });

  it('--allow-incomplete: exit by the findings again (1 here), the report still says incomplete', () => {
    // The request-heap rule throws; the process-heap rule's error finding decides the exit code.
    const r = runCli(['scan', LEAKY.file, '--format', 'json', '--allow-incomplete'], ws, 30_000, { PHP_LEAK_TEST_THROW_RULE: REQUEST_RULE });
    assert.equal(r.status, 1, describeRun(r));
    assert.equal((JSON.parse(r.stdout) as JsonReport).complete, false);
    const never = runCli(['scan', LEAKY.file, '--format', 'json', '--fail-on', 'never', '--allow-incomplete'], ws, 30_000, throwEnv);
    assert.equal(never.status, 0, describeRun(never));
    // Without the flag, --fail-on never does not hide an incomplete analysis.
    assert.equal(runCli(['scan', LEAKY.file, '--format', 'json', '--fail-on', 'never'], ws, 30_000, throwEnv).status, 3);
  });

  it('a complete run: complete:true, no failures, exit by the findings', () => {
    const r = runCli(['scan', LEAKY.file, '--format', 'json'], ws);
    assert.equal(r.status, 1, describeRun(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.complete, true);
    assert.deepEqual(report.failures, []);
  });

  it('SARIF: executionSuccessful false, an error notification at the file naming the rule; valid against the schema', () => {
    const r = runCli(['scan', LEAKY.file, '--format', 'sarif'], ws, 30_000, throwEnv);
    assert.equal(r.status, 3, describeRun(r));
    const log = JSON.parse(r.stdout) as SarifLike;
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2).slice(0, 4000));
    const inv = log.runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, false);
    const errors = inv.toolExecutionNotifications.filter((n) => n.level === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].locations[0].physicalLocation.artifactLocation.uri, LEAKY.file);
    assert.equal(errors[0].associatedRule?.id, PROCESS_RULE);
    assert.match(errors[0].message.text, new RegExp(`rule ${PROCESS_RULE} failed: .*PHP_LEAK_TEST_THROW_RULE`));
    const ok = JSON.parse(runCli(['scan', LEAKY.file, '--format', 'sarif', '--fail-on', 'never'], ws).stdout) as SarifLike;
    assert.equal(ok.runs[0].invocations[0].executionSuccessful, true);
  });

  it('a scan worker that dies: the file is a failure (not a skip), exit 3, SARIF says so', () => {
    const env = { PHP_LEAK_TEST_KILL_WORKER: 'f07.c' };
    const r = runCli(['scan', 'ext', '--format', 'json', '--jobs', '2'], ws, 60_000, env);
    assert.equal(r.status, 3, describeRun(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.complete, false);
    assert.deepEqual(
      report.failures.map((f) => [f.path, f.ruleId]),
      [['ext/f07.c', undefined]],
    );
    assert.match(report.failures[0].message, /analysis worker stopped \(exit code 70\)/);
    assert.ok(!report.skipped.some((s) => s.path.endsWith('f07.c')), 'not reported as a skip');
    // Every other file was analysed (a new worker took over).
    assert.equal(report.files.length, 20, describeRun(r));
    assert.match(r.stderr, /analysis failed on ext\/f07\.c: analysis worker stopped/);

    const s = runCli(['scan', 'ext', '--format', 'sarif', '--jobs', '2'], ws, 60_000, env);
    assert.equal(s.status, 3, describeRun(s));
    const log = JSON.parse(s.stdout) as SarifLike;
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2).slice(0, 4000));
    const inv = log.runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, false);
    const errors = inv.toolExecutionNotifications.filter((n) => n.level === 'error');
    assert.deepEqual(
      errors.map((n) => n.locations[0].physicalLocation.artifactLocation.uri),
      ['ext/f07.c'],
    );
    assert.match(errors[0].message.text, /^analysis failed: analysis worker stopped/);
    assert.equal(runCli(['scan', 'ext', '--format', 'json', '--jobs', '2', '--allow-incomplete'], ws, 60_000, env).status, 1);
  });
});
