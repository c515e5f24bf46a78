#!/usr/bin/env node
// Runs the VS Code integration tests (out/test/vscode/*.test.js) inside a real VS Code:
// code-server 4.139.1 with the smoke-test driver, driven by headless Debian chromium.
// The workbench loads the extension from the repo (extensionDevelopmentPath) and runs
// out/test/vscode/index.js (extensionTestsPath) in the extension host; mocha's exit code
// comes back through window.codeAutomationExit, its output through codeAutomationLog.
//
//   node test/vscode/run-code-server.mjs        (after `npm run build`)
//
// Env: PHP_LEAK_VSCODE_TIMEOUT (seconds, default 300), PHP_LEAK_VSCODE_VERBOSE=1 (print the
// browser console and code-server's own output too), PHP_LEAK_VSCODE_KEEP=1 (keep the temp
// folders: workspace copy, code-server logs), PHP_LEAK_CACHE (install cache).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  BROWSER_APT_PACKAGES, CHROMIUM_ARGS, CHROMIUM_PATH, ensureAptPackages, ensureCodeServer,
  killCodeServerSync, remoteUri, startCodeServer,
} from '../../scripts/code-server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const timeoutSec = Number(process.env.PHP_LEAK_VSCODE_TIMEOUT || 300);
const verbose = process.env.PHP_LEAK_VSCODE_VERBOSE === '1';
const keep = process.env.PHP_LEAK_VSCODE_KEEP === '1';
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const say = (msg) => process.stdout.write(`[vscode-test ${secs()}s] ${msg}\n`);

let server;
let context;
let tmp;
let finished = false;

function cleanupSync() {
  killCodeServerSync(server, { keepTmp: keep });
  if (context) {
    try { context.browser()?.process?.()?.kill('SIGKILL'); } catch { /* ignore */ }
  }
  if (tmp && !keep) fs.rmSync(tmp, { recursive: true, force: true });
}

async function cleanup() {
  if (context) {
    await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    context = undefined;
  }
  if (server) await server.stop({ keepTmp: keep });
  if (keep) {
    say(`kept ${tmp} and ${server?.tmp} (code-server logs under user/logs)`);
    tmp = undefined;
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  tmp = undefined;
}

// When run as a tier of `npm test`, PHP_LEAK_TEST_RESULTS names where our summary goes; the
// extension host gets a file of its own (the outer one is written here, also on a crash).
const outerResults = process.env.PHP_LEAK_TEST_RESULTS;

async function finish(code, summaryLine, summary = { passes: 0, failures: 1, pending: 0 }) {
  if (finished) return;
  finished = true;
  if (outerResults) {
    try {
      fs.writeFileSync(outerResults, JSON.stringify({ passes: summary.passes, failures: summary.failures, pending: summary.pending }) + '\n');
    } catch (e) {
      say(`could not write ${outerResults}: ${e.message}`);
    }
  }
  clearTimeout(overall);
  await cleanup().catch((e) => say(`cleanup: ${e.message}`));
  process.stdout.write(`${summaryLine}\n`);
  process.exit(code);
}

process.on('exit', () => cleanupSync());
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => finish(130, 'vscode: 0 passed, 1 failed, 0 skipped'));
}
// The overall limit starts once code-server is installed (a first install takes minutes).
let overall;
function armTimeout() {
  overall = setTimeout(() => {
    say(`TIMEOUT after ${timeoutSec} s: killing code-server and chromium`);
    if (server && verbose) process.stdout.write(server.output());
    finish(1, 'vscode: 0 passed, 1 failed, 0 skipped');
  }, timeoutSec * 1000);
}

// The workbench forwards the extension host's console calls as (type, [format, ...args]).
function formatLogArgs(args) {
  let list = Array.isArray(args) ? args : [args];
  if (list.length === 1 && typeof list[0] === 'string' && list[0].startsWith('[')) {
    try { const parsed = JSON.parse(list[0]); if (Array.isArray(parsed)) list = parsed; } catch { /* plain text */ }
  }
  return util.format(...list.map((a) => (a && typeof a === 'object' && '__$stack' in a ? '' : a)));
}

// Noise from the workbench that has nothing to do with the tests (no marketplace here).
const NOISE = /authentication provider|open-vsx\.org|marketplace|\[AccountPolicyGate\]|\[AgentHost|Service Worker|connection token|Creating a socket|reconnection-grace-time|additional builtin extensions/;
let skippingStack = false;

function readSummary(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function main() {
  const testsEntry = path.join(repo, 'out', 'test', 'vscode', 'index.js');
  for (const f of [testsEntry, path.join(repo, 'dist', 'extension.js')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(repo, f)} is missing: run \`npm run build\` first`);
  }
  ensureAptPackages(BROWSER_APT_PACKAGES);
  ensureCodeServer({ quiet: true });
  armTimeout();
  const { chromium } = await import('playwright-core');

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-vscode-'));
  const workspace = path.join(tmp, 'examples');
  fs.cpSync(path.join(repo, 'examples'), workspace, { recursive: true });
  const resultsFile = path.join(tmp, 'results.json');

  server = await startCodeServer({
    smokeTestDriver: true,
    env: { PHP_LEAK_TEST_RESULTS: resultsFile },
    log: verbose,
  });
  say(`code-server ${server.url} (pid ${server.proc.pid})`);

  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS.filter((a) => a !== '--headless'),
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());

  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = formatLogArgs(args);
    if (!verbose && NOISE.test(text)) { skippingStack = true; return; }
    if (!verbose && skippingStack && /^\s+at /.test(text)) return;
    skippingStack = false;
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  page.on('pageerror', (e) => say(`page error: ${e.message}`));
  if (verbose) page.on('console', (m) => process.stdout.write(`[browser ${m.type()}] ${m.text()}\n`));
  server.proc.on('exit', (code) => { if (!finished) resolveExit(code === 0 ? 1 : code ?? 1); });

  const payload = [
    ['extensionDevelopmentPath', remoteUri(server, repo)],
    ['extensionTestsPath', remoteUri(server, testsEntry)],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  say(`opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded' });

  const code = await exited;
  say(`extension host exited with code ${code}`);
  const s = readSummary(resultsFile);
  if (!s) {
    say(`no test summary was written to ${resultsFile}: the tests did not run`);
    if (!verbose) process.stdout.write(server.output().split('\n').slice(-40).join('\n') + '\n');
    return finish(code || 1, 'vscode: 0 passed, 1 failed, 0 skipped');
  }
  for (const f of s.failed ?? []) say(`FAILED: ${f.title}\n${f.error}`);
  // A non-zero exit, or a run with no passing test, counts as a failure even without a failed test.
  const failures = s.failures + ((code !== 0 || s.passes === 0) && s.failures === 0 ? 1 : 0);
  return finish(failures > 0 ? 1 : 0, `vscode: ${s.passes} passed, ${failures} failed, ${s.pending} skipped`, {
    passes: s.passes, failures, pending: s.pending,
  });
}

main().catch((e) => {
  say(`error: ${e.stack || e.message}`);
  if (server) process.stdout.write(server.output().split('\n').slice(-40).join('\n') + '\n');
  finish(1, 'vscode: 0 passed, 1 failed, 0 skipped');
});
