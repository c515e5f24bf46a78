// The fuzz campaign: seeded inputs from real files, mutated, fed to the engine
// (analyze(), in a child process with a per-input timeout and an RSS cap) and,
// for every k-th input, to the bundled server over LSP (didOpen/didChange,
// hover, codeAction; it must stay alive, answer, and log no rule failure).
// Failures are minimised (delta debugging by lines, then characters) and saved
// under test/fixtures/fuzz-regressions/, where a unit test keeps them fixed.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { languageOf, LineIndex, type DocLanguage, type Profile } from '../../server/src/engine';
import { LspClient } from '../support/lsp-client';
import { fixturesDir } from '../support/paths';
import { collectSeeds, SeedReader, type SeedFile } from './corpus';
import { KINDS, mutate, STACKABLE, window, type MutationKind } from './mutators';
import { hash32, inputRng, type Rng } from './prng';
import type { WorkReply, WorkRequest } from './worker';

export const regressionsDir = path.join(fixturesDir, 'fuzz-regressions');

export interface FuzzOptions {
  seed: number;
  inputs: number;
  corpus: 'repo' | 'all';
  /** Every k-th input also goes to the server over LSP (0: never). */
  lspEvery: number;
  /** Per-input timeout for analyze(), ms. */
  timeoutMs: number;
  /** The analysis process's RSS cap, MB. */
  rssCapMb: number;
  /** The server's RSS cap, MB. */
  serverRssCapMb: number;
  /** Time budget passed to analyze() (the server's default: 2000); 0 = none. */
  budgetMs: number;
  /** Replay only these input indexes. */
  only?: number[];
  /** Save minimised reproducers under test/fixtures/fuzz-regressions/. */
  save: boolean;
  /** Make input 1 a 50 MB file (engine and LSP) whatever the draw. */
  forceHuge: boolean;
  log?: (line: string) => void;
  logEvery?: number;
  /** Called with the report so far every logEvery inputs (a long campaign can be read while it runs). */
  onProgress?: (report: FuzzReport) => void;
}

export type FailureType = 'rule-failure' | 'hang' | 'crash' | 'memory' | 'bad-range' | 'server-exit' | 'server-error' | 'server-hang' | 'server-memory';

export interface FuzzFailure {
  type: FailureType;
  signature: string;
  index: number;
  kinds: MutationKind[];
  language: DocLanguage;
  detail: string;
  reproducer?: string;
}

export interface KindStats {
  inputs: number;
  failures: number;
  hangs: number;
  budgetHits: number;
  lspInputs: number;
  lspFailures: number;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  corpus: Record<string, number>;
  kinds: Record<string, KindStats>;
  failures: FuzzFailure[];
  /** Distinct signatures among failures. */
  distinct: number;
  budgetHits: number;
  lspInputs: number;
  peakEngineRssMb: number;
  peakServerRssMb: number;
  /** Times the analysis process crossed the RSS cap by accumulation (the input alone stayed under it in a fresh process). */
  rssRestarts?: number;
  /** Timeouts that did not happen again in a fresh process (a loaded machine), not counted as hangs. */
  transientTimeouts?: number;
  /** Analysis process RSS after the 50 MB input. */
  hugeEngineRssMb?: number;
  /** Server RSS after it received the 50 MB document. */
  hugeServerRssMb?: number;
  slowestMs: number;
  slowest?: { index: number; kinds: MutationKind[]; ms: number };
  elapsedMs: number;
}

export interface FuzzInput {
  index: number;
  kinds: MutationKind[];
  seedPath: string;
  language: DocLanguage;
  profile: Profile;
  text: string;
  /** The seed window before mutation (the LSP session opens it first). */
  original: string;
  note: string;
}

/** Builds input `index` of a run: fully determined by (seed, index) and the seed list. */
export function makeInput(seed: number, index: number, seeds: SeedFile[], reader: SeedReader, forceHuge: boolean): FuzzInput {
  const rng: Rng = inputRng(seed, index);
  const file = rng.pick(seeds);
  const full = reader.read(file);
  let kind: MutationKind = rng.weighted(KINDS);
  if (forceHuge && index === 1) kind = 'huge-file';
  const base = kind === 'huge-file' ? full : window(rng, full);
  const other = () => reader.read(rng.pick(seeds));
  let m = mutate(kind, rng, { text: base, language: file.language, other });
  const kinds: MutationKind[] = [kind];
  const notes = [m.note];
  if (kind !== 'huge-file' && rng.chance(0.25)) {
    const k2 = rng.pick(STACKABLE);
    m = { ...mutate(k2, rng, { text: m.text, language: m.language, other }), language: m.language };
    kinds.push(k2);
    notes.push(m.note);
  }
  return {
    index,
    kinds,
    seedPath: file.path,
    language: m.language,
    profile: rng.chance(0.5) ? 'fpm' : 'long-running',
    text: m.text,
    original: base,
    note: notes.join('; '),
  };
}

