// `npm run fuzz -- [--inputs N] [--seed N] [--corpus all|repo] [--lsp-every K]
//                  [--timeout MS] [--budget MS] [--rss-mb MB] [--only I,J] [--no-save]
//                  [--report FILE.json]`
// Prints progress, every failure (minimised and saved under
// test/fixtures/fuzz-regressions/), and the per-mutation-kind table.
// Exit code 1 when anything failed.
import * as fs from 'node:fs';
import { formatReport, runCampaign, type FuzzOptions } from './runner';

function parseArgs(argv: string[]): FuzzOptions & { report?: string } {
  const opts: FuzzOptions & { report?: string } = {
    seed: Math.floor(Math.random() * 2 ** 31),
    inputs: 2000,
    corpus: 'all',
    lspEvery: 25,
    timeoutMs: 10_000,
    rssCapMb: 1536,
    serverRssCapMb: 1024,
    budgetMs: 2000,
    save: true,
    forceHuge: true,
    logEvery: 500,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number >= 0`);
      return v;
    };
    switch (a) {
      case '--inputs': opts.inputs = num(); break;
      case '--seed': opts.seed = num() >>> 0; break;
      case '--corpus': { const c = val(); if (c !== 'all' && c !== 'repo') throw new Error('--corpus all|repo'); opts.corpus = c; break; }
      case '--lsp-every': opts.lspEvery = num(); break;
      case '--timeout': opts.timeoutMs = num(); break;
      case '--budget': opts.budgetMs = num(); break;
      case '--rss-mb': opts.rssCapMb = num(); break;
      case '--server-rss-mb': opts.serverRssCapMb = num(); break;
      case '--only': opts.only = val().split(',').map(Number); break;
      case '--no-save': opts.save = false; break;
      case '--no-huge': opts.forceHuge = false; break;
      case '--log-every': opts.logEvery = num(); break;
      case '--report': opts.report = val(); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(String((e as Error).message));
    process.exit(2);
  }
  const stamp = () => new Date().toISOString().slice(11, 19);
  console.log(`${stamp()} fuzz: seed ${opts.seed}, ${opts.only ? `inputs ${opts.only.join(',')}` : `${opts.inputs} inputs`}, corpus ${opts.corpus}, LSP every ${opts.lspEvery}, timeout ${opts.timeoutMs} ms, budget ${opts.budgetMs} ms`);
  const writeReport = (r: unknown) => opts.report && fs.writeFileSync(opts.report, JSON.stringify(r, null, 2) + '\n');
  const report = await runCampaign({ ...opts, log: (l) => console.log(`${stamp()} ${l}`), onProgress: (r) => writeReport({ ...r, partial: true }) });
  console.log('\n' + formatReport(report));
  if (report.failures.length) {
    console.log('\nfailures:');
    const seen = new Set<string>();
    for (const f of report.failures) {
      if (seen.has(f.signature)) continue;
      seen.add(f.signature);
      const count = report.failures.filter((x) => x.signature === f.signature).length;
      console.log(`  ${count}x ${f.signature} (first: input ${f.index} [${f.kinds.join('+')}] ${f.language})${f.reproducer ? ` -> ${f.reproducer}` : ''}`);
    }
  }
  writeReport(report);
  process.exit(report.failures.length ? 1 : 0);
}

void main();
