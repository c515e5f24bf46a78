// The pooled workspace scan (server/src/scanpool): the same findings as the
// single-threaded engine, the content-keyed result cache, and cancel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  analyze,
  DEFAULT_SETTINGS,
  detectProfile,
  DiskWorkspace,
  initEngine,
  normalizeSettings,
  readText,
  walkFiles,
  type Finding,
  type Settings,
} from '../../server/src/engine';
import { ResultCache } from '../../server/src/scanpool/cache';
import { ScanPool } from '../../server/src/scanpool/pool';
import type { JobResult } from '../../server/src/scanpool/protocol';
import { scanWithPool, type ScannedFile } from '../../server/src/scanpool/scan';
import { fixturesDir } from '../support/paths';
import { makeTempDir, readFixture, removeTempDir, writeFiles } from '../support/fixtures';

const settings: Settings = { ...normalizeSettings({}).settings, analysisTimeBudget: 0 };

/** C files that call each other across files (the workspace summaries), plus PHP and configuration. */
function crossFileWorkspace(dir: string): void {
  const files: Record<string, string> = {
    'ext/alloc.c': `#include "php.h"\n\nchar *make_buffer(size_t n)\n{\n\treturn emalloc(n);\n}\n\nvoid drop_buffer(char *p)\n{\n\tefree(p);\n}\n`,
    'ext/use.c':
      `#include "php.h"\n\nchar *make_buffer(size_t n);\nvoid drop_buffer(char *p);\n\n` +
      `PHP_FUNCTION(leaks)\n{\n\tchar *b = make_buffer(16);\n\tif (ZEND_NUM_ARGS() > 1) {\n\t\tRETURN_FALSE;\n\t}\n\tdrop_buffer(b);\n\tRETURN_TRUE;\n}\n\n` +
      `PHP_FUNCTION(clean)\n{\n\tchar *b = make_buffer(16);\n\tdrop_buffer(b);\n\tRETURN_TRUE;\n}\n`,
    'ext/leaky.c': readFixture('ext/leaky.c'),
    'ext/clean.c': readFixture('ext/clean.c'),
    'ext/php_leaky.h': readFixture('ext/php_leaky.h'),
    'ext/process-leak-only.c': readFixture('ext/process-leak-only.c'),
  };
  for (let i = 0; i < 24; i++) {
    files[`gen/g${String(i).padStart(2, '0')}.c`] =
      `#include "php.h"\n\nPHP_FUNCTION(g${i})\n{\n\tchar *a = malloc(${i + 1});\n\tchar *b = emalloc(${i + 2});\n\tif (${i} > 1) {\n\t\tRETURN_FALSE;\n\t}\n\tefree(b);\n\tfree(a);\n\tRETURN_TRUE;\n}\n`;
  }
  writeFiles(dir, files);
  // The repository's fixtures too: PHP for long-running runtimes, php.ini / fpm / RoadRunner / Dockerfile configuration.
  fs.cpSync(fixturesDir, path.join(dir, 'fixtures'), { recursive: true });
}

/** What the CLI did before the pool: walk, read, analyse file by file in one thread. */
async function singleThreaded(root: string): Promise<Map<string, Finding[]>> {
  const workspace = new DiskWorkspace({ roots: [root], include: settings.include, exclude: settings.exclude, maxFileSize: settings.maxFileSize });
  const out = new Map<string, Finding[]>();
  for await (const e of walkFiles(root, settings)) {
    const text = await readText(e.path);
    const profile = detectProfile(settings.runtime, path.dirname(e.path), root, undefined, workspace);
    out.set(e.path, analyze({ path: e.path, text, language: e.language }, { profile: profile.profile, rules: settings.rules, workspace }).findings);
  }
  return out;
}

async function pooled(root: string, pool: ScanPool | undefined, cache?: ResultCache): Promise<{ findings: Map<string, Finding[]>; files: ScannedFile[]; analysed: number; cached: number }> {
  const workspace = new DiskWorkspace({ roots: [root], include: settings.include, exclude: settings.exclude, maxFileSize: settings.maxFileSize });
  const files: ScannedFile[] = [];
  const s = await scanWithPool({
    targets: [{ root, settings }],
    workspaceRoots: [root],
    profileOf: (file) => detectProfile(settings.runtime, path.dirname(file), root, undefined, workspace),
    pool,
    cache,
    onFile: (f) => files.push(f),
  });
  assert.equal(s.cancelled, false);
  return { findings: new Map(files.map((f) => [f.path, f.result.findings])), files, analysed: s.analysed, cached: s.cached };
}

