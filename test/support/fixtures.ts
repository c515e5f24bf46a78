// Fixture files, temp workspaces and the expected findings, written by hand
// from test/fixtures/ext/*.c (1-based lines as an editor shows them).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixturesDir } from './paths';

export function fixturePath(rel: string): string {
  return path.join(fixturesDir, rel);
}

export function readFixture(rel: string): string {
  return fs.readFileSync(fixturePath(rel), 'utf8');
}

/** A fresh temp folder; remove it with removeTempDir. */
export function makeTempDir(prefix = 'php-leak-test-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * A fresh temp folder in memory (/dev/shm) when the machine has one, else as makeTempDir: for
 * tests that write and remove 100,000 files, which on a loaded disk can take minutes.
 */
export function makeMemoryTempDir(prefix = 'php-leak-test-'): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return fs.realpathSync(fs.mkdtempSync(path.join('/dev/shm', prefix)));
  } catch {
    return makeTempDir(prefix);
  }
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes files (relative path -> content) under dir, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

/**
 * test/fixtures/ext/leaky.c, by hand:
 *  line 9   `\tvoid *foo = malloc(2 * 1024 * 1024);` in leak_malloc: the malloc call is
 *           columns 14..36 (1-based, end inclusive), i.e. characters 13..36 (0-based, end exclusive)
 *  line 19  `\tvoid *bar = emalloc(1024);` in leak_emalloc
 *  lines 36-52 greet: emalloc on line 45, leaks on the RETURN_FALSE of line 47
 *  no_leak (25-34) and make_greeting (54-58) are clean.
 */
export const LEAKY = {
  file: 'ext/leaky.c',
  malloc: {
    line: 9,
    /** 1-based column of `malloc`. */
    column: 14,
    /** 0-based LSP range of `malloc(2 * 1024 * 1024)`. */
    range: { start: { line: 8, character: 13 }, end: { line: 8, character: 36 } },
    lineText: '\tvoid *foo = malloc(2 * 1024 * 1024);',
    fixedLineText: '\tvoid *foo = emalloc(2 * 1024 * 1024);',
  },
  emalloc: { line: 19, column: 14 },
  greet: { firstLine: 36, lastLine: 52, allocLine: 45, returnFalseLine: 47 },
  noLeak: { firstLine: 25, lastLine: 34 },
  makeGreeting: { firstLine: 54, lastLine: 58 },
  /** 0-based line where `\tfree(foo);\n` fixes leak_malloc (before the blank line after memset). */
  insertFreeAtLine: 10,
} as const;

/** test/fixtures/ext/process-leak-only.c: `\tchar *p = malloc(100);` on line 6. */
export const PROCESS_ONLY = { file: 'ext/process-leak-only.c', mallocLine: 6 } as const;

export const PROCESS_RULE = 'c-process-heap-leak';
export const REQUEST_RULE = 'c-request-heap-leak';

/** True when 1-based `line` lies inside [first, last]. */
export function within(line: number, first: number, last: number): boolean {
  return line >= first && line <= last;
}
