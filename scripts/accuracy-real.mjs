// Recall and clean-flag rates on real leak-fix commits (test/corpus/*.jsonl, see
// test/corpus/README.md). For each record the leaking version of the file (at `parent`)
// and the fixed version (at `fix`) are taken from a local git mirror of the repository,
// scanned with the bundled CLI (dist/cli.js) as a user would, and a record is a hit when a
// finding of the measured rules starts inside the function's line range; a clean record
// (the function at `fix`) is flagged when one does there.
//
//   npm run accuracy:c-real      (= node scripts/accuracy-real.mjs --lang c)
//   npm run accuracy:php-real    (= node scripts/accuracy-real.mjs --lang php)
//   node scripts/accuracy-real.mjs --lang c|php [--mode single|tree|both] [--only ID]… [--json FILE] [--list]
//
// Two modes:
//   single  the file alone (for PHP with its package's composer.json beside it);
//   tree    the package / extension folder (`root`) at that commit, as a user opens it.
// PHP is scanned under the long-running profile in both modes (`--runtime long-running`).
//
// Mirrors: ${PHP_LEAK_MIRRORS:-/work/.mirror}/<owner>+<name>/ (a bare git directory, or a
// folder holding one). Records whose mirror is missing are listed and not scored.
// Work files go to ${PHP_LEAK_CACHE:-~/.cache/php-leak-diagnostics}/real-corpus/<lang>/run-<pid>/
// (removed at exit); nothing is written to the repo.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    lang: { type: 'string', default: 'c' },
    mode: { type: 'string', default: 'both' },
    only: { type: 'string', multiple: true },
    json: { type: 'string' },
    list: { type: 'boolean', default: false },
    corpus: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    rule: { type: 'string', multiple: true },
  },
});
if (!['c', 'php'].includes(opts.lang)) throw new Error(`--lang must be c or php, not ${opts.lang}`);
if (!['single', 'tree', 'both'].includes(opts.mode)) throw new Error(`--mode must be single, tree or both`);
const lang = opts.lang;
const mirrors = process.env.PHP_LEAK_MIRRORS || '/work/.mirror';
const work = join(process.env.PHP_LEAK_CACHE || join(homedir(), '.cache', 'php-leak-diagnostics'), 'real-corpus', lang, `run-${process.pid}`);
// One folder per run (two runs at once used to rebuild each other's files), removed at exit.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const cli = join(root, 'dist', 'cli.js');
const log = (s) => process.stderr.write(`accuracy:${lang}-real: ${s}\n`);

/** The rules whose findings count: the leak rules of the language. */
const COUNTS = lang === 'c' ? (id) => /^c-.*-leak$/.test(id) : (id) => id.startsWith('php-');

const corpusFile = opts.corpus || join(root, 'test', 'corpus', `${lang}-real.jsonl`);
const records = readFileSync(corpusFile, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('//'))
  .map((l, i) => {
    try {
      return JSON.parse(l);
    } catch (e) {
      throw new Error(`${corpusFile}:${i + 1}: ${e.message}`);
    }
  })
  .filter((r) => !opts.only || opts.only.includes(r.id));

/** The bare git directory of a repository's mirror, or undefined. */
const gitDirs = new Map();
function gitDirOf(repo) {
  if (gitDirs.has(repo)) return gitDirs.get(repo);
  const base = join(mirrors, repo.replace('/', '+'));
  let found;
  const looks = (d) => existsSync(join(d, 'HEAD')) && existsSync(join(d, 'objects'));
  if (existsSync(base)) {
    if (looks(base)) found = base;
    else
      for (const e of readdirSync(base)) {
        const d = join(base, e);
        if (statSync(d).isDirectory() && looks(d)) {
          found = d;
          break;
        }
      }
  }
  gitDirs.set(repo, found);
  return found;
}

const git = (dir, args, encoding = 'utf8') =>
  execFileSync('git', ['--git-dir', dir, ...args], { encoding, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });

function show(dir, commit, path) {
  try {
    return git(dir, ['show', `${commit}:${path}`], 'buffer');
  } catch {
    return undefined;
  }
}

