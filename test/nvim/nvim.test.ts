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

/** The Lua block of the README's "Other editors" section, with the server path filled in. */
function readmeLua(): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Other editors'));
  const m = /```lua\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has no lua block under "Other editors"');
  assert.ok(m[1].includes('/path/to/php-leak-diagnostics/dist/server.js'), 'the README snippet names the server path as /path/to/php-leak-diagnostics/dist/server.js');
  return m[1].split('/path/to/php-leak-diagnostics/dist/server.js').join(serverJs.replace(/\\/g, '/'));
}

describe('Neovim (headless) with the README snippet', function () {
  this.timeout(120_000);
  let ws: string;
  before(function () {
    this.timeout(600_000);
    ensureNvim();
  });
  beforeEach(() => {
    ws = makeTempDir('php-leak-nvim-readme-');
    writeFiles(ws, { [LEAKY.file]: readFixture(LEAKY.file), 'ext/config.m4': 'PHP_ARG_ENABLE(leaky)\n' });
  });
  afterEach(() => removeTempDir(ws));

  it('shows the diagnostics in the buffer (vim.diagnostic.get), configured only by the README block', async () => {
    const snippet = path.join(ws, 'readme-snippet.lua');
    fs.writeFileSync(snippet, readmeLua());
    const out = path.join(ws, '.nvim-buffer-diagnostics.json');
    // The harness only sources the snippet and watches the buffer's diagnostics (what a user
    // sees as signs and virtual text); it does not touch the LSP client.
    const harness = path.join(ws, 'harness.lua');
    fs.writeFileSync(
      harness,
      [
        `dofile(${JSON.stringify(snippet)})`,
        'local waited = 0',
        'local timer = vim.loop.new_timer()',
        'timer:start(200, 200, vim.schedule_wrap(function()',
        '  waited = waited + 200',
        '  local d = vim.diagnostic.get(0)',
        '  if #d > 0 or waited > 20000 then',
        '    timer:stop()',
        `    local f = assert(io.open(${JSON.stringify(out)}, 'w'))`,
        '    f:write(vim.fn.json_encode({ diagnostics = d, clients = #vim.lsp.buf_get_clients(0) }))',
        '    f:close()',
        "    vim.cmd('qall!')",
        '  end',
        'end))',
      ].join('\n'),
    );
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const proc = spawn('nvim', ['--headless', '--clean', '-u', harness, LEAKY.file], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'], timeout: 40_000, killSignal: 'SIGKILL' });
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.on('error', reject);
      proc.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.ok(fs.existsSync(out), `the harness wrote nothing (nvim exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
    const got = JSON.parse(fs.readFileSync(out, 'utf8')) as { diagnostics: Array<{ lnum: number; source?: string; code?: string; severity: number }>; clients: number };
    assert.equal(got.clients, 1, 'the buffer is attached to the php-leak client');
    const proc = got.diagnostics.filter((d) => d.code === PROCESS_RULE);
    assert.equal(proc.length, 1, JSON.stringify(got.diagnostics, null, 1));
    assert.equal(proc[0].lnum, LEAKY.malloc.line - 1);
    // runtime = 'long-running' from the snippet's init_options: the emalloc leak is an error (1).
    const emalloc = got.diagnostics.filter((d) => d.code === REQUEST_RULE && d.lnum === LEAKY.emalloc.line - 1);
    assert.equal(emalloc.length, 1, JSON.stringify(got.diagnostics, null, 1));
    assert.equal(emalloc[0].severity, 1);
  });
});
