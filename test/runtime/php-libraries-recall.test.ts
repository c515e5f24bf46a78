// Recall guard on real PHP code: the leaks hand-reviewed as real in Debian's PHP libraries
// (docs/accuracy.md, "PHP code", round 3: every finding reported by default) must still be
// reported, under the long-running profile, by the bundled CLI. The six packages holding
// them are installed with apt-get when missing (as root; otherwise the test fails with the
// command to run). Findings are matched by file and by what the message names, not by
// line, so a Debian point release that moves the code does not break the guard.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRun, runCli } from '../support/cli';
import { repoRoot } from '../support/paths';
import { aptInstall } from './runtime-php';

const PACKAGES = ['php-pear', 'php-monolog', 'php-illuminate-console', 'php-symfony-http-foundation', 'php-symfony-templating', 'php-doctrine-orm'];
const ROOT = '/usr/share/php';
const FOLDERS = ['Illuminate/Console', 'Monolog', 'PEAR', 'Symfony/Component/HttpFoundation', 'Symfony/Component/Templating', 'Doctrine/ORM'];

/** [file under /usr/share/php, rule, text the message contains]: the reviewed real leaks. */
const REAL: Array<[string, string, string]> = [
  ['Illuminate/Console/Scheduling/CallbackEvent.php', 'php-listener-per-request', 'runs on every call of `CallbackEvent::run()`'],
  ['Monolog/Handler/ChromePHPHandler.php', 'php-unbounded-static-growth', 'array_merge() appends'],
  ['Monolog/Handler/ChromePHPHandler.php', 'php-unbounded-static-growth', 'this write appends an entry (in a nested array)'],
  ['PEAR/Frontend.php', 'php-unbounded-static-growth', "`$GLOBALS['_PEAR_Common_tempfiles']`"],
  ['PEAR/PackageFile.php', 'php-unbounded-static-growth', "`$GLOBALS['_PEAR_Common_tempfiles']`"],
  ['Symfony/Component/HttpFoundation/IpUtils.php', 'php-unbounded-static-growth', '`IpUtils::$checkedIps`'],
  ['Symfony/Component/HttpFoundation/Request.php', 'php-unbounded-static-growth', '`Request::$trustedHosts`'],
  ['Symfony/Component/Templating/PhpEngine.php', 'php-unbounded-static-growth', '`PhpEngine::$escaperCache`'],
  // Session 7 (php-self-cycle, reviewed in docs/accuracy.md): the entity manager and its unit of work.
  ['Doctrine/ORM/EntityManager.php', 'php-self-cycle', '`$this->unitOfWork` holds `$this`'],
];
/** IpUtils has two writes (two methods) to the same cache: both are reported. */
const IPUTILS_WRITES = 2;

function installed(p: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensurePackages(): void {
  const missing = PACKAGES.filter((p) => !installed(p));
  if (missing.length) aptInstall(missing, `the PHP library recall guard needs ${missing.join(', ')}`, (s) => console.log(`      ${s}`));
  const still = PACKAGES.filter((p) => !installed(p));
  if (still.length) throw new Error(`still missing after installing them: ${still.join(', ')}`);
}

describe('PHP recall on real code: the reviewed real leaks of Debian\'s PHP libraries are still reported', function () {
  this.timeout(900_000);
  let findings: Array<{ file: string; ruleId: string; severity: string; message: string }> = [];

  before(function () {
    ensurePackages();
    for (const f of FOLDERS) assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} missing under ${ROOT}`);
    const r = runCli(['scan', ...FOLDERS.map((f) => path.join(ROOT, f)), '--runtime', 'long-running', '--format', 'json', '--fail-on', 'never'], repoRoot, 300_000);
    assert.equal(r.status, 0, describeRun(r));
    const report = JSON.parse(r.stdout) as { files: Array<{ path: string; findings: Array<{ ruleId: string; severity: string; message: string }> }> };
    findings = report.files.flatMap((f) => f.findings.map((x) => ({ file: path.relative(ROOT, path.resolve(repoRoot, f.path)).split(path.sep).join('/'), ...x })));
  });

  for (const [file, rule, text] of REAL) {
    it(`${file}: ${text}`, () => {
      const hit = findings.filter((x) => x.file === file && x.ruleId === rule && x.message.includes(text));
      assert.ok(hit.length > 0, `not reported any more; reported:\n${findings.map((x) => `${x.file} ${x.ruleId} ${x.message.slice(0, 120)}`).join('\n')}`);
      assert.ok(hit.every((x) => x.severity === 'warning'), hit.map((x) => x.severity).join(', '));
      if (file.endsWith('IpUtils.php')) assert.equal(hit.length, IPUTILS_WRITES);
    });
  }
});
