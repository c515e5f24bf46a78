// Accuracy run of the PHP-code rules on real library code: Debian's PHP
// library packages (Laravel's illuminate/*, a Symfony subset, Doctrine, AMPHP,
// Guzzle; files under /usr/share/php), scanned with the bundled CLI under the
// long-running profile. Prints per-rule finding counts, a fixed-seed sample of
// all findings, and the claimed leaks (warnings and errors: every one when there
// are at most --sample, else a fixed-seed sample of them) for the hand review in
// docs/accuracy.md ("PHP code"). The corpus has no request entry point, so
// findings without evidence of per-request growth are information only.
//
//   npm run accuracy:php                      (build, install what is missing, scan)
//   node scripts/accuracy-php.mjs [--no-install] [--sample N] [--seed S] [--root DIR]
//
// Installing needs Debian with apt and root; nothing is written to the repo. The
// raw report and the sample go to ${PHP_LEAK_CACHE:-~/.cache/php-leak-diagnostics}/php-accuracy/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(process.env.PHP_LEAK_CACHE || join(homedir(), '.cache', 'php-leak-diagnostics'), 'php-accuracy');
const { values: opts } = parseArgs({
  options: {
    'no-install': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    sample: { type: 'string', default: '40' },
    seed: { type: 'string', default: '20240601' },
    root: { type: 'string', default: '/usr/share/php' },
  },
});
const log = (s) => process.stderr.write(`accuracy:php: ${s}\n`);

/** The library packages: every php-illuminate-* Debian has, and fixed subsets of the rest. */
const FIXED = [
  'php-symfony-http-kernel', 'php-symfony-http-foundation', 'php-symfony-event-dispatcher', 'php-symfony-cache',
  'php-symfony-routing', 'php-symfony-dependency-injection', 'php-symfony-serializer', 'php-symfony-validator',
  'php-symfony-console', 'php-symfony-translation', 'php-symfony-messenger', 'php-symfony-var-dumper',
  'php-doctrine-dbal', 'php-doctrine-orm', 'php-doctrine-persistence', 'php-doctrine-event-manager',
  'php-doctrine-collections', 'php-doctrine-annotations', 'php-doctrine-inflector',
  'php-amphp-amp', 'php-guzzlehttp-guzzle', 'php-guzzlehttp-promises', 'php-guzzlehttp-psr7',
];

function available(pkgs) {
  const out = [];
  for (const p of pkgs) {
    const r = spawnSync('apt-cache', ['policy', p], { encoding: 'utf8' });
    if (r.status === 0 && /Candidate: (?!\(none\))/.test(r.stdout)) out.push(p);
  }
  return out;
}

function installed(p) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensurePackages() {
  const illuminate = spawnSync('apt-cache', ['search', '--names-only', '^php-illuminate-'], { encoding: 'utf8' }).stdout
    .split('\n').map((l) => l.split(' ')[0]).filter(Boolean).sort();
  const wanted = [...illuminate, ...available(FIXED)];
  const missing = wanted.filter((p) => !installed(p));
  if (missing.length === 0) return wanted;
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (opts['no-install']) throw new Error(`missing packages (run: ${cmd})`);
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error(`missing packages: run \`sudo ${cmd}\``);
  log(`installing ${missing.length} packages`);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return wanted;
}

/** Small deterministic PRNG (mulberry32) for the review sample. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pkgs = ensurePackages();
if (!opts['no-build']) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
mkdirSync(cache, { recursive: true });
const t0 = Date.now();
const scan = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'scan', opts.root, '--runtime', 'long-running', '--format', 'json', '--fail-on', 'never'], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
if (scan.status !== 0) throw new Error(`scan failed (${scan.status}): ${scan.stderr.slice(0, 2000)}`);
const secs = ((Date.now() - t0) / 1000).toFixed(0);
writeFileSync(join(cache, 'report.json'), scan.stdout);
const report = JSON.parse(scan.stdout);
const files = report.files.length;
const counts = {};
const bySeverity = {};
const all = [];
for (const f of report.files) {
  for (const x of f.findings) {
    if (!x.ruleId.startsWith('php-')) continue;
    counts[x.ruleId] = (counts[x.ruleId] ?? 0) + 1;
    bySeverity[`${x.ruleId} ${x.severity}`] = (bySeverity[`${x.ruleId} ${x.severity}`] ?? 0) + 1;
    all.push({ file: relative(opts.root, f.path), line: x.range.start.line + 1, ruleId: x.ruleId, severity: x.severity, message: x.message });
  }
}
function draw(from) {
  const rand = rng(Number(opts.seed));
  const pool = [...from];
  const out = [];
  while (pool.length && out.length < Number(opts.sample)) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
const sample = draw(all);
const claimed = draw(all.filter((x) => x.severity === 'warning' || x.severity === 'error'));
writeFileSync(join(cache, 'sample.json'), JSON.stringify(sample, null, 2));
writeFileSync(join(cache, 'claimed.json'), JSON.stringify(claimed, null, 2));

console.log(`PHP code accuracy run: ${opts.root} (${pkgs.length} Debian packages), ${files} files with findings or scanned, ${secs} s`);
console.log('\n| rule | findings |\n|---|---|');
for (const [id, n] of Object.entries(counts).sort()) console.log(`| \`${id}\` | ${n} |`);
console.log(`| total | ${all.length} |`);
console.log('\n| rule, severity | findings |\n|---|---|');
for (const [k, n] of Object.entries(bySeverity).sort()) console.log(`| ${k} | ${n} |`);
console.log(`\nsample (seed ${opts.seed}, ${sample.length} of ${all.length}):`);
sample.forEach((s, i) => console.log(`${i + 1}. ${s.file}:${s.line} ${s.ruleId} ${s.severity} — ${s.message.slice(0, 220)}`));
const nClaimed = all.filter((x) => x.severity === 'warning' || x.severity === 'error').length;
console.log(`\nclaimed leaks (warnings and errors; ${claimed.length === nClaimed ? 'all' : `seed ${opts.seed}, ${claimed.length} of`} ${nClaimed}):`);
claimed.forEach((s, i) => console.log(`${i + 1}. ${s.file}:${s.line} ${s.ruleId} ${s.severity} — ${s.message.slice(0, 220)}`));
console.log(`\nraw report: ${join(cache, 'report.json')}`);
