// The one door through which the engine and the runtime layer read a file of the workspace
// (or a file a log names). A hostile repository controls every name in it, so a read:
//  - never follows a symbolic link: `lstat` first, then the open itself with O_NOFOLLOW (a
//    file swapped for a link between the two fails the open with ELOOP);
//  - opens non-blocking and reads only a regular file, checked with fstat on the opened
//    descriptor (a FIFO, a socket or a device named composer.json is refused, not waited on);
//  - enforces its byte cap on the read itself: at most cap+1 bytes are read, whatever stat
//    says (/proc files report size 0, a file may grow after the stat);
//  - with `root`, stays inside it: the path and the real path of its folder must be under the
//    root (a link to a folder outside the tree does not carry a read out of it).
// Failures throw a DoorError whose message is the reason (shown as a skip reason); the
// `try*` forms return undefined instead.
import * as fs from 'fs';
import * as path from 'path';

/** Without a cap given, no read exceeds this (64 MiB). */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export interface DoorOptions {
  /** At most this many bytes; a longer file is refused (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** The read must stay inside one of these folders (absolute paths). */
  root?: string | readonly string[];
}

export class DoorError extends Error {
  constructor(
    message: string,
    readonly kind: 'link' | 'kind' | 'size' | 'outside' | 'io',
  ) {
    super(message);
  }
}

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
const OPEN_FLAGS = fs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CHUNK = 64 * 1024;
/** The synchronous reads' scratch buffer (one thread, no interleaving): a small file costs no 64 KiB allocation. */
const scratch = Buffer.allocUnsafe(CHUNK);

/** The first read's size: the file's stat size + 1 (so the end is seen at once), else a small chunk; never past cap+1. */
function firstChunk(size: number, cap: number): number {
  return Math.max(1, Math.min(cap + 1, size > 0 ? size + 1 : 8192));
}

function capOf(opts: DoorOptions | undefined): number {
  const m = opts?.maxBytes;
  return typeof m === 'number' && m >= 0 && Number.isFinite(m) ? Math.floor(m) : DEFAULT_MAX_BYTES;
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const realCache = new Map<string, string>();
function real(p: string): string {
  let r = realCache.get(p);
  if (r === undefined) {
    try {
      r = fs.realpathSync(p);
    } catch {
      r = p;
    }
    if (realCache.size > 10_000) realCache.clear();
    realCache.set(p, r);
  }
  return r;
}

function checkRoot(file: string, opts: DoorOptions | undefined): void {
  const roots = opts?.root === undefined ? [] : typeof opts.root === 'string' ? [opts.root] : opts.root;
  if (!roots.length) return;
  const abs = path.resolve(file);
  const dirReal = (() => {
    try {
      return fs.realpathSync(path.dirname(abs));
    } catch {
      return path.dirname(abs);
    }
  })();
  for (const r of roots) {
    const root = path.resolve(r);
    if (inside(root, abs) && inside(real(root), dirReal)) return;
  }
  throw new DoorError('outside the workspace folder (not read)', 'outside');
}

export function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

function checkLstat(st: fs.Stats): void {
  if (st.isSymbolicLink()) throw new DoorError('symbolic link (not followed)', 'link');
  if (!st.isFile()) throw new DoorError(`not a regular file (${kindOf(st)})`, 'kind');
}

function tooLarge(cap: number, size?: number): DoorError {
  return new DoorError(`larger than the maximum file size (${size === undefined ? `more than ${cap} bytes read` : `${size} > ${cap} bytes`})`, 'size');
}

function openError(e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ELOOP' || err?.code === 'EMLINK') throw new DoorError('symbolic link (not followed)', 'link');
  throw e;
}

/** A regular file's bytes, read through the door (see the file comment). Throws DoorError or the I/O error. */
export function readFileSyncSafe(file: string, opts?: DoorOptions): Buffer {
  const cap = capOf(opts);
  checkRoot(file, opts);
  checkLstat(fs.lstatSync(file));
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    openError(e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new DoorError(`not a regular file (${kindOf(st)})`, 'kind');
    if (st.size > cap) throw tooLarge(cap, st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    // The first read into a buffer of the expected size; later ones (a file that grew, a /proc
    // file) through the scratch buffer, copied out. Never more than cap+1 bytes in all: one
    // byte past the cap is enough to refuse.
    let first: Buffer | undefined = Buffer.allocUnsafe(firstChunk(st.size, cap));
    for (;;) {
      const room = cap + 1 - total;
      if (room <= 0) break;
      const buf = first ?? scratch;
      const want = Math.min(buf.length, room);
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, want, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') throw new DoorError('not readable without waiting (EAGAIN)', 'kind');
        throw e;
      }
      if (n === 0) break;
      chunks.push(first ? buf.subarray(0, n) : Buffer.from(buf.subarray(0, n)));
      first = undefined;
      total += n;
      // A short read of a regular file is its end (no extra read to see 0 bytes).
      if (n < want && st.size > 0) break;
    }
    if (total > cap) throw tooLarge(cap);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

/** readFileSyncSafe's asynchronous twin. */
export async function readFileSafe(file: string, opts?: DoorOptions): Promise<Buffer> {
  const cap = capOf(opts);
  checkRoot(file, opts);
  checkLstat(await fs.promises.lstat(file));
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (e) {
    openError(e);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new DoorError(`not a regular file (${kindOf(st)})`, 'kind');
    if (st.size > cap) throw tooLarge(cap, st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    let size = firstChunk(st.size, cap);
    for (;;) {
      const want = Math.min(size, cap + 1 - total);
      if (want <= 0) break;
      size = CHUNK;
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead: n } = await handle.read(buf, 0, want, null);
      if (n === 0) break;
      chunks.push(n === want ? buf : buf.subarray(0, n));
      total += n;
      if (n < want && st.size > 0) break; // a short read of a regular file is its end
    }
    if (total > cap) throw tooLarge(cap);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** Whether the door would open `file` (inside `root`, not a link, a regular file), without reading it. */
export function admits(file: string, opts?: DoorOptions): boolean {
  try {
    checkRoot(file, opts);
    checkLstat(fs.lstatSync(file));
    return true;
  } catch {
    return false;
  }
}

/** The file's bytes, or undefined when the door refuses it or it cannot be read. */
export function tryReadFileSync(file: string, opts?: DoorOptions): Buffer | undefined {
  try {
    return readFileSyncSafe(file, opts);
  } catch {
    return undefined;
  }
}
