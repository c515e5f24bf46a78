// A pool of analysis workers (worker_threads) for workspace scans. Each worker
// loads the parsers once (initEngine) and analyses the files it is sent; the
// main thread stays free for editor requests. Files are handed out by folder
// (a worker keeps to one folder while it has files: the C summaries of its
// siblings stay in that worker's cache), idle workers steal from the folder
// with the most files left. Cancel terminates the workers mid-file; workers
// are recycled after many files or when their memory grows past a bound.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { FromWorker, JobResult, ScanJob, ToWorker } from './protocol';

export interface PoolOptions {
  /** Number of workers (default: os.availableParallelism()). */
  size?: number;
  /** Folder holding the tree-sitter .wasm files (default: the bundle's folder). */
  wasmDir?: string;
  /** The worker script (default: dist/scan-worker.js beside the bundle, else the compiled worker.js). */
  workerScript?: string;
  /** A worker is replaced after this many files (default 4000). */
  recycleAfterFiles?: number;
  /** A worker is replaced when its JS heap + WebAssembly memory passes this many MB (default 1024). */
  maxWorkerMemoryMb?: number;
  /** Workers are stopped after this long without work (default: never). */
  idleTimeoutMs?: number;
}

export interface RunOptions {
  isCancelled?: () => boolean;
  onResult: (job: ScanJob, res: JobResult) => void;
}

interface Slot {
  worker: Worker;
  busy?: ScanJob;
  /** This run's listeners (removed when the run ends). */
  detach?: () => void;
  files: number;
  /** The folder this worker is working through. */
  dir?: string;
  /** Files the worker has already parsed or summarised for a sibling (it gets them first: their work is half done). */
  prepared?: string[];
  retiring?: boolean;
}

/** Where the worker script is: dist/scan-worker.js in the bundles, worker.js beside this module in out/. */
export function defaultWorkerScript(): string {
  const bundled = path.join(__dirname, 'scan-worker.js');
  if (fs.existsSync(bundled)) return bundled;
  return path.join(__dirname, 'worker.js');
}

export function defaultPoolSize(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n);
}

