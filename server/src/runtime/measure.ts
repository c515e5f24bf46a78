// Measuring memory per request: (a) a running server (php -S, php-fpm) driven over HTTP
// while the serving process's RSS is sampled from /proc, (b) a handler run many times in one
// long-running PHP process (the shipped harness.php). No VS Code or LSP imports: the CLI and
// the VS Code client both drive these functions.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { analyzeSeries, formatBytes, type Analysis, type Sample, type Verdict } from './stats';
import { childrenOf, processExists, processName, readRss } from './proc';

export const LIMITS = {
  maxRequests: 100_000,
  maxIterations: 10_000_000,
  /** Seconds, the default overall time limit. */
  defaultTimeout: 120,
  maxTimeout: 3600,
  requestTimeoutMs: 30_000,
} as const;

/** Growth below these is noise: RSS moves in pages and allocator chunks; memory_get_usage is exact. */
export const NOISE_FLOOR = { rss: 256 * 1024, usage: 16 * 1024 } as const;

export interface Series {
  /** 'rss' (VmRSS) or 'usage' (memory_get_usage()). */
  metric: 'rss' | 'usage';
  /** What was sampled, e.g. "php -S (pid 123)", "php-fpm pool of 456", "harness (pid 789)". */
  label: string;
  samples: Sample[];
  analysis: Analysis;
}

export interface WorkerEvent {
  /** Requests done when the change was seen. */
  at: number;
  kind: 'recycled' | 'spawned';
  /** Recycled: the PID that went away; spawned: the new PID. */
  pid: number;
}

export interface MeasureResult {
  mode: 'url' | 'script';
  target: string;
  /** Requests sent or handler calls made. */
  count: number;
  warmup: number;
  verdict: Verdict;
  /** Why, in one sentence. */
  reason: string;
  series: Series[];
  /** php-fpm workers replaced (pm.max_requests, crashes) or added while measuring. */
  workers: WorkerEvent[];
  /** Per-worker growth (bytes/request) while a worker lived, when workers were followed. */
  perWorkerSlope?: number;
  /** Garbage collection runs seen by the harness. */
  gcRuns?: number;
  /** HTTP status counts (url mode). */
  statuses?: Record<string, number>;
  stoppedEarly?: string;
  durationMs: number;
  warnings: string[];
}

export interface MeasureHooks {
  signal?: AbortSignal;
  /** Called after each sample with the count done so far. */
  onProgress?: (done: number, total: number) => void;
}

export class MeasureError extends Error {}

// ---------- the URL mode ----------

export interface UrlOptions {
  url: string;
  requests: number;
  pid?: number;
  fpmMaster?: number;
  warmup?: number;
  /** Requests between two samples (default: about 60 samples in all, at least 1). */
  batch?: number;
  timeoutSec?: number;
  allowRemote?: boolean;
  noiseFloor?: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?|\[?::ffff:127(?:\.\d{1,3}){3}\]?)$/i;

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/\.$/, ''));
}