// ---------- the analysis process ----------

type RunOutcome = { reply: WorkReply } | { hang: true } | { crash: string };

const workerJs = path.join(__dirname, 'worker.js');

class EngineProcess {
  private proc: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private stderr = '';
  private waiting: ((m: WorkReply | { exit: string }) => void) | undefined;
  private seq = 0;

  private start(): Promise<void> {
    this.stderr = '';
    const proc = fork(workerJs, [], {
      execArgv: ['--max-old-space-size=4096'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    let onReady: () => void;
    const ready = new Promise<void>((r) => (onReady = r));
    proc.on('message', (m: WorkReply | { ready: true }) => {
      if ('ready' in m) onReady();
      else this.waiting?.(m);
    });
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return; // killed on purpose (timeout, fresh heap): nobody waits on it
      this.proc = undefined;
      this.waiting?.({ exit: `analysis process exited (code ${code}, signal ${signal}): ${this.stderr.trim().split('\n').slice(-6).join(' | ')}` });
    });
    return ready;
  }

  async run(req: Omit<WorkRequest, 'id'>, timeoutMs: number): Promise<RunOutcome> {
    if (!this.proc) this.ready = this.start();
    await this.ready;
    const id = ++this.seq;
    const proc = this.proc!;
    return new Promise<RunOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.kill();
        resolve({ hang: true });
      }, timeoutMs);
      this.waiting = (m) => {
        if ('exit' in m) {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve({ crash: m.exit });
        } else if (m.id === id) {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve({ reply: m });
        }
      };
      proc.send({ ...req, id });
    });
  }

  kill(): void {
    const p = this.proc;
    this.proc = undefined;
    if (p && p.exitCode === null) p.kill('SIGKILL');
  }
}

interface Verdict {
  type: FailureType;
  signature: string;
  detail: string;
}

/** The first stack frame of ours (server/src or out/), without line numbers: stable across edits. */
function topFrame(stack: string): string {
  const frames = stack.split('\n').filter((l) => l.trim().startsWith('at '));
  const ours = frames.find((l) => /server[\\/]src|out[\\/]server/.test(l)) ?? frames[0] ?? '';
  return ours.replace(/\(.*[\\/]/, '(').replace(/:\d+:\d+\)?/g, '').trim();
}

function judge(o: RunOutcome, rssCapMb: number, huge = false): { verdict?: Verdict; reply?: WorkReply } {
  // The 50 MB input never reaches analyze() through the server or the CLI (maxFileSize, 2 MB by default): it gets 2.5 GB.
  if (huge) rssCapMb = Math.max(rssCapMb, 2560);
  if ('hang' in o) return { verdict: { type: 'hang', signature: 'hang', detail: 'analyze() did not return within the timeout' } };
  if ('crash' in o) return { verdict: { type: 'crash', signature: 'crash', detail: o.crash } };
  const r = o.reply;
  if (r.failures.length) {
    const f = r.failures[0];
    const first = f.error.split('\n')[0].replace(/\d+/g, 'N');
    return { reply: r, verdict: { type: 'rule-failure', signature: `rule-failure ${f.ruleId} ${first} ${topFrame(f.error)}`, detail: r.failures.map((x) => `${x.ruleId}: ${x.error.split('\n').slice(0, 6).join('\n')}`).join('\n') } };
  }
  if (r.rssMb > rssCapMb) return { reply: r, verdict: { type: 'memory', signature: 'memory', detail: `analysis process RSS ${r.rssMb.toFixed(0)} MB > cap ${rssCapMb} MB` } };
  if (r.badRanges.length) return { reply: r, verdict: { type: 'bad-range', signature: `bad-range ${r.badRanges[0].split(':')[0]}`, detail: r.badRanges.join('\n') } };
  return { reply: r };
}

