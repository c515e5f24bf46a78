// Messages between the scan pool (main thread) and its analysis workers
// (worker_threads). Everything here is plain data: it crosses threads by
// structured clone.
import type { AnalysisResult, DocLanguage, Profile, SeveritySetting } from '../engine/types';

/** The workspace a worker analyses a file in (cross-file facts: C summaries, the PHP index). */
export interface WorkspaceSpec {
  roots: string[];
  include: string[];
  exclude: string[];
  maxFileSize: number;
}

export interface ScanJob {
  id: number;
  file: string;
  language: DocLanguage;
  profile: Profile;
  rules: Record<string, SeveritySetting>;
  /** Per-file analysis time budget (ms); absent or 0: none. */
  budgetMs?: number;
  spec: WorkspaceSpec;
}

export interface JobResult {
  id: number;
  /** sha1 of the bytes analysed (the worker read them itself). */
  hash?: string;
  /** Lines of the file (for the scan's figures). */
  lines: number;
  result?: AnalysisResult;
  /** The file could not be read or the analysis threw outside a rule. */
  error?: string;
  /** What `error` is: 'read' (the file was not read: a skip), 'analysis' (threw outside a rule) or 'worker' (the worker died): failures. */
  errorKind?: 'read' | 'analysis' | 'worker';
}

export type ToWorker = { type: 'job'; job: ScanJob } | { type: 'reset' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'initError'; error: string }
  /** `memMb`: the worker's JS heap plus its external memory (the tree-sitter WebAssembly heap) after the job. */
  /** `prepared`: files this worker has parsed or summarised for a sibling, oldest first (it should get them next). */
  | { type: 'result'; res: JobResult; memMb: number; prepared?: string[] };