/** Parses and checks the URL: http(s) only; non-loopback hosts need allowRemote. */
export function checkUrl(raw: string, allowRemote: boolean): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new MeasureError(`not a URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MeasureError(`only http and https URLs are measured (got ${u.protocol})`);
  if (!isLoopbackHost(u.hostname) && !allowRemote) {
    throw new MeasureError(
      `${u.hostname} is not a loopback address: measure sends many requests, so only 127.0.0.1, ::1 and localhost are allowed unless --allow-remote is given`,
    );
  }
  return u;
}

function checkCount(name: string, n: number, max: number): void {
  if (!Number.isInteger(n) || n < 1 || n > max) throw new MeasureError(`${name} must be an integer from 1 to ${max} (got ${n})`);
}

function timeoutOf(sec: number | undefined): number {
  const t = sec ?? LIMITS.defaultTimeout;
  if (!(t > 0) || t > LIMITS.maxTimeout) throw new MeasureError(`the time limit must be between 0 and ${LIMITS.maxTimeout} seconds (got ${t})`);
  return t;
}

function get(u: URL, signal: AbortSignal | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(u, { agent: false, headers: { Connection: 'close', 'User-Agent': 'php-leak-measure' }, timeout: LIMITS.requestTimeoutMs, signal }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${LIMITS.requestTimeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

const defaultWarmup = (n: number) => Math.max(1, Math.min(20, Math.round(n * 0.1)));

/**
 * Sends `requests` GETs, one at a time, and samples the serving process's RSS after each
 * batch. With fpmMaster the pool's children are followed: a worker that goes away and is
 * replaced is reported as recycling, and the memory of the pool is the sum of its workers.
 */
export async function measureUrl(opts: UrlOptions, hooks: MeasureHooks = {}): Promise<MeasureResult> {
  const t0 = Date.now();
  const u = checkUrl(opts.url, !!opts.allowRemote);
  checkCount('the number of requests', opts.requests, LIMITS.maxRequests);
  if ((opts.pid === undefined) === (opts.fpmMaster === undefined)) throw new MeasureError('give either the server PID or the php-fpm master PID');
  const watched = (opts.pid ?? opts.fpmMaster)!;
  if (!Number.isInteger(watched) || watched <= 0 || !processExists(watched)) throw new MeasureError(`no process ${watched} (or /proc/${watched}/status is not readable)`);
  const deadline = t0 + timeoutOf(opts.timeoutSec) * 1000;
  const warmup = opts.warmup ?? defaultWarmup(opts.requests);
  const batch = Math.max(1, opts.batch ?? Math.ceil(opts.requests / 60));
  const warnings: string[] = [];
  if (!isLoopbackHost(u.hostname)) warnings.push(`${u.hostname} is not a loopback address: the PID sampled must be the one serving these requests`);
  if (opts.fpmMaster !== undefined && childrenOf(opts.fpmMaster).length === 0) {
    throw new MeasureError(`process ${opts.fpmMaster} (${processName(opts.fpmMaster) ?? '?'}) has no children: is it the php-fpm master?`);
  }

  const samples: Sample[] = [];
  const workers: WorkerEvent[] = [];
  const statuses: Record<string, number> = {};
  // Per worker: [x, rss] while it lived, to estimate the per-worker growth under recycling.
  const perWorker = new Map<number, Sample[]>();
  let known = new Set<number>(opts.fpmMaster !== undefined ? childrenOf(opts.fpmMaster) : []);
  let stoppedEarly: string | undefined;

  const sample = (done: number): boolean => {
    if (opts.pid !== undefined) {
      const rss = readRss(opts.pid);
      if (rss === undefined) {
        stoppedEarly = `process ${opts.pid} went away after ${done} requests`;
        return false;
      }
      samples.push({ x: done, y: rss });
      return true;
    }
    const kids = childrenOf(opts.fpmMaster!);
    if (kids.length === 0 && !processExists(opts.fpmMaster!)) {
      stoppedEarly = `the php-fpm master ${opts.fpmMaster} went away after ${done} requests`;
      return false;
    }
    const now = new Set(kids);
    for (const p of known) if (!now.has(p)) workers.push({ at: done, kind: 'recycled', pid: p });
    for (const p of now) if (!known.has(p) && done > 0) workers.push({ at: done, kind: 'spawned', pid: p });
    known = now;
    let total = 0;
    for (const p of kids) {
      const rss = readRss(p);
      if (rss === undefined) continue;
      total += rss;
      const list = perWorker.get(p) ?? [];
      list.push({ x: done, y: rss });
      perWorker.set(p, list);
    }
    samples.push({ x: done, y: total });
    return true;
  };

  sample(0);
  let done = 0;
  while (done < opts.requests && !stoppedEarly) {
    if (hooks.signal?.aborted) throw new MeasureError('cancelled');
    if (Date.now() > deadline) {
      stoppedEarly = `time limit reached after ${done} requests`;
      break;
    }
    const n = Math.min(batch, opts.requests - done);
    for (let i = 0; i < n; i++) {
      let status: number;
      try {
        status = await get(u, hooks.signal);
      } catch (e) {
        if (hooks.signal?.aborted) throw new MeasureError('cancelled');
        throw new MeasureError(`request ${done + 1} to ${u.href} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      done++;
    }
    if (!sample(done)) break;
    hooks.onProgress?.(done, opts.requests);
  }
  const bad = Object.entries(statuses).filter(([s]) => !/^2/.test(s));
  if (bad.length) warnings.push(`non-2xx answers: ${bad.map(([s, n]) => `${n} x ${s}`).join(', ')}`);

  const metricLabel = opts.pid !== undefined ? `${processName(opts.pid) ?? 'process'} (pid ${opts.pid}) RSS` : `php-fpm pool of master ${opts.fpmMaster}: sum of the workers' RSS`;
  const analysis = analyzeSeries(samples, { warmup, noiseFloor: opts.noiseFloor ?? NOISE_FLOOR.rss });
  const recycled = workers.filter((w) => w.kind === 'recycled');
  let perWorkerSlope: number | undefined;
  let verdict = analysis.verdict;
  let reason = analysis.reason;
  if (opts.fpmMaster !== undefined) {
    // Growth within each worker's life, weighted by its samples after the warm-up.
    let num = 0;
    let den = 0;
    for (const list of perWorker.values()) {
      const after = list.filter((s) => s.x > warmup);
      if (after.length < 2) continue;
      num += after[after.length - 1].y - after[0].y;
      den += after[after.length - 1].x - after[0].x;
    }
    perWorkerSlope = den > 0 ? num / den : undefined;
    if (recycled.length) {
      // With recycling the pool's memory is a sawtooth whose teeth are worker lifetimes: the
      // question is whether successive workers peak higher and higher, not whether the
      // running maximum moved by a few pages between two teeth.
      const gens = [...perWorker.values()]
        .filter((l) => l.length > 0)
        .map((l) => ({ end: l[l.length - 1].x, birth: l[0].y, peak: Math.max(...l.map((p) => p.y)) }))
        .sort((p, q) => p.end - q.end);
      const median = (v: number[]) => {
        const w = [...v].sort((p, q) => p - q);
        return w.length ? (w[(w.length - 1) >> 1] + w[w.length >> 1]) / 2 : 0;
      };
      const floor = opts.noiseFloor ?? NOISE_FLOOR.rss;
      const what = `${recycled.length} worker${recycled.length === 1 ? '' : 's'} replaced` + (perWorkerSlope !== undefined ? `; each grew ${Math.round(perWorkerSlope)} bytes/request while it lived` : '');
      if (gens.length < 4) {
        verdict = 'inconclusive';
        reason = `${what}; too few worker lifetimes (${gens.length}) to tell whether the peaks rise: send more requests`;
      } else {
        const half = gens.length >> 1;
        const rise = median(gens.slice(half).map((g) => g.peak)) - median(gens.slice(0, half).map((g) => g.peak));
        const tooth = median(gens.map((g) => g.peak - g.birth));
        const allowed = Math.max(floor, 0.25 * tooth);
        if (rise <= allowed) {
          verdict = 'plateau';
          reason = `bounded by recycling: ${what}; the workers' peaks do not rise (${formatBytes(rise)} between the first and the last half of ${gens.length} lifetimes)`;
        } else {
          verdict = 'leak';
          reason = `the peaks of successive workers keep rising (${formatBytes(rise)} between the first and the last half of ${gens.length} lifetimes) despite recycling: ${what}`;
        }
      }
    }
  }
  return {
    mode: 'url',
    target: u.href,
    count: done,
    warmup,
    verdict,
    reason,
    series: [{ metric: 'rss', label: metricLabel, samples, analysis }],
    workers,
    perWorkerSlope,
    statuses,
    stoppedEarly,
    durationMs: Date.now() - t0,
    warnings,
  };
}

