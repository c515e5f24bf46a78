// Real PHP for the runtime tier: makes sure php-cli and php-dev are installed, builds the
// fixture extension in a temp dir, runs `php -S` and a long-running loop, and measures.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

/** The Debian packages this tier needs (php -S is part of php-cli; phpize is in php-dev). */
export const APT_PACKAGES = ['php-cli', 'php-dev'];

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return !r.error && r.status === 0;
}

function missingTools(): string[] {
  const missing: string[] = [];
  if (!has('php', ['-v'])) missing.push('php');
  if (!has('phpize', ['--version'])) missing.push('phpize');
  if (!has('php-config', ['--version'])) missing.push('php-config');
  if (!has('make', ['--version'])) missing.push('make');
  if (!has('cc', ['--version'])) missing.push('cc');
  return missing;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().slice(-4000);
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${r.error ? r.error.message : `exit ${r.status}${r.signal ? `, signal ${r.signal}` : ''}`}):\n${out}`);
  }
  return r.stdout;
}

/**
 * php, phpize, php-config, make and a C compiler. When one is missing: as root, installs the
 * packages with apt-get (update first); otherwise fails with the command to run. Never skips.
 */
export function ensurePhpToolchain(log: (s: string) => void): void {
  let missing = missingTools();
  if (missing.length === 0) return;
  const pkgs = [...APT_PACKAGES];
  if (missing.includes('make') || missing.includes('cc')) pkgs.push('build-essential');
  const install = `apt-get update && apt-get install -y ${pkgs.join(' ')}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(
      `the runtime tier needs ${missing.join(', ')}: install them with \`sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}\``,
    );
  }
  log(`runtime tier: ${missing.join(', ')} missing, running: ${install}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], '/', 300_000, env);
  run('apt-get', ['install', '-y', ...pkgs], '/', 600_000, env);
  missing = missingTools();
  if (missing.length) throw new Error(`still missing after \`${install}\`: ${missing.join(', ')}`);
}

/** Copies the fixture to `buildDir` and builds it with phpize/configure/make; returns the .so. */
export function buildExtension(fixtureDir: string, buildDir: string, name: string): string {
  fs.cpSync(fixtureDir, buildDir, { recursive: true });
  run('phpize', [], buildDir, 120_000);
  // -O0: at -O2 GCC drops a malloc'd block that is only memset and never read (malloc,
  // __zend_malloc and _emalloc carry the malloc attribute, so the memset is a dead store and
  // an unused malloc is removed): the leak would never touch memory and RSS would stay flat.
  run('./configure', [`--enable-${name}`, 'CFLAGS=-O0 -g'], buildDir, 180_000);
  run('make', ['-j2'], buildDir, 180_000);
  const so = path.join(buildDir, 'modules', `${name}.so`);
  if (!fs.existsSync(so)) throw new Error(`make succeeded but ${so} is missing`);
  return so;
}

/** Least-squares slope of ys against 0, 1, 2, … (units of y per step). */
export function slope(ys: number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - mx) * (ys[i] - my);
    den += (i - mx) * (i - mx);
  }
  return num / den;
}

/** VmRSS of a live process in bytes, from /proc/<pid>/status. */
export function vmRssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET on loopback, no keep-alive; resolves with status and body. */
export function httpGet(port: number, pathAndQuery: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathAndQuery, agent: false, headers: { Connection: 'close' }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${pathAndQuery} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `php -S 127.0.0.1:<port>` serving docroot with the extension loaded, single process. */
export class PhpBuiltinServer {
  readonly proc: ChildProcess;
  private output = '';
  private exited = false;

  private constructor(proc: ChildProcess, readonly port: number) {
    this.proc = proc;
    const keep = (c: Buffer) => {
      this.output = (this.output + c.toString('utf8')).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get log(): string {
    return this.output;
  }

  static async start(so: string, docroot: string, iniArgs: string[] = []): Promise<PhpBuiltinServer> {
    const port = await freePort();
    const env = { ...process.env };
    // With PHP_CLI_SERVER_WORKERS set, php -S forks workers and the PID we sample would not
    // be the one serving requests.
    delete env.PHP_CLI_SERVER_WORKERS;
    const proc = spawn('php', ['-d', `extension=${so}`, ...iniArgs, '-S', `127.0.0.1:${port}`, '-t', docroot], {
      cwd: docroot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new PhpBuiltinServer(proc, port);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (server.exited) throw new Error(`php -S exited at start:\n${server.log}`);
      try {
        const r = await httpGet(port, '/ping.php', 2000);
        if (r.status === 200) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        server.stop();
        throw new Error(`php -S did not answer on 127.0.0.1:${port} within 10 s:\n${server.log}`);
      }
      await sleep(50);
    }
  }

  /** The server's children (there must be none: no forked workers), from /proc. */
  children(): number[] {
    try {
      const text = fs.readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8');
      return text.split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  stop(): void {
    if (!this.exited && this.proc.pid) {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Runs a PHP script to completion and parses the JSON it prints. */
export function runPhpJson<T>(so: string, script: string, args: string[], cwd: string, timeoutMs = 60_000): T {
  const env = { ...process.env };
  delete env.PHP_CLI_SERVER_WORKERS;
  const out = run('php', ['-d', `extension=${so}`, '-d', 'memory_limit=1G', script, ...args], cwd, timeoutMs, env);
  try {
    return JSON.parse(out) as T;
  } catch (e) {
    throw new Error(`php ${path.basename(script)} printed no JSON (${e}):\n${out.slice(0, 2000)}`);
  }
}
