// Real PHP for the runtime-proof tests (measure, valgrind, import-leak-log): the Debian
// packages, the seed extension built with phpize, php-fpm behind nginx started and owned by
// the test, a debug build of PHP (built once from Debian's php8.2 source, cached), and the
// bundled CLI run asynchronously (servers keep running meanwhile).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliJs, fixturesDir } from '../support/paths';
import { freePort, httpGet } from './php';

/** The Debian packages the runtime-proof tests need. */
export const RUNTIME_APT_PACKAGES = ['php-cli', 'php-dev', 'php-fpm', 'nginx', 'valgrind', 'build-essential', 'xz-utils'];

export const SEED_DIR = path.join(fixturesDir, 'seed-ext');
export const SEED_C = path.join(SEED_DIR, 'memory.c');
/** 1-based lines of the allocations in test/fixtures/seed-ext/memory.c. */
export const SEED_LINES = { malloc: 19, emalloc: 31, cleanEmalloc: 42 } as const;

export const cacheRoot = process.env.PHP_LEAK_CACHE || path.join(os.homedir(), '.cache', 'php-leak-diagnostics');
const DEBUG_VERSION = '8.2.32';
const DEBUG_DEB_VERSION = '8.2.32-1~deb12u1';
export const debugPrefix = path.join(cacheRoot, 'php-debug', DEBUG_VERSION);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? '/', encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().slice(-4000);
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${out}`);
  }
  return r.stdout;
}

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return !r.error && r.status === 0;
}

/** The php-fpm binary of the Debian package (php-fpm8.2 in /usr/sbin, not on every PATH). */
export function fpmBinary(): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/usr/bin']) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((n) => /^php-fpm[\d.]*$/.test(n)).sort().reverse();
    } catch {
      continue;
    }
    if (names.length) return path.join(dir, names[0]);
  }
  return undefined;
}

function nginxBinary(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx']) if (fs.existsSync(p)) return p;
  return undefined;
}

function missing(): string[] {
  const m: string[] = [];
  if (!has('php', ['-v'])) m.push('php');
  if (!has('phpize', ['--version'])) m.push('phpize');
  if (!fpmBinary()) m.push('php-fpm');
  if (!nginxBinary()) m.push('nginx');
  if (!has('valgrind', ['--version'])) m.push('valgrind');
  if (!has('make', ['--version'])) m.push('make');
  if (!has('cc', ['--version'])) m.push('cc');
  if (!has('xz', ['--version'])) m.push('xz');
  return m;
}

/**
 * Installs Debian packages with apt-get when root; otherwise throws `why` with the exact
 * command to run. A tier that needs a system package never skips.
 */
export function aptInstall(packages: readonly string[], why: string, log: (s: string) => void): void {
  const cmd = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (!isRoot()) throw new Error(`${why}: install them with \`sudo ${cmd.replace('&& apt-get', '&& sudo apt-get')}\``);
  log(`${why}; running: ${cmd}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { timeoutMs: 300_000, env });
  run('apt-get', ['install', '-y', ...packages], { timeoutMs: 900_000, env });
}

/** Installs what is missing with apt-get when root; else fails with the command to run. Never skips. */
export function ensureRuntimeTools(log: (s: string) => void): void {
  let miss = missing();
  if (!miss.length) return;
  aptInstall(RUNTIME_APT_PACKAGES, `the runtime-proof tests need ${miss.join(', ')}`, log);
  miss = missing();
  if (miss.length) throw new Error(`still missing after installing ${RUNTIME_APT_PACKAGES.join(' ')}: ${miss.join(', ')}`);
}

/** Builds the seed extension into buildDir with a phpize / php-config pair; returns the .so. */
export function buildSeed(buildDir: string, phpize = 'phpize', phpConfig?: string, srcDir = SEED_DIR): string {
  fs.cpSync(srcDir, buildDir, { recursive: true });
  run(phpize, [], { cwd: buildDir });
  // -O0 -g: frames with file:line for valgrind, and no dead-store elimination of the memset.
  run('./configure', ['--enable-memory', ...(phpConfig ? [`--with-php-config=${phpConfig}`] : []), 'CFLAGS=-O0 -g'], { cwd: buildDir, timeoutMs: 180_000 });
  run('make', ['-j2'], { cwd: buildDir, timeoutMs: 180_000 });
  const so = path.join(buildDir, 'modules', 'memory.so');
  if (!fs.existsSync(so)) throw new Error(`make succeeded but ${so} is missing`);
  return so;
}

/** The docroot the HTTP tests serve: index.php?fn=… calls one of the seed's functions. */
export function writeDocroot(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ping.php'), '<?php echo "pong";\n');
  fs.writeFileSync(
    path.join(dir, 'index.php'),
    `<?php
$fn = $_GET['fn'] ?? '';
if (!in_array($fn, ['leak_malloc', 'leak_emalloc', 'no_leak'], true)) { http_response_code(400); echo 'unknown'; return; }
$fn();
echo 'ok';
`,
  );
}

// ---------- the CLI, asynchronously ----------

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCliAsync(args: string[], cwd: string, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliJs, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export function describeCli(r: CliResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout.slice(0, 4000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;
}

// ---------- php-fpm behind nginx, owned by the test ----------

export interface FpmOptions {
  /** php-fpm binary (default: Debian's). */
  fpm?: string;
  /** Arguments for php-fpm before -y (e.g. -n -d extension=…). */
  phpArgs: string[];
  docroot: string;
  maxRequests: number;
  /** Extra pool lines. */
  pool?: string[];
}

/** php-fpm (-F -R, one static worker) and nginx (daemon off) on free 127.0.0.1 ports. */
export class FpmNginx {
  private procs: ChildProcess[] = [];
  private out = '';
  port = 0;
  fpmPid = 0;
  readonly dir: string;
  readonly fpmLog: string;

  constructor(private readonly opts: FpmOptions, dir: string) {
    this.dir = dir;
    this.fpmLog = path.join(dir, 'php-fpm.log');
  }

  get log(): string {
    let fpm = '';
    try {
      fpm = fs.readFileSync(this.fpmLog, 'utf8');
    } catch {
      // not yet written
    }
    return `${this.out.slice(-3000)}\n--- php-fpm.log\n${fpm.slice(-3000)}`;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    const fpmPort = await freePort();
    this.port = await freePort();
    const fpmConf = path.join(this.dir, 'php-fpm.conf');
    fs.writeFileSync(
      fpmConf,
      [
        '[global]',
        `pid = ${path.join(this.dir, 'php-fpm.pid')}`,
        `error_log = ${this.fpmLog}`,
        'daemonize = no',
        'log_level = notice',
        '',
        '[www]',
        `listen = 127.0.0.1:${fpmPort}`,
        'listen.allowed_clients = 127.0.0.1',
        'pm = static',
        'pm.max_children = 1',
        `pm.max_requests = ${this.opts.maxRequests}`,
        'catch_workers_output = yes',
        'clear_env = no',
        ...(this.opts.pool ?? []),
        '',
      ].join('\n'),
    );
    const nginxConf = path.join(this.dir, 'nginx.conf');
    const t = (n: string) => path.join(this.dir, n);
    fs.writeFileSync(
      nginxConf,
      `daemon off;
worker_processes 1;
pid ${t('nginx.pid')};
error_log ${t('nginx-error.log')};
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${t('body')};
  fastcgi_temp_path ${t('fastcgi')};
  proxy_temp_path ${t('proxy')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  server {
    listen 127.0.0.1:${this.port};
    root ${this.opts.docroot};
    location ~ \\.php$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_pass 127.0.0.1:${fpmPort};
    }
  }
}
`,
    );
    const keep = (c: Buffer) => (this.out = (this.out + c.toString('utf8')).slice(-8000));
    const fpm = spawn(this.opts.fpm ?? fpmBinary() ?? 'php-fpm', [...this.opts.phpArgs, '-y', fpmConf, '-F', '-R'], { stdio: ['ignore', 'pipe', 'pipe'] });
    fpm.stdout!.on('data', keep);
    fpm.stderr!.on('data', keep);
    this.procs.push(fpm);
    this.fpmPid = fpm.pid ?? 0;
    const nginx = spawn(nginxBinary() ?? 'nginx', ['-c', nginxConf, '-p', this.dir, '-e', t('nginx-error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', keep);
    nginx.stderr!.on('data', keep);
    this.procs.push(nginx);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (this.procs.some((p) => p.exitCode !== null)) throw new Error(`php-fpm or nginx exited at start:\n${this.log}`);
      try {
        const r = await httpGet(this.port, '/ping.php', 2000);
        if (r.status === 200 && r.body.includes('pong')) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`nginx + php-fpm did not answer on 127.0.0.1:${this.port} within 15 s:\n${this.log}`);
      await sleep(100);
    }
  }

  /** Stops nginx and php-fpm (their PIDs only) and waits for them to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const timer = setTimeout(() => {
              try {
                p.kill('SIGKILL');
              } catch {
                // gone
              }
            }, 3000);
            p.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            // SIGQUIT: graceful for both (fpm's workers and nginx's workers go with their master).
            p.kill('SIGQUIT');
          }),
      ),
    );
    this.procs = [];
  }
}

// ---------- the debug build ----------

const DEBIAN_SOURCES = '/etc/apt/sources.list.d/debian.sources';

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether Debian source packages are enabled (deb822 `Types: deb deb-src`). */
function debSrcEnabled(): boolean {
  try {
    return /^Types:.*\bdeb-src\b/m.test(fs.readFileSync(DEBIAN_SOURCES, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Debian's php8.2 source tarball (the `.orig.tar.xz`): the one the corpora benchmark
 * downloaded, or one fetched with `apt-get source --download-only` into the cache.
 */
export function phpSourceTarball(log: (s: string) => void): string {
  return debianSourceTarball('php8.2', DEBUG_DEB_VERSION, `php8.2_${DEBUG_VERSION}.orig.tar.xz`, path.join(cacheRoot, 'php-debug', 'downloads'), log);
}

/**
 * A Debian source package's upstream tarball (`apt-get source --download-only PKG=VERSION`
 * into `downloads`, once; the accuracy scripts' copy under the cache serves when present).
 */
export function debianSourceTarball(pkg: string, debVersion: string, tarName: string, downloads: string, log: (s: string) => void): string {
  // Another script (the corpora benchmark, npm run accuracy) may have downloaded it already.
  const candidates = [
    path.join(cacheRoot, 'corpora', 'downloads', pkg, tarName),
    path.join(cacheRoot, 'corpora', 'src', tarName),
    path.join(downloads, tarName),
  ];
  const found = candidates.find((c) => fs.existsSync(c));
  if (found) return found;
  fs.mkdirSync(downloads, { recursive: true });
  log(`fetching Debian's ${pkg}=${debVersion} source package into ${downloads}`);
  try {
    if (!debSrcEnabled() && isRoot()) enableDebSrc(log);
    run('apt-get', ['source', '--download-only', `${pkg}=${debVersion}`], { cwd: downloads, timeoutMs: 600_000 });
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\nThis needs Debian source packages: in /etc/apt/sources.list.d/debian.sources set "Types: deb deb-src", run apt-get update, then \`apt-get source --download-only ${pkg}=${debVersion}\``,
    );
  }
  return path.join(downloads, tarName);
}

