// What a scan worker does with one file: read it, hash it, analyse it in a
// workspace view of the scan's folders. Also run in-process for small scans,
// so the pooled and the inline paths share one definition.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { analyze } from '../engine/engine';
import { decodeText, readBytesSync } from '../engine/scan';
import { DiskWorkspace } from '../engine/workspace';
import type { JobResult, ScanJob, WorkspaceSpec } from './protocol';

/** A thread's workspaces, one per scan configuration; their per-file facts survive between scans. */
export class JobRunner {
  private readonly workspaces = new Map<string, DiskWorkspace>();

  /** A new scan: texts and listings may have changed (per-file facts are kept: they are checked against the text). */
  reset(): void {
    for (const ws of this.workspaces.values()) ws.invalidateListing();
  }

  workspace(spec: WorkspaceSpec): DiskWorkspace {
    const key = JSON.stringify(spec);
    let ws = this.workspaces.get(key);
    if (!ws) {
      ws = new DiskWorkspace({ ...spec });
      this.workspaces.set(key, ws);
    }
    return ws;
  }

  run(job: ScanJob): JobResult {
    let buf: Buffer;
    try {
      buf = readBytesSync(job.file, job.spec.maxFileSize); // the file door: no link, regular files only (a FIFO must not block the worker), capped on the read
    } catch (e) {
      return { id: job.id, lines: 0, error: e instanceof Error ? e.message : String(e), errorKind: 'read' };
    }
    const hash = createHash('sha1').update(buf).digest('hex');
    const lines = countLines(buf);
    try {
      const text = decodeText(buf);
      const result = analyze(
        { path: job.file, text, language: job.language },
        { profile: job.profile, rules: job.rules, workspace: this.workspace(job.spec), budgetMs: job.budgetMs },
      );
      return { id: job.id, hash, lines, result };
    } catch (e) {
      return { id: job.id, hash, lines, error: e instanceof Error ? (e.stack ?? e.message) : String(e), errorKind: 'analysis' };
    }
  }
}

export function countLines(buf: Uint8Array): number {
  let n = 0;
  let i = -1;
  while ((i = buf.indexOf(10, i + 1)) !== -1) n++;
  return buf.length && buf[buf.length - 1] !== 10 ? n + 1 : n;
}
