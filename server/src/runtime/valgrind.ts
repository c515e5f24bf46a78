// php under valgrind's memcheck: runs it (Zend MM off, modules kept loaded so frames have
// symbols), parses the "definitely lost" / "indirectly lost" loss records (and "possibly
// lost": a block only an interior pointer still points to, often a stale register; measured
// here for a 2 MB emalloc never freed), and turns the frames that fall in the workspace's C
// sources into findings on those lines: definitely lost is an error, the others warnings.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Finding, RelatedInfo } from '../engine/types';
import { VALGRIND_RULE } from './rules';
import { lineRange, SourceIndex } from './sources';
import { groupDigits } from './stats';

export interface Frame {
  kind: 'at' | 'by';
  address: string;
  fn: string;
  /** Source file as valgrind printed it (full path with --fullpath-after=). */
  file?: string;
  line?: number;
  /** The object file when there is no line info: "(in /usr/bin/php8.2)". */
  object?: string;
}

export interface LossRecord {
  kind: 'definitely' | 'indirectly' | 'possibly';
  bytes: number;
  /** For a definitely lost record with indirect blocks: the direct part and the indirect part. */
  direct?: number;
  indirect?: number;
  blocks: number;
  record: string;
  frames: Frame[];
}

export interface ValgrindSummary {
  definitely: number;
  indirectly: number;
  possibly: number;
}

const RECORD =
  /^==\d+==\s+([\d,]+)(?: \(([\d,]+) direct, ([\d,]+) indirect\))? bytes in ([\d,]+) blocks are (definitely|indirectly|possibly) lost in loss record ([\d,]+ of [\d,]+)/;
const FRAME = /^==\d+==\s+(at|by) (0x[0-9A-Fa-f]+): (.*?)(?: \((.*)\))?\s*$/;
const SUMMARY = /^==\d+==\s+(definitely|indirectly|possibly) lost: ([\d,]+) bytes/;

const num = (s: string) => Number(s.replace(/,/g, ''));

/** Parses memcheck's output (a --log-file or stderr). */
export function parseValgrind(text: string): { records: LossRecord[]; summary: ValgrindSummary } {
  const records: LossRecord[] = [];
  const summary: ValgrindSummary = { definitely: 0, indirectly: 0, possibly: 0 };
  let current: LossRecord | undefined;
  for (const line of text.split(/\r?\n/)) {
    const r = RECORD.exec(line);
    if (r) {
      current = {
        kind: r[5] as LossRecord['kind'],
        bytes: num(r[1]),
        ...(r[2] ? { direct: num(r[2]), indirect: num(r[3]) } : {}),
        blocks: num(r[4]),
        record: r[6],
        frames: [],
      };
      records.push(current);
      continue;
    }
    const f = current && FRAME.exec(line);
    if (f && current) {
      const where = f[4] ?? '';
      const src = /^(.*):(\d+)$/.exec(where);
      current.frames.push({
        kind: f[1] as Frame['kind'],
        address: f[2],
        fn: f[3],
        ...(src ? { file: src[1], line: Number(src[2]) } : where.startsWith('in ') ? { object: where.slice(3) } : {}),
      });
      continue;
    }
    const s = SUMMARY.exec(line);
    if (s) summary[s[1] as keyof ValgrindSummary] = num(s[2]);
    if (!/^==\d+==\s+(at|by) /.test(line)) current = undefined;
  }
  return { records, summary };
}

export interface MappedFinding {
  /** Absolute path of the workspace file. */
  path: string;
  finding: Finding;
}

function frameText(f: Frame): string {
  return `${f.fn} (${f.file ? `${f.file}:${f.line}` : f.object ?? '?'})`;
}

/**
 * One finding per workspace line where lost memory was allocated: the first frame of each
 * record that is in the workspace (the allocator's caller). Records on the same line add up.
 */