/** As root: turn `Types: deb` into `Types: deb deb-src` (what .ci/run does too), then apt-get update. */
function enableDebSrc(log: (s: string) => void): void {
  const text = fs.readFileSync(DEBIAN_SOURCES, 'utf8');
  fs.writeFileSync(DEBIAN_SOURCES, text.replace(/^Types:[ \t]*deb[ \t]*$/gm, 'Types: deb deb-src'));
  log(`debug build: enabled deb-src in ${DEBIAN_SOURCES}; apt-get update`);
  run('apt-get', ['update', '-qq'], { timeoutMs: 600_000 });
}

/**
 * A debug build of PHP (--enable-debug, CLI and FPM), built from Debian's php8.2 source
 * package into the cache on first use (~2 min on 2 cores), reused afterwards.
 */
export function ensureDebugPhp(log: (s: string) => void): { php: string; fpm: string; phpize: string; phpConfig: string } {
  const bin = (p: string) => path.join(debugPrefix, p);
  const done = bin('.complete');
  const result = { php: bin('bin/php'), fpm: bin('sbin/php-fpm'), phpize: bin('bin/phpize'), phpConfig: bin('bin/php-config') };
  if (fs.existsSync(done) && fs.existsSync(result.php) && fs.existsSync(result.fpm)) return result;

  const base = path.join(cacheRoot, 'php-debug');
  const srcRoot = path.join(base, 'src');
  fs.mkdirSync(srcRoot, { recursive: true });
  const tar = phpSourceTarball(log);
  const src = path.join(srcRoot, `php-${DEBUG_VERSION}`);
  fs.rmSync(src, { recursive: true, force: true });
  log(`debug build: extracting ${tar}`);
  run('tar', ['xf', tar], { cwd: srcRoot, timeoutMs: 300_000 });
  log('debug build: configure (--enable-debug --disable-all --enable-cli --enable-fpm)');
  run(
    './configure',
    [
      `--prefix=${debugPrefix}`,
      '--enable-debug',
      '--disable-all',
      '--enable-cli',
      '--disable-cgi',
      '--disable-phpdbg',
      '--enable-fpm',
      '--disable-opcache',
      '--without-pcre-jit',
      '--without-sqlite3',
      '--without-pdo-sqlite',
      '--without-libxml',
    ],
    { cwd: src, timeoutMs: 600_000 },
  );
  log('debug build: make -j2 (about 2 minutes)');
  run('make', ['-j2'], { cwd: src, timeoutMs: 1_800_000 });
  run('make', ['install'], { cwd: src, timeoutMs: 600_000 });
  fs.writeFileSync(done, new Date().toISOString() + '\n');
  fs.rmSync(src, { recursive: true, force: true });
  return result;
}