// ---------- the long-running mode ----------

export interface ScriptOptions {
  script: string;
  call?: string;
  iterations: number;
  php?: string;
  /** Arguments for php before the harness (e.g. -d extension=…, -d memory_limit=1G). */
  phpArgs?: string[];
  warmup?: number;
  /** Samples wanted (default 200). */
  samples?: number;
  timeoutSec?: number;
  cwd?: string;
  /** The harness file (default: harness.php beside the bundle). */
  harness?: string;
  noiseFloor?: { rss?: number; usage?: number };
}

/** Where the shipped harness is: beside the bundle (dist/), else in the sources. */
export function harnessPath(): string {
  const candidates = [
    path.join(__dirname, 'harness.php'),
    path.join(__dirname, '..', 'dist', 'harness.php'),
    path.resolve(__dirname, '..', '..', '..', '..', 'server', 'src', 'runtime', 'harness.php'), // out/server/src/runtime -> repo
    path.resolve(__dirname, '..', 'server', 'src', 'runtime', 'harness.php'),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new MeasureError(`harness.php not found (looked in ${candidates.join(', ')})`);
}

interface HarnessLine {
  event: 'start' | 'sample' | 'done' | 'timeout' | 'error';
  i?: number;
  usage?: number;
  rss?: number;
  gc?: number;
  message?: string;
}

/** Runs the handler `iterations` times in one PHP process and analyses memory_get_usage() and RSS. */
export async function measureScript(opts: ScriptOptions, hooks: MeasureHooks = {}): Promise<MeasureResult> {
  const t0 = Date.now();
  checkCount('the number of iterations', opts.iterations, LIMITS.maxIterations);
  const cwd = opts.cwd ?? process.cwd();
  const script = path.resolve(cwd, opts.script);
  if (!fs.existsSync(script)) throw new MeasureError(`no such file: ${opts.script}`);
  if (opts.call !== undefined && !/^[A-Za-z_\\][A-Za-z0-9_\\]*(::[A-Za-z_][A-Za-z0-9_]*)?$/.test(opts.call)) {
    throw new MeasureError(`--call expects a function name or Class::method (got "${opts.call}")`);
  }
  const timeoutSec = timeoutOf(opts.timeoutSec);
  const warmup = opts.warmup ?? defaultWarmup(opts.iterations);
  const every = Math.max(1, Math.floor(opts.iterations / Math.max(10, opts.samples ?? 200)));
  const harness = opts.harness ?? harnessPath();
  const php = opts.php ?? 'php';
  const args = [...(opts.phpArgs ?? []), harness, script, String(opts.iterations), String(every), String(timeoutSec), ...(opts.call ? [opts.call] : [])];

  const usage: Sample[] = [];
  const rss: Sample[] = [];
  let gcRuns = 0;
  let error: string | undefined;
  let stoppedEarly: string | undefined;
  let stderr = '';
  let pid = 0;

  await new Promise<void>((resolve, reject) => {
    const child = spawn(php, args, { cwd, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env } });
    pid = child.pid ?? 0;
    let buf = '';
    const killer = setTimeout(() => {
      stoppedEarly = `time limit of ${timeoutSec} s reached`;
      child.kill('SIGKILL');
    }, (timeoutSec + 10) * 1000);
    const onAbort = () => child.kill('SIGKILL');
    hooks.signal?.addEventListener('abort', onAbort);
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('@@php-leak ')) continue;
        let h: HarnessLine;
        try {
          h = JSON.parse(line.slice(11)) as HarnessLine;
        } catch {
          continue;
        }
        if (h.event === 'error') error = h.message;
        if (h.i === undefined || h.usage === undefined) continue;
        if (h.event === 'timeout') stoppedEarly = `time limit of ${timeoutSec} s reached after ${h.i} calls`;
        usage.push({ x: h.i, y: h.usage });
        if ((h.rss ?? -1) >= 0) rss.push({ x: h.i, y: h.rss! });
        gcRuns = h.gc ?? gcRuns;
        hooks.onProgress?.(h.i, opts.iterations);
      }
    });
    child.on('error', (e) => {
      clearTimeout(killer);
      hooks.signal?.removeEventListener('abort', onAbort);
      reject(new MeasureError(`could not start ${php}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      hooks.signal?.removeEventListener('abort', onAbort);
      if (hooks.signal?.aborted) return reject(new MeasureError('cancelled'));
      if (error) return reject(new MeasureError(error));
      if (code !== 0 && !stoppedEarly) {
        const done = usage.length ? usage[usage.length - 1].x : 0;
        if (done === 0) return reject(new MeasureError(`php exited with ${code ?? signal} before the first sample:\n${stderr.trim()}`));
        stoppedEarly = `php exited with ${code ?? signal} after ${done} calls: ${stderr.trim().split('\n').slice(-3).join(' ')}`;
      }
      resolve();
    });
  });

  // Deduplicate the last sample (the loop's last sample and 'done' have the same i).
  const dedupe = (s: Sample[]) => s.filter((v, i) => i === 0 || v.x !== s[i - 1].x);
  const series: Series[] = [];
  const u = dedupe(usage);
  const r = dedupe(rss);
  series.push({ metric: 'usage', label: `memory_get_usage() in php (pid ${pid})`, samples: u, analysis: analyzeSeries(u, { warmup, unit: 'call', noiseFloor: opts.noiseFloor?.usage ?? NOISE_FLOOR.usage }) });
  if (r.length) series.push({ metric: 'rss', label: `php (pid ${pid}) RSS`, samples: r, analysis: analyzeSeries(r, { warmup, unit: 'call', noiseFloor: opts.noiseFloor?.rss ?? NOISE_FLOOR.rss }) });
  const count = u.length ? u[u.length - 1].x : 0;
  const { verdict, reason } = combine(series);
  const warnings: string[] = [];
  if (gcRuns === 0 && opts.iterations >= 1000) warnings.push('the garbage collector never ran: if the handler makes cycles, run more iterations so that several collections are seen');
  return {
    mode: 'script',
    target: opts.call ? `${script} :: ${opts.call}()` : script,
    count,
    warmup,
    verdict,
    reason,
    series,
    workers: [],
    gcRuns,
    stoppedEarly,
    durationMs: Date.now() - t0,
    warnings,
  };
}

/** Leak when any series leaks; plateau when all plateau; else inconclusive. */
export function combine(series: Series[]): { verdict: Verdict; reason: string } {
  const name = (s: Series) => (s.metric === 'rss' ? 'RSS' : 'memory_get_usage()');
  const leaking = series.filter((s) => s.analysis.verdict === 'leak');
  if (leaking.length) return { verdict: 'leak', reason: leaking.map((s) => `${name(s)}: ${s.analysis.reason}`).join('; ') };
  if (series.length && series.every((s) => s.analysis.verdict === 'plateau')) {
    return { verdict: 'plateau', reason: series.map((s) => `${name(s)}: ${s.analysis.reason}`).join('; ') };
  }
  return { verdict: 'inconclusive', reason: series.filter((s) => s.analysis.verdict !== 'plateau').map((s) => `${name(s)}: ${s.analysis.reason}`).join('; ') || 'no samples' };
}
