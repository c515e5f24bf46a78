// The default WorkspaceView: the files under some roots, read from disk unless
// an open document overrides them. Used by the LSP server and the CLI.
import * as fs from 'fs';
import * as path from 'path';
import { languageOf } from './language';
import { compileFilter, decodeText, readBytesSync, type ScanFilter } from './scan';
import type { DocLanguage, WorkspaceView } from './types';

export interface DiskWorkspaceOptions extends ScanFilter {
  roots: string[];
  /** Texts that win over the disk (open editor documents), by absolute path. */
  overrides?: (file: string) => string | undefined;
  /** At most this many files are listed (a huge tree must not stall analysis). */
  maxFiles?: number;
}

export class DiskWorkspace implements WorkspaceView {
  private listing: Map<DocLanguage, string[]> | undefined;
  private readonly cache = new Map<string, unknown>();
  private readonly texts = new Map<string, string | undefined>();
  private readonly facts = new Map<string, { text: string; value: unknown }>();

  constructor(private readonly opts: DiskWorkspaceOptions) {}

  /** Drops everything derived: call when any file changes. */
  invalidate(changedFile?: string): void {
    this.cache.clear();
    if (changedFile) this.texts.delete(changedFile);
    else this.texts.clear();
  }

  /** Also forget the listing: call when files are created or deleted. */
  invalidateListing(): void {
    this.listing = undefined;
    this.invalidate();
    for (const id of [...this.facts.keys()]) {
      const file = id.slice(id.indexOf('\u0000') + 1);
      if (!fs.existsSync(file)) this.facts.delete(id);
    }
  }

  files(language: DocLanguage): readonly string[] {
    if (!this.listing) this.listing = this.list();
    return this.listing.get(language) ?? [];
  }

  read(file: string): string | undefined {
    const over = this.opts.overrides?.(file);
    if (over !== undefined) return over;
    if (this.texts.has(file)) return this.texts.get(file);
    let text: string | undefined;
    try {
      // Through the file door: no link followed, regular files only (a FIFO must not hang the server), capped, inside the roots.
      text = decodeText(readBytesSync(file, this.opts.maxFileSize, this.opts.roots));
    } catch {
      text = undefined;
    }
    this.texts.set(file, text);
    return text;
  }

  fileFact<T>(key: string, file: string, produce: (text: string) => T): T | undefined {
    const text = this.read(file);
    if (text === undefined) return undefined;
    const id = `${key}\u0000${file}`;
    const hit = this.facts.get(id);
    if (hit && hit.text === text) return hit.value as T;
    const value = produce(text);
    this.facts.set(id, { text, value });
    return value;
  }

  shared<T>(key: string, produce: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = produce();
    this.cache.set(key, v);
    return v;
  }

  private list(): Map<DocLanguage, string[]> {
    const out = new Map<DocLanguage, string[]>();
    const max = this.opts.maxFiles ?? 200_000;
    let count = 0;
    const { included, excluded } = compileFilter(this.opts);
    for (const root of this.opts.roots) {
      // Each folder with its path relative to the root ('/'-separated), built as the walk
      // descends (path.relative per entry cost more than the rest of the walk).
      const stack: Array<[string, string]> = [[root, '']];
      while (stack.length && count < max) {
        const [dir, dirRel] = stack.pop()!;
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const ent of entries) {
          if (ent.isSymbolicLink()) continue;
          const full = path.join(dir, ent.name);
          const rel = dirRel ? `${dirRel}/${ent.name}` : ent.name;
          if (ent.isDirectory()) {
            if (!excluded(rel)) stack.push([full, rel]);
          } else if (ent.isFile()) {
            // The language first: most files of a tree are none of ours and need no glob match.
            const lang = languageOf(full);
            if (lang === 'other' || !included(rel) || excluded(rel)) continue;
            let list = out.get(lang);
            if (!list) out.set(lang, (list = []));
            list.push(full);
            if (++count >= max) break;
          }
        }
      }
    }
    for (const list of out.values()) list.sort();
    return out;
  }
}
