// A workspace scan over the pool, shared by the LSP server and the CLI:
// walk the folders (engine/scan.ts), hash every file, answer unchanged files
// from the result cache, send the rest to the workers (or analyse them in this
// thread for small scans), and hand each file's result back as it arrives.
//
// A cached result is keyed by everything the analysis reads: the file's bytes,
// its path, the options (profile, rules, budget), the workspace configuration,
// and the files whose facts it may use — for C the .c files of its folder (the
// cross-file summaries), for PHP every PHP file (the workspace index), for
// configuration files the other configuration files (effective values).
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readBytes, walkFiles, type SkippedEntry } from '../engine/scan';
import type { ProfileDecision } from '../engine/profile';
import type { Settings } from '../engine/settings';
import type { AnalysisResult, DocLanguage } from '../engine/types';
import { JobRunner } from './analyzeJob';
import type { ResultCache } from './cache';
import type { ScanPool } from './pool';
import { SCAN_PREPARED_CHARS, SCAN_PREPARED_FILES, clearPrepared, enablePreparedFiles, preparedEnabled, preparedKeys } from '../engine/c/prepared';
import type { JobResult, ScanJob, WorkspaceSpec } from './protocol';

export interface ScanTarget {
  /** A folder or a file to scan. */
  root: string;
  settings: Settings;
}

export interface ScannedFile {
  /** Position of the file in walk order (stable output order). */
  index: number;
  path: string;
  language: DocLanguage;
  profile: ProfileDecision;
  result: AnalysisResult;
  lines: number;
  cached: boolean;
}

export interface PooledScanOptions {
  targets: ScanTarget[];
  /** The folders cross-file facts come from (the workspace folders; the CLI: the scanned folders). */
  workspaceRoots: string[];
  /** The runtime profile of a file (decided in this thread: it reads composer.json and friends). */
  profileOf: (file: string, target: ScanTarget) => ProfileDecision;
  /**
   * The workers, or a function choosing them from the number of files to analyse
   * (after the cache); absent or undefined: every file is analysed in this thread.
   */
  pool?: ScanPool | ((files: number) => ScanPool | undefined);
  /** The in-thread runner (keep one to reuse its per-file facts between scans). */
  inline?: JobRunner;
  cache?: ResultCache;
  /** Part of every cache key: bump when the engine changes (the tool version and build). */
  engineKey?: string;
  isCancelled?: () => boolean;
  onSkip?: (s: SkippedEntry) => void;
  /**
   * A file whose analysis failed outside a rule: the worker died or the analysis threw (a
   * rule that throws is in the file's `result.failures`). Absent: reported through onSkip.
   */
  onFailure?: (f: { path: string; reason: string }) => void;
  /** Listing done: how many files will be analysed or answered from the cache. */
  onListed?: (total: number) => void;
  onProgress?: (done: number, total: number) => void;
  onFile: (f: ScannedFile) => void;
}

export interface PooledScanSummary {
  files: number;
  lines: number;
  analysed: number;
  cached: number;
  cancelled: boolean;
  /** Cache keys of this scan's files (what a persisted cache keeps). */
  keys: Set<string>;
}

interface Entry {
  index: number;
  path: string;
  language: DocLanguage;
  target: ScanTarget;
  hash?: string;
  key?: string;
  profile?: ProfileDecision;
}

const sha1 = (s: string | Uint8Array) => createHash('sha1').update(s).digest('hex');

function specOf(roots: string[], s: Settings): WorkspaceSpec {
  return { roots, include: s.include, exclude: s.exclude, maxFileSize: s.maxFileSize };
}

/** Which fingerprint a file's cross-file inputs are in. */
function depGroup(e: { path: string; language: DocLanguage }): string {
  if (e.language === 'c') return `c:${path.dirname(e.path)}`;
  if (e.language === 'php') return 'php';
  return 'config';
}

