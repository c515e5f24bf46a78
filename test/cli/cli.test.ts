// The bundled CLI as a child process: text and JSON output, options and exit codes.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRun, runCli } from '../support/cli';
import { LEAKY, makeTempDir, PROCESS_RULE, readFixture, removeTempDir, REQUEST_RULE, within, writeFiles } from '../support/fixtures';
import { cliJs, repoRoot } from '../support/paths';

const FINDING_LINE = /^(.+):(\d+):(\d+): (error|warning|information|hint): (.+) \[([a-z0-9-]+)\]$/;

interface TextFinding {
  path: string;
  line: number;
  column: number;
  severity: string;
  message: string;
  ruleId: string;
}

function textFindings(stdout: string): TextFinding[] {
  const out: TextFinding[] = [];
  for (const line of stdout.split('\n')) {
    const m = FINDING_LINE.exec(line);
    if (m) out.push({ path: m[1], line: Number(m[2]), column: Number(m[3]), severity: m[4], message: m[5], ruleId: m[6] });
  }
  return out;
}

interface JsonReport {
  version: string;
  files: Array<{
    path: string;
    profile: string;
    findings: Array<{
      ruleId: string;
      severity: string;
      message: string;
      range: { start: { line: number; character: number }; end: { line: number; character: number } };
      fixes: Array<{ title: string; edits: unknown[] }>;
    }>;
  }>;
  skipped: Array<{ path: string; reason: string }>;
}

function parseJson(stdout: string): JsonReport {
  try {
    return JSON.parse(stdout) as JsonReport;
  } catch (e) {
    throw new Error(`stdout is not JSON (${e}):\n${stdout.slice(0, 2000)}`);
  }
}

const NO_STACK = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