// ---------- minimisation (ddmin, complements only) ----------

async function ddmin<T>(items: T[], fails: (items: T[]) => Promise<boolean>, budget: { tests: number; until: number }): Promise<T[]> {
  let cur = items;
  let n = 2;
  while (cur.length >= 2 && budget.tests > 0 && Date.now() < budget.until) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && budget.tests > 0 && Date.now() < budget.until; i++) {
      const candidate = [...cur.slice(0, i * size), ...cur.slice((i + 1) * size)];
      if (candidate.length === cur.length) continue;
      budget.tests--;
      if (await fails(candidate)) {
        cur = candidate;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  return cur;
}

export async function minimise(text: string, fails: (t: string) => Promise<boolean>, maxMs = 60_000, maxTests = 400): Promise<string> {
  const budget = { tests: maxTests, until: Date.now() + maxMs };
  const lines = text.split(/(?<=\n)/);
  const byLines = (await ddmin(lines, (ls) => fails(ls.join('')), budget)).join('');
  if (byLines.length > 50_000) return byLines;
  return (await ddmin([...byLines], (cs) => fails(cs.join('')), budget)).join('');
}

const EXT: Record<string, string> = { c: 'c', php: 'php', ini: 'ini' };

function saveReproducer(f: FuzzFailure, text: string, input: FuzzInput, seed: number, originalLength: number): string | undefined {
  fs.mkdirSync(regressionsDir, { recursive: true });
  // Hangs, crashes and memory failures share one signature each: name them by their input.
  const generic = f.signature === f.type;
  const name = `${f.type}-${hash32(f.signature, generic ? text : '').toString(16).padStart(8, '0')}`;
  const meta = path.join(regressionsDir, `${name}.json`);
  if (fs.existsSync(meta)) return path.relative(path.dirname(fixturesDir), meta);
  const file = `${name}.${EXT[input.language] ?? `${input.language}.txt`}`;
  fs.writeFileSync(path.join(regressionsDir, file), text);
  const info = {
    input: file,
    language: input.language,
    profile: input.profile,
    failure: f.type,
    signature: f.signature,
    detail: f.detail.slice(0, 2000),
    found: { seed, index: input.index, kinds: input.kinds, note: input.note, seedFile: input.seedPath, originalChars: originalLength, minimisedChars: text.length },
  };
  fs.writeFileSync(meta, JSON.stringify(info, null, 2) + '\n');
  return path.relative(path.dirname(fixturesDir), path.join(regressionsDir, file));
}

// ---------- the LSP side ----------

const LANGUAGE_ID: Record<string, string> = { c: 'c', php: 'php', ini: 'ini', 'php-fpm-conf': 'php-fpm-conf' };
const NAMES = ['x.c', 'x.php', 'php.ini', 'php-fpm.d/www.conf', '.rr.yaml', 'supervisord.conf', 'x.service', 'Dockerfile', 'composer.json'];

/** A file: URI the server maps to the input's language (by file name). */
function uriFor(input: FuzzInput): string {
  const name = NAMES.find((n) => languageOf(`/fuzz-ws/${n}`) === input.language) ?? 'x.txt';
  return `file:///fuzz-ws/${input.index}/${name}`;
}

function vmRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

class LspSide {
  private client: LspClient | undefined;
  peakRssMb = 0;
  /** The server's RSS right after the 50 MB document (not counted against the cap). */
  hugeRssMb = 0;

  async ensure(): Promise<LspClient> {
    if (!this.client || !this.client.alive) {
      await this.client?.dispose();
      this.client = await LspClient.start({});
    }
    return this.client;
  }

  /** One LSP session on the input; resolves with a verdict when something went wrong. */
  async feed(input: FuzzInput, rng: Rng, serverRssCapMb: number): Promise<Verdict | undefined> {
    const client = await this.ensure();
    const uri = uriFor(input);
    const languageId = LANGUAGE_ID[input.language] ?? 'plaintext';
    const mark = client.mark();
    const timeout = 30_000;
    const huge = input.kinds.includes('huge-file');
    try {
      if (huge) {
        // 50 MB: opened once (over maxFileSize: skipped with a log line), hovered, closed.
        await client.open(uri, input.text, languageId, 1);
        await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 2 } }, undefined, timeout);
        await client.waitForDiagnostics(uri, () => true, { since: mark, timeoutMs: timeout });
        const logged = client.events.slice(mark).some((e) => e.method === 'window/logMessage' && /maxFileSize/.test(String(e.params.message)));
        await client.close(uri);
        this.hugeRssMb = Math.max(this.hugeRssMb, vmRssMb(client.proc.pid));
        await this.dispose(); // the next session starts with a fresh heap
        return logged ? undefined : { type: 'server-error', signature: 'server-error silent skip', detail: 'a 50 MB document was skipped without a log line naming phpLeak.maxFileSize' };
      }
      await client.open(uri, input.original, languageId, 1);
      let text = input.text;
      let version = await client.change(uri, [{ text }]);
      // A few incremental edits on top, as typing would.
      for (let e = rng.int(0, 3); e > 0; e--) {
        const idx = new LineIndex(text);
        const a = rng.int(0, text.length);
        const b = Math.min(text.length, a + rng.int(0, 20));
        const ins = rng.pick(['', '}', '{', ';', '(', 'x', '\n', '?>', '/*', '\r\n', 'é😀']);
        const range = idx.range(a, b);
        // What the server's TextDocument will hold (same offset rules as LineIndex).
        text = text.slice(0, idx.offsetAt(range.start)) + ins + text.slice(idx.offsetAt(range.end));
        version = await client.change(uri, [{ range, text: ins }]);
      }
      const idx = new LineIndex(text);
      const pos = () => idx.positionAt(rng.int(0, text.length));
      const lo = rng.int(0, text.length);
      const anyRange = idx.range(lo, Math.min(text.length, lo + rng.int(0, 200)));
      await Promise.all([
        client.request('textDocument/hover', { textDocument: { uri }, position: pos() }, undefined, timeout),
        client.request('textDocument/codeAction', { textDocument: { uri }, range: anyRange, context: { diagnostics: [] } }, undefined, timeout),
      ]);
      const published = await client.waitForDiagnostics(uri, (p) => p.version === version || p.version === undefined || p.version === null, { since: mark, timeoutMs: timeout });
      const first = published.diagnostics[0];
      await Promise.all([
        client.request('textDocument/hover', { textDocument: { uri }, position: first?.range.start ?? pos() }, undefined, timeout),
        client.request('textDocument/codeAction', { textDocument: { uri }, range: first?.range ?? anyRange, context: { diagnostics: first ? [first] : [] } }, undefined, timeout),
      ]);
      await client.close(uri);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const alive = client.alive;
      await this.dispose(); // the next session starts with a fresh server
      if (!alive) return { type: 'server-exit', signature: 'server-exit', detail: msg.slice(0, 2000) };
      return { type: 'server-hang', signature: 'server-hang', detail: msg.slice(0, 2000) };
    }
    const rss = vmRssMb(client.proc.pid);
    this.peakRssMb = Math.max(this.peakRssMb, rss);
    const errors = client.events.slice(mark).filter((e) => e.method === 'window/logMessage' && e.params.type === 1);
    if (errors.length) {
      const m = String(errors[0].params.message);
      return { type: 'server-error', signature: `server-error ${m.split('\n')[0].replace(/ on \S+:/, ':').replace(/\d+/g, 'N').slice(0, 200)}`, detail: m.slice(0, 2000) };
    }
    if (rss > serverRssCapMb) {
      await this.dispose();
      return { type: 'server-memory', signature: 'server-memory', detail: `server RSS ${rss.toFixed(0)} MB > cap ${serverRssCapMb} MB` };
    }
    // Keep the event log from growing without bound over a long campaign.
    if (client.events.length > 20_000) client.events.splice(0, client.events.length);
    return undefined;
  }

  async dispose(): Promise<void> {
    if (!this.client) return;
    try {
      if (this.client.alive) await this.client.shutdown(10_000);
    } catch {
      /* killed below */
    }
    await this.client.dispose();
    this.client = undefined;
  }
}

