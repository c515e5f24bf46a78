#!/usr/bin/env node
// Runs the VS Code integration tests (out/test/vscode/*.test.js) in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code (this project's CI machines
// cannot: there the tests run in code-server, see test/vscode/run-code-server.mjs).
//
//   npm run build && npm run test:electron
//
// Env: VSCODE_VERSION (default 'stable'), VSCODE_EXECUTABLE (use an installed VS Code instead of
// downloading one). Under Linux without a display, run it inside `xvfb-run -a`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const extensionTestsPath = path.join(repo, 'out', 'test', 'vscode', 'index.js');
  for (const f of [extensionTestsPath, path.join(repo, 'dist', 'extension.js')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(repo, f)} is missing: run \`npm run build\` first`);
  }
  // The tests write into their workspace: give them a copy of examples/.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-electron-'));
  const workspace = path.join(tmp, 'examples');
  fs.cpSync(path.join(repo, 'examples'), workspace, { recursive: true });
  const resultsFile = path.join(tmp, 'results.json');
  let code = 1;
  try {
    await runTests({
      ...(process.env.VSCODE_EXECUTABLE
        ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE }
        : { version: process.env.VSCODE_VERSION || 'stable' }),
      extensionDevelopmentPath: repo,
      extensionTestsPath,
      extensionTestsEnv: { PHP_LEAK_TEST_RESULTS: resultsFile },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
        `--user-data-dir=${path.join(tmp, 'user')}`,
        `--extensions-dir=${path.join(tmp, 'ext')}`,
      ],
    });
    code = 0;
  } catch (e) {
    console.error(`VS Code tests failed: ${e instanceof Error ? e.message : e}`);
  }
  let s;
  try {
    s = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } catch {
    s = undefined;
  }
  fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  if (!s) {
    console.log('vscode: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
  const failures = s.failures + (code !== 0 && s.failures === 0 ? 1 : 0);
  console.log(`vscode: ${s.passes} passed, ${failures} failed, ${s.pending} skipped`);
  process.exit(failures > 0 || s.passes === 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
