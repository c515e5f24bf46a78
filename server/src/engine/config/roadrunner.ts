// RoadRunner's .rr.yaml as the configuration rules and hovers read it: the plugins that run PHP
// workers and where their pools are, Octane's own options, and whether a pool recycles workers.
import { yamlFromEnv, yamlNumber, type YamlDoc, type YamlEntry } from './yaml';
import type { RuleContext } from '../types';

/** RoadRunner plugins that run PHP workers, and where their pool is. */
export const RR_POOLS: { plugin: string; pool: string }[] = [
  { plugin: 'http', pool: 'http.pool' },
  { plugin: 'grpc', pool: 'grpc.pool' },
  { plugin: 'jobs', pool: 'jobs.pool' },
  { plugin: 'tcp', pool: 'tcp.pool' },
  { plugin: 'centrifuge', pool: 'centrifuge.pool' },
  { plugin: 'temporal', pool: 'temporal.activities' },
];

export function isRoadRunnerConfig(ctx: RuleContext): boolean {
  return ctx.doc.language === 'yaml' && /(^|[\\/])\.?rr([.-][\w.-]+)?\.ya?ml$/i.test(ctx.doc.path);
}

/** Octane writes its own RoadRunner options (-o http.pool.max_jobs=…) from --max-requests. */
export function octaneManaged(y: YamlDoc): boolean {
  const cmd = y.get('server.command');
  return !!cmd && typeof cmd.value === 'string' && /octane/i.test(cmd.value);
}

function nonZeroDuration(e: YamlEntry | undefined): boolean {
  if (!e || e.map || e.value === null || e.value === undefined) return false;
  if (yamlFromEnv(e)) return true;
  const s = String(e.value).trim();
  return s !== '' && !/^0+(\.0+)?\s*(ns|us|µs|ms|s|m|h)?$/.test(s);
}

/** Whether a pool has a bound that recycles workers, and the max_jobs entry when it is an explicit 0. */
export function poolBound(y: YamlDoc, pool: string): { bounded: boolean; zeroMaxJobs?: YamlEntry } {
  const maxJobs = y.get(`${pool}.max_jobs`);
  const mem = y.get(`${pool}.supervisor.max_worker_memory`);
  const debug = y.get(`${pool}.debug`);
  if (yamlFromEnv(maxJobs) || (yamlNumber(maxJobs) ?? 0) > 0) return { bounded: true };
  if (yamlFromEnv(mem) || (yamlNumber(mem) ?? 0) > 0) return { bounded: true };
  if (nonZeroDuration(y.get(`${pool}.supervisor.ttl`))) return { bounded: true };
  if (debug && debug.value === true) return { bounded: true };
  return { bounded: false, zeroMaxJobs: maxJobs && yamlNumber(maxJobs) === 0 ? maxJobs : undefined };
}

