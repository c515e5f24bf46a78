// Runtime findings in the editor: what the client measured (valgrind, a debug build's leak
// log) kept per document and merged into its published diagnostics; a static finding that a
// runtime finding confirms says so in its message and related information.
import * as fs from 'fs';
import { URI } from 'vscode-uri';
import type { Finding } from '../engine/types';
import type { RuntimeFindingsParams } from './protocol';

const VALGRIND_RULE = 'runtime-valgrind-leak';

export class RuntimeFindingsStore {
  private readonly bySource = new Map<string, Map<string, Finding[]>>();

  /** Replaces the findings of params.source; returns every URI whose diagnostics change. */
  set(params: RuntimeFindingsParams): string[] {
    const before = this.bySource.get(params.source);
    const next = new Map<string, Finding[]>();
    for (const f of params.files ?? []) {
      if (typeof f?.uri !== 'string' || !Array.isArray(f.findings)) continue;
      const valid = f.findings.filter(isFinding);
      if (valid.length) next.set(f.uri, [...(next.get(f.uri) ?? []), ...valid]);
    }
    this.bySource.set(params.source, next);
    return [...new Set([...(before?.keys() ?? []), ...next.keys()])];
  }

  get(uri: string): Finding[] {
    const out: Finding[] = [];
    for (const m of this.bySource.values()) out.push(...(m.get(uri) ?? []));
    return out;
  }

  count(): number {
    let n = 0;
    for (const m of this.bySource.values()) for (const l of m.values()) n += l.length;
    return n;
  }
}

function isFinding(f: unknown): f is Finding {
  const x = f as Finding;
  return !!x && typeof x.ruleId === 'string' && typeof x.message === 'string' && typeof x.range?.start?.line === 'number' && typeof x.range?.end?.line === 'number';
}

/** The document's text: the editor's when open, else the disk's. */
export function textOf(uri: string, openText: (uri: string) => string | undefined): string | undefined {
  const t = openText(uri);
  if (t !== undefined) return t;
  try {
    const u = URI.parse(uri);
    return u.scheme === 'file' ? fs.readFileSync(u.fsPath, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * [first, last] 0-based lines of the C function around `line`: the nearest header at column
 * 0 above it (`PHP_FUNCTION(x)`, `static int f(…)`) to the next `}` at column 0. Extension
 * sources follow this layout; anything else gives undefined (exact-line matches still work).
 */
export function enclosingFunction(lines: string[], line: number): [number, number] | undefined {
  let start = -1;
  for (let i = Math.min(line, lines.length - 1); i >= 0; i--) {
    const l = lines[i];
    if (/^\}/.test(l) && i < line) return undefined;
    if (/^[A-Za-z_][\w\s*,()]*\(.*\)?\s*\{?\s*$/.test(l) && !/;\s*$/.test(l)) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  for (let i = start + 1; i < lines.length; i++) if (/^\}/.test(lines[i])) return line <= i ? [start, i] : undefined;
  return undefined;
}

/** "valgrind (2,097,152 bytes definitely lost)" / "a debug build of PHP (6,291,456 bytes in 3 blocks still allocated at request end)". */
export function confirmationText(r: Finding): string {
  if (r.ruleId === VALGRIND_RULE) {
    const m = /^valgrind: (.*?) in [\d,]+ blocks?/.exec(r.message);
    return `valgrind${m ? ` (${m[1]})` : ''}`;
  }
  const m = /^debug build: ([\d,]+ bytes in [\d,]+ blocks?)/.exec(r.message);
  return `a debug build of PHP${m ? ` (${m[1]} still allocated at request end)` : ''}`;
}

/**
 * The static findings (a confirmed one with " — confirmed at runtime by …" appended and the
 * runtime site in its related information), then the runtime findings. A runtime finding
 * confirms the static findings on its line or on a line of its stack in this file; failing
 * that, those whose function contains its line.
 */
export function mergeRuntimeFindings(staticFindings: Finding[], runtime: Finding[], fsPath: string | undefined, text: () => string | undefined): Finding[] {
  if (!runtime.length) return staticFindings;
  let lines: string[] | undefined;
  const fileLines = () => (lines ??= (text() ?? '').split(/\r?\n/));
  const confirmations = new Map<Finding, Finding[]>();
  for (const r of runtime) {
    const onLines = new Set<number>([r.range.start.line]);
    for (const rel of r.related ?? []) if (!rel.path || rel.path === fsPath) onLines.add(rel.range.start.line);
    let hits = staticFindings.filter((s) => onLines.has(s.range.start.line));
    if (!hits.length) {
      hits = staticFindings.filter((s) => {
        const fn = enclosingFunction(fileLines(), s.range.start.line);
        return !!fn && r.range.start.line >= fn[0] && r.range.start.line <= fn[1];
      });
    }
    for (const s of hits) confirmations.set(s, [...(confirmations.get(s) ?? []), r]);
  }
  const merged = staticFindings.map((s) => {
    const by = confirmations.get(s);
    if (!by) return s;
    return {
      ...s,
      message: `${s.message} — confirmed at runtime by ${[...new Set(by.map(confirmationText))].join(' and ')}`,
      related: [...(s.related ?? []), ...by.map((r) => ({ range: r.range, message: `confirmed at runtime: ${r.message}`, ...(fsPath ? { path: fsPath } : {}) }))],
    };
  });
  return [...merged, ...runtime];
}
