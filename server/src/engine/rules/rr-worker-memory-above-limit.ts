import * as path from 'path';
import { cliSetting } from '../config/effective';
import { formatBytes, parseSize } from '../config/ini';
import { keyDocMarkdown, rrKeyDoc } from '../config/keys';
import { yamlNumber, yamlOf } from '../config/yaml';
import type { RawFinding, RelatedInfo, Rule } from '../types';
import { isRoadRunnerConfig, octaneManaged, RR_POOLS } from '../config/roadrunner';

const MB = 1024 * 1024;

/** `-d memory_limit=…` in RoadRunner's server.command (it wins over every php.ini). */
export function memoryLimitInCommand(command: string): string | undefined {
  const m = /(?:^|\s|["'])-d\s*["']?memory_limit\s*=\s*["']?([^\s"']+)/.exec(command);
  return m?.[1];
}

const rule: Rule = {
  meta: {
    id: 'rr-worker-memory-above-limit',
    title: "RoadRunner max_worker_memory at or above PHP's memory_limit: the recycle never comes first",
    description:
      "RoadRunner's supervisor.max_worker_memory replaces a worker between jobs when it grows too big. If PHP's memory_limit is lower or equal, a leak in PHP code reaches memory_limit first and the worker dies with a fatal error in the middle of a request instead of being recycled cleanly. The memory_limit comes from server.command's -d memory_limit=… or the workspace's php.ini (the CLI one when there are several).",
    languages: ['yaml'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    if (!isRoadRunnerConfig(ctx)) return [];
    const y = yamlOf(ctx);
    if (octaneManaged(y)) return [];
    const findings: RawFinding[] = [];
    const cmd = y.get('server.command');
    const fromCmd = cmd && typeof cmd.value === 'string' ? memoryLimitInCommand(cmd.value) : undefined;
    let limit: { value: string; where: string; related?: RelatedInfo } | undefined;
    if (fromCmd) {
      limit = { value: fromCmd, where: 'server.command (-d memory_limit)' };
    } else if (ctx.workspace) {
      const s = cliSetting(ctx.workspace, 'memory_limit');
      if (s) {
        limit = {
          value: s.value,
          where: path.basename(s.file) === 'php.ini' ? `${path.basename(path.dirname(s.file))}/php.ini` : s.file,
          related: { path: s.file, range: { start: { line: s.entry.line, character: 0 }, end: { line: s.entry.line, character: s.entry.lineEnd - s.entry.lineStart } }, message: `memory_limit = ${s.value}` },
        };
      }
    }
    if (!limit) return [];
    const bytes = parseSize(limit.value);
    if (bytes === undefined || bytes < 0) return [];
    const limitMb = bytes / MB;
    for (const { pool } of RR_POOLS) {
      const e = y.get(`${pool}.supervisor.max_worker_memory`);
      const mb = yamlNumber(e);
      if (!e || mb === undefined || mb <= 0 || mb < limitMb) continue;
      const suggested = Math.max(1, Math.floor(limitMb * 0.8));
      findings.push({
        message: `${pool}.supervisor.max_worker_memory = ${mb} MB is not below PHP's memory_limit (${limit.value}). memory_limit = ${formatBytes(bytes)} comes from ${limit.where}: a leak in PHP code hits memory_limit first and the worker dies with a fatal error mid-request instead of being recycled between jobs. Set it below memory_limit, e.g. ${suggested}.`,
        range: ctx.lines.range(e.keyStart, e.valueEnd),
        hover: keyDocMarkdown(rrKeyDoc('supervisor.max_worker_memory')!, String(e.valueText ?? mb)),
        related: limit.related ? [limit.related] : undefined,
        fixes: [{ title: `Set max_worker_memory: ${suggested} (80 % of memory_limit)`, isPreferred: true, edits: [{ range: ctx.lines.range(e.valueStart, e.valueEnd), newText: String(suggested) }] }],
      });
    }
    return findings;
  },
};
export default rule;
