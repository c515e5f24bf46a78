// php-leak scan: the engine over files and folders, for CI.
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { parseArgs } from 'util';
import {
  allRules,
  analyze,
  DEFAULT_SETTINGS,
  detectProfile,
  DiskWorkspace,
  initEngine,
  installRoot,
  normalizeSettings,
  packageVersion,
  readText,
  ruleDocsPath,
  ruleDocsText,
  walkFiles,
  type Finding,
  type ProfileSetting,
  type SeveritySetting,
} from '../engine';
import { CliIo, oneOf, UsageError, type Command } from './common';
import { formatJson, formatSarif, formatText, type FileResult } from '../engine/report';

export const SCAN_USAGE = `Usage: php-leak scan [paths...] [options]

Finds memory leaks in PHP C extensions, PHP code and PHP configuration files.

Options:
  --format text|json|sarif            output format (default: text)
  --runtime auto|fpm|long-running     runtime profile (default: auto, from composer.json)
  --fail-on error|warning|never       exit 1 when a finding reaches this severity (default: error)
  --rule ID=SEVERITY                  override a rule's severity (error|warning|information|hint|off); repeatable
  --include GLOB                      only scan matching files (replaces the default globs); repeatable
  --exclude GLOB                      also skip matching files (vendor/, node_modules/ and .git/ are skipped by default); repeatable
  --max-file-size BYTES               skip larger files (default: ${DEFAULT_SETTINGS.maxFileSize})
  --output FILE                       write the report to FILE instead of standard output
  --list-rules                        list the rules and exit
  -h, --help                          show this help
  -v, --version                       show the version

Exit codes: 0 nothing reached --fail-on, 1 something did, 2 bad usage or an internal error.
`;

export async function runScan(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        runtime: { type: 'string' },
        'fail-on': { type: 'string' },
        rule: { type: 'string', multiple: true },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'max-file-size': { type: 'string' },
        output: { type: 'string' },
        'list-rules': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(SCAN_USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (values['list-rules']) {
    for (const r of allRules) {
      io.stdout(`${r.meta.id}\t${r.meta.defaultSeverity.fpm}/${r.meta.defaultSeverity['long-running']}\t${r.meta.title}\n`);
    }
    return 0;
  }
  const paths = positionals;

  const format = oneOf('format', values.format, ['text', 'json', 'sarif'] as const, 'text');
  const runtime = oneOf<ProfileSetting>('runtime', values.runtime, ['auto', 'fpm', 'long-running'], 'auto');
  const failOn = oneOf('fail-on', values['fail-on'], ['error', 'warning', 'never'] as const, 'error');

  const ruleOverrides: Record<string, SeveritySetting> = {};
  for (const spec of values.rule ?? []) {
    const m = /^([a-z0-9-]+)=(\w+)$/.exec(spec);
    if (!m) throw new UsageError(`--rule expects ID=SEVERITY (got "${spec}")`);
    ruleOverrides[m[1]] = m[2] as SeveritySetting;
  }
  let maxFileSize: number | undefined;
  if (values['max-file-size'] !== undefined) {
    maxFileSize = Number(values['max-file-size']);
    if (!Number.isFinite(maxFileSize) || maxFileSize < 0 || !/^\d+$/.test(values['max-file-size'])) {
      throw new UsageError(`--max-file-size expects a number of bytes (got "${values['max-file-size']}")`);
    }
  }
  const { settings, problems } = normalizeSettings(
    {
      runtime,
      rules: ruleOverrides,
      ...(values.include ? { include: values.include } : {}),
      exclude: [...DEFAULT_SETTINGS.exclude, ...(values.exclude ?? [])],
      ...(maxFileSize !== undefined ? { maxFileSize } : {}),
    },
    new Set(allRules.map((r) => r.meta.id)),
  );
  if (problems.length) throw new UsageError(problems[0].replace(/^phpLeak\.rules\.?/, '--rule '));

  const args = paths.length ? paths : ['.'];
  const roots = args.map((p) => path.resolve(io.cwd, p));
  roots.forEach((root, i) => {
    if (!fs.existsSync(root)) throw new UsageError(`no such file or directory: ${args[i]}`, false);
  });

  await initEngine({ wasmDir: __dirname });

  // Cross-file facts (class indexes, C summaries) come from the scanned folders.
  const workspace = new DiskWorkspace({
    roots: roots.filter((r) => fs.statSync(r).isDirectory()),
    include: settings.include,
    exclude: settings.exclude,
    maxFileSize: settings.maxFileSize,
  });
  const files: FileResult[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  let done = 0;
  for (const root of roots) {
    const stopDir = fs.statSync(root).isDirectory() ? root : path.dirname(root);
    for await (const entry of walkFiles(root, { ...settings, onSkip: (s) => skipped.push(s) })) {
      let text: string;
      try {
        text = await readText(entry.path);
      } catch (e) {
        skipped.push({ path: entry.path, reason: e instanceof Error ? e.message : String(e) });
        continue;
      }
      const profile = detectProfile(settings.runtime, path.dirname(entry.path), stopDir);
      const result = analyze({ path: entry.path, text, language: entry.language }, {
        profile: profile.profile,
        rules: settings.rules,
        workspace,
      });
      for (const f of result.failures) io.stderr(`php-leak: rule ${f.ruleId} failed on ${entry.path}: ${f.error.split('\n')[0]}\n`);
      if (result.skipped) skipped.push({ path: entry.path, reason: result.skipped });
      files.push({ path: entry.path, findings: result.findings, profile: profile.profile });
      done++;
      if (io.isTTY && done % 25 === 0) io.stderr(`\rphp-leak: ${done} files…`);
    }
  }
  if (io.isTTY && done >= 25) io.stderr('\r\x1b[K');

  const root = installRoot();
  const input = {
    files,
    skipped,
    cwd: io.cwd,
    rules: allRules,
    toolVersion: packageVersion(),
    docs: (id: string) => ({ text: ruleDocsText(id), url: pathToFileURL(path.join(root, ruleDocsPath(id))).href }),
  };
  const report = format === 'sarif' ? formatSarif(input) : format === 'json' ? formatJson(input) : formatText(input);
  if (values.output) {
    fs.writeFileSync(path.resolve(io.cwd, values.output), report);
  } else {
    io.stdout(report);
  }

  const all: Finding[] = files.flatMap((f) => f.findings);
  const failing = all.filter((f) => (failOn === 'error' ? f.severity === 'error' : failOn === 'warning' ? f.severity === 'error' || f.severity === 'warning' : false));
  return failing.length ? 1 : 0;
}


export const scanCommand: Command = {
  summary: 'scan files and folders for memory leaks (text, JSON or SARIF)',
  usage: SCAN_USAGE,
  run: runScan,
};