describe('CLI (dist/cli.js)', () => {
  let ws: string;

  before(() => {
    ws = makeTempDir('php-leak-cli-');
    writeFiles(ws, {
      [LEAKY.file]: readFixture('ext/leaky.c'),
      'ext/clean.c': readFixture('ext/clean.c'),
      'vendor/acme/leaky.c': readFixture('ext/leaky.c'),
      'README.txt': 'not analysed\n',
    });
  });
  after(() => removeTempDir(ws));

  describe('text format', () => {
    it('prints path:line:col: severity: message [rule-id] with 1-based positions', () => {
      const r = runCli(['scan', LEAKY.file], ws);
      assert.equal(r.status, 1, describeRun(r));
      const findings = textFindings(r.stdout);
      const proc = findings.filter((f) => f.ruleId === PROCESS_RULE);
      assert.equal(proc.length, 1, `one ${PROCESS_RULE} line expected\n${describeRun(r)}`);
      assert.deepEqual(
        { path: proc[0].path, line: proc[0].line, column: proc[0].column, severity: proc[0].severity },
        { path: 'ext/leaky.c', line: LEAKY.malloc.line, column: LEAKY.malloc.column, severity: 'error' },
      );
      assert.ok(proc[0].message.length > 0);
    });

    it('reports the request-heap leaks of leak_emalloc and greet as information under php-fpm, nothing in the clean functions', () => {
      const r = runCli(['scan', LEAKY.file], ws);
      const findings = textFindings(r.stdout);
      const emalloc = findings.filter((f) => f.ruleId === REQUEST_RULE && f.line === LEAKY.emalloc.line);
      assert.equal(emalloc.length, 1, describeRun(r));
      assert.equal(emalloc[0].column, LEAKY.emalloc.column, describeRun(r));
      assert.equal(emalloc[0].severity, 'information');
      const greet = findings.filter((f) => f.ruleId === REQUEST_RULE && within(f.line, LEAKY.greet.firstLine, LEAKY.greet.lastLine));
      assert.ok(greet.length >= 1, `a ${REQUEST_RULE} finding in greet expected\n${describeRun(r)}`);
      assert.ok(
        greet.every((f) => f.line === LEAKY.greet.allocLine || f.line === LEAKY.greet.returnFalseLine),
        `greet's finding should be on the emalloc (line ${LEAKY.greet.allocLine}) or the RETURN_FALSE (line ${LEAKY.greet.returnFalseLine})\n${describeRun(r)}`,
      );
      const inClean = findings.filter(
        (f) => within(f.line, LEAKY.noLeak.firstLine, LEAKY.noLeak.lastLine) || within(f.line, LEAKY.makeGreeting.firstLine, LEAKY.makeGreeting.lastLine),
      );
      assert.deepEqual(inClean, [], describeRun(r));
    });

    it('ends with a summary line and prints only well-formed lines', () => {
      const r = runCli(['scan', LEAKY.file], ws);
      const lines = r.stdout.trimEnd().split('\n');
      const summary = lines.pop()!;
      assert.match(summary, /^1 file scanned, \d+ findings? \(1 error, 0 warning, \d+ information, 0 hint\)$/, describeRun(r));
      for (const line of lines) {
        assert.ok(FINDING_LINE.test(line) || /^.+:\d+:\d+: note: .+$/.test(line), `malformed line: ${JSON.stringify(line)}`);
      }
    });

    it('exits 0 with a clean file and says so', () => {
      const r = runCli(['scan', 'ext/clean.c'], ws);
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout, '1 file scanned, 0 findings (0 error, 0 warning, 0 information, 0 hint)\n');
    });

    it('scans a folder, skipping vendor/ and files of other kinds', () => {
      const r = runCli(['scan', '.'], ws);
      assert.equal(r.status, 1, describeRun(r));
      assert.match(r.stdout, /^2 files scanned, /m, describeRun(r));
      const paths = new Set(textFindings(r.stdout).map((f) => f.path));
      assert.deepEqual([...paths], ['ext/leaky.c'], describeRun(r));
    });
  });

  describe('JSON format', () => {
    it('has version, files with path, profile and findings (0-based ranges, fixes), and skipped', () => {
      const r = runCli(['scan', LEAKY.file, '--format', 'json'], ws);
      assert.equal(r.status, 1, describeRun(r));
      const report = parseJson(r.stdout);
      const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
      assert.equal(report.version, pkg.version);
      assert.deepEqual(report.skipped, []);
      assert.equal(report.files.length, 1);
      assert.equal(report.files[0].path, 'ext/leaky.c');
      assert.equal(report.files[0].profile, 'fpm');
      const proc = report.files[0].findings.filter((f) => f.ruleId === PROCESS_RULE);
      assert.equal(proc.length, 1, r.stdout);
      assert.equal(proc[0].severity, 'error');
      assert.deepEqual(proc[0].range, LEAKY.malloc.range);
      assert.ok(typeof proc[0].message === 'string' && proc[0].message.length > 0);
      assert.ok(
        proc[0].fixes.some((x) => x.title.startsWith('Switch to the Zend allocator')),
        `fix titles: ${JSON.stringify(proc[0].fixes.map((x) => x.title))}`,
      );
    });
  });

  describe('options', () => {
    it('--fail-on never exits 0 although an error finding exists', () => {
      const r = runCli(['scan', LEAKY.file, '--fail-on', 'never'], ws);
      assert.equal(r.status, 0, describeRun(r));
      assert.ok(textFindings(r.stdout).some((f) => f.ruleId === PROCESS_RULE && f.severity === 'error'), describeRun(r));
    });

    it('--fail-on warning exits 1 with an error finding', () => {
      const r = runCli(['scan', LEAKY.file, '--fail-on', 'warning'], ws);
      assert.equal(r.status, 1, describeRun(r));
    });

    it('--runtime long-running makes the request-heap leak an error', () => {
      const r = runCli(['scan', LEAKY.file, '--runtime', 'long-running', '--format', 'json'], ws);
      assert.equal(r.status, 1, describeRun(r));
      const report = parseJson(r.stdout);
      assert.equal(report.files[0].profile, 'long-running');
      const emalloc = report.files[0].findings.filter((f) => f.ruleId === REQUEST_RULE && f.range.start.line === LEAKY.emalloc.line - 1);
      assert.equal(emalloc.length, 1, r.stdout);
      assert.equal(emalloc[0].severity, 'error');
    });

    it('--runtime fpm keeps it information', () => {
      const r = runCli(['scan', LEAKY.file, '--runtime', 'fpm', '--format', 'json'], ws);
      const report = parseJson(r.stdout);
      const emalloc = report.files[0].findings.filter((f) => f.ruleId === REQUEST_RULE && f.range.start.line === LEAKY.emalloc.line - 1);
      assert.equal(emalloc.length, 1, r.stdout);
      assert.equal(emalloc[0].severity, 'information');
    });

    it('--rule c-process-heap-leak=off removes the finding (and with it the failure)', () => {
      const r = runCli(['scan', LEAKY.file, '--rule', `${PROCESS_RULE}=off`], ws);
      assert.equal(r.status, 0, describeRun(r));
      const findings = textFindings(r.stdout);
      assert.ok(!findings.some((f) => f.ruleId === PROCESS_RULE), describeRun(r));
      assert.ok(findings.some((f) => f.ruleId === REQUEST_RULE), `the other rule still runs\n${describeRun(r)}`);
    });

    it('--rule c-request-heap-leak=warning changes its severity', () => {
      const r = runCli(['scan', LEAKY.file, '--rule', `${REQUEST_RULE}=warning`], ws);
      const emalloc = textFindings(r.stdout).filter((f) => f.ruleId === REQUEST_RULE && f.line === LEAKY.emalloc.line);
      assert.equal(emalloc.length, 1, describeRun(r));
      assert.equal(emalloc[0].severity, 'warning');
    });

    it('--rule takes the runtime and budget rules of the registry too (analysis-budget=off, runtime-debug-leak=off)', () => {
      const r = runCli(['scan', LEAKY.file, '--rule', 'analysis-budget=off', '--rule', 'runtime-debug-leak=off', '--rule', 'runtime-valgrind-leak=hint'], ws);
      assert.equal(r.status, 1, describeRun(r));
      assert.ok(textFindings(r.stdout).some((f) => f.ruleId === PROCESS_RULE), describeRun(r));
    });

    it('--output FILE writes the report to the file, not to standard output', () => {
      const out = path.join(ws, 'reports', 'report.json');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const r = runCli(['scan', LEAKY.file, '--format', 'json', '--output', 'reports/report.json'], ws);
      assert.equal(r.status, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.ok(fs.existsSync(out), 'report file written');
      const report = JSON.parse(fs.readFileSync(out, 'utf8')) as JsonReport;
      assert.ok(report.files[0].findings.some((f) => f.ruleId === PROCESS_RULE));
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    });

    it('--list-rules lists both C rules; --version prints the version; --help exits 0', () => {
      const list = runCli(['--list-rules'], ws);
      assert.equal(list.status, 0, describeRun(list));
      const ids = list.stdout.trim().split('\n').map((l) => l.split('\t')[0]);
      assert.ok(ids.includes(PROCESS_RULE) && ids.includes(REQUEST_RULE), list.stdout);
      const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
      const v = runCli(['--version'], ws);
      assert.equal(v.status, 0);
      assert.equal(v.stdout.trim(), pkg.version);
      const h = runCli(['--help'], ws);
      assert.equal(h.status, 0);
      assert.match(h.stdout, /^Usage: php-leak <command>/);
      assert.match(h.stdout, /^ {2}scan {2}/m);
      const sh = runCli(['scan', '--help'], ws);
      assert.equal(sh.status, 0);
      assert.match(sh.stdout, /^Usage: php-leak scan/);
    });
  });

  describe('bad usage exits 2 with a short message', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['an unknown option', ['scan', '.', '--bogus'], /bogus/],
      ['a bad --format value', ['scan', '.', '--format', 'xml'], /--format must be one of text, json, sarif/],
      ['a bad --runtime value', ['scan', '.', '--runtime', 'swoole'], /--runtime/],
      ['a bad --fail-on value', ['scan', '.', '--fail-on', 'sometimes'], /--fail-on/],
      ['an unknown rule', ['scan', '.', '--rule', 'no-such-rule=error'], /^php-leak: --rule: unknown rule "no-such-rule"/],
      ['a bad rule severity', ['scan', '.', '--rule', `${PROCESS_RULE}=loud`], new RegExp(`^php-leak: --rule ${PROCESS_RULE}: unknown severity "loud" \\(one of error, warning, information, hint, off\\)`)],
      ['a --rule without a severity', ['scan', '.', '--rule', PROCESS_RULE], /^php-leak: --rule expects ID=SEVERITY.*got "c-process-heap-leak"/],
      ['an unknown command', ['scna', '.'], /unknown command "scna"/],
      ['a missing command', [], /missing command/],
    ];
    for (const [what, args, message] of cases) {
      it(`for ${what}`, () => {
        const r = runCli(args, ws);
        assert.equal(r.status, 2, describeRun(r));
        assert.equal(r.stdout, '', describeRun(r));
        assert.match(r.stderr, /^php-leak: /, describeRun(r));
        assert.match(r.stderr.split('\n')[0], message, describeRun(r));
        assert.doesNotMatch(r.stderr, NO_STACK, describeRun(r));
        // Exit 2 means the value was refused: the message must not claim it was ignored or defaulted.
        assert.doesNotMatch(r.stderr, /ignored|default used|defaults used/, describeRun(r));
      });
    }

    it('for a path that does not exist: one line naming it, no stack trace', () => {
      const r = runCli(['scan', 'does-not-exist.c'], ws);
      assert.equal(r.status, 2, describeRun(r));
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, NO_STACK, describeRun(r));
      // The message itself is one line; a "Run 'php-leak --help'" hint may follow it.
      const messageLines = r.stderr.trimEnd().split('\n').filter((l) => !/--help/.test(l));
      assert.equal(messageLines.length, 1, describeRun(r));
      assert.match(messageLines[0], /^php-leak: .*does-not-exist\.c/);
    });
  });

  describe('output order', () => {
    // Names chosen so that listing order (per folder, either direction) differs from path order.
    const names = ['order/b.c', 'order/a/z.c', 'order/c.c', 'order/a.c', 'order/B.c'];
    const expected = [...names].sort((x, y) => (x < y ? -1 : 1));
    before(() => writeFiles(ws, Object.fromEntries(names.map((n) => [n, readFixture('ext/leaky.c')]))));

    it('text, JSON and SARIF list files in ascending path order, the same on every run', () => {
      const text = runCli(['scan', 'order', '--fail-on', 'never'], ws);
      assert.equal(text.status, 0, describeRun(text));
      const textPaths = [...new Set(textFindings(text.stdout).map((f) => f.path))];
      assert.deepEqual(textPaths, expected, describeRun(text));

      const json = runCli(['scan', 'order', '--format', 'json', '--fail-on', 'never'], ws);
      assert.deepEqual(parseJson(json.stdout).files.map((f) => f.path), expected);

      const sarif = runCli(['scan', 'order', '--format', 'sarif', '--fail-on', 'never'], ws);
      const results = (JSON.parse(sarif.stdout) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> }).runs[0].results;
      assert.deepEqual([...new Set(results.map((r) => r.locations[0].physicalLocation.artifactLocation.uri))], expected);

      // A file's findings by position.
      const lines = textFindings(text.stdout).filter((f) => f.path === expected[0]).map((f) => f.line);
      assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
      assert.equal(runCli(['scan', 'order', '--fail-on', 'never'], ws).stdout, text.stdout, 'deterministic');
    });
  });

  describe('a reader that closes the pipe early', () => {
    it('scan --format sarif | head -1: head gets the first line, php-leak exits with the scan\'s code and no stack trace', async () => {
      // Two processes joined by a pipe, no shell: php-leak's stdout is head's stdin.
      const cli = spawn(process.execPath, [cliJs, 'scan', '.', '--format', 'sarif', '--fail-on', 'never'], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      const head = spawn('head', ['-1'], { stdio: [cli.stdout, 'pipe', 'pipe'] });
      // head holds the read end now; this process must not, or the pipe never breaks.
      cli.stdout.destroy();
      const watchdog = setTimeout(() => {
        cli.kill('SIGKILL');
        head.kill('SIGKILL');
      }, 40_000);
      let stderr = '';
      let headOut = '';
      cli.stderr.on('data', (d) => (stderr += d));
      head.stdout.on('data', (d) => (headOut += d));
      const [cliCode, headCode] = await Promise.all([
        new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code))),
        new Promise<number | null>((resolve) => head.on('close', (code) => resolve(code))),
      ]);
      clearTimeout(watchdog);
      assert.equal(headCode, 0);
      assert.equal(headOut, '{\n');
      assert.equal(stderr, '', 'nothing on stderr');
      assert.doesNotMatch(stderr, NO_STACK);
      assert.equal(cliCode, 0, stderr);
    });
  });

  describe('odd inputs do not crash it', () => {
    it('a binary file named .c exits 0 or 1 and is reported as skipped', () => {
      const bytes = new Uint8Array(4096);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256; // includes NUL bytes
      writeFiles(ws, { 'odd/binary.c': bytes });
      const r = runCli(['scan', 'odd/binary.c', '--format', 'json'], ws);
      assert.ok(r.status === 0 || r.status === 1, describeRun(r));
      assert.doesNotMatch(r.stderr, /internal error/, describeRun(r));
      const report = parseJson(r.stdout);
      assert.deepEqual(report.files.flatMap((f) => f.findings), []);
      assert.deepEqual(report.skipped.map((s) => s.path), ['odd/binary.c']);
    });

    it('an invalid-UTF-8 file is decoded with replacement characters and still analysed', () => {
      const head = Buffer.from('/* bad bytes: ');
      const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);
      const rest = Buffer.from(' */\n#include "php.h"\n\nPHP_FUNCTION(f)\n{\n\tchar *p = malloc(10);\n\tp[0] = 0;\n\tRETURN_TRUE;\n}\n');
      writeFiles(ws, { 'odd/latin.c': Buffer.concat([head, bad, rest]) });
      const r = runCli(['scan', 'odd/latin.c'], ws);
      assert.ok(r.status === 0 || r.status === 1, describeRun(r));
      assert.doesNotMatch(r.stderr, /internal error/, describeRun(r));
      // `\tchar *p = malloc(10);` is line 6; malloc starts at column 12.
      const proc = textFindings(r.stdout).filter((f) => f.ruleId === PROCESS_RULE);
      assert.deepEqual(proc.map((f) => [f.line, f.column]), [[6, 12]], describeRun(r));
      assert.equal(r.status, 1);
    });
  });
});