export class ScanPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly opts: Required<Omit<PoolOptions, 'idleTimeoutMs'>> & { idleTimeoutMs?: number };
  private runQueue: Promise<unknown> = Promise.resolve();
  private abortCurrent: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Workers started over the pool's life (recycling and cancels start new ones). */
  started = 0;
  recycled = 0;

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? defaultPoolSize());
    this.opts = {
      size: this.size,
      wasmDir: options.wasmDir ?? __dirname,
      workerScript: options.workerScript ?? defaultWorkerScript(),
      recycleAfterFiles: options.recycleAfterFiles ?? 4000,
      maxWorkerMemoryMb: options.maxWorkerMemoryMb ?? 1024,
      idleTimeoutMs: options.idleTimeoutMs,
    };
  }

  private spawn(): Slot {
    const worker = new Worker(this.opts.workerScript, {
      workerData: { wasmDir: this.opts.wasmDir },
      // A runaway file exhausts this worker's heap, not the server's.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(512, this.opts.maxWorkerMemoryMb * 2) },
    });
    worker.unref();
    this.started++;
    const slot: Slot = { worker, files: 0 };
    // A worker that dies between runs leaves the pool (the next run starts another).
    worker.once('exit', () => {
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !slot.detach) this.slots.splice(i, 1);
    });
    return slot;
  }

  private kill(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.detach?.();
    slot.detach = undefined;
    void slot.worker.terminate().catch(() => undefined);
  }

  /** Tell live workers a new scan starts (they re-read texts and listings; per-file facts are checked against the text). */
  private resetAll(): void {
    for (const s of this.slots) {
      s.worker.postMessage({ type: 'reset' } satisfies ToWorker);
      s.prepared = undefined; // the reset frees them
    }
  }

  /**
   * Analyses the jobs; results arrive through onResult in completion order.
   * Runs are serialised (a second run waits for the first). Resolves with
   * cancelled = true when isCancelled() turned true or cancel() was called:
   * in-flight analyses are then terminated, not awaited.
   */
  run(jobs: ScanJob[], ro: RunOptions): Promise<{ cancelled: boolean }> {
    const next = this.runQueue.then(() => this.runNow(jobs, ro));
    this.runQueue = next.catch(() => undefined);
    return next;
  }

  /** Stops the current run now (its in-flight files are abandoned). */
  cancel(): void {
    this.abortCurrent?.();
  }

  private runNow(jobs: ScanJob[], ro: RunOptions): Promise<{ cancelled: boolean }> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.resetAll();
    // Jobs grouped by folder, folders in the order they came.
    const groups = new Map<string, ScanJob[]>();
    for (const j of jobs) {
      const d = path.dirname(j.file);
      let g = groups.get(d);
      if (!g) groups.set(d, (g = []));
      g.push(j);
    }
    const untaken = [...groups.keys()];
    let remaining = jobs.length;

    const take = (slot: Slot): ScanJob | undefined => {
      for (const file of slot.prepared ?? []) {
        const g = groups.get(path.dirname(file));
        const i = g ? g.findIndex((j) => j.file === file) : -1;
        if (i >= 0) return g!.splice(i, 1)[0];
      }
      if (slot.dir) {
        const g = groups.get(slot.dir);
        if (g?.length) return g.shift();
      }
      while (untaken.length) {
        const d = untaken.shift()!;
        const g = groups.get(d)!;
        if (g.length) {
          slot.dir = d;
          return g.shift();
        }
      }
      // Steal from the end of the folder with the most files left.
      let best: ScanJob[] | undefined;
      for (const g of groups.values()) if (g.length && (!best || g.length > best.length)) best = g;
      return best?.pop();
    };

    return new Promise((resolve) => {
      let finished = false;
      const finish = (cancelled: boolean) => {
        if (finished) return;
        finished = true;
        this.abortCurrent = undefined;
        clearInterval(poll);
        if (cancelled) {
          // Terminate workers with a file in flight: a cancel must not wait for a slow file.
          for (const s of [...this.slots]) if (s.busy) this.kill(s);
        }
        for (const s of this.slots) {
          s.busy = undefined;
          s.detach?.();
          s.detach = undefined;
        }
        this.armIdle();
        resolve({ cancelled });
      };
      this.abortCurrent = () => finish(true);
      const poll = setInterval(() => {
        if (ro.isCancelled?.()) finish(true);
      }, 25);

      const done = (slot: Slot, job: ScanJob, res: JobResult) => {
        slot.busy = undefined;
        slot.files++;
        remaining--;
        try {
          ro.onResult(job, res);
        } catch {
          /* a consumer's bug must not stall the pool */
        }
        if (remaining === 0) return finish(false);
        if (ro.isCancelled?.()) return finish(true);
        feed(slot);
      };

      const attach = (slot: Slot) => {
        const onMessage = (m: FromWorker) => {
          if (finished || m.type !== 'result' || !slot.busy) return;
          const job = slot.busy;
          if (slot.files + 1 >= this.opts.recycleAfterFiles || m.memMb > this.opts.maxWorkerMemoryMb) slot.retiring = true;
          slot.prepared = m.prepared;
          done(slot, job, m.res);
        };
        const lost = (why: string) => {
          if (finished) return;
          const job = slot.busy;
          this.kill(slot);
          if (job) {
            // The file that took the worker down is reported, not retried.
            slot.busy = undefined;
            remaining--;
            try {
              ro.onResult(job, { id: job.id, lines: 0, error: `analysis worker stopped (${why})`, errorKind: 'worker' });
            } catch {
              /* ignore */
            }
            if (remaining === 0) return finish(false);
          }
          start();
        };
        const onError = (e: unknown) => lost(e instanceof Error ? e.message : String(e));
        const onExit = (code: number) => lost(`exit code ${code}`);
        slot.worker.on('message', onMessage);
        slot.worker.on('error', onError);
        slot.worker.on('exit', onExit);
        slot.detach = () => {
          slot.worker.off('message', onMessage);
          slot.worker.off('error', onError);
          slot.worker.off('exit', onExit);
        };
      };

      const feed = (slot: Slot) => {
        if (finished) return;
        if (slot.retiring) {
          this.recycled++;
          this.kill(slot);
          return start();
        }
        const job = take(slot);
        if (!job) return;
        slot.busy = job;
        slot.worker.postMessage({ type: 'job', job } satisfies ToWorker);
      };

      // Fill the pool up to its size with idle workers and give each one a file.
      const start = () => {
        while (!finished && this.slots.length < this.size && this.hasWork(groups)) {
          const s = this.spawn();
          this.slots.push(s);
          attach(s);
          feed(s);
        }
      };

      if (remaining === 0) return finish(false);
      for (const s of this.slots) {
        s.retiring = s.retiring || s.files >= this.opts.recycleAfterFiles;
        attach(s);
        feed(s);
      }
      start();
    });
  }

  private hasWork(groups: Map<string, ScanJob[]>): boolean {
    for (const g of groups.values()) if (g.length) return true;
    return false;
  }

  private armIdle(): void {
    if (this.opts.idleTimeoutMs === undefined) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      for (const s of [...this.slots]) if (!s.busy) this.kill(s);
    }, this.opts.idleTimeoutMs);
    this.idleTimer.unref();
  }

  /** Live workers (for tests and figures). */
  get workers(): number {
    return this.slots.length;
  }

  /** Stops every worker. */
  async dispose(): Promise<void> {
    this.cancel();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate().catch(() => undefined)));
  }
}
