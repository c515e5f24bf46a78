// Accuracy run of the PHP-code rules on real library code: every Debian package
// of Laravel's illuminate/*, Symfony, Doctrine, AMPHP and Guzzle (the globs of the
// issue: php-illuminate-*, php-symfony-*, php-doctrine-*, php-amphp-*,
// php-guzzlehttp-*), plus what they depend on (Monolog, Swift Mailer, PEAR, …),
// all under /usr/share/php, scanned with the bundled CLI under the long-running
// profile. Prints per-rule counts, **every finding reported by default** (the
// claimed leaks: what a user sees), and a fixed-seed sample of what the
// off-by-default php-unproven-static-growth would add, for the hand review in
// docs/accuracy.md ("PHP code").
//
//   npm run accuracy:php                      (build, install what is missing, scan)
//   node scripts/accuracy-php.mjs [--no-install] [--sample N] [--seed S] [--root DIR]
//
// Installing needs Debian with apt and root; nothing is written to the repo. The
// raw report and the lists go to ${PHP_LEAK_CACHE:-~/.cache/php-leak-diagnostics}/php-accuracy/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rng } from './prng.mjs';

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

/** The library packages: every Debian package matching the globs. */
const GLOB = '^php-(illuminate|symfony|doctrine|amphp|guzzlehttp)-';

function installed(p) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensurePackages() {
  const wanted = spawnSync('apt-cache', ['search', '--names-only', GLOB], { encoding: 'utf8' }).stdout
    .split('\n').map((l) => l.split(' ')[0]).filter(Boolean).sort();
  if (wanted.length === 0) throw new Error(`apt-cache finds no package matching ${GLOB} (run \`apt-get update\` first)`);
  const missing = wanted.filter((p) => !installed(p));
  if (missing.length === 0) return wanted;
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (opts['no-install']) throw new Error(`missing packages (run: ${cmd})`);
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error(`missing packages: run \`sudo ${cmd}\``);
  log(`installing ${missing.length} packages`);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return wanted;
}

const pkgs = ensurePackages();
if (!opts['no-build']) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
mkdirSync(cache, { recursive: true });
const UNPROVEN = 'php-unproven-static-growth';
const t0 = Date.now();
// The off-by-default rule is turned on so that one scan gives both lists.
const scan = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'scan', opts.root, '--runtime', 'long-running', '--format', 'json', '--fail-on', 'never', '--rule', `${UNPROVEN}=information`], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
if (scan.status !== 0) throw new Error(`scan failed (${scan.status}): ${scan.stderr.slice(0, 2000)}`);
const secs = ((Date.now() - t0) / 1000).toFixed(0);
writeFileSync(join(cache, 'report.json'), scan.stdout);
const report = JSON.parse(scan.stdout);
const files = report.files.length;
const counts = {};
const all = [];
for (const f of report.files) {
  for (const x of f.findings) {
    if (!x.ruleId.startsWith('php-')) continue;
    const k = `${x.ruleId} ${x.severity}`;
    counts[k] = (counts[k] ?? 0) + 1;
    all.push({ file: relative(opts.root, f.path), line: x.range.start.line + 1, ruleId: x.ruleId, severity: x.severity, message: x.message });
  }
}
const byPlace = (a, b) => a.file.localeCompare(b.file) || a.line - b.line;
function draw(from) {
  const rand = rng(Number(opts.seed));
  const pool = [...from].sort(byPlace);
  const out = [];
  while (pool.length && out.length < Number(opts.sample)) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out.sort(byPlace);
}
const reported = all.filter((x) => x.ruleId !== UNPROVEN).sort(byPlace);
const unproven = all.filter((x) => x.ruleId === UNPROVEN);
const sample = draw(unproven);
writeFileSync(join(cache, 'reported.json'), JSON.stringify(reported, null, 2));
writeFileSync(join(cache, 'unproven-sample.json'), JSON.stringify(sample, null, 2));

console.log(`PHP code accuracy run: ${opts.root} (${pkgs.length} Debian packages matching ${GLOB}, plus dependencies), ${files} files, ${secs} s`);
console.log('\n| rule, severity | findings |\n|---|---|');
for (const [k, n] of Object.entries(counts).sort()) console.log(`| ${k}${k.startsWith(UNPROVEN) ? ' (off by default; turned on for this run)' : ''} | ${n} |`);
console.log(`\nreported by default (every one, ${reported.length}):`);
reported.forEach((s, i) => console.log(`${i + 1}. ${s.file}:${s.line} ${s.ruleId} ${s.severity} — ${s.message.slice(0, 220)}`));
console.log(`\n${UNPROVEN} (off by default; seed ${opts.seed}, ${sample.length} of ${unproven.length}):`);
sample.forEach((s, i) => console.log(`${i + 1}. ${s.file}:${s.line} — ${s.message.slice(0, 220)}`));
console.log(`\nraw report: ${join(cache, 'report.json')}`);
