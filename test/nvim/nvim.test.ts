// Headless Neovim as another real LSP client of dist/server.js --stdio, configured by
// test/nvim/init.lua (the example config the README shows under "Other editors").
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { LEAKY, makeTempDir, PROCESS_RULE, readFixture, removeTempDir, REQUEST_RULE, writeFiles } from '../support/fixtures';
import { fileUri } from '../support/lsp-client';
import { ensureNvim } from '../support/nvim';
import { repoRoot, serverJs } from '../support/paths';

const INIT_LUA = path.join(repoRoot, 'test', 'nvim', 'init.lua');
const NVIM_TIMEOUT_MS = 30_000;

interface NvimRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  published?: { err: unknown; result: PublishDiagnosticsParams };
}

function runNvim(cwd: string, file: string, env: Record<string, string> = {}): Promise<NvimRun> {
  const out = path.join(cwd, '.nvim-diagnostics.json');
  return new Promise((resolve, reject) => {
    const proc = spawn('nvim', ['--headless', '--clean', '-u', INIT_LUA, file], {
      cwd,
      env: { ...process.env, PHP_LEAK_SERVER: serverJs, PHP_LEAK_NVIM_OUT: out, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: NVIM_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      let published;
      try {
        published = JSON.parse(fs.readFileSync(out, 'utf8'));
      } catch {
        published = undefined;
      }
      resolve({ code, signal, stdout, stderr, published });
    });
  });
}

function describeRun(r: NvimRun): string {
  return `nvim exit ${r.code}${r.signal ? ` signal ${r.signal} (killed after ${NVIM_TIMEOUT_MS} ms?)` : ''}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}

describe('Neovim (headless) as an LSP client', function () {
  this.timeout(120_000);
  let ws: string;

  before(function () {
    this.timeout(600_000); // may install Neovim
    ensureNvim();
  });
  beforeEach(() => {
    ws = makeTempDir('php-leak-nvim-');
    writeFiles(ws, { [LEAKY.file]: readFixture(LEAKY.file), 'ext/config.m4': 'PHP_ARG_ENABLE(leaky)\n' });
  });
  afterEach(() => removeTempDir(ws));

  it('receives the c-process-heap-leak diagnostic on the malloc line', async () => {
    const r = await runNvim(ws, LEAKY.file);
    assert.ok(r.published, `no diagnostics written\n${describeRun(r)}`);
    assert.equal(r.code, 0, describeRun(r));
    const { result } = r.published;
    assert.equal(result.uri, fileUri(path.join(ws, LEAKY.file)));
    const diags: Diagnostic[] = result.diagnostics;
    const proc = diags.filter((d) => d.code === PROCESS_RULE);
    assert.equal(proc.length, 1, JSON.stringify(diags, null, 1));
    assert.equal(proc[0].range.start.line, LEAKY.malloc.line - 1);
    assert.deepEqual(proc[0].range, LEAKY.malloc.range);
    assert.equal(proc[0].severity, 1);
    assert.equal(proc[0].source, 'php-leak');
    const emalloc = diags.filter((d) => d.code === REQUEST_RULE && d.range.start.line === LEAKY.emalloc.line - 1);
    assert.equal(emalloc.length, 1, JSON.stringify(diags, null, 1));
    assert.equal(emalloc[0].severity, 3, 'information under php-fpm');
  });

  it('passes the example config settings to the server (PHP_LEAK_RUNTIME=long-running)', async () => {
    const r = await runNvim(ws, LEAKY.file, { PHP_LEAK_RUNTIME: 'long-running' });
    assert.ok(r.published, `no diagnostics written\n${describeRun(r)}`);
    const emalloc = r.published.result.diagnostics.filter((d) => d.code === REQUEST_RULE && d.range.start.line === LEAKY.emalloc.line - 1);
    assert.equal(emalloc.length, 1, JSON.stringify(r.published.result.diagnostics, null, 1));
    assert.equal(emalloc[0].severity, 1, 'error under long-running');
  });
});
