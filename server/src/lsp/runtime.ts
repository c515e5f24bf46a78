// Runtime findings in the editor: what the client measured (valgrind, a debug build's leak
// log) kept per document and merged into its published diagnostics; a static finding that a
// runtime finding confirms says so in its message and related information. They follow the
// edits of the document (anchored to the text of their lines, server/src/runtime/anchor.ts);
// one whose line was edited or deleted is dropped and a note says so.
import { tryReadFileSync, type DoorOptions } from '../engine/fileDoor';
import { decodeText } from '../engine/scan';
import { URI } from 'vscode-uri';
import type { Finding, Profile, RelatedInfo, SeveritySetting } from '../engine/types';
import { anchorAt, moveRange, reanchor, splitLines, type LineAnchor } from '../runtime/anchor';
import { DEBUG_LEAK_RULE, runtimeSeverity, VALGRIND_RULE } from '../runtime/rules';
import type { RuntimeFindingsParams } from './protocol';

type Source = RuntimeFindingsParams['source'];

/** A runtime finding as received, with its line (and same-file related lines) anchored to their text. */
interface Tracked {
  source: Source;
  finding: Finding;
  /** Undefined until a text of the document is known (then taken from the first one seen). */
  anchor?: LineAnchor;
  /** Per entry of finding.related: null for another file's line (not followed). */
  related: Array<LineAnchor | null>;
  /** The severity follows the document's runtime profile (a debug-build finding sent with runtime 'auto'). */
  followsProfile: boolean;
}

interface DocFindings {
  /** The text the anchors are correct for (undefined: none known yet), and its lines. */
  text?: string;
  lines?: string[];
  tracked: Tracked[];
}

/**
 * The runtime findings by document. They stay on their lines while the document changes
 * (server/src/runtime/anchor.ts): `update` moves them with each new text; a finding whose line
 * was edited or deleted is stale: left out of get().findings and counted in get().notes.
 */
export class RuntimeFindingsStore {
  private readonly docs = new Map<string, DocFindings>();

  /**
   * Replaces the findings of params.source; returns every URI whose diagnostics change.
   * `baseline` is the text the run saw (the file on disk, when it can be read), `current` the
   * document's text now (the editor's when open): findings are anchored on the first and moved
   * to the second, so unsaved edits made before the findings arrived are followed too.
   */
  set(params: RuntimeFindingsParams, baseline: (uri: string) => string | undefined, current: (uri: string) => string | undefined): string[] {
    const changed = new Set<string>();
    for (const [uri, doc] of this.docs) {
      const kept = doc.tracked.filter((t) => t.source !== params.source);
      if (kept.length === doc.tracked.length) continue;
      changed.add(uri);
      if (kept.length) doc.tracked = kept;
      else this.docs.delete(uri);
    }
    for (const f of params.files ?? []) {
      if (typeof f?.uri !== 'string' || !Array.isArray(f.findings)) continue;
      const valid = f.findings.filter(isFinding);
      if (!valid.length) continue;
      changed.add(f.uri);
      let doc = this.docs.get(f.uri);
      if (doc) this.update(f.uri, current(f.uri));
      else this.docs.set(f.uri, (doc = { tracked: [] }));
      const fsPath = fsPathOf(f.uri);
      const followsProfile = params.source === 'debug-build' && params.runtime === 'auto';
      const fresh = valid.map((finding): Tracked => ({ source: params.source, finding, related: (finding.related ?? []).map(() => null), followsProfile }));
      const base = baseline(f.uri) ?? current(f.uri);
      if (base !== undefined) {
        const baseLines = splitLines(base);
        for (const t of fresh) anchor(t, baseLines, fsPath);
        if (doc.lines === undefined) {
          doc.text = base;
          doc.lines = baseLines;
        } else if (base !== doc.text) {
          moveAll(fresh, baseLines, doc.lines);
        }
      }
      doc.tracked.push(...fresh);
      this.update(f.uri, current(f.uri));
    }
    return [...changed];
  }

  /**
   * The document's text changed (or is known for the first time): moves its findings along.
   * Returns how many became stale with this change.
   */
  update(uri: string, text: string | undefined): number {
    const doc = this.docs.get(uri);
    if (!doc || text === undefined) return 0;
    let dropped = 0;
    if (text !== doc.text) {
      const lines = splitLines(text);
      const wasLive = doc.tracked.map((t) => !!t.anchor && !t.anchor.stale);
      if (doc.lines) moveAll(doc.tracked, doc.lines, lines);
      doc.text = text;
      doc.lines = lines;
      dropped = doc.tracked.filter((t, i) => wasLive[i] && t.anchor?.stale).length;
    }
    // Findings that arrived without a text: anchored on the first one seen.
    const fsPath = fsPathOf(uri);
    for (const t of doc.tracked) if (!t.anchor) anchor(t, doc.lines!, fsPath);
    return dropped;
  }

