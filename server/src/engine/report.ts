// Output formats of the CLI: compiler-style text, JSON and SARIF 2.1.0.
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Finding, Rule, Severity } from './types';

export interface FileResult {
  path: string;
  findings: Finding[];
  profile: string;
}

export interface ReportInput {
  files: FileResult[];
  skipped: Array<{ path: string; reason: string }>;
  /**
   * Analyses that failed: a rule that threw (`ruleId`), a scan worker that died or an analysis
   * that threw outside a rule. Any failure makes the report incomplete (JSON `complete: false`,
   * SARIF `executionSuccessful: false`).
   */
  failures?: ReportFailure[];
  /** Paths in the output are relative to this folder when inside it. */
  cwd: string;
  rules: readonly Rule[];
  toolVersion: string;
  /** The rule's docs page text and URL, when shipped. */
  docs?: (ruleId: string) => { text?: string; url?: string };
}

export interface ReportFailure {
  path: string;
  /** The rule that threw; absent: the file's whole analysis failed (a worker died, …). */
  ruleId?: string;
  /** One line. */
  message: string;
}

/** One line saying what failed, for stderr and the notifications. */
export function failureText(f: ReportFailure): string {
  return f.ruleId ? `rule ${f.ruleId} failed: ${f.message}` : `analysis failed: ${f.message}`;
}

function displayPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every format lists files in ascending order of the path it prints, and a file's findings by
 * position (then rule id): the same report whatever order the files were listed or analysed in.
 */
function sortedInput(input: ReportInput): ReportInput {
  const files = input.files
    .map((f) => ({ key: displayPath(f.path, input.cwd), f }))
    .sort((a, b) => byString(a.key, b.key))
    .map(({ f }) => ({
      ...f,
      findings: [...f.findings].sort(
        (a, b) =>
          a.range.start.line - b.range.start.line ||
          a.range.start.character - b.range.start.character ||
          byString(a.ruleId, b.ruleId),
      ),
    }));
  const skipped = [...input.skipped].sort((a, b) => byString(displayPath(a.path, input.cwd), displayPath(b.path, input.cwd)));
  return { ...input, files, skipped };
}

