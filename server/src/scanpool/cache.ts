// Analysis results keyed by content: a file whose bytes, analysis options and
// cross-file inputs are unchanged is not analysed again on the next scan. In
// memory in the server; the CLI may persist it under ~/.cache (--cache).
import * as fs from 'fs';
import * as path from 'path';
import type { AnalysisResult } from '../engine/types';

export interface CachedResult {
  result: AnalysisResult;
  lines: number;
}

export class ResultCache {
  private readonly map = new Map<string, CachedResult>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 200_000) {}

  get(key: string): CachedResult | undefined {
    const v = this.map.get(key);
    if (v) {
      this.hits++;
      // Least recently used goes first: re-insert on use.
      this.map.delete(key);
      this.map.set(key, v);
    } else {
      this.misses++;
    }
    return v;
  }

  set(key: string, value: CachedResult): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }

  /** Loads a cache file written by save(); a missing or bad file is an empty cache. */
  static load(file: string, maxEntries?: number): ResultCache {
    const c = new ResultCache(maxEntries);
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: number; entries?: Array<[string, CachedResult]> };
      if (data.format === 1 && Array.isArray(data.entries)) for (const [k, v] of data.entries) c.map.set(k, v);
    } catch {
      /* no cache yet */
    }
    return c;
  }

  /** Keeps only the entries `keep` names (this scan's), so the file does not grow without bound. */
  save(file: string, keep?: ReadonlySet<string>): void {
    const entries = [...this.map].filter(([k]) => !keep || keep.has(k));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: 1, entries }));
    fs.renameSync(tmp, file);
  }
}