  /**
   * The live findings of the document, moved to where their lines are now in `text` (the
   * editor's or the disk's), and one note per source whose findings went stale. `profile`:
   * the document's runtime profile, when the server has decided one. `rules`: the document's
   * phpLeak.rules, whose severity (or 'off') wins over the one the finding came with.
   */
  get(uri: string, text: () => string | undefined, profile?: Profile, rules?: Record<string, SeveritySetting>): { findings: Finding[]; notes: Finding[] } {
    if (!this.docs.has(uri)) return { findings: [], notes: [] };
    this.update(uri, text());
    const doc = this.docs.get(uri)!;
    const lines = doc.lines ?? [];
    const findings: Finding[] = [];
    const stale = new Map<Source, number>();
    for (const t of doc.tracked) {
      if (t.anchor?.stale) {
        stale.set(t.source, (stale.get(t.source) ?? 0) + 1);
        continue;
      }
      const f = t.finding;
      const override = rules?.[f.ruleId];
      if (override === 'off') continue;
      const related: RelatedInfo[] = [];
      (f.related ?? []).forEach((r, i) => {
        const a = t.related[i];
        if (!a) related.push(r);
        else if (!a.stale) related.push({ ...r, range: moveRange(r.range, a.text, a.line, lines[a.line] ?? '') });
      });
      findings.push({
        ...f,
        severity: override ?? (t.followsProfile && profile ? runtimeSeverity(f.ruleId, profile) : f.severity),
        range: t.anchor ? moveRange(f.range, t.anchor.text, t.anchor.line, lines[t.anchor.line] ?? '') : f.range,
        ...(f.related ? { related } : {}),
      });
    }
    const notes = [...stale].map(([source, n]) => staleNote(source, n));
    return { findings, notes };
  }

  /** Live runtime findings in all documents. */
  count(): number {
    let n = 0;
    for (const d of this.docs.values()) n += d.tracked.filter((t) => !t.anchor?.stale).length;
    return n;
  }

  /** Runtime findings left out because their lines were edited or deleted. */
  staleCount(): number {
    let n = 0;
    for (const d of this.docs.values()) n += d.tracked.filter((t) => t.anchor?.stale).length;
    return n;
  }
}

/** Anchors a finding's line and its same-file related lines on `lines` (the text of the run). */
function anchor(t: Tracked, lines: string[], fsPath: string | undefined): void {
  t.anchor = anchorAt(lines, t.finding.range.start.line);
  t.related = (t.finding.related ?? []).map((r) => (!r.path || r.path === fsPath ? anchorAt(lines, r.range.start.line) : null));
}

/** Moves every anchor of these findings from `before` to `after`, in one pass. */
function moveAll(tracked: Tracked[], before: string[], after: string[]): void {
  const all: LineAnchor[] = [];
  for (const t of tracked) if (t.anchor) all.push(t.anchor, ...t.related.filter((a): a is LineAnchor => !!a));
  const moved = reanchor(all, before, after);
  let i = 0;
  for (const t of tracked) {
    if (!t.anchor) continue;
    t.anchor = moved[i++];
    t.related = t.related.map((a) => (a ? moved[i++] : null));
  }
}

/** The message shown in place of runtime findings whose lines changed. */
export function staleNote(source: Source, n: number): Finding {
  const [tool, rerun] =
    source === 'valgrind'
      ? ['valgrind', 'PHP Leak: Run under valgrind…']
      : ['debug build', 'PHP Leak: Import Debug-Build Leak Log… with a new log'];
  return {
    ruleId: source === 'valgrind' ? VALGRIND_RULE : DEBUG_LEAK_RULE,
    severity: 'information',
    message: `${tool}: ${n} runtime finding${n === 1 ? '' : 's'} dropped after edits (${n === 1 ? 'its line was' : 'their lines were'} edited or deleted): re-run the measurement (${rerun})`,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
}

/** The file-system path of a file: URI, else undefined. */
export function fsPathOf(uri: string): string | undefined {
  try {
    const u = URI.parse(uri);
    return u.scheme === 'file' ? u.fsPath : undefined;
  } catch {
    return undefined;
  }
}

function isFinding(f: unknown): f is Finding {
  const x = f as Finding;
  return !!x && typeof x.ruleId === 'string' && typeof x.message === 'string' && typeof x.range?.start?.line === 'number' && typeof x.range?.end?.line === 'number';
}

/** The document's text: the editor's when open, else the disk's. */
export function textOf(uri: string, openText: (uri: string) => string | undefined, door?: DoorOptions): string | undefined {
  const t = openText(uri);
  return t !== undefined ? t : diskText(uri, door);
}

/**
 * The file's text on disk (undefined for another scheme or an unreadable file), read through the
 * file door: no link followed, regular files only (a FIFO named by a report must not hang the
 * server), capped on the read, inside `door.root` when given.
 */
export function diskText(uri: string, door?: DoorOptions): string | undefined {
  const p = fsPathOf(uri);
  if (!p) return undefined;
  const buf = tryReadFileSync(p, door);
  return buf === undefined ? undefined : decodeText(buf);
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
  const fileLines = () => (lines ??= splitLines(text() ?? ''));
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