export async function scanWithPool(o: PooledScanOptions): Promise<PooledScanSummary> {
  const cancelled = () => !!o.isCancelled?.();
  const summary: PooledScanSummary = { files: 0, lines: 0, analysed: 0, cached: 0, cancelled: false, keys: new Set() };

  // 1. List.
  const entries: Entry[] = [];
  for (const target of o.targets) {
    for await (const e of walkFiles(target.root, { ...target.settings, isCancelled: cancelled, onSkip: o.onSkip })) {
      entries.push({ index: entries.length, path: e.path, language: e.language, target });
      if (cancelled()) break;
    }
    if (cancelled()) break;
  }
  if (cancelled()) return { ...summary, cancelled: true };

  // 2. Hash (a few reads at a time; the bytes are dropped at once).
  let next = 0;
  const readers = Array.from({ length: Math.min(8, entries.length) }, async () => {
    while (next < entries.length && !cancelled()) {
      const e = entries[next++];
      try {
        e.hash = sha1(await readBytes(e.path, e.target.settings.maxFileSize)); // the file door: no link, regular files only, capped
      } catch (err) {
        o.onSkip?.({ path: e.path, reason: err instanceof Error ? err.message : String(err) });
      }
    }
  });
  await Promise.all(readers);
  if (cancelled()) return { ...summary, cancelled: true };
  const live = entries.filter((e) => e.hash !== undefined);

  // 3. Fingerprints of the cross-file inputs, then one key per file.
  const groupParts = new Map<string, string[]>();
  for (const e of live) {
    if (e.language === 'c' && !e.path.endsWith('.c')) continue; // summaries come from .c files only
    const g = depGroup(e);
    if (g === 'config' && (e.language === 'c' || e.language === 'php')) continue;
    let parts = groupParts.get(g);
    if (!parts) groupParts.set(g, (parts = []));
    parts.push(`${e.path}\u0000${e.hash}`);
  }
  const fingerprints = new Map<string, string>();
  for (const [g, parts] of groupParts) fingerprints.set(g, sha1(parts.sort().join('\n')));
  const profiles = new Map<string, ProfileDecision>();
  const engineKey = o.engineKey ?? '';
  for (const e of live) {
    const pk = `${o.targets.indexOf(e.target)}\u0000${path.dirname(e.path)}`;
    let p = profiles.get(pk);
    if (!p) profiles.set(pk, (p = o.profileOf(e.path, e.target)));
    e.profile = p;
    const s = e.target.settings;
    e.key = sha1(
      JSON.stringify([engineKey, specOf(o.workspaceRoots, s), p.profile, s.rules, s.analysisTimeBudget, e.language, e.path, e.hash, fingerprints.get(depGroup(e)) ?? '']),
    );
    summary.keys.add(e.key);
  }
  o.onListed?.(live.length);

  // 4. Cached results first, then the rest through the workers.
  let done = 0;
  const emit = (e: Entry, result: AnalysisResult, lines: number, cached: boolean) => {
    summary.files++;
    summary.lines += lines;
    if (cached) summary.cached++;
    else summary.analysed++;
    o.onFile({ index: e.index, path: e.path, language: e.language, profile: e.profile!, result, lines, cached });
  };
  const jobs: ScanJob[] = [];
  const byId = new Map<number, Entry>();
  for (const e of live) {
    const hit = o.cache?.get(e.key!);
    if (hit) {
      emit(e, hit.result, hit.lines, true);
      o.onProgress?.(++done, live.length);
      continue;
    }
    const s = e.target.settings;
    const job: ScanJob = {
      id: e.index,
      file: e.path,
      language: e.language,
      profile: e.profile!.profile,
      rules: s.rules,
      budgetMs: s.analysisTimeBudget,
      spec: specOf(o.workspaceRoots, s),
    };
    jobs.push(job);
    byId.set(job.id, e);
  }
  const onResult = (job: ScanJob, res: JobResult) => {
    const e = byId.get(job.id)!;
    done++;
    if (res.error !== undefined || !res.result) {
      const reason = (res.error ?? 'no result').split('\n')[0];
      if (res.errorKind === 'read' || !o.onFailure) o.onSkip?.({ path: e.path, reason });
      else o.onFailure({ path: e.path, reason });
    } else {
      // Cached only when the worker analysed the bytes this scan hashed (no edit in between), and complete.
      if (o.cache && res.hash === e.hash && !res.result.failures.length) o.cache.set(e.key!, { result: res.result, lines: res.lines });
      emit(e, res.result, res.lines, false);
    }
    o.onProgress?.(done, live.length);
  };
  const pool = typeof o.pool === 'function' ? (jobs.length ? o.pool(jobs.length) : undefined) : o.pool;
  if (pool && jobs.length) {
    const r = await pool.run(jobs, { isCancelled: o.isCancelled, onResult });
    summary.cancelled = r.cancelled;
  } else {
    const runner = o.inline ?? new JobRunner();
    runner.reset();
    // As in a worker: a sibling's parse and summary pass wait for its own analysis, which comes next.
    const wasOn = preparedEnabled();
    if (!wasOn) enablePreparedFiles(SCAN_PREPARED_FILES, SCAN_PREPARED_CHARS);
    try {
      const queue = [...jobs];
      while (queue.length) {
        if (cancelled()) break;
        let next = 0;
        for (const file of preparedKeys()) {
          const i = queue.findIndex((j) => j.file === file);
          if (i >= 0) {
            next = i;
            break;
          }
        }
        const job = queue.splice(next, 1)[0];
        onResult(job, runner.run(job));
        // Let cancellation and editor requests through between files.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      if (!wasOn) {
        enablePreparedFiles(0, 0);
        clearPrepared();
      }
    }
  }
  summary.cancelled = summary.cancelled || cancelled();
  return summary;
}