// ---------- the campaign ----------

export async function runCampaign(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const { seeds, sources } = collectSeeds(opts.corpus);
  if (!seeds.length) throw new Error('no seed files found');
  const reader = new SeedReader();
  const engine = new EngineProcess();
  const lsp = opts.lspEvery > 0 ? new LspSide() : undefined;
  const kinds: Record<string, KindStats> = {};
  for (const [k] of KINDS) kinds[k] = { inputs: 0, failures: 0, hangs: 0, budgetHits: 0, lspInputs: 0, lspFailures: 0 };
  const failures: FuzzFailure[] = [];
  const signatures = new Set<string>();
  const report: FuzzReport = {
    seed: opts.seed,
    inputs: 0,
    corpus: sources,
    kinds,
    failures,
    distinct: 0,
    budgetHits: 0,
    lspInputs: 0,
    peakEngineRssMb: 0,
    peakServerRssMb: 0,
    slowestMs: 0,
    elapsedMs: 0,
  };

  const analyseText = (input: FuzzInput, text: string, timeoutMs = opts.timeoutMs) =>
    engine.run({ text, language: input.language, path: `/fuzz/input.${EXT[input.language] ?? 'conf'}`, profile: input.profile, budgetMs: opts.budgetMs || undefined }, timeoutMs);

  const record = async (input: FuzzInput, v: Verdict, lspOnly: boolean) => {
    const f: FuzzFailure = { type: v.type, signature: v.signature, index: input.index, kinds: input.kinds, language: input.language, detail: v.detail };
    failures.push(f);
    for (const k of new Set(input.kinds)) {
      if (lspOnly) kinds[k].lspFailures++;
      else kinds[k].failures++;
    }
    const fresh = !signatures.has(v.signature);
    signatures.add(v.signature);
    log(`FAILURE #${input.index} [${input.kinds.join('+')}] ${input.language} ${v.type}: ${v.signature}\n  ${v.detail.split('\n').slice(0, 4).join('\n  ')}`);
    if (!fresh || !opts.save) return;
    let text = input.text;
    if (!lspOnly && v.type !== 'memory') {
      // Hangs: a few tests only, each costs the timeout.
      const hangish = v.type === 'hang';
      text = await minimise(
        input.text,
        async (t) => {
          const same = judge(await analyseText(input, t, hangish ? opts.timeoutMs : Math.max(opts.timeoutMs, 5000)), opts.rssCapMb).verdict?.signature === v.signature;
          // A failing candidate may leave the process broken (a WebAssembly trap): test the next one in a fresh one.
          if (same) engine.kill();
          return same;
        },
        hangish ? 5 * opts.timeoutMs : 90_000,
        hangish ? 5 : 600,
      );
      log(`  minimised ${input.text.length} -> ${text.length} chars`);
    }
    f.reproducer = saveReproducer(f, text, input, opts.seed, input.text.length);
    if (f.reproducer) log(`  saved ${f.reproducer}`);
  };

  // LSP sessions run beside the engine loop, one at a time, in input order.
  const lspQueue: FuzzInput[] = [];
  let lspBusy: Promise<void> = Promise.resolve();
  const pumpLsp = () => {
    lspBusy = lspBusy.then(async () => {
      while (lspQueue.length) {
        const input = lspQueue.shift()!;
        const v = await lsp!.feed(input, inputRng(opts.seed ^ 0x5a5a5a5a, input.index), opts.serverRssCapMb);
        report.lspInputs++;
        for (const k of new Set(input.kinds)) kinds[k].lspInputs++;
        if (v) {
          // Does the engine alone reproduce it? Then the engine-side verdict was saved already.
          await record(input, v, true);
        }
      }
    });
  };

  const indexes = opts.only ?? Array.from({ length: opts.inputs }, (_, i) => i);
  let n = 0;
  try {
    for (const index of indexes) {
      const input = makeInput(opts.seed, index, seeds, reader, opts.forceHuge);
      const huge = input.kinds.includes('huge-file');
      report.inputs++;
      n++;
      for (const k of new Set(input.kinds)) kinds[k].inputs++;
      const outcome = await analyseText(input, input.text, huge ? Math.max(opts.timeoutMs, 120_000) : opts.timeoutMs);
      let { verdict, reply } = judge(outcome, opts.rssCapMb, huge);
      if (verdict?.type === 'hang') {
        // On a loaded machine a slow input can cross the timeout once: a hang must hang again in a fresh process.
        engine.kill();
        const again = judge(await analyseText(input, input.text, huge ? Math.max(opts.timeoutMs, 120_000) : opts.timeoutMs), opts.rssCapMb, huge);
        if (!again.verdict) {
          report.transientTimeouts = (report.transientTimeouts ?? 0) + 1;
          log(`timeout #${index} [${input.kinds.join('+')}] ${input.language} not reproduced in a fresh process (${again.reply?.ms.toFixed(0)} ms): machine load`);
          ({ verdict, reply } = again);
        }
      }
      if (verdict?.type === 'memory') {
        // Over the cap after thousands of inputs: the input's own cost, or the process's high-water mark
        // (WebAssembly memory never shrinks)? Run it again in a fresh process to tell.
        engine.kill();
        report.rssRestarts = (report.rssRestarts ?? 0) + 1;
        ({ verdict, reply } = judge(await analyseText(input, input.text, huge ? Math.max(opts.timeoutMs, 120_000) : opts.timeoutMs), opts.rssCapMb, huge));
      }
      if (reply) {
        if (huge) report.hugeEngineRssMb = Math.max(report.hugeEngineRssMb ?? 0, reply.rssMb);
        else report.peakEngineRssMb = Math.max(report.peakEngineRssMb, reply.rssMb);
        if (reply.ms > report.slowestMs && !huge) {
          report.slowestMs = reply.ms;
          report.slowest = { index, kinds: input.kinds, ms: Math.round(reply.ms) };
        }
        if (reply.budgetHit) {
          report.budgetHits++;
          for (const k of new Set(input.kinds)) kinds[k].budgetHits++;
        }
      }
      if (verdict?.type === 'hang') for (const k of new Set(input.kinds)) kinds[k].hangs++;
      if (verdict) {
        // Whatever failed may have left the process in a bad state: the next input (and the minimiser) start fresh.
        engine.kill();
        await record(input, verdict, false);
      }
      if (huge) engine.kill(); // start the next input with a fresh heap
      if (lsp && (index % opts.lspEvery === 0 || (huge && opts.forceHuge))) {
        lspQueue.push(input);
        if (lspQueue.length === 1) pumpLsp();
        if (lspQueue.length > 4) await lspBusy; // back-pressure
      }
      if (opts.logEvery && n % opts.logEvery === 0) {
        const secs = (Date.now() - t0) / 1000;
        report.distinct = signatures.size;
        report.elapsedMs = Date.now() - t0;
        report.peakServerRssMb = lsp?.peakRssMb ?? 0;
        opts.onProgress?.(report);
        log(`${n}/${indexes.length} inputs, ${failures.length} failures, ${report.budgetHits} budget hits, ${report.lspInputs} LSP sessions, ${secs.toFixed(0)} s (${(n / secs).toFixed(1)}/s)`);
      }
    }
    await lspBusy;
  } finally {
    engine.kill();
    if (lsp) {
      report.peakServerRssMb = lsp.peakRssMb;
      report.hugeServerRssMb = lsp.hugeRssMb;
      await lsp.dispose();
    }
  }
  report.distinct = signatures.size;
  report.elapsedMs = Date.now() - t0;
  return report;
}

