// Workspace file enumeration and reading, shared by the LSP server's
// workspace scan and the CLI. Never follows symbolic links (no loops, no
// escaping the tree); never opens anything but a regular file (a FIFO named
// x.c would block a read for ever); entries that vanish, change type or cannot
// be read are reported with the reason, not thrown.
import * as fs from 'fs';
import * as path from 'path';
import picomatch from 'picomatch';
import { kindOf, readFileSafe, readFileSyncSafe } from './fileDoor';
import { languageOf } from './language';
import type { DocLanguage } from './types';

export interface ScanFilter {
  include: string[];
  exclude: string[];
  maxFileSize: number;
}

export interface ScanEntry {
  path: string;
  language: DocLanguage;
  size: number;
}

export interface SkippedEntry {
  path: string;
  reason: string;
}

export type Matcher = (relPath: string) => boolean;

export function compileFilter(filter: ScanFilter): { included: Matcher; excluded: Matcher } {
  const opts = { dot: true };
  const inc = filter.include.length ? picomatch(filter.include, opts) : () => false;
  const exc = filter.exclude.length ? picomatch(filter.exclude, opts) : () => false;
  return { included: (p) => inc(p), excluded: (p) => exc(p) || exc(p + '/') };
}

export interface WalkOptions extends ScanFilter {
  /** Checked between entries; return true to stop. */
  isCancelled?: () => boolean;
  onSkip?: (entry: SkippedEntry) => void;
}

/**
 * Yields the files under `root` that match include, not exclude, with a known
 * language. A root that is a file is yielded as is (when its language is known).
 */
export async function* walkFiles(root: string, opts: WalkOptions): AsyncGenerator<ScanEntry> {
  const { included, excluded } = compileFilter(opts);
  const skip = (p: string, reason: string) => opts.onSkip?.({ path: p, reason });
  let rootStat: fs.Stats;
  try {
    rootStat = await fs.promises.stat(root);
  } catch (e) {
    skip(root, errorReason(e));
    return;
  }
  if (!rootStat.isFile() && !rootStat.isDirectory()) {
    skip(root, `not a regular file or folder (${kindOf(rootStat)})`);
    return;
  }
  if (rootStat.isFile()) {
    const language = languageOf(root);
    if (language === 'other') skip(root, 'not a PHP, C or PHP configuration file');
    else if (rootStat.size > opts.maxFileSize) skip(root, `larger than the maximum file size (${rootStat.size} > ${opts.maxFileSize} bytes)`);
    else yield { path: root, language, size: rootStat.size };
    return;
  }
  const stack: string[] = [root];
  while (stack.length) {
    if (opts.isCancelled?.()) return;
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (e) {
      skip(dir, errorReason(e));
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)); // popped in name order
    const subdirs: string[] = [];
    for (const ent of entries) {
      const full = path.join(dir, ent.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (ent.isDirectory()) {
        if (!excluded(rel)) subdirs.push(full);
        continue;
      }
      if (!included(rel) || excluded(rel)) continue;
      const language = languageOf(full);
      if (language === 'other') continue;
      if (ent.isSymbolicLink()) {
        // Never followed (links to folders are not reported: the tree has no loops to mention).
        skip(full, 'symbolic link (not followed)');
        continue;
      }
      if (!ent.isFile()) {
        skip(full, `not a regular file (${direntKind(ent)})`);
        continue;
      }
      let size: number;
      try {
        // lstat: the entry may have been replaced since the listing (by a link, a FIFO, a folder).
        const st = await fs.promises.lstat(full);
        if (!st.isFile()) {
          skip(full, `not a regular file any more (${kindOf(st)})`);
          continue;
        }
        size = st.size;
      } catch (e) {
        skip(full, errorReason(e));
        continue;
      }
      if (size > opts.maxFileSize) {
        skip(full, `larger than the maximum file size (${size} > ${opts.maxFileSize} bytes)`);
        continue;
      }
      yield { path: full, language, size };
    }
    stack.push(...subdirs.reverse());
  }
}

/**
 * Reads a file as text. Invalid UTF-8 is decoded with replacement characters, a BOM is dropped.
 * Read through the file door (fileDoor.ts): no symbolic link followed, regular files only
 * (opened non-blocking and checked on the descriptor, so a file replaced by a FIFO or a link
 * since it was listed cannot block or escape the read), at most `maxBytes` read whatever stat
 * says, and inside `root` when given. Throws an Error whose message is the reason.
 */
export async function readText(file: string, maxBytes = Infinity, root?: string | readonly string[]): Promise<string> {
  return decodeText(await readBytes(file, maxBytes, root));
}

/** A regular file's bytes (see readText): throws an Error naming the reason otherwise. */
export async function readBytes(file: string, maxBytes = Infinity, root?: string | readonly string[]): Promise<Buffer> {
  return readFileSafe(file, { maxBytes, root });
}

/** readBytes' synchronous twin. */
export function readBytesSync(file: string, maxBytes = Infinity, root?: string | readonly string[]): Buffer {
  return readFileSyncSafe(file, { maxBytes, root });
}

function direntKind(ent: fs.Dirent): string {
  if (ent.isFIFO()) return 'a FIFO';
  if (ent.isSocket()) return 'a socket';
  if (ent.isCharacterDevice() || ent.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** One decoder for every file (decode() without `stream` keeps no state between calls; making one per file cost more than the decoding). */
const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeText(buf: Uint8Array): string {
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    return new TextDecoder(buf[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(buf.subarray(2));
  }
  const text = utf8.decode(buf);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function errorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'EACCES') return 'permission denied';
  if (err && err.code === 'ENOENT') return 'no such file or directory (deleted during the scan?)';
  if (err && err.code === 'ENOTDIR') return 'not a folder any more (replaced during the scan?)';
  if (err && err.code === 'ELOOP') return 'too many levels of symbolic links';
  if (err && err.code) return `${err.code}: ${err.message}`;
  return String(e);
}
