// SARIF 2.1.0 output, validated against the official schema (sarif-2.1.0-rtm.5.json,
// shipped by @microsoft/jest-sarif) with ajv's draft-04 flavour.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { compileSchema, SCHEMA } from '../support/sarif';
import { describeRun, runCli } from '../support/cli';
import { LEAKY, makeTempDir, PROCESS_RULE, readFixture, removeTempDir, REQUEST_RULE, writeFiles } from '../support/fixtures';
import { repoRoot } from '../support/paths';
import { projectUrl, registeredRules, ruleHelpUri } from '../../server/src/engine';

interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}
interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: SarifRegion } }>;
  fixes?: Array<{ description: { text: string }; artifactChanges: Array<{ replacements: Array<{ deletedRegion: SarifRegion; insertedContent: { text: string } }> }> }>;
}
interface SarifLog {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; version: string; rules: Array<{ id: string; help?: { text: string }; helpUri?: string; shortDescription?: { text: string } }> } };
    originalUriBaseIds?: Record<string, { uri: string }>;
    results: SarifResult[];
    invocations?: Array<{ toolExecutionNotifications?: unknown[] }>;
  }>;
}

describe('CLI SARIF output', () => {
  let ws: string;
  let validate: ValidateFunction;

  function sarif(args: string[], expectStatus: number): SarifLog {
    const r = runCli(['scan', ...args, '--format', 'sarif'], ws);
    assert.equal(r.status, expectStatus, describeRun(r));
    let log: SarifLog;
    try {
      log = JSON.parse(r.stdout);
    } catch (e) {
      throw new Error(`SARIF output is not JSON: ${e}\n${r.stdout.slice(0, 2000)}`);
    }
    const ok = validate(log);
    assert.ok(ok, `SARIF does not validate against ${path.basename(SCHEMA)}:\n${JSON.stringify(validate.errors, null, 2).slice(0, 6000)}`);
    return log;
  }

  before(() => {
    validate = compileSchema();
    ws = makeTempDir('php-leak-sarif-');
    writeFiles(ws, {
      [LEAKY.file]: readFixture('ext/leaky.c'),
      'ext/clean.c': readFixture('ext/clean.c'),
      'ext/binary.c': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0]),
    });
  });
  after(() => removeTempDir(ws));

  it('the validator rejects an invalid log (so a pass means something)', () => {
    assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), false);
    assert.equal(validate({ version: '2.0.0', runs: [] }), false);
  });

  it('is valid SARIF 2.1.0 with version, tool name and one run', () => {
    const log = sarif([LEAKY.file], 1);
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    assert.equal(log.runs[0].tool.driver.name, 'php-leak');
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.equal(log.runs[0].tool.driver.version, pkg.version);
  });

  it('tool.driver.rules is the whole rule registry, in its order (static, runtime and budget rules)', () => {
    const log = sarif([LEAKY.file], 1);
    assert.deepEqual(
      log.runs[0].tool.driver.rules.map((r) => r.id),
      registeredRules.map((r) => r.meta.id),
    );
    assert.ok(log.runs[0].tool.driver.rules.some((r) => r.id === 'analysis-budget' && r.helpUri?.endsWith('docs/rules/analysis-budget.md')));
  });

  it('lists the rules in tool.driver.rules with help text and a helpUri to the rule page', () => {
    const log = sarif([LEAKY.file], 1);
    const rules = log.runs[0].tool.driver.rules;
    for (const id of [PROCESS_RULE, REQUEST_RULE]) {
      const rule = rules.find((r) => r.id === id);
      assert.ok(rule, `rule ${id} missing from tool.driver.rules: ${rules.map((r) => r.id).join(', ')}`);
      assert.ok(rule.help && rule.help.text.length > 20, `${id}: help.text`);
      assert.ok(rule.helpUri, `${id}: helpUri`);
      assert.ok(rule.helpUri.endsWith(`docs/rules/${id}.md`), rule.helpUri);
    }
  });

  it('every rule\'s helpUri is an https URL of its docs page in the project repository (not a file: path), beside help.markdown', () => {
    const log = sarif([LEAKY.file], 1);
    for (const rule of log.runs[0].tool.driver.rules as Array<{ id: string; helpUri?: string; help?: { markdown?: string } }>) {
      assert.equal(rule.helpUri, ruleHelpUri(rule.id, projectUrl()), rule.id);
      assert.match(rule.helpUri!, /^https:\/\/[^/]+\/.+\/docs\/rules\/[a-z0-9-]+\.md$/, rule.id);
      assert.ok(fs.existsSync(path.join(repoRoot, 'docs', 'rules', `${rule.id}.md`)), `${rule.id}: the page the URL names exists`);
      assert.ok(rule.help?.markdown && rule.help.markdown.length > 50, `${rule.id}: help.markdown kept`);
    }
  });

  it('gives the process-heap result ruleId, level error, a message and the 1-based region of the malloc call', () => {
    const log = sarif([LEAKY.file], 1);
    const run = log.runs[0];
    const results = run.results.filter((r) => r.ruleId === PROCESS_RULE);
    assert.equal(results.length, 1, JSON.stringify(run.results, null, 1));
    const res = results[0];
    assert.equal(res.level, 'error');
    assert.ok(res.message.text.length > 0);
    assert.equal(run.tool.driver.rules[res.ruleIndex!].id, PROCESS_RULE, 'ruleIndex points at the rule');
    const loc = res.locations[0].physicalLocation;
    assert.deepEqual(loc.artifactLocation, { uri: 'ext/leaky.c', uriBaseId: '%SRCROOT%' });
    // `malloc(2 * 1024 * 1024)` on line 9, columns 14..36: SARIF's endColumn is exclusive.
    assert.deepEqual(loc.region, { startLine: 9, startColumn: 14, endLine: 9, endColumn: 37 });
    assert.equal(run.originalUriBaseIds?.['%SRCROOT%'].uri, pathToFileURL(ws + path.sep).href);
  });

  it('carries the quick fix as a SARIF fix replacing malloc', () => {
    const log = sarif([LEAKY.file], 1);
    const res = log.runs[0].results.find((r) => r.ruleId === PROCESS_RULE)!;
    const fix = res.fixes?.find((f) => f.description.text.startsWith('Switch to the Zend allocator'));
    assert.ok(fix, `fixes: ${JSON.stringify(res.fixes)}`);
    const reps = fix.artifactChanges.flatMap((c) => c.replacements);
    assert.ok(reps.length >= 1);
    assert.ok(reps.every((r) => r.deletedRegion.startLine === 9), JSON.stringify(reps));
    assert.ok(reps.some((r) => r.insertedContent.text.includes('emalloc')), JSON.stringify(reps));
  });

  it('maps information to note, and long-running makes the request-heap result an error', () => {
    const fpm = sarif([LEAKY.file], 1);
    const inFpm = fpm.runs[0].results.filter((r) => r.ruleId === REQUEST_RULE && r.locations[0].physicalLocation.region.startLine === LEAKY.emalloc.line);
    assert.equal(inFpm.length, 1, JSON.stringify(fpm.runs[0].results, null, 1));
    assert.equal(inFpm[0].level, 'note');
    const lr = sarif([LEAKY.file, '--runtime', 'long-running'], 1);
    const inLr = lr.runs[0].results.filter((r) => r.ruleId === REQUEST_RULE && r.locations[0].physicalLocation.region.startLine === LEAKY.emalloc.line);
    assert.equal(inLr.length, 1);
    assert.equal(inLr[0].level, 'error');
  });

  it('is valid with no results, and with a skipped binary file as a tool notification', () => {
    const clean = sarif(['ext/clean.c'], 0);
    assert.deepEqual(clean.runs[0].results, []);
    const bin = sarif(['ext/binary.c'], 0);
    assert.deepEqual(bin.runs[0].results, []);
    assert.equal(bin.runs[0].invocations?.[0].toolExecutionNotifications?.length, 1);
  });

  it('--output writes valid SARIF to the file', () => {
    const r = runCli(['scan', LEAKY.file, '--format', 'sarif', '--output', 'out.sarif'], ws);
    assert.equal(r.status, 1, describeRun(r));
    assert.equal(r.stdout, '');
    const log = JSON.parse(fs.readFileSync(path.join(ws, 'out.sarif'), 'utf8'));
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.ok((log as SarifLog).runs[0].results.some((x) => x.ruleId === PROCESS_RULE));
  });
});
