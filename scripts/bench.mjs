// `npm run bench`: the performance figures of docs/performance.md, in one run, beside
// named baselines (cppcheck 2.10 for C, Intelephense for PHP indexing).
//
//   npm run bench                     (build, fetch what is missing, measure, update docs/performance.md)
//   node scripts/bench.mjs [--no-fetch] [--no-docs] [--edits N] [--cppcheck-timeout SECONDS (600; 0 = none)]
//                          [--cppcheck-file-timeout SECONDS (60)] [--skip c,cppcheck,perfile,php,intelephense,edits,server]
//
// The cppcheck ratio that counts is the per-file one (`perfile`): both tools on the same
// `.c` files of php8.2's ext/standard, lines counted by the same function; cppcheck one file
// at a time with a per-file limit, ours in one CLI process with one analysis thread over
// exactly the files cppcheck finished. The whole-tree cppcheck run is kept as a lower bound.
//
// Corpora live outside the repository, in ${PHP_LEAK_CACHE:-~/.cache/php-leak-diagnostics}/corpora
// (the same cache as scripts/accuracy.mjs, whose fetch code is reused through
// `accuracy.mjs --no-scan --only …`): Debian's php8.2 source package and PECL source
// packages; the PHP libraries are Debian packages installed under /usr/share/php
// (apt-get install when missing). Needs Debian, apt and root for the first fetch.
// Not part of `npm test`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, homedir, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const rpc = require('vscode-jsonrpc/node');
const cache = process.env.PHP_LEAK_CACHE || join(homedir(), '.cache', 'php-leak-diagnostics');
const sources = join(cache, 'corpora', 'src');
const php82 = join(sources, 'php8.2');
const PHP_DIRS = ['ext', 'Zend', 'main'];
const PECL = ['redis', 'apcu', 'igbinary', 'msgpack', 'imagick', 'xdebug', 'ssh2', 'mongodb', 'amqp', 'maxminddb', 'mcrypt'];
const PHP_LIBS = '/usr/share/php';
const PHP_LIB_PACKAGES = [
  'php-illuminate-support', 'php-illuminate-database', 'php-illuminate-container', 'php-illuminate-collections',
  'php-symfony-console', 'php-symfony-http-kernel', 'php-symfony-dependency-injection', 'php-symfony-mime',
  'php-doctrine-orm', 'php-doctrine-dbal', 'php-amphp-amp', 'php-guzzlehttp-guzzle',
];
const cli = join(root, 'dist', 'cli.js');
const serverJs = join(root, 'dist', 'server.js');

const { values: opts } = parseArgs({
  options: {
    'no-fetch': { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    edits: { type: 'string', default: '200' },
    skip: { type: 'string', default: '' },
    'cppcheck-timeout': { type: 'string', default: '600' },
    'cppcheck-file-timeout': { type: 'string', default: '60' },
  },
});
const skip = new Set(opts.skip.split(',').filter(Boolean));
const EDITS = Math.max(1, Number(opts.edits) || 200);
const log = (s) => process.stderr.write(`bench: ${s}\n`);
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const mb = (kb) => Math.round(kb / 1024);

// ------------------------------------------------------------------ machine

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown';
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc').toString().trim()) || nproc;
  } catch {
    /* cpus() then */
  }
  return { nproc, ramGb: round(totalmem() / 2 ** 30, 1), cpu, node: process.version, loadAtStart: load(), date: new Date().toISOString() };
}

// ------------------------------------------------------------------ fetching

