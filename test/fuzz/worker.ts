// The fuzzer's analysis process: runs analyze() on what the parent sends and
// answers with the failures, the budget verdict, findings whose ranges lie
// outside the document, the time taken and its RSS. A separate process so a
// hang can be killed and memory measured per input.
import { analyze, initEngine, LineIndex, type DocLanguage, type Profile } from '../../server/src/engine';

export interface WorkRequest {
  id: number;
  text: string;
  language: DocLanguage;
  path: string;
  profile: Profile;
  budgetMs?: number;
}

export interface WorkReply {
  id: number;
  failures: Array<{ ruleId: string; error: string }>;
  badRanges: string[];
  findings: number;
  budgetHit: boolean;
  skipped?: string;
  ms: number;
  rssMb: number;
}

function checkRanges(text: string, findings: ReturnType<typeof analyze>['findings']): string[] {
  const lines = new LineIndex(text);
  const n = lines.lineCount;
  const bad: string[] = [];
  const ok = (p: { line: number; character: number }) =>
    Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0 && p.line < n && p.character <= lines.lineText(p.line).length;
  for (const f of findings) {
    const ranges = [f.range, ...(f.related ?? []).filter((r) => !r.path).map((r) => r.range), ...(f.fixes ?? []).flatMap((x) => x.edits.map((e) => e.range))];
    for (const r of ranges) {
      const ordered = r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character);
      if (!ok(r.start) || !ok(r.end) || !ordered) {
        bad.push(`${f.ruleId}: range ${JSON.stringify(r)} outside the ${n}-line document (or past its line's end, or reversed)`);
        break;
      }
    }
  }
  return bad;
}

async function main(): Promise<void> {
  await initEngine();
  process.on('message', (req: WorkRequest) => {
    const t0 = performance.now();
    const result = analyze({ path: req.path, text: req.text, language: req.language }, { profile: req.profile, budgetMs: req.budgetMs });
    const ms = performance.now() - t0;
    const reply: WorkReply = {
      id: req.id,
      failures: result.failures,
      badRanges: checkRanges(req.text, result.findings),
      findings: result.findings.length,
      budgetHit: !!result.budgetExceeded,
      skipped: result.skipped,
      ms,
      rssMb: process.memoryUsage().rss / 1048576,
    };
    process.send!(reply);
  });
  process.send!({ ready: true });
}

void main();