/** Findings as comparable plain data, files in path order. */
function canon(m: Map<string, Finding[]>): string {
  return JSON.stringify([...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

describe('pooled workspace scan (scanpool)', function () {
  this.timeout(120_000);
  let ws: string;
  let pool: ScanPool | undefined;

  before(async () => {
    await initEngine();
  });

  afterEach(async () => {
    await pool?.dispose();
    pool = undefined;
    removeTempDir(ws);
  });

  it('two workers report exactly what the single-threaded engine reports', async () => {
    ws = makeTempDir('php-leak-pool-');
    crossFileWorkspace(ws);
    const reference = await singleThreaded(ws);
    assert.ok(reference.size >= 60, `files: ${reference.size}`);
    const total = [...reference.values()].reduce((n, f) => n + f.length, 0);
    assert.ok(total >= 10, `the workspace has findings to compare (${total})`);
    // The cross-file summary is used: make_buffer's block leaks on the RETURN_FALSE path.
    const use = reference.get(path.join(ws, 'ext', 'use.c')) ?? [];
    assert.ok(use.length >= 1, JSON.stringify(use));

    pool = new ScanPool({ size: 2 });
    const r = await pooled(ws, pool);
    assert.equal(canon(r.findings), canon(reference));
    assert.equal(r.analysed, reference.size);
    assert.ok(pool.started >= 2, `workers started: ${pool.started}`);

    // In this thread (no pool) too.
    const inline = await pooled(ws, undefined);
    assert.equal(canon(inline.findings), canon(reference));
  });

  it('a second scan answers unchanged files from the cache; an edit re-analyses the file and the C files beside it', async () => {
    ws = makeTempDir('php-leak-pool-cache-');
    crossFileWorkspace(ws);
    pool = new ScanPool({ size: 2 });
    const cache = new ResultCache();
    const first = await pooled(ws, pool, cache);
    assert.equal(first.cached, 0);
    const second = await pooled(ws, pool, cache);
    assert.equal(second.analysed, 0);
    assert.equal(second.cached, first.files.length);
    assert.equal(canon(second.findings), canon(first.findings));

    // Fix the cross-file leak on disk: use.c and its .c siblings are analysed again, nothing else.
    const alloc = path.join(ws, 'ext', 'alloc.c');
    fs.writeFileSync(alloc, fs.readFileSync(alloc, 'utf8').replace('return emalloc(n);', 'return NULL;'));
    const third = await pooled(ws, pool, cache);
    // The C files of the folder (.c and .h: both may use the .c files' summaries).
    const cSiblings = first.files.filter((f) => path.dirname(f.path) === path.join(ws, 'ext') && f.language === 'c').length;
    assert.equal(third.analysed, cSiblings);
    assert.equal(canon(third.findings), canon(await singleThreaded(ws)));
    assert.notEqual(canon(third.findings), canon(first.findings));
  });

  it('cancel terminates in-flight analyses promptly', async () => {
    ws = makeTempDir('php-leak-pool-cancel-');
    // Files slow enough that each takes a while (many branches of allocations and releases).
    const body = Array.from({ length: 1500 }, (_, i) => `\tif (n > ${i}) { char *p${i} = emalloc(${i + 1}); if (m) efree(p${i}); else free_it(p${i}); }`).join('\n');
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`slow/s${i}.c`] = `#include "php.h"\n\nPHP_FUNCTION(s${i})\n{\n\tint n = 0, m = 0;\n${body}\n\tRETURN_TRUE;\n}\n`;
    writeFiles(ws, { ...files, 'quick.c': readFixture('ext/leaky.c') });
    pool = new ScanPool({ size: 2 });
    let cancelled = false;
    let results = 0;
    const t0 = Date.now();
    const run = pool.run(
      Object.keys(files).map((rel, id) => ({
        id,
        file: path.join(ws, rel),
        language: 'c' as const,
        profile: 'fpm' as const,
        rules: {},
        spec: { roots: [ws], include: DEFAULT_SETTINGS.include, exclude: [], maxFileSize: DEFAULT_SETTINGS.maxFileSize },
      })),
      { isCancelled: () => cancelled, onResult: () => results++ },
    );
    await new Promise((r) => setTimeout(r, 300));
    const tCancel = Date.now();
    pool.cancel();
    const outcome = await run;
    const cancelMs = Date.now() - tCancel;
    assert.equal(outcome.cancelled, true);
    assert.ok(cancelMs < 500, `resolved ${cancelMs} ms after the cancel`);
    assert.ok(results < Object.keys(files).length, `all ${results} files finished within ${tCancel - t0} ms: not a test of cancel`);
    assert.equal(pool.workers, 0, 'the busy workers were terminated');

    // The pool still works afterwards.
    let quick: JobResult | undefined;
    const after = await pool.run(
      [{ id: 0, file: path.join(ws, 'quick.c'), language: 'c', profile: 'fpm', rules: {}, spec: { roots: [ws], include: DEFAULT_SETTINGS.include, exclude: [], maxFileSize: DEFAULT_SETTINGS.maxFileSize } }],
      { onResult: (_job, res) => (quick = res) },
    );
    assert.equal(after.cancelled, false);
    assert.ok((quick?.result?.findings.length ?? 0) > 0, JSON.stringify(quick));
  });
});