function hasCmd(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function aptInstall(pkgs) {
  log(`apt-get install ${pkgs.join(' ')}`);
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed (run as root?)`);
}

function fetchAll() {
  const missing = ['php8.2', ...PECL].filter((n) => !existsSync(join(sources, n, '.accuracy-version')));
  if (missing.length) {
    if (opts['no-fetch']) throw new Error(`corpora missing: ${missing.join(', ')} (run without --no-fetch)`);
    log(`fetching ${missing.join(', ')} through scripts/accuracy.mjs`);
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'accuracy.mjs'), '--no-scan', ...missing.flatMap((m) => ['--only', m])], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('fetching the corpora failed');
  }
  if (!existsSync(join(PHP_LIBS, 'Illuminate')) || !existsSync(join(PHP_LIBS, 'Symfony')) || !existsSync(join(PHP_LIBS, 'Doctrine'))) {
    if (opts['no-fetch']) throw new Error(`${PHP_LIBS} lacks the PHP libraries (run without --no-fetch)`);
    aptInstall(PHP_LIB_PACKAGES);
  }
  if (!existsSync('/usr/bin/time') && !opts['no-fetch']) aptInstall(['time']);
  if (!skip.has('cppcheck') && !hasCmd('cppcheck') && !opts['no-fetch']) aptInstall(['cppcheck']);
  if (!skip.has('intelephense') && !existsSync(join(root, 'node_modules', 'intelephense'))) {
    throw new Error('npm i -D intelephense first (the PHP baseline)');
  }
}

// ------------------------------------------------------------------ helpers

function countLines(file) {
  const buf = readFileSync(file);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return buf.length && buf[buf.length - 1] !== 10 ? n + 1 : n;
}

function walk(dir, accept, out = []) {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, ent.name);
    if (ent.isSymbolicLink()) continue;
    if (ent.isDirectory()) walk(full, accept, out);
    else if (ent.isFile() && accept(full)) out.push(full);
  }
  return out;
}

/** Peak RSS (VmHWM) and current RSS of a live process, in kB. */
function procMem(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { hwm: 0, rss: 0 };
  }
}

/**
 * Runs a command under /usr/bin/time -v: wall seconds, peak RSS (kB), exit status, stderr.
 * With timeoutSec, the whole process group is killed then (timedOut: true; the peak is then unknown).
 */
function timed(cmd, args, cwd, { timeoutSec, onStdout } = {}) {
  return new Promise((resolve, reject) => {
    const useTime = existsSync('/usr/bin/time');
    const t0 = process.hrtime.bigint();
    const child = useTime
      ? spawn('/usr/bin/time', ['-v', cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    let peak = 0;
    let timedOut = false;
    const poll = useTime ? undefined : setInterval(() => (peak = Math.max(peak, procMem(child.pid).hwm)), 50);
    const timer = timeoutSec
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, timeoutSec * 1000)
      : undefined;
    if (onStdout) child.stdout.on('data', (d) => onStdout(d.toString()));
    else child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = Number(/User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1] ?? NaN);
      const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ code, seconds, cpuSeconds: round(user + sys), peakKb: m ? Number(m[1]) : peak, stderr, load: load(), timedOut });
    });
  });
}

// ------------------------------------------------------------------ a minimal LSP client over stdio

async function lspStart(cmd, args, { rootPath, initializationOptions, answerConfig = () => null } = {}) {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr.resume();
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  conn.onError(() => undefined);
  const listeners = new Set();
  const note = (method, params) => {
    for (const l of [...listeners]) l(method, params);
  };
  conn.onNotification((method, params) => note(method, params));
  conn.onUnhandledProgress((params) => note('$/progress', params));
  conn.onRequest('workspace/configuration', (p) => p.items.map((i) => answerConfig(i.section)));
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('client/unregisterCapability', () => null);
  conn.onRequest('window/showMessageRequest', () => null);
  conn.onRequest('workspace/workspaceFolders', () => (rootPath ? [{ uri: pathToFileURL(rootPath).href, name: 'bench' }] : null));
  conn.listen();
  const uri = rootPath ? pathToFileURL(rootPath).href : null;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    clientInfo: { name: 'php-leak-bench' },
    rootUri: uri,
    rootPath: rootPath ?? null,
    workspaceFolders: uri ? [{ uri, name: 'bench' }] : null,
    initializationOptions,
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } },
      window: { workDoneProgress: true },
      textDocument: {
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: { versionSupport: true, relatedInformation: true },
      },
    },
  });
  await conn.sendNotification('initialized', {});
  /** Resolves with the first notification matching, or rejects after timeoutMs. */
  const waitFor = (match, timeoutMs = 600_000) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        listeners.delete(l);
        reject(new Error('timed out waiting for a notification'));
      }, timeoutMs);
      const l = (method, params) => {
        if (!match(method, params)) return;
        clearTimeout(t);
        listeners.delete(l);
        resolve({ method, params, at: performance.now() });
      };
      listeners.add(l);
    });
  const stop = async () => {
    try {
      await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await conn.sendNotification('exit');
    } catch {
      /* already gone */
    }
    setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
    conn.dispose();
  };
  return { proc, conn, waitFor, stop, listeners };
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

// ------------------------------------------------------------------ 1. C: our CLI vs cppcheck

async function benchC(out) {
  const dirs = PHP_DIRS.map((d) => join(php82, d));
  const report = join(mkdtempSync(join(tmpdir(), 'php-leak-bench-')), 'php82.json');
  log(`cold CLI scan of php8.2 ${PHP_DIRS.join('/ + ')}/ (load ${load()})`);
  const ours = await timed(process.execPath, [cli, 'scan', ...dirs, '--format', 'json', '--fail-on', 'never', '--output', report], php82);
  if (ours.code !== 0) throw new Error(`cli scan exited ${ours.code}: ${ours.stderr}`);
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const files = json.files.map((f) => join(php82, f.path));
  const lines = files.reduce((n, f) => n + countLines(f), 0);
  const cFiles = files.filter((f) => /\.[ch]$/.test(f));
  const cLines = cFiles.reduce((n, f) => n + countLines(f), 0);
  const skippedLines = ours.stderr.split('\n').filter((l) => /skipped/.test(l));
  out.c = {
    files: files.length,
    lines,
    cFiles: cFiles.length,
    cLines,
    findings: json.files.reduce((n, f) => n + f.findings.length, 0),
    seconds: round(ours.seconds),
    cpuSeconds: ours.cpuSeconds,
    // C and H lines only, as cppcheck is given (the scan also reads PHP and ini files).
    linesPerSecond: Math.round(cLines / ours.seconds),
    peakRssMb: mb(ours.peakKb),
    load: ours.load,
    skipped: skippedLines,
  };
  log(`ours: ${files.length} files, ${lines} lines in ${round(ours.seconds)} s, peak ${mb(ours.peakKb)} MB`);

  if (!skip.has('cppcheck')) {
    const list = join(dirname(report), 'files.txt');
    writeFileSync(list, cFiles.join('\n') + '\n');
    const version = execFileSync('cppcheck', ['--version']).toString().trim();
    log(`${version} -j2 over the same ${cFiles.length} C files (load ${load()})`);
    // Its progress lines ("N/M files checked P% done", P by size) say how far it got if it
    // has to be stopped: some generated php-src files keep it busy for a very long time.
    let progress = { files: 0, pct: 0 };
    const limit = Number(opts['cppcheck-timeout']) || 0;
    const cpp = await timed('cppcheck', ['-j2', `--file-list=${list}`], php82, {
      timeoutSec: limit || undefined,
      onStdout: (chunk) => {
        for (const m of chunk.matchAll(/(\d+)\/(\d+) files checked (\d+)% done/g)) progress = { files: Number(m[1]), pct: Number(m[3]) };
      },
    });
    // Lines checked: all of them, or (stopped) the share of the bytes it reported done.
    const checkedLines = cpp.timedOut ? Math.round((cLines * progress.pct) / 100) : cLines;
    out.cppcheck = {
      version,
      files: cFiles.length,
      lines: cLines,
      seconds: round(cpp.seconds),
      linesPerSecond: Math.round(checkedLines / cpp.seconds),
      peakRssMb: cpp.timedOut ? undefined : mb(cpp.peakKb),
      load: cpp.load,
      exit: cpp.code,
      timedOut: cpp.timedOut,
      checkedFiles: cpp.timedOut ? progress.files : cFiles.length,
      checkedPct: cpp.timedOut ? progress.pct : 100,
    };
    // Ours on the same C/H lines, timed by the whole scan (PHP/ini included: conservative). A lower
    // bound only when cppcheck was stopped; the per-file comparison (benchCPerFile) is the fair one.
    out.c.ratioToCppcheck = round(out.c.linesPerSecond / out.cppcheck.linesPerSecond, 1);
    log(`cppcheck: ${round(cpp.seconds)} s, ${out.cppcheck.linesPerSecond} lines/s`);
  }

  // The PECL extensions, one scan.
  const pecl = PECL.map((n) => join(sources, n)).filter((d) => existsSync(d));
  const peclReport = join(dirname(report), 'pecl.json');
  log(`cold CLI scan of ${pecl.length} PECL extensions (load ${load()})`);
  const p = await timed(process.execPath, [cli, 'scan', ...pecl, '--format', 'json', '--fail-on', 'never', '--output', peclReport], sources);
  const pj = JSON.parse(readFileSync(peclReport, 'utf8'));
  const pLines = pj.files.reduce((n, f) => n + countLines(join(sources, f.path)), 0);
  out.pecl = { packages: pecl.length, files: pj.files.length, lines: pLines, seconds: round(p.seconds), linesPerSecond: Math.round(pLines / p.seconds), peakRssMb: mb(p.peakKb), load: p.load };
  rmSync(dirname(report), { recursive: true, force: true });
}

// ------------------------------------------------------------------ 1b. C per file: the same files, the same line count

/**
 * ext/standard's `.c` files: cppcheck one file at a time (its own process, a per-file limit:
 * a file it does not finish in time is left out of both sides), then ours in one CLI process
 * with one analysis thread over exactly the files cppcheck finished (sibling summaries and
 * start-up included, as a user pays them). Lines are counted by countLines for both.
 */
async function benchCPerFile(out) {
  const dir = join(php82, 'ext', 'standard');
  const files = walk(dir, (f) => f.endsWith('.c')).sort();
  const limit = Number(opts['cppcheck-file-timeout']) || 60;
  const version = execFileSync('cppcheck', ['--version']).toString().trim();
  log(`per file: ${version} on ${files.length} ext/standard .c files, ${limit} s each at most (load ${load()})`);
  const loadBefore = load();
  const finished = [];
  const stopped = [];
  let cppSeconds = 0;
  for (const f of files) {
    const r = await timed('cppcheck', ['--quiet', f], dir, { timeoutSec: limit });
    if (r.timedOut) stopped.push(relative(php82, f));
    else {
      finished.push(f);
      cppSeconds += r.seconds;
    }
  }
  const cppLoad = load();
  const lines = finished.reduce((n, f) => n + countLines(f), 0);
  const tmp = mkdtempSync(join(tmpdir(), 'php-leak-bench-'));
  const report = join(tmp, 'perfile.json');
  log(`per file: ours on the ${finished.length} files cppcheck finished, --jobs 1 (load ${load()})`);
  const ours = await timed(process.execPath, [cli, 'scan', ...finished, '--jobs', '1', '--format', 'json', '--fail-on', 'never', '--output', report], dir);
  rmSync(tmp, { recursive: true, force: true });
  if (ours.code !== 0 && ours.code !== 1) throw new Error(`cli scan exited ${ours.code}: ${ours.stderr}`);
  out.cPerFile = {
    dir: 'ext/standard',
    version,
    files: files.length,
    finished: finished.length,
    stopped,
    limit,
    lines,
    cppcheck: { seconds: round(cppSeconds), linesPerSecond: Math.round(lines / cppSeconds), load: cppLoad, loadBefore },
    ours: { seconds: round(ours.seconds), cpuSeconds: ours.cpuSeconds, linesPerSecond: Math.round(lines / ours.seconds), peakRssMb: mb(ours.peakKb), load: ours.load },
    ratio: round(cppSeconds / ours.seconds, 1),
  };
  log(`per file: cppcheck ${round(cppSeconds)} s, ours ${round(ours.seconds)} s on ${lines} lines: ${out.cPerFile.ratio}x`);
}

// ------------------------------------------------------------------ 2. PHP libraries: our CLI vs Intelephense

async function benchPhp(out) {
  const files = walk(PHP_LIBS, (f) => f.endsWith('.php'));
  const lines = files.reduce((n, f) => n + countLines(f), 0);
  const report = join(mkdtempSync(join(tmpdir(), 'php-leak-bench-')), 'php.json');
  log(`cold CLI scan of ${PHP_LIBS} (${files.length} PHP files, load ${load()})`);
  const ours = await timed(process.execPath, [cli, 'scan', PHP_LIBS, '--include', '**/*.php', '--format', 'json', '--fail-on', 'never', '--output', report], PHP_LIBS);
  const json = JSON.parse(readFileSync(report, 'utf8'));
  out.php = {
    files: files.length,
    lines,
    scanned: json.files.length,
    seconds: round(ours.seconds),
    linesPerSecond: Math.round(lines / ours.seconds),
    peakRssMb: mb(ours.peakKb),
    load: ours.load,
    profile: json.files[0]?.profile,
  };
  // Under the long-running profile every PHP rule runs (a parse per file, the workspace index).
  log(`cold CLI scan of ${PHP_LIBS} under --runtime long-running (load ${load()})`);
  const lr = await timed(process.execPath, [cli, 'scan', PHP_LIBS, '--include', '**/*.php', '--runtime', 'long-running', '--format', 'json', '--fail-on', 'never', '--output', report], PHP_LIBS);
  out.phpLongRunning = { seconds: round(lr.seconds), linesPerSecond: Math.round(lines / lr.seconds), peakRssMb: mb(lr.peakKb), load: lr.load };
  rmSync(dirname(report), { recursive: true, force: true });

  if (skip.has('intelephense')) return;
  const storage = mkdtempSync(join(tmpdir(), 'intelephense-'));
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'intelephense', 'package.json'), 'utf8'));
  log(`Intelephense ${pkg.version} indexing ${PHP_LIBS} (load ${load()})`);
  const t0 = performance.now();
  const s = await lspStart(process.execPath, [join(root, 'node_modules', 'intelephense', 'lib', 'intelephense.js'), '--stdio'], {
    rootPath: PHP_LIBS,
    initializationOptions: { storagePath: storage, globalStoragePath: storage, clearCache: true },
  });
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, procMem(s.proc.pid).hwm)), 100);
  const seen = [];
  s.listeners.add((m, p) => {
    if (/index/i.test(m) || m === '$/progress') seen.push(m === '$/progress' ? `$/progress ${p?.value?.kind}` : m);
  });
  const ended = await s.waitFor((m, p) => m === 'indexingEnded' || (m === '$/progress' && p?.value?.kind === 'end'), 900_000);
  const seconds = (ended.at - t0) / 1000;
  peak = Math.max(peak, procMem(s.proc.pid).hwm);
  clearInterval(poll);
  await s.stop();
  rmSync(storage, { recursive: true, force: true });
  out.intelephense = {
    version: pkg.version,
    endedBy: ended.method,
    notifications: [...new Set(seen)].join(', '),
    seconds: round(seconds),
    linesPerSecond: Math.round(lines / seconds),
    peakRssMb: mb(peak),
    load: load(),
  };
  log(`Intelephense: ${round(seconds)} s (${ended.method}), peak ${mb(peak)} MB`);
}

// ------------------------------------------------------------------ 3. the editor: open and edit latency, server memory

async function editLatency(file, languageId, debounceMs, edits, rootPath) {
  const s = await lspStart(process.execPath, [serverJs, '--stdio'], { rootPath, initializationOptions: debounceMs === undefined ? undefined : { debounceMs } });
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, 'utf8');
  const published = (v) => (m, p) => m === 'textDocument/publishDiagnostics' && p.uri === uri && p.version === v;
  const t0 = performance.now();
  const first = s.waitFor(published(1), 120_000);
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  const open = (await first).at - t0;
  // A warm-up edit (the first analysis in a workspace builds its cross-file facts).
  const lines = text.split('\n');
  let version = 1;
  const lat = [];
  // Edits: type a character into a comment at the end of a line, then delete it, in bursts of 3
  // keystrokes 30 ms apart; the latency runs from the didChange that ends the burst.
  for (let i = 0; i < edits + 1; i++) {
    const line = Math.floor((i * 7919) % Math.max(1, lines.length - 1));
    const col = lines[line].length;
    const burst = 3;
    for (let k = 0; k < burst; k++) {
      version++;
      const insert = k % 2 === 0;
      const change = insert
        ? { range: { start: { line, character: col }, end: { line, character: col } }, text: ' ' }
        : { range: { start: { line, character: col }, end: { line, character: col + 1 } }, text: '' };
      const wait = k === burst - 1 ? s.waitFor(published(version), 120_000) : undefined;
      const sent = performance.now();
      await s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      if (wait) {
        const got = await wait;
        if (i > 0) lat.push(got.at - sent); // i = 0 is the warm-up
      } else {
        await new Promise((r) => setTimeout(r, 30));
      }
    }
    // The text now has one extra space at the end of `line` (insert, delete, insert): keep the model in step.
    lines[line] += ' ';
  }
  await s.stop();
  return { open: Math.round(open), p50: Math.round(pct(lat, 50)), p95: Math.round(pct(lat, 95)), n: lat.length, load: load() };
}

async function benchEditor(out) {
  const std = join(php82, 'ext', 'standard');
  const biggest = readdirSync(std)
    .filter((f) => f.endsWith('.c'))
    .map((f) => ({ f: join(std, f), size: statSync(join(std, f)).size }))
    .sort((a, b) => b.size - a.size)[0].f;
  const phpEdit = join(PHP_LIBS, 'Carbon', 'CarbonInterval.php');
  const phpOpen = join(PHP_LIBS, 'Illuminate', 'Database', 'Query', 'Builder.php');
  out.editor = { cFile: relative(php82, biggest), cLines: countLines(biggest), phpEditFile: phpEdit, phpEditLines: countLines(phpEdit), phpOpenFile: phpOpen, phpOpenLines: countLines(phpOpen) };
  for (const [label, debounce] of [
    ['noDebounce', 0],
    ['debounce', undefined],
  ]) {
    log(`edit latency, ${relative(php82, biggest)}, ${label} (${EDITS} edits, load ${load()})`);
    out.editor[`c_${label}`] = await editLatency(biggest, 'c', debounce, EDITS, php82);
    log(`  ${JSON.stringify(out.editor[`c_${label}`])}`);
    log(`edit latency, ${phpEdit}, ${label} (load ${load()})`);
    out.editor[`php_${label}`] = await editLatency(phpEdit, 'php', debounce, EDITS, PHP_LIBS);
    log(`  ${JSON.stringify(out.editor[`php_${label}`])}`);
  }
  // Open to diagnostics on a 3,500-line PHP file: median of 5 fresh servers.
  const opens = [];
  for (let i = 0; i < 5; i++) opens.push((await editLatency(phpOpen, 'php', 0, 1, PHP_LIBS)).open);
  out.editor.phpOpen = { median: pct(opens, 50), all: opens, load: load() };
}

async function benchServerScan(out) {
  log(`server: phpLeak/scanWorkspace over the php8.2 tree (load ${load()})`);
  const s = await lspStart(process.execPath, [serverJs, '--stdio'], { rootPath: php82 });
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, procMem(s.proc.pid).hwm)), 100);
  const t0 = performance.now();
  const before = procMem(s.proc.pid).rss;
  const r = await s.conn.sendRequest('phpLeak/scanWorkspace', { workDoneToken: 'bench' });
  const seconds = (performance.now() - t0) / 1000;
  const after = procMem(s.proc.pid);
  // Rescan: every file unchanged, answered from the content-keyed cache.
  const t1 = performance.now();
  await s.conn.sendRequest('phpLeak/scanWorkspace', {});
  const rescan = (performance.now() - t1) / 1000;
  // The workers stop after 5 s idle.
  await new Promise((res) => setTimeout(res, 7000));
  const idle = procMem(s.proc.pid);
  clearInterval(poll);
  await s.stop();
  out.server = {
    files: r.files,
    findings: r.findings,
    skipped: r.skipped.length,
    seconds: round(seconds),
    rescanSeconds: round(rescan, 2),
    rssBeforeMb: mb(before),
    rssAfterScanMb: mb(after.rss),
    rssIdleMb: mb(idle.rss),
    peakRssMb: mb(Math.max(peak, idle.hwm)),
    load: load(),
  };
  log(`  ${JSON.stringify(out.server)}`);
}

// ------------------------------------------------------------------ report

function table(out) {
  const m = out.machine;
  const L = [];
  L.push(`Measured ${m.date} on ${m.cpu}, ${m.nproc} cores, ${m.ramGb} GB RAM, Node ${m.node}; load average at start ${m.loadAtStart}.`);
  L.push('Each row gives the 1/5/15-minute load average when it was taken: the machine was shared.');
  L.push('');
  L.push('| Measure | Ours | Baseline | Target | Load |');
  L.push('|---|---|---|---|---|');
  const c = out.c;
  if (c) {
    const cp = out.cppcheck;
    const cpText = !cp
      ? '—'
      : cp.timedOut
        ? `${cp.version} -j2 on the ${cp.files} C/H files (${cp.lines.toLocaleString('en')} lines): **stopped after ${cp.seconds} s** with ${cp.checkedFiles} files, ${cp.checkedPct}% of the bytes checked: at most ${cp.linesPerSecond.toLocaleString('en')} lines/s; **ours ≥ ${c.ratioToCppcheck}×**`
        : `${cp.version} -j2 on the ${cp.files} C/H files (${cp.lines.toLocaleString('en')} lines): ${cp.seconds} s, ${cp.linesPerSecond.toLocaleString('en')} lines/s, peak ${cp.peakRssMb} MB; **ours ${c.ratioToCppcheck}×**`;
    L.push(`| php8.2 ${PHP_DIRS.join('/ + ')}/: cold CLI scan | ${c.files} files (${c.cFiles} C/H, ${c.cLines.toLocaleString('en')} lines of them) in **${c.seconds} s** (${c.linesPerSecond.toLocaleString('en')} C/H lines/s; ${c.cpuSeconds} CPU-seconds), peak RSS ${c.peakRssMb} MB | ${cpText} | ≤ 20 s, ≥ 10× cppcheck | ${c.load}${cp ? ` / ${cp.load}` : ''} |`);
  }
  const pf = out.cPerFile;
  if (pf) {
    L.push(`| php8.2 ext/standard, per file: the ${pf.finished} of ${pf.files} \`.c\` files cppcheck finishes within ${pf.limit} s each (${pf.lines.toLocaleString('en')} lines, counted alike) | ${pf.ours.seconds} s in one CLI process, one thread (${pf.ours.linesPerSecond.toLocaleString('en')} lines/s, peak ${pf.ours.peakRssMb} MB) | ${pf.version}, one file at a time: ${pf.cppcheck.seconds} s (${pf.cppcheck.linesPerSecond.toLocaleString('en')} lines/s)${pf.stopped.length ? `; stopped at the limit and left out of both: ${pf.stopped.join(', ')}` : ''}; **ours ${pf.ratio}×** | ≥ 10× cppcheck | ${pf.ours.load} / ${pf.cppcheck.load} |`);
  }
  if (out.pecl) L.push(`| ${out.pecl.packages} PECL extensions: cold CLI scan | ${out.pecl.files} files, ${out.pecl.lines.toLocaleString('en')} lines in ${out.pecl.seconds} s (${out.pecl.linesPerSecond.toLocaleString('en')} lines/s), peak ${out.pecl.peakRssMb} MB | — | — | ${out.pecl.load} |`);
  const p = out.php;
  if (p) {
    const i = out.intelephense;
    L.push(`| PHP libraries (${PHP_LIBS}: ${p.files} files, ${p.lines.toLocaleString('en')} lines): cold CLI scan (profile ${p.profile}) | **${p.seconds} s**, peak RSS **${p.peakRssMb} MB** | ${i ? `Intelephense ${i.version} indexing: ${i.seconds} s to \`${i.endedBy}\`, peak RSS ${i.peakRssMb} MB` : '—'} | ≤ 4 s at ≤ 250 MB | ${p.load}${i ? ` / ${i.load}` : ''} |`);
  }
  if (out.phpLongRunning) {
    const q = out.phpLongRunning;
    L.push(`| The same under \`--runtime long-running\` (every PHP rule, the workspace index) | ${q.seconds} s, peak RSS ${q.peakRssMb} MB | — | — | ${q.load} |`);
  }
  const e = out.editor;
  if (e) {
    const row = (what, k, target) => e[k] && L.push(`| ${what} | p50 ${e[k].p50} ms, **p95 ${e[k].p95} ms** (${e[k].n} edits) | — | ${target} | ${e[k].load} |`);
    row(`Edit latency, ${e.cFile} (${e.cLines} lines), no debounce`, 'c_noDebounce', 'p95 ≤ 50 ms (5,000-line C file)');
    row(`Edit latency, ${e.cFile}, with the 200 ms debounce`, 'c_debounce', '—');
    row(`Edit latency, ${relative(PHP_LIBS, e.phpEditFile)} (${e.phpEditLines} lines), no debounce`, 'php_noDebounce', '—');
    row(`Edit latency, ${relative(PHP_LIBS, e.phpEditFile)}, with the 200 ms debounce`, 'php_debounce', '—');
    if (e.phpOpen) L.push(`| Open to diagnostics, ${relative(PHP_LIBS, e.phpOpenFile)} (${e.phpOpenLines} lines) | **${e.phpOpen.median} ms** (median of ${e.phpOpen.all.join(', ')}) | — | ≤ 100 ms (3,500 lines) | ${e.phpOpen.load} |`);
  }
  const s = out.server;
  if (s) {
    L.push(`| Server: phpLeak/scanWorkspace of the php8.2 tree | ${s.files} files in ${s.seconds} s (rescan, all unchanged: ${s.rescanSeconds} s); RSS after the scan **${s.rssAfterScanMb} MB**, after the workers' idle stop ${s.rssIdleMb} MB, peak ${s.peakRssMb} MB | — | RSS ≤ 400 MB | ${s.load} |`);
  }
  return L.join('\n');
}