export function valgrindFindings(records: LossRecord[], index: SourceIndex): MappedFinding[] {
  const byLine = new Map<string, { path: string; line: number; definitely: number; indirectly: number; possibly: number; blocks: number; records: LossRecord[] }>();
  for (const rec of records) {
    const hit = rec.frames.find((f) => f.file && f.line && index.resolve(f.file));
    if (!hit) continue;
    const file = index.resolve(hit.file!)!;
    const key = `${file}:${hit.line}`;
    const e = byLine.get(key) ?? { path: file, line: hit.line!, definitely: 0, indirectly: 0, possibly: 0, blocks: 0, records: [] };
    // A definitely lost record's total includes the blocks only reachable from it (indirect).
    if (rec.kind === 'definitely') e.definitely += rec.direct ?? rec.bytes;
    else if (rec.kind === 'indirectly') e.indirectly += rec.bytes;
    else e.possibly += rec.bytes;
    e.blocks += rec.blocks;
    e.records.push(rec);
    byLine.set(key, e);
  }
  const out: MappedFinding[] = [];
  for (const e of byLine.values()) {
    const fn = e.records[0].frames.find((f) => f.file && index.resolve(f.file))?.fn ?? '?';
    const parts = [
      e.definitely ? `${groupDigits(e.definitely)} bytes definitely lost` : '',
      e.indirectly ? `${groupDigits(e.indirectly)} bytes indirectly lost` : '',
      e.possibly ? `${groupDigits(e.possibly)} bytes possibly lost` : '',
    ].filter(Boolean);
    const related: RelatedInfo[] = [];
    const seen = new Set<string>();
    for (const rec of e.records) {
      rec.frames.forEach((f, i) => {
        const file = f.file ? index.resolve(f.file) : undefined;
        if (!file || !f.line) return;
        const k = `${file}:${f.line}:${i}`;
        if (seen.has(k)) return;
        seen.add(k);
        related.push({ path: file, range: lineRange(file, f.line), message: `valgrind stack #${i}: ${f.fn}` });
      });
    }
    const stack = e.records[0].frames.map((f, i) => `${i}. ${frameText(f)}`).join('\n');
    out.push({
      path: e.path,
      finding: {
        ruleId: VALGRIND_RULE,
        severity: e.definitely ? 'error' : 'warning',
        message: `valgrind: ${parts.join(', ')} in ${e.blocks} block${e.blocks === 1 ? '' : 's'}, allocated here in ${fn}`,
        range: lineRange(e.path, e.line),
        related,
        hover: `**valgrind** (loss record ${e.records.map((r) => r.record).join(', ')}): ${parts.join(', ')}\n\n\`\`\`\n${stack}\n\`\`\``,
      },
    });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.finding.range.start.line - b.finding.range.start.line);
}

export interface ValgrindOptions {
  /** php and its arguments, e.g. ['php', '-d', 'extension=…', 'script.php']. */
  command: string[];
  /** The workspace whose C sources findings map to. */
  root: string;
  cwd?: string;
  valgrind?: string;
  timeoutSec?: number;
  signal?: AbortSignal;
}

export interface ValgrindResult {
  findings: MappedFinding[];
  records: LossRecord[];
  summary: ValgrindSummary;
  /** php's exit code under valgrind. */
  exitCode: number | null;
  /** The memcheck log (for --keep-log / the output channel). */
  log: string;
  stdout: string;
  stderr: string;
}

export const VALGRIND_ENV = { USE_ZEND_ALLOC: '0', ZEND_DONT_UNLOAD_MODULES: '1' } as const;

/** The valgrind command line (without the program). */
export function valgrindArgs(logFile: string): string[] {
  return [
    '--tool=memcheck',
    '--leak-check=full',
    '--show-leak-kinds=definite,indirect,possible',
    '--errors-for-leak-kinds=definite,indirect,possible',
    '--num-callers=40',
    // Full source paths in frames ("--fullpath-after=" with nothing after '=' means: everything).
    '--fullpath-after=',
    `--log-file=${logFile}`,
  ];
}

export async function runValgrind(opts: ValgrindOptions): Promise<ValgrindResult> {
  if (!opts.command.length) throw new Error('no program to run under valgrind');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-valgrind-'));
  const logFile = path.join(tmp, 'memcheck.log');
  const timeoutSec = opts.timeoutSec ?? 300;
  try {
    const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(opts.valgrind ?? 'valgrind', [...valgrindArgs(logFile), ...opts.command], {
        cwd: opts.cwd ?? opts.root,
        env: { ...process.env, ...VALGRIND_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      let timedOut = false;
      child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString('utf8')).slice(-100_000)));
      child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-100_000)));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutSec * 1000);
      const onAbort = () => child.kill('SIGKILL');
      opts.signal?.addEventListener('abort', onAbort);
      child.on('error', (e) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new Error(`could not start ${opts.valgrind ?? 'valgrind'}: ${e.message} (Debian: apt-get install valgrind)`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) reject(new Error('cancelled'));
        else if (timedOut) reject(new Error(`valgrind did not finish within ${timeoutSec} s`));
        else resolve({ exitCode: code, stdout: out, stderr: err });
      });
    });
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if (!log) throw new Error(`valgrind wrote no log (exit ${exitCode}):\n${stderr.slice(-2000)}`);
    const { records, summary } = parseValgrind(log);
    const findings = valgrindFindings(records, new SourceIndex(opts.root));
    return { findings, records, summary, exitCode, log, stdout, stderr };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

