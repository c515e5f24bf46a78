// Runs the bundled CLI (dist/cli.js) as a child process.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cliJs } from './paths';

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, timeoutMs = 30_000, env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, [cliJs, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', ...env } });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** For assertion messages. */
export function describeRun(r: CliRun): string {
  return `exit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;
}

/**
 * Scans `target` (relative to `root`) with the bundled CLI, default profile, as a user would,
 * and returns every finding as `path/relative/to/root.c:line ruleId` (what the recall guards
 * on real code look up).
 */
export function findingKeys(root: string, target: string, timeoutMs = 300_000): Set<string> {
  const r = runCli(['scan', target, '--format', 'json', '--fail-on', 'never'], root, timeoutMs);
  assert.equal(r.status, 0, describeRun(r));
  const report = JSON.parse(r.stdout) as { files: Array<{ path: string; findings: Array<{ ruleId: string; range: { start: { line: number } } }> }> };
  const out = new Set<string>();
  for (const f of report.files) {
    const rel = path.relative(root, path.resolve(root, f.path)).split(path.sep).join('/');
    for (const x of f.findings) out.add(`${rel}:${x.range.start.line + 1} ${x.ruleId}`);
  }
  return out;
}
