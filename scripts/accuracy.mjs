// Accuracy run on real code: fetches PHP's own C sources and a set of PECL
// extensions as Debian source packages into a cache folder outside the repo,
// scans them with the bundled CLI (dist/cli.js) and prints per-rule finding
// counts per corpus as a markdown table. A machine-readable summary is written
// to <cache>/accuracy-summary.json, and a fixed-seed sample of findings (the
// hand-review list of docs/accuracy.md) to <cache>/accuracy-sample.{json,md}.
//
//   npm run accuracy                       (build, fetch what is missing, scan)
//   node scripts/accuracy.mjs [--only NAME]… [--no-fetch] [--sample N] [--seed S]
//
// Cache: ${PHP_LEAK_CACHE:-~/.cache/php-leak-diagnostics}/corpora. Fetching needs
// Debian with apt and root (to enable deb-src once); nothing is written to the repo.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rng } from './prng.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.PHP_LEAK_CACHE || join(homedir(), '.cache', 'php-leak-diagnostics');
const corporaDir = join(cache, 'corpora');
const downloads = join(corporaDir, 'downloads');
const sources = join(corporaDir, 'src');
const results = join(corporaDir, 'results');
const MAX_FILE_SIZE = 5_000_000;

/**
 * The corpora. `version` pins a Debian source version (php8.2's newest security
 * version answers 404 for its source, so the previous one is pinned); `dirs` are
 * scanned relative to the extracted tree (default: all of it). Packages holding several
 * upstream versions (redis 5.3.7+4.3.0, …) are scanned in their newest one only.
 */
const CORPORA = [
  { name: 'php8.2', pkg: 'php8.2', version: '8.2.32-1~deb12u1', dirs: ['ext', 'Zend', 'main'] },
  { name: 'redis', pkg: 'php-redis', dirs: ['redis-5.3.7'] },
  { name: 'apcu', pkg: 'php-apcu', dirs: ['apcu-5.1.22'] },
  { name: 'igbinary', pkg: 'php-igbinary' },
  { name: 'msgpack', pkg: 'php-msgpack' },
  { name: 'imagick', pkg: 'php-imagick' },
  { name: 'xdebug', pkg: 'php-xdebug', dirs: ['xdebug-3.2.0'] },
  { name: 'ssh2', pkg: 'php-ssh2', dirs: ['ssh2-1.3.1'] },
  {
    name: 'mongodb',
    pkg: 'php-mongodb',
    dirs: ['mongodb-1.15.0'],
    // bundled C drivers (libmongoc, libbson, libmongocrypt): not PHP extension code
    exclude: ['**/src/libmongoc/**', '**/src/libmongocrypt/**', '**/src/libmongocrypt-compat/**'],
  },
  { name: 'amqp', pkg: 'php-amqp' },
  { name: 'maxminddb', pkg: 'php-maxminddb' },
  { name: 'mcrypt', pkg: 'php-mcrypt' },
  // Also tried, but this mirror answers 404 for their source tarballs (bookworm):
  // php-memcached php-ast php-yaml php-uuid php-zmq php-mailparse php-oauth php-stomp
  // php-gearman php-solr php-pcov php-raphf php-http php-memcache php-ds php-uopz.
];

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    'no-fetch': { type: 'boolean', default: false },
    'no-scan': { type: 'boolean', default: false },
    sample: { type: 'string', default: '40' },
    seed: { type: 'string', default: '20240601' },
    jobs: { type: 'string', default: '2' },
  },
});

const log = (s) => process.stderr.write(`accuracy: ${s}\n`);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString();

// ---------------------------------------------------------------- fetching

/** Turns `Types: deb` into `Types: deb deb-src` in the deb822 sources (idempotent), then apt-get update. */
function enableDebSrc() {
  const file = '/etc/apt/sources.list.d/debian.sources';
  if (!existsSync(file)) throw new Error(`${file} not found: enable deb-src source packages by hand, then re-run`);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/^Types:[ \t]*deb[ \t]*$/gm, 'Types: deb deb-src');
  if (fixed === text) return;
  if (process.getuid?.() !== 0) throw new Error(`run once as root (to enable deb-src in ${file}), or enable it by hand`);
  log(`enabling deb-src in ${file}`);
  writeFileSync(file, fixed);
  run('apt-get', ['update', '-qq']);
}