function writeFile(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

const slug = (r) => r.repo.replace('/', '+');
const posix = (p) => p.split('\\').join('/');
const joinRoot = (r, p) => (r.root ? `${r.root.replace(/\/$/, '')}/${p}` : p);

/** Lays out the files to scan for one mode; returns [{rec, polarity, file, lines}] to look up. */
function prepare(mode) {
  const dir = join(work, mode);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const probes = [];
  const trees = new Map();
  for (const r of records) {
    const g = gitDirOf(r.repo);
    if (!g) continue;
    const sides = [['leak', r.parent, r.path, r.leakLines]];
    if (r.fixedLines) sides.push(['clean', r.fix, r.fixPath || r.path, r.fixedLines]);
    for (const [polarity, commit, path, lines] of sides) {
      if (mode === 'single') {
        const text = show(g, commit, path);
        if (!text) {
          probes.push({ rec: r, polarity, missing: `${commit.slice(0, 10)}:${path}` });
          continue;
        }
        const base = join(dir, `${r.id}-${polarity}`);
        // The file keeps its path inside the package folder; a PHP package's composer.json sits beside.
        const rel = r.root && path.startsWith(`${r.root}/`) ? path.slice(r.root.length + 1) : path;
        writeFile(join(base, rel), text);
        if (lang === 'php') {
          const composer = show(g, commit, joinRoot(r, 'composer.json'));
          if (composer) writeFile(join(base, 'composer.json'), composer);
        }
        probes.push({ rec: r, polarity, file: posix(join(base, rel)), lines, scanRoot: base });
      } else {
        const key = `${slug(r)}-${commit.slice(0, 12)}`;
        const base = join(dir, key);
        if (!trees.has(key)) {
          trees.set(key, base);
          mkdirSync(base, { recursive: true });
          const args = ['archive', '--format=tar', commit];
          if (r.root) args.push('--', r.root);
          const tar = spawnSync('git', ['--git-dir', g, ...args], { maxBuffer: 2 ** 31 });
          if (tar.status !== 0) {
            probes.push({ rec: r, polarity, missing: `archive ${commit.slice(0, 10)}` });
            continue;
          }
          const x = spawnSync('tar', ['-x', '-C', base], { input: tar.stdout, maxBuffer: 1 << 20 });
          if (x.status !== 0) throw new Error(`tar failed for ${key}: ${x.stderr}`);
        }
        const file = join(base, path);
        if (!existsSync(file)) {
          probes.push({ rec: r, polarity, missing: `${commit.slice(0, 10)}:${path}` });
          continue;
        }
        probes.push({ rec: r, polarity, file: posix(file), lines, scanRoot: r.root ? join(base, r.root) : base });
      }
    }
  }
  return { dir, probes };
}

/** One CLI run over `roots` (as one workspace); the report's files by absolute path. */
function runCli(dir, roots, out, single) {
  const args = [cli, 'scan', '--format', 'json', '--fail-on', 'never', '--jobs', opts.jobs, '--output', out];
  if (lang === 'c') args.push('--include', '**/*.c', '--include', '**/*.h', '--max-file-size', '5000000');
  else {
    args.push('--include', '**/*.php', '--include', '**/composer.json');
    // As a maintainer of a long-running project scans it: the long-running profile (a
    // library's composer.json alone would decide php-fpm, where the PHP-code rules are off).
    args.push('--runtime', 'long-running');
  }
  for (const r of opts.rule ?? []) args.push('--rule', r);
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [...args, ...roots], { encoding: 'utf8', maxBuffer: 1 << 28, cwd: dir });
  if (r.status !== 0) throw new Error(`the CLI failed (exit ${r.status}) on ${single ? 'the single files' : roots.join(' ')}: ${r.stderr.slice(0, 2000)}`);
  return JSON.parse(readFileSync(out, 'utf8')).files;
}

function scan(mode, dir, probes) {
  const t0 = Date.now();
  const files = [];
  // Each record's folder (single: the file alone, with its composer.json; tree: the package at
  // that commit) is a workspace of its own, as a user opens it: the files of other records must
  // not lend it entry points, classes or summaries.
  const roots = [...new Set(probes.filter((p) => p.scanRoot).map((p) => p.scanRoot))];
  roots.forEach((root, i) => files.push(...runCli(dir, [root], join(work, `${mode}-${i}.json`), mode === 'single')));
  const byFile = new Map();
  for (const f of files) byFile.set(posix(f.path.startsWith('/') ? f.path : join(dir, f.path)), f);
  return { byFile, seconds: (Date.now() - t0) / 1000, files: files.length };
}