const out = { machine: machine() };
log(`machine: ${JSON.stringify(out.machine)}`);
fetchAll();
if (!existsSync(cli) || !existsSync(join(root, 'dist', 'scan-worker.js'))) throw new Error('build first: npm run build');
if (!skip.has('c')) await benchC(out);
if (!skip.has('perfile') && !skip.has('cppcheck')) await benchCPerFile(out);
if (!skip.has('php')) await benchPhp(out);
if (!skip.has('edits')) await benchEditor(out);
if (!skip.has('server')) await benchServerScan(out);
out.machine.loadAtEnd = load();

const md = table(out);
console.log(md);
if (out.c?.skipped?.length) console.log(`\nThe CLI said (stderr):\n${out.c.skipped.map((l) => `    ${l}`).join('\n')}`);
writeFileSync(join(cache, 'bench-results.json'), JSON.stringify(out, null, 2) + '\n');
log(`raw figures: ${join(cache, 'bench-results.json')}`);
if (!opts['no-docs']) {
  const doc = join(root, 'docs', 'performance.md');
  const begin = '<!-- bench:begin (written by npm run bench) -->';
  const end = '<!-- bench:end -->';
  const block = `${begin}\n${md}\n${out.c?.skipped?.length ? `\nThe scan's own words about the files it skipped:\n\n${out.c.skipped.map((l) => `    ${l}`).join('\n')}\n` : ''}${end}`;
  let text = existsSync(doc) ? readFileSync(doc, 'utf8') : `# Performance\n\n${begin}\n${end}\n`;
  if (!text.includes(begin)) text += `\n${begin}\n${end}\n`;
  text = text.replace(new RegExp(`${begin.replace(/[()]/g, '\\$&')}[\\s\\S]*?${end}`), () => block);
  writeFileSync(doc, text);
  log(`updated ${relative(root, doc)}`);
}
