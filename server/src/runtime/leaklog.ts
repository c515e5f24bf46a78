// A debug build's leak report (PHP configured with --enable-debug prints, at the end of each
// request, what the request heap still held):
//   /path/ext/memory.c(27) :  Freeing 0x00007f3a1c2f5000 (2097152 bytes), script=/srv/t.php
//   /path/Zend/zend_string.h(166) :  Freeing 0x… (32 bytes), script=…
//   /path/ext/memory.c(41) : Actual location (location was relayed)
//   Last leak repeated 9 times
//   === Total 11 memory leaks detected ===
// also when it arrives through a php-fpm error log (catch_workers_output = yes):
//   [21-Nov-2026 10:00:00] WARNING: [pool www] child 123 said into stderr: "…"
import type { Finding, Profile, RelatedInfo } from '../engine/types';
import { DEBUG_LEAK_RULE, runtimeSeverity } from './rules';
import { lineRange, SourceIndex } from './sources';
import type { MappedFinding } from './valgrind';
import { groupDigits } from './stats';

export interface LeakEntry {
  /** Where the block was allocated as the report says it (after "Actual location" relaying). */
  file: string;
  line: number;
  /** The allocation site printed first, when the location was relayed (e.g. zend_string.h). */
  via?: { file: string; line: number };
  bytes: number;
  /** 1 + "Last leak repeated N times". */
  count: number;
  script?: string;
  /** php-fpm child PID, when the line came through an fpm log. */
  pid?: number;
}

export interface LeakLog {
  leaks: LeakEntry[];
  /** The sum of the "=== Total N memory leaks detected ===" lines. */
  reportedTotal: number;
  /** How many lines came wrapped in a php-fpm log prefix. */
  fpmLines: number;
}

const FPM = /^\[[^\]]*\]\s+(?:WARNING|NOTICE|ERROR|DEBUG|ALERT):\s+\[pool [^\]]*\] child (\d+) said into (?:stderr|stdout): "(.*)"(?:, pipe is closed)?\s*$/;
const FREEING = /^(.+?)\((\d+)\) :\s+Freeing (0x[0-9A-Fa-f]+) \((\d+) bytes\)(?:, script=(.*))?$/;
const RELAYED = /^(.+?)\((\d+)\) : Actual location \(location was relayed\)$/;
const REPEATED = /^Last leak repeated (\d+) times?$/;
const TOTAL = /^=== Total (\d+) memory leaks? detected ===$/;

export function parseLeakLog(text: string): LeakLog {
  const leaks: LeakEntry[] = [];
  let reportedTotal = 0;
  let fpmLines = 0;
  let last: LeakEntry | undefined;
  for (let raw of text.split(/\r?\n/)) {
    let pid: number | undefined;
    const fpm = FPM.exec(raw);
    if (fpm) {
      fpmLines++;
      pid = Number(fpm[1]);
      // fpm marks a line it had to split with "..." after the closing quote; the content is kept.
      raw = fpm[2].replace(/\\"/g, '"');
    }
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = FREEING.exec(line))) {
      last = { file: m[1], line: Number(m[2]), bytes: Number(m[4]), count: 1, ...(m[5] ? { script: m[5] } : {}), ...(pid ? { pid } : {}) };
      leaks.push(last);
    } else if ((m = RELAYED.exec(line)) && last) {
      last.via = { file: last.file, line: last.line };
      last.file = m[1];
      last.line = Number(m[2]);
    } else if ((m = REPEATED.exec(line)) && last) {
      last.count += Number(m[1]);
    } else if ((m = TOTAL.exec(line))) {
      reportedTotal += Number(m[1]);
      last = undefined;
    }
  }
  return { leaks, reportedTotal, fpmLines };
}

/**
 * One finding per workspace line: blocks and bytes added up over requests and workers. The
 * severity follows the runtime profile of the file (php-leak import-leak-log --runtime):
 * warning under php-fpm, error in a long-running runtime.
 */
export function leakLogFindings(log: LeakLog, index: SourceIndex, profileOf: (file: string) => Profile = () => 'fpm'): MappedFinding[] {
  const byLine = new Map<string, { path: string; line: number; bytes: number; count: number; scripts: Set<string>; vias: LeakEntry['via'][]; pids: Set<number> }>();
  for (const l of log.leaks) {
    // The reported site, else (when it is a PHP header like zend_string.h) the relayed one.
    const file = index.resolve(l.file) ?? (l.via ? index.resolve(l.via.file) : undefined);
    if (!file) continue;
    const line = index.resolve(l.file) ? l.line : l.via!.line;
    const key = `${file}:${line}`;
    const e = byLine.get(key) ?? { path: file, line, bytes: 0, count: 0, scripts: new Set<string>(), vias: [], pids: new Set<number>() };
    e.bytes += l.bytes * l.count;
    e.count += l.count;
    if (l.script) e.scripts.add(l.script);
    if (l.via) e.vias.push(l.via);
    if (l.pid) e.pids.add(l.pid);
    byLine.set(key, e);
  }
  const out: MappedFinding[] = [];
  for (const e of byLine.values()) {
    const related: RelatedInfo[] = [];
    for (const v of e.vias) {
      const f = v && index.resolve(v.file);
      if (f) related.push({ path: f, range: lineRange(f, v.line), message: 'allocated through here (location was relayed)' });
    }
    const scripts = [...e.scripts];
    const finding: Finding = {
      ruleId: DEBUG_LEAK_RULE,
      severity: runtimeSeverity(DEBUG_LEAK_RULE, profileOf(e.path)),
      message:
        `debug build: ${groupDigits(e.bytes)} bytes in ${e.count} block${e.count === 1 ? '' : 's'} still allocated at request end (emalloc without efree)` +
        (scripts.length ? `, script ${scripts.slice(0, 2).join(', ')}${scripts.length > 2 ? ', …' : ''}` : '') +
        (e.pids.size ? ` (php-fpm worker${e.pids.size === 1 ? '' : 's'} ${[...e.pids].slice(0, 3).join(', ')})` : ''),
      range: lineRange(e.path, e.line),
      related,
      hover:
        '**Debug build leak report**: PHP frees this block itself at the end of the request, so under php-fpm it only wastes memory until then; ' +
        'in a long-running runtime (Swoole, webman, RoadRunner, Octane) the request never ends and the block is never freed.',
    };
    out.push({ path: e.path, finding });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.finding.range.start.line - b.finding.range.start.line);
}