/** Downloads (apt-get source --download-only) and extracts (dpkg-source -x) one source package. */
function fetchCorpus(c) {
  const dest = join(sources, c.name);
  const marker = join(dest, '.accuracy-version');
  if (existsSync(marker)) return readFileSync(marker, 'utf8').trim();
  const dl = join(downloads, c.name);
  mkdirSync(dl, { recursive: true });
  const want = c.version ? `${c.pkg}=${c.version}` : c.pkg;
  if (!readdirSync(dl).some((f) => f.endsWith('.dsc'))) {
    log(`downloading ${want}`);
    run('apt-get', ['source', '--download-only', '-qq', want], dl);
  }
  const dsc = readdirSync(dl).find((f) => f.endsWith('.dsc'));
  if (!dsc) throw new Error(`no .dsc downloaded for ${want}`);
  const version = dsc.replace(/\.dsc$/, '').split('_')[1];
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dirname(dest), { recursive: true });
  log(`extracting ${dsc}`);
  run('dpkg-source', ['--no-check', '-x', join(dl, dsc), dest]);
  writeFileSync(marker, version + '\n');
  return version;
}

// ---------------------------------------------------------------- scanning

function countLines(file) {
  const buf = readFileSync(file);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
  return buf.length && buf[buf.length - 1] !== 10 ? n + 1 : n;
}

function scanCorpus(c, version) {
  const tree = join(sources, c.name);
  const dirs = (c.dirs ?? ['.']).map((d) => join(tree, d));
  const out = join(results, `${c.name}.json`);
  const args = [join(root, 'dist', 'cli.js'), 'scan', ...dirs, '--format', 'json', '--fail-on', 'never'];
  args.push('--max-file-size', String(MAX_FILE_SIZE), '--include', '**/*.c', '--include', '**/*.h', '--output', out);
  for (const x of c.exclude ?? []) args.push('--exclude', x);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--max-old-space-size=6144', ...args], { cwd: tree, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${c.name}: cli exited ${code}\n${stderr}`));
      const report = JSON.parse(readFileSync(out, 'utf8'));
      const counts = {};
      let lines = 0;
      for (const f of report.files) {
        lines += countLines(join(tree, f.path));
        for (const x of f.findings) counts[x.ruleId] = (counts[x.ruleId] ?? 0) + 1;
      }
      const failures = stderr.split('\n').filter((l) => l.includes(' failed on '));
      resolve({
        name: c.name,
        package: c.pkg,
        version,
        dirs: c.dirs ?? ['.'],
        files: report.files.length,
        lines,
        seconds: Math.round(seconds * 10) / 10,
        counts,
        total: Object.values(counts).reduce((a, b) => a + b, 0),
        skipped: report.skipped,
        ruleFailures: failures.length,
        report: relative(cache, out),
      });
    });
  });
}

// ---------------------------------------------------------------- sampling

/**
 * A fixed-seed sample spread across rules and corpora: round-robin over the
 * (rule, corpus) groups, each group shuffled with the seed; nothing is chosen by hand.
 */
function sample(corpora, n, seed) {
  const rand = rng(seed);
  const groups = new Map();
  for (const c of corpora) {
    const report = JSON.parse(readFileSync(join(cache, c.report), 'utf8'));
    for (const f of report.files) {
      for (const x of f.findings) {
        const key = `${x.ruleId}\t${c.name}`;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push({
          corpus: c.name,
          file: f.path,
          line: x.range.start.line + 1,
          rule: x.ruleId,
          message: x.message,
        });
      }
    }
  }
  const shuffle = (a) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const keys = shuffle([...groups.keys()].sort());
  for (const k of keys) {
    groups.get(k).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    shuffle(groups.get(k));
  }
  const picked = [];
  while (picked.length < n && keys.some((k) => groups.get(k).length)) {
    for (const k of keys) {
      const g = groups.get(k);
      if (g.length && picked.length < n) picked.push(g.shift());
    }
  }
  return picked;
}

// ---------------------------------------------------------------- main