function score(mode) {
  const { dir, probes } = prepare(mode);
  const { byFile, seconds, files } = scan(mode, dir, probes);
  const rows = [];
  for (const p of probes) {
    if (p.missing) {
      rows.push({ id: p.rec.id, polarity: p.polarity, missing: p.missing });
      continue;
    }
    const f = byFile.get(p.file);
    const [a, b] = p.lines;
    const inside = (f?.findings ?? []).filter((x) => COUNTS(x.ruleId) && x.range.start.line + 1 >= a && x.range.start.line + 1 <= b);
    rows.push({
      id: p.rec.id,
      polarity: p.polarity,
      scanned: !!f,
      skipped: f?.skipped,
      hit: inside.length > 0,
      findings: inside.map((x) => ({ rule: x.ruleId, severity: x.severity, line: x.range.start.line + 1, message: x.message })),
    });
  }
  return { mode, seconds, files, rows };
}

const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(0)} %` : 'n/a');

function summarize(res) {
  const leak = res.rows.filter((x) => x.polarity === 'leak' && !x.missing);
  const clean = res.rows.filter((x) => x.polarity === 'clean' && !x.missing);
  const hits = leak.filter((x) => x.hit).length;
  const flagged = clean.filter((x) => x.hit).length;
  const kinds = new Map();
  for (const x of leak) {
    const rec = records.find((r) => r.id === x.id);
    const k = kinds.get(rec.kind) ?? { n: 0, hit: 0 };
    k.n++;
    if (x.hit) k.hit++;
    kinds.set(rec.kind, k);
  }
  return { hits, leak: leak.length, flagged, clean: clean.length, kinds };
}

const modes = opts.mode === 'both' ? ['single', 'tree'] : [opts.mode];
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
const absent = [...new Set(records.map((r) => r.repo))].filter((repo) => !gitDirOf(repo));
if (absent.length) log(`no mirror for ${absent.length} repositories (their records are not scored): ${absent.join(', ')}`);
const results = [];
for (const m of modes) {
  log(`scoring ${records.length} records, mode ${m} …`);
  results.push(score(m));
}

const repos = new Set(records.filter((r) => gitDirOf(r.repo)).map((r) => r.repo));
const lines = [];
lines.push(`# ${lang === 'c' ? 'C extensions' : 'PHP code'}: ${records.length} leak records from ${repos.size} repositories (${corpusFile.replace(root + '/', '')})`);
lines.push('');
lines.push('| mode | recall (leak records hit) | clean records flagged | files scanned | seconds |');
lines.push('|---|--:|--:|--:|--:|');
for (const res of results) {
  const s = summarize(res);
  lines.push(`| ${res.mode} | ${s.hits} / ${s.leak} = ${pct(s.hits, s.leak)} | ${s.flagged} / ${s.clean} = ${pct(s.flagged, s.clean)} | ${res.files} | ${res.seconds.toFixed(1)} |`);
}
lines.push('');
for (const res of results) {
  const s = summarize(res);
  lines.push(`Recall by kind (${res.mode}): ` + [...s.kinds].sort().map(([k, v]) => `${k} ${v.hit}/${v.n}`).join(', '));
}
if (opts.list) {
  lines.push('');
  lines.push('| id | polarity | ' + results.map((r) => r.mode).join(' | ') + ' |');
  lines.push('|---|---|' + results.map(() => '---|').join(''));
  const keys = [...new Set(results[0].rows.map((x) => `${x.id}\u0000${x.polarity}`))];
  for (const k of keys) {
    const [id, polarity] = k.split('\u0000');
    const cells = results.map((res) => {
      const x = res.rows.find((y) => y.id === id && y.polarity === polarity);
      if (!x) return '';
      if (x.missing) return `missing ${x.missing}`;
      return x.hit ? x.findings.map((f) => `${f.rule}@${f.line}`).join(' ') : '·';
    });
    lines.push(`| ${id} | ${polarity} | ${cells.join(' | ')} |`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
if (opts.json) writeFileSync(opts.json, JSON.stringify({ results, records: records.length }, null, 2));
