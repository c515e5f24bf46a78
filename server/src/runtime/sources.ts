// Mapping a file named in a runtime report (a valgrind frame, a debug build's leak line) to a
// C source of the workspace. Extensions are often built in another folder (a copy, a
// container, a CI checkout), so besides "inside the root" the longest matching path suffix
// under the root counts: /tmp/build/ext/memory.c -> <root>/ext/memory.c or <root>/memory.c.
import * as fs from 'fs';
import * as path from 'path';
import { admits, tryReadFileSync } from '../engine/fileDoor';
import { decodeText } from '../engine/scan';

const SKIP = new Set(['.git', 'node_modules', 'vendor', '.libs', 'autom4te.cache']);
const SOURCE_EXT = /\.(c|h|cc|cpp|cxx|hpp)$/i;
const MAX_FILES = 50_000;

export class SourceIndex {
  private byBase = new Map<string, string[]>();
  private cache = new Map<string, string | undefined>();

  constructor(readonly root: string) {
    let count = 0;
    const walk = (dir: string, depth: number) => {
      if (depth > 12 || count > MAX_FILES) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIP.has(e.name)) walk(path.join(dir, e.name), depth + 1);
        } else if (e.isFile() && SOURCE_EXT.test(e.name)) {
          count++;
          const list = this.byBase.get(e.name) ?? [];
          list.push(path.join(dir, e.name));
          this.byBase.set(e.name, list);
        }
      }
    };
    walk(root, 0);
  }

  /** The workspace file a reported path stands for, or undefined when it is not one of ours. */
  resolve(reported: string): string | undefined {
    if (this.cache.has(reported)) return this.cache.get(reported);
    const r = this.lookup(reported);
    this.cache.set(reported, r);
    return r;
  }

  private lookup(reported: string): string | undefined {
    const norm = reported.replace(/\\/g, '/');
    const abs = path.isAbsolute(norm) ? path.normalize(norm) : undefined;
    if (abs) {
      const rel = path.relative(this.root, abs);
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && SOURCE_EXT.test(abs) && admits(abs, { root: this.root })) return abs;
    }
    const parts = norm.split('/').filter((p) => p && p !== '.');
    const base = parts[parts.length - 1];
    if (!base) return undefined;
    const candidates = this.byBase.get(base);
    if (!candidates?.length) return undefined;
    // Longest common suffix of path components; a tie between several files: not ours to guess.
    let best: string[] = [];
    let bestLen = 0;
    for (const c of candidates) {
      const cp = path.relative(this.root, c).split(path.sep);
      let k = 0;
      while (k < cp.length && k < parts.length && cp[cp.length - 1 - k] === parts[parts.length - 1 - k]) k++;
      if (k > bestLen) {
        best = [c];
        bestLen = k;
      } else if (k === bestLen) {
        best.push(c);
      }
    }
    if (best.length !== 1) return undefined;
    // A bare basename (no folder given) maps only when the root holds a single such file.
    return best[0];
  }
}

/** A Range covering a 1-based line of a file (from its first non-blank character), or column 0 when unreadable. */
export function lineRange(file: string, line1: number, readText: (f: string) => string | undefined = defaultRead): import('../engine/types').Range {
  const line = Math.max(0, line1 - 1);
  // Lines as LSP counts them: \r\n, \n or a lone \r ends one.
  const text = readText(file)?.split(/\r\n|\r|\n/)[line];
  if (text === undefined) return { start: { line, character: 0 }, end: { line, character: 0 } };
  const first = text.search(/\S/);
  const trimmedEnd = text.replace(/\s+$/, '').length;
  return { start: { line, character: first < 0 ? 0 : first }, end: { line, character: Math.max(trimmedEnd, first < 0 ? 0 : first) } };
}

/** Sources named by a report are read through the file door: no link, regular files only, at most 16 MiB. */
const SOURCE_MAX_BYTES = 16 * 1024 * 1024;

function defaultRead(file: string): string | undefined {
  const buf = tryReadFileSync(file, { maxBytes: SOURCE_MAX_BYTES });
  return buf === undefined ? undefined : decodeText(buf);
}
