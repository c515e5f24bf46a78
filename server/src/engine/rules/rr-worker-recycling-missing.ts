import { rrKeyDoc, keyDocMarkdown } from '../config/keys';
import { yamlOf, type YamlDoc, type YamlEntry } from '../config/yaml';
import { isRoadRunnerConfig, octaneManaged, poolBound, RR_POOLS } from '../config/roadrunner';
import type { Fix, RawFinding, Rule, RuleContext } from '../types';

/** The bound the quick fix proposes: what Octane passes RoadRunner by default (--max-requests=500). */
export const SUGGESTED_MAX_JOBS = 500;

function lineIndent(text: string, offset: number): { lineStart: number; indent: string } {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return { lineStart, indent: /^[ \t]*/.exec(text.slice(lineStart))![0] };
}

function lineEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

/** An edit that appends `lines` (already relative) as children of a block mapping entry. */
function appendChildren(ctx: RuleContext, y: YamlDoc, parent: YamlEntry, lines: string[]): Fix['edits'] | undefined {
  if (!parent.map?.block && !(parent.value === null && parent.valueText === '')) return undefined;
  const text = ctx.doc.text;
  const kids = y.children(parent.path.join('.'));
  const parentIndent = lineIndent(text, parent.keyStart).indent;
  const childIndent = kids.length ? lineIndent(text, kids[0].keyStart).indent : parentIndent + '  ';
  const unit = childIndent.length > parentIndent.length ? childIndent.slice(parentIndent.length) : '  ';
  const at = lineEnd(text, parent.contentEnd);
  const eol = ctx.lines.eol;
  const body = lines.map((l) => {
    const depth = /^ */.exec(l)![0].length / 2;
    return `${eol}${childIndent}${unit.repeat(depth)}${l.trimStart()}`;
  });
  return [{ range: ctx.lines.range(at, at), newText: body.join('') }];
}

const rule: Rule = {
  meta: {
    id: 'rr-worker-recycling-missing',
    title: 'RoadRunner pool never recycles its PHP workers',
    description:
      "A RoadRunner worker pool without max_jobs, supervisor.max_worker_memory or supervisor.ttl keeps each PHP worker for as long as RoadRunner runs. Every request runs inside that one PHP process, so any leak (a static array that grows, memory an extension mallocs) grows the worker until the OOM killer stops it.",
    languages: ['yaml'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    if (!isRoadRunnerConfig(ctx)) return [];
    const y = yamlOf(ctx);
    if (octaneManaged(y)) return [];
    const findings: RawFinding[] = [];
    const hover = keyDocMarkdown(rrKeyDoc('max_jobs')!);
    for (const { plugin, pool } of RR_POOLS) {
      const section = y.get(plugin);
      if (!section) continue;
      // A plugin section that is only a stub (`jobs:` with nothing in it) still starts a default pool.
      const { bounded, zeroMaxJobs } = poolBound(y, pool);
      if (bounded) continue;
      const poolEntry = y.get(pool);
      const message = `RoadRunner's ${pool} never recycles its PHP workers. It sets no max_jobs, supervisor.max_worker_memory or supervisor.ttl. Every request runs in the same PHP process, so a leak grows each worker until it is killed. Set max_jobs (e.g. ${SUGGESTED_MAX_JOBS}) or supervisor.max_worker_memory.`;
      if (zeroMaxJobs) {
        findings.push({
          message: `max_jobs: 0 — ${message}`,
          range: ctx.lines.range(zeroMaxJobs.keyStart, zeroMaxJobs.valueEnd),
          hover,
          fixes: [{ title: `Set max_jobs: ${SUGGESTED_MAX_JOBS}`, isPreferred: true, edits: [{ range: ctx.lines.range(zeroMaxJobs.valueStart, zeroMaxJobs.valueEnd), newText: String(SUGGESTED_MAX_JOBS) }] }],
        });
        continue;
      }
      const target = poolEntry ?? section;
      const edits = poolEntry
        ? appendChildren(ctx, y, poolEntry, [`max_jobs: ${SUGGESTED_MAX_JOBS}`])
        : appendChildren(ctx, y, section, [pool.endsWith('.activities') ? 'activities:' : 'pool:', `  max_jobs: ${SUGGESTED_MAX_JOBS}`]);
      findings.push({
        message,
        range: ctx.lines.range(target.keyStart, target.keyEnd),
        hover,
        fixes: edits ? [{ title: `Add max_jobs: ${SUGGESTED_MAX_JOBS} to ${pool}`, isPreferred: true, edits }] : [],
      });
    }
    return findings;
  },
};
export default rule;
