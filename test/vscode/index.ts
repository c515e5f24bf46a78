// Extension-host entry for the VS Code integration tests: VS Code (code-server with the
// smoke-test driver, or @vscode/test-electron) loads this file via `extensionTestsPath` and
// calls run() inside the real extension host. Runs mocha over out/test/vscode/*.test.js.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface VscodeTestSummary {
  passes: number;
  failures: number;
  pending: number;
  failed: { title: string; error: string }[];
}

export async function run(): Promise<void> {
  // mocha 12 is an ES module: load it with import(), which works in every extension host.
  const { default: Mocha } = await import('mocha');
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const dir = __dirname;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(dir, f));

  const summary: VscodeTestSummary = { passes: 0, failures: 0, pending: 0, failed: [] };
  const resultsFile = process.env.PHP_LEAK_TEST_RESULTS;
  const write = (): void => {
    if (!resultsFile) return;
    try {
      fs.writeFileSync(resultsFile, JSON.stringify(summary, null, 2) + '\n');
    } catch (e) {
      console.error(`could not write ${resultsFile}: ${String(e)}`);
    }
  };

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures: number) => {
        summary.failures = Math.max(summary.failures, failures);
        write();
        if (summary.failures > 0 || files.length === 0) {
          reject(new Error(files.length === 0 ? `no test files in ${dir}` : `${summary.failures} test(s) failed`));
        } else {
          resolve();
        }
      });
      runner.on('pass', () => summary.passes++);
      runner.on('pending', () => summary.pending++);
      runner.on('fail', (test: Mocha.Runnable, err: unknown) => {
        summary.failures++;
        const e = err as { stack?: string; message?: string };
        summary.failed.push({ title: test.fullTitle(), error: String(e?.stack ?? e?.message ?? err) });
      });
    } catch (e) {
      summary.failures++;
      summary.failed.push({ title: 'loading the tests', error: String((e as Error)?.stack ?? e) });
      write();
      reject(e);
    }
  });
}