/** The per-kind table, as printed and as pasted into docs/reliability.md. */
export function formatReport(r: FuzzReport): string {
  const rows = Object.entries(r.kinds)
    .sort((a, b) => b[1].inputs - a[1].inputs)
    .map(([k, s]) => `| ${k} | ${s.inputs} | ${s.failures} | ${s.hangs} | ${s.budgetHits} | ${s.lspInputs} | ${s.lspFailures} |`);
  return [
    `seed ${r.seed}: ${r.inputs} inputs in ${(r.elapsedMs / 1000).toFixed(0)} s; ${r.failures.length} failures (${r.distinct} distinct); ${r.budgetHits} budget hits; ${r.lspInputs} LSP sessions`,
    `seed files: ${Object.entries(r.corpus).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `peak RSS: analysis process ${r.peakEngineRssMb.toFixed(0)} MB (after the 50 MB input: ${(r.hugeEngineRssMb ?? 0).toFixed(0)} MB), server ${r.peakServerRssMb.toFixed(0)} MB (after the 50 MB document: ${(r.hugeServerRssMb ?? 0).toFixed(0)} MB); slowest non-huge input ${r.slowest ? `#${r.slowest.index} [${r.slowest.kinds.join('+')}] ${r.slowest.ms} ms` : '-'}`,
    '',
    '| mutation kind | inputs | failures | hangs | budget hits | LSP sessions | LSP failures |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