/** `file:line:col: severity: message [rule]`, 1-based, like a compiler. */
export function formatText(unsorted: ReportInput): string {
  const input = sortedInput(unsorted);
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const file of input.files) {
    for (const f of file.findings) {
      counts[f.severity]++;
      const loc = `${displayPath(file.path, input.cwd)}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
      lines.push(`${loc}: ${f.severity}: ${f.message} [${f.ruleId}]`);
      for (const r of f.related ?? []) {
        const rp = r.path ?? file.path;
        lines.push(`${displayPath(rp, input.cwd)}:${r.range.start.line + 1}:${r.range.start.character + 1}: note: ${r.message}`);
      }
    }
  }
  const total = counts.error + counts.warning + counts.information + counts.hint;
  lines.push(
    `${input.files.length} file${input.files.length === 1 ? '' : 's'} scanned, ${total} finding${total === 1 ? '' : 's'} ` +
      `(${counts.error} error, ${counts.warning} warning, ${counts.information} information, ${counts.hint} hint)` +
      (input.skipped.length ? `, ${input.skipped.length} skipped` : '') +
      (input.failures?.length ? `, ${input.failures.length} analysis failure${input.failures.length === 1 ? '' : 's'} (incomplete)` : ''),
  );
  return lines.join('\n') + '\n';
}

export function formatJson(unsorted: ReportInput): string {
  const input = sortedInput(unsorted);
  return (
    JSON.stringify(
      {
        version: input.toolVersion,
        complete: !input.failures?.length,
        files: input.files.map((f) => ({ path: displayPath(f.path, input.cwd), profile: f.profile, findings: f.findings.map(stripFinding) })),
        skipped: input.skipped.map((s) => ({ path: displayPath(s.path, input.cwd), reason: s.reason })),
        failures: (input.failures ?? []).map((f) => ({ path: displayPath(f.path, input.cwd), ...(f.ruleId ? { ruleId: f.ruleId } : {}), message: f.message })),
      },
      null,
      2,
    ) + '\n'
  );
}

function stripFinding(f: Finding) {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    range: f.range,
    related: f.related ?? [],
    fixes: (f.fixes ?? []).map((x) => ({ title: x.title, edits: x.edits })),
  };
}

const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  information: 'note',
  hint: 'note',
};

function sarifLevelOf(rule: Rule): 'error' | 'warning' | 'note' | 'none' {
  const s = rule.meta.defaultSeverity.fpm;
  return s === 'off' ? 'none' : sarifLevel[s];
}

/** SARIF 2.1.0 (validated in tests against the official rtm.5 schema). */
export function formatSarif(unsorted: ReportInput): string {
  const input = sortedInput(unsorted);
  const ruleIndex = new Map(input.rules.map((r, i) => [r.meta.id, i]));
  const srcRoot = pathToFileURL(input.cwd.endsWith(path.sep) ? input.cwd : input.cwd + path.sep).href;
  const artifactOf = (file: string) => {
    const rel = displayPath(file, input.cwd);
    return path.isAbsolute(rel) ? { uri: pathToFileURL(rel).href } : { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  };
  const location = (file: string, range: Finding['range'], message?: string) => {
    const artifactLocation = artifactOf(file);
    return {
      physicalLocation: {
        artifactLocation,
        region: {
          startLine: range.start.line + 1,
          startColumn: range.start.character + 1,
          endLine: range.end.line + 1,
          endColumn: range.end.character + 1,
        },
      },
      ...(message ? { message: { text: message } } : {}),
    };
  };
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'php-leak',
            fullName: 'PHP Leak Diagnostics',
            version: input.toolVersion,
            semanticVersion: input.toolVersion,
            rules: input.rules.map((r) => {
              const docs = input.docs?.(r.meta.id) ?? {};
              return {
                id: r.meta.id,
                name: r.meta.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
                shortDescription: { text: r.meta.title },
                fullDescription: { text: r.meta.description },
                help: { text: r.meta.description, ...(docs.text ? { markdown: docs.text } : {}) },
                ...(docs.url ? { helpUri: docs.url } : {}),
                defaultConfiguration: { level: sarifLevelOf(r) },
                properties: { category: r.meta.category, tags: ['memory-leak', r.meta.category] },
              };
            }),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: srcRoot } },
        columnKind: 'utf16CodeUnits',
        results: input.files.flatMap((file) =>
          file.findings.map((f) => ({
            ruleId: f.ruleId,
            ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
            level: sarifLevel[f.severity],
            message: { text: f.message },
            locations: [location(file.path, f.range)],
            ...(f.related?.length
              ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(r.path ?? file.path, r.range, r.message) })) }
              : {}),
            ...(f.fixes?.length
              ? {
                  fixes: f.fixes.map((x) => ({
                    description: { text: x.title },
                    artifactChanges: [
                      {
                        artifactLocation: location(file.path, f.range).physicalLocation.artifactLocation,
                        replacements: x.edits.map((e) => ({
                          deletedRegion: {
                            startLine: e.range.start.line + 1,
                            startColumn: e.range.start.character + 1,
                            endLine: e.range.end.line + 1,
                            endColumn: e.range.end.character + 1,
                          },
                          insertedContent: { text: e.newText },
                        })),
                      },
                    ],
                  })),
                }
              : {}),
          })),
        ),
        invocations: [
          {
            executionSuccessful: !input.failures?.length,
            toolExecutionNotifications: [
              ...(input.failures ?? []).map((f) => ({
                level: 'error',
                message: { text: failureText(f) },
                locations: [{ physicalLocation: { artifactLocation: artifactOf(f.path) } }],
                ...(f.ruleId ? { associatedRule: { id: f.ruleId, ...(ruleIndex.has(f.ruleId) ? { index: ruleIndex.get(f.ruleId) } : {}) } } : {}),
              })),
              ...input.skipped.map((s) => ({
                level: 'note',
                message: { text: `skipped: ${s.reason}` },
                locations: [{ physicalLocation: { artifactLocation: { uri: pathToFileURL(path.resolve(input.cwd, s.path)).href } } }],
              })),
            ],
          },
        ],
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
