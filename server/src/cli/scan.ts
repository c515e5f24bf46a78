// php-leak scan: the engine over files and folders, for CI.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import {
  analyze,
  DEFAULT_SETTINGS,
  detectProfile,
  DiskWorkspace,
  initEngine,
  knownRuleIds,
  normalizeSettings,
  quoteValue,
  packageVersion,
  SEVERITIES,
  registeredRules,
  ruleReportDocs,
  type Finding,
  type SeveritySetting,
} from '../engine';
import { CliIo, oneOf, parseOptions, runtimeOption, UsageError, type Command } from './common';
import { formatJson, formatSarif, formatText, type FileResult, type ReportFailure } from '../engine/report';
import { ResultCache } from '../scanpool/cache';
import { defaultPoolSize, ScanPool } from '../scanpool/pool';
import { scanWithPool, type ScanTarget } from '../scanpool/scan';

/** Fewer files than this are analysed in this thread: starting workers costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 16;

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
  --include-third-party               also scan vendor/ and node_modules/
  --jobs N                            analysis threads (default: ${defaultPoolSize()}, the available cores)
  --cache                             reuse results of unchanged files from earlier runs (~/.cache/php-leak-diagnostics/scan-cache)
  --output FILE                       write the report to FILE instead of standard output
  --allow-incomplete                  exit 0/1 by the findings even when an analysis failed (default: exit 3)
  --list-rules                        list the rules and exit
  -h, --help                          show this help
  -v, --version                       show the version

Exit codes: 0 nothing reached --fail-on, 1 something did, 2 bad usage or an internal error,
3 the analysis is incomplete: a rule threw or an analysis worker died on some file (listed on
stderr, in JSON "failures" with "complete": false, in SARIF as error notifications with
executionSuccessful false); --allow-incomplete turns 3 back into 0 or 1.
`;

export async function runScan(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      runtime: { type: 'string' },
      'fail-on': { type: 'string' },
      rule: { type: 'string', multiple: true },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      'max-file-size': { type: 'string' },
      'include-third-party': { type: 'boolean' },
      jobs: { type: 'string' },
      cache: { type: 'boolean' },
      output: { type: 'string' },
      'allow-incomplete': { type: 'boolean' },
      'list-rules': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    io.stdout(SCAN_USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (values['list-rules']) {
    for (const r of registeredRules) {
      io.stdout(`${r.meta.id}\t${r.meta.defaultSeverity.fpm}/${r.meta.defaultSeverity['long-running']}\t${r.meta.title}\n`);
    }
    return 0;
  }
  const paths = positionals;

  const format = oneOf('format', values.format, ['text', 'json', 'sarif'] as const, 'text');
  const runtime = runtimeOption(values.runtime);
  const failOn = oneOf('fail-on', values['fail-on'], ['error', 'warning', 'never'] as const, 'error');

  const ruleOverrides: Record<string, SeveritySetting> = {};
  for (const spec of values.rule ?? []) {
    const [id, severity] = parseRuleOption(spec);
    ruleOverrides[id] = severity;
  }
  let maxFileSize: number | undefined;
  if (values['max-file-size'] !== undefined) {
    maxFileSize = Number(values['max-file-size']);
    if (!Number.isFinite(maxFileSize) || maxFileSize < 0 || !/^\d+$/.test(values['max-file-size'])) {
      throw new UsageError(`--max-file-size expects a number of bytes (got ${quoteValue(values['max-file-size'])})`);
    }
  }
  let jobs = defaultPoolSize();
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!/^\d+$/.test(values.jobs) || jobs < 1) throw new UsageError(`--jobs expects a number of threads >= 1 (got ${quoteValue(values.jobs)})`);
    // Each worker loads the parsers (~60 MB): 1,000 of them were killed at 3 GB. At most the cores (2 at least).
    const maxJobs = Math.max(2, defaultPoolSize());
    if (jobs > maxJobs) {
      io.stderr(`php-leak: --jobs ${jobs} capped to ${maxJobs} (the available cores)\n`);
      jobs = maxJobs;
    }
  }
  const { settings, problems } = normalizeSettings({
    runtime,
    ...(values['include-third-party'] ? { includeThirdParty: true } : {}),
    rules: ruleOverrides,
    ...(values.include ? { include: values.include } : {}),
    exclude: [...DEFAULT_SETTINGS.exclude, ...(values.exclude ?? [])],
    ...(maxFileSize !== undefined ? { maxFileSize } : {}),
  });
  // --rule was checked above; any other problem is a bug in this file's option mapping.
  if (problems.length) throw new UsageError(problems[0]);

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
  const dirRoots = roots.filter((r) => fs.statSync(r).isDirectory());
  // No time budget in batch runs: a slow file is analysed fully (the editor's budget is for typing).
  const targets: ScanTarget[] = roots.map((root) => ({ root, settings: { ...settings, analysisTimeBudget: 0 } }));
  const stopDirOf = (t: ScanTarget) => (fs.statSync(t.root).isDirectory() ? t.root : path.dirname(t.root));
  const cacheFile = values.cache
    ? path.join(process.env.PHP_LEAK_CACHE || path.join(os.homedir(), '.cache', 'php-leak-diagnostics'), 'scan-cache', `${createHash('sha1').update(JSON.stringify(roots)).digest('hex').slice(0, 16)}.json`)
    : undefined;
  const cache = cacheFile ? ResultCache.load(cacheFile) : undefined;
  const results: Array<FileResult & { index: number }> = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  const failures: ReportFailure[] = [];
  const shown = (p: string) => path.relative(io.cwd, p) || p;
  let total = 0;
  let pool: ScanPool | undefined;
  const progress = (done: number) => {
    if (io.isTTY && done % 25 === 0) io.stderr(`\rphp-leak: ${done}/${total} files…`);
  };
  let summary;
  try {
    summary = await scanWithPool({
      targets,
      workspaceRoots: dirRoots,
      profileOf: (file, t) => detectProfile(settings.runtime, path.dirname(file), stopDirOf(t), undefined, workspace),
      cache,
      engineKey: `${packageVersion()} ${engineBuildKey()}`,
      onSkip: (s) => skipped.push(s),
      onFailure: (x) => {
        failures.push({ path: x.path, message: x.reason });
        io.stderr(`php-leak: analysis failed on ${shown(x.path)}: ${x.reason}\n`);
      },
      onListed: (n) => (total = n),
      // Workers pay off past a handful of files; each loads the parsers once.
      pool: (n) => (jobs > 1 && n >= MIN_FILES_FOR_WORKERS ? (pool = new ScanPool({ size: Math.min(jobs, n), wasmDir: __dirname })) : undefined),
      onProgress: progress,
      onFile: (f) => {
        for (const x of f.result.failures) {
          const message = x.error.split('\n')[0];
          failures.push({ path: f.path, ruleId: x.ruleId, message });
          io.stderr(`php-leak: rule ${x.ruleId} failed on ${shown(f.path)}: ${message}\n`);
        }
        if (f.result.skipped) skipped.push({ path: f.path, reason: f.result.skipped });
        results.push({ index: f.index, path: f.path, findings: f.result.findings, profile: f.profile.profile });
      },
    });
  } finally {
    await pool?.dispose();
  }
  if (io.isTTY && total >= 25) io.stderr('\r\x1b[K');
  if (cache && cacheFile) {
    try {
      cache.save(cacheFile, summary.keys);
    } catch (e) {
      io.stderr(`php-leak: could not write the result cache ${cacheFile}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  // Files that were not analysed say why (too large, unreadable, binary), also beside a JSON or SARIF report.
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const s of skipped) io.stderr(`php-leak: skipped ${shown(s.path)}: ${s.reason}\n`);
  const files: FileResult[] = results.sort((a, b) => a.index - b.index).map(({ path: p, findings, profile }) => ({ path: p, findings, profile }));

  failures.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.ruleId ?? '').localeCompare(b.ruleId ?? '')));
  const input = {
    files,
    skipped,
    failures,
    cwd: io.cwd,
    rules: registeredRules,
    toolVersion: packageVersion(),
    docs: ruleReportDocs,
  };
  const report = format === 'sarif' ? formatSarif(input) : format === 'json' ? formatJson(input) : formatText(input);
  if (values.output) {
    fs.writeFileSync(path.resolve(io.cwd, values.output), report);
  } else {
    io.stdout(report);
  }

  const all: Finding[] = files.flatMap((f) => f.findings);
  const failing = all.filter((f) => (failOn === 'error' ? f.severity === 'error' : failOn === 'warning' ? f.severity === 'error' || f.severity === 'warning' : false));
  if (failures.length && !values['allow-incomplete']) {
    const n = new Set(failures.map((f) => f.path)).size;
    io.stderr(`php-leak: analysis incomplete: ${failures.length} failure${failures.length === 1 ? '' : 's'} in ${n} file${n === 1 ? '' : 's'} (exit 3; --allow-incomplete to exit by the findings)\n`);
    return 3;
  }
  return failing.length ? 1 : 0;
}


/**
 * `--rule ID=SEVERITY`, checked here: a bad id or severity is bad usage (exit 2, the message
 * names the value), never "ignored" or "default used" as the editor's settings say.
 */
export function parseRuleOption(spec: string): [string, SeveritySetting] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--rule expects ID=SEVERITY, e.g. --rule c-request-heap-leak=warning (got ${quoteValue(spec)})`);
  const id = spec.slice(0, eq);
  const severity = spec.slice(eq + 1);
  if (!knownRuleIds.has(id)) throw new UsageError(`--rule: unknown rule ${quoteValue(id)} (php-leak --list-rules lists them)`);
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    throw new UsageError(`--rule ${id}: unknown severity ${quoteValue(severity)} (one of ${SEVERITIES.join(', ')})`);
  }
  return [id, severity as SeveritySetting];
}

/** Size and mtime of the running bundle: a rebuilt engine does not reuse an old build's cached results. */
function engineBuildKey(): string {
  try {
    const st = fs.statSync(__filename);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

export const scanCommand: Command = {
  summary: 'scan files and folders for memory leaks (text, JSON or SARIF)',
  usage: SCAN_USAGE,
  run: runScan,
};
