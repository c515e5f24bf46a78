#!/usr/bin/env node
// `npm start`: builds the extension, starts a real VS Code (code-server 4.139.1, installed
// into a cache folder on first use) with examples/ open and PHP Leak Diagnostics loaded, and
// prints the URL to open in a browser. Ctrl-C stops it.
//
//   npm start                              serve until Ctrl-C
//   npm start -- --screenshot docs/demo.png  open memory.c in headless chromium, hover the
//                                          malloc squiggle, open the quick fix menu, save a PNG
// Options: --no-build, --port N.
// The repo is symlinked into code-server's (temp) extensions dir, so it loads as an installed
// extension and the URL is a plain one. (The `?payload=[["extensionDevelopmentPath",…]]` route
// alone did not load the extension in code-server 4.139.1: no diagnostics appeared.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BROWSER_APT_PACKAGES, CHROMIUM_ARGS, CHROMIUM_PATH, ensureAptPackages, ensureCodeServer,
  killCodeServerSync, startCodeServer,
} from './code-server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { build: true, screenshot: undefined, port: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') o.build = false;
    else if (a === '--screenshot') o.screenshot = argv[++i];
    else if (a.startsWith('--screenshot=')) o.screenshot = a.slice('--screenshot='.length);
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '-h' || a === '--help') {
      console.log('usage: npm start -- [--screenshot FILE] [--no-build] [--port N]');
      process.exit(0);
    } else {
      console.error(`unknown option ${a}`);
      process.exit(2);
    }
  }
  if (o.screenshot === '') throw new Error('--screenshot needs a file name');
  return o;
}

const t0 = Date.now();
const say = (m) => console.log(`[start ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

let server;
process.on('exit', () => killCodeServerSync(server));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) {
    say('npm run build');
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
  }
  for (const f of ['dist/extension.js', 'dist/server.js']) {
    if (!fs.existsSync(path.join(repo, f))) throw new Error(`${f} is missing: the build did not produce it`);
  }
  if (o.screenshot) ensureAptPackages(BROWSER_APT_PACKAGES);
  ensureCodeServer();

  // A fresh copy of examples/ each run: code-server auto-saves, so quick fixes and edits in
  // the demo would otherwise change the repository's tracked files.
  const demoRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-demo-'));
  const examples = path.join(demoRoot, 'examples');
  fs.cpSync(path.join(repo, 'examples'), examples, { recursive: true });
  process.on('exit', () => fs.rmSync(demoRoot, { recursive: true, force: true }));
  say(`demo workspace: ${examples} (a copy of examples/, removed when this stops)`);
  server = await startCodeServer({
    port: o.port,
    folder: examples,
    extensions: [repo],
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'editor.hover.delay': 100,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'git.openRepositoryInParentFolders': 'never',
    },
  });
  const url = `${server.url}/?folder=${encodeURIComponent(examples)}`;

  if (o.screenshot) {
    const code = await screenshot(url, path.resolve(o.screenshot));
    await server.stop();
    process.exit(code);
  }

  console.log(`\nPHP Leak Diagnostics is running in VS Code (code-server) at:\n\n  ${url}\n`);
  console.log('Open examples/ext-memory/memory.c to see the diagnostics. Press Ctrl-C to stop.\n');
  let stopping = false;
  const stop = async (sig) => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: stopping code-server`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  server.proc.on('exit', (code) => {
    if (stopping) return;
    console.error(`code-server exited unexpectedly (code ${code}):\n${server.output().split('\n').slice(-30).join('\n')}`);
    process.exit(1);
  });
}

async function screenshot(url, file) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS.filter((a) => a !== '--headless'),
    viewport: { width: 1400, height: 860 },
    deviceScaleFactor: 1,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    say(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 60000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 }).catch(() => {});
    await page.waitForTimeout(1500);

    // Open memory.c through Quick Open.
    say('opening ext-memory/memory.c');
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15000 });
    await page.keyboard.type('memory.c', { delay: 20 });
    await page.waitForSelector('.quick-input-widget .monaco-list-row', { timeout: 15000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout: 15000 });

    say('waiting for the squiggle');
    const squiggle = page.locator('.monaco-editor .squiggly-error').first();
    await squiggle.waitFor({ state: 'attached', timeout: 60000 }).catch(async (e) => {
      await page.screenshot({ path: file }).catch(() => {});
      throw new Error(`no error squiggle in memory.c within 60 s (screenshot of the page saved to ${file}): ${e.message.split('\n')[0]}`);
    });
    await page.waitForTimeout(500);
    const box = await squiggle.boundingBox();
    if (!box) throw new Error('the squiggle has no bounding box');
    const x = box.x + Math.min(box.width / 2, 30);
    const y = box.y + box.height / 2;

    // Cursor on the malloc call, then the hover, then the quick fix menu (Ctrl+.).
    await page.mouse.click(x, y);
    await page.mouse.move(x, y + 200);
    await page.waitForTimeout(300);
    say('hovering the squiggle');
    await page.mouse.move(x, y, { steps: 4 });
    const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: /survives the request/ }).first();
    const hoverShown = await hover.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
    await page.waitForTimeout(300);
    say('opening the quick fix menu from the hover');
    // The hover's own "Quick Fix... (Ctrl+.)" link opens the same menu as Ctrl+. and, unlike the
    // key, leaves the hover open, so one picture shows the squiggle, the hover and the menu.
    const link = hover.locator('.hover-row.status-bar a, .hover-row.status-bar .action').filter({ hasText: /Quick Fix/ }).first();
    const clicked = await link.click({ timeout: 5000 }).then(() => true, () => false);
    if (!clicked) {
      say('no Quick Fix link in the hover: pressing Ctrl+.');
      await page.keyboard.press('Control+Period');
    }
    await page.locator('.action-widget').first().waitFor({ state: 'visible', timeout: 15000 });
    await page.waitForTimeout(500);
    const menuShown = await page.locator('.action-widget').first().isVisible();
    const hoverVisible = hoverShown && (await hover.isVisible());
    await page.waitForTimeout(400);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
    say(`saved ${path.relative(process.cwd(), file) || file} (squiggle shown, hover ${hoverVisible ? 'shown' : 'NOT shown'}, quick fix menu ${menuShown ? 'shown' : 'NOT shown'})`);
    return hoverVisible && menuShown ? 0 : 1;
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().catch(async (e) => {
  console.error(`npm start: ${e.message}`);
  if (server) await server.stop().catch(() => {});
  process.exit(1);
});