async function main() {
  const chosen = opts.only?.length ? CORPORA.filter((c) => opts.only.includes(c.name)) : CORPORA;
  if (!chosen.length) throw new Error(`--only: no such corpus (known: ${CORPORA.map((c) => c.name).join(', ')})`);
  mkdirSync(results, { recursive: true });

  const versions = new Map();
  if (!opts['no-fetch']) enableDebSrc();
  for (const c of chosen) {
    try {
      versions.set(c.name, opts['no-fetch'] ? readFileSync(join(sources, c.name, '.accuracy-version'), 'utf8').trim() : fetchCorpus(c));
    } catch (e) {
      log(`skipping ${c.name}: ${(e.stderr?.toString() || e.message).trim().split('\n').pop()}`);
    }
  }
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js missing: run `npm run build` first');

  const summaryFile = join(cache, 'accuracy-summary.json');
  let corpora;
  if (opts['no-scan']) {
    // Fetch only (what the bench asks for) when no earlier scan left a summary to report.
    if (!existsSync(summaryFile)) {
      log(`fetched ${[...versions.keys()].join(', ')}; no earlier scan to report (${summaryFile} missing)`);
      return;
    }
    corpora = JSON.parse(readFileSync(summaryFile, 'utf8')).corpora;
  } else {
    const queue = chosen.filter((c) => versions.has(c.name));
    corpora = [];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        log(`scanning ${c.name}…`);
        const r = await scanCorpus(c, versions.get(c.name));
        log(`${c.name}: ${r.files} files, ${r.lines} lines, ${r.total} findings, ${r.seconds}s`);
        corpora.push(r);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Number(opts.jobs)) }, worker));
    corpora.sort((a, b) => chosen.findIndex((c) => c.name === a.name) - chosen.findIndex((c) => c.name === b.name));
  }

  const rules = [...new Set(corpora.flatMap((c) => Object.keys(c.counts)))].sort();
  const totals = { files: 0, lines: 0, seconds: 0, total: 0, counts: {} };
  for (const c of corpora) {
    totals.files += c.files;
    totals.lines += c.lines;
    totals.seconds = Math.round((totals.seconds + c.seconds) * 10) / 10;
    totals.total += c.total;
    for (const [r, n] of Object.entries(c.counts)) totals.counts[r] = (totals.counts[r] ?? 0) + n;
  }
  const toolVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const summary = { generatedAt: new Date().toISOString(), toolVersion, maxFileSize: MAX_FILE_SIZE, corpora, totals };
  writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + '\n');

  const picked = sample(corpora, Number(opts.sample), Number(opts.seed));
  writeFileSync(join(cache, 'accuracy-sample.json'), JSON.stringify({ seed: Number(opts.seed), findings: picked }, null, 2) + '\n');
  writeFileSync(
    join(cache, 'accuracy-sample.md'),
    ['| # | corpus | file:line | rule | message |', '|---|---|---|---|---|']
      .concat(picked.map((p, i) => `| ${i + 1} | ${p.corpus} | ${p.file}:${p.line} | ${p.rule} | ${p.message.replace(/\|/g, '\\|')} |`))
      .join('\n') + '\n',
  );

  const md = [];
  md.push(`| corpus | version | files | lines | seconds | ${rules.join(' | ')} | total |`);
  md.push(`|---|---|--:|--:|--:|${rules.map(() => '--:|').join('')}--:|`);
  for (const c of corpora) {
    md.push(`| ${c.name} | ${c.version} | ${c.files} | ${c.lines} | ${c.seconds} | ${rules.map((r) => c.counts[r] ?? 0).join(' | ')} | ${c.total} |`);
  }
  md.push(`| **all** | | ${totals.files} | ${totals.lines} | ${totals.seconds} | ${rules.map((r) => totals.counts[r] ?? 0).join(' | ')} | ${totals.total} |`);
  const skipped = corpora.flatMap((c) => c.skipped.map((s) => `- ${c.name}: ${s.path}: ${s.reason}`));
  process.stdout.write(md.join('\n') + '\n' + (skipped.length ? `\nSkipped:\n${skipped.join('\n')}\n` : ''));
  process.stdout.write(`\nSummary: ${summaryFile}\nSample (seed ${opts.seed}): ${join(cache, 'accuracy-sample.md')}\n`);
}

main().catch((e) => {
  process.stderr.write(`accuracy: ${e.stack || e}\n`);
  process.exitCode = 1;
});
