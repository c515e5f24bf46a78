// php-leak measure: memory per request of a running server, or of a handler in one
// long-running PHP process; verdict leak | plateau | inconclusive.
import * as fs from 'fs';
import * as path from 'path';
import { packageVersion } from '../engine';
import { chartData, chartSvg } from '../runtime/chart';
import { formatMeasureJson, formatMeasureText } from '../runtime/format';
import { LIMITS, MeasureError, measureScript, measureUrl, type MeasureResult } from '../runtime/measure';
import { oneOf, parseOptions, splitAtDoubleDash, UsageError, type CliIo, type Command } from './common';

export const MEASURE_USAGE = `Usage: php-leak measure --url URL --requests N (--pid PID | --fpm-master PID) [options]
       php-leak measure --script FILE [--call FUNCTION] --iterations N [--php PATH] [options] [-- php args]

Measures memory per request and says whether it grows without bound (leak), stops growing
(plateau) or cannot tell yet (inconclusive).

  --url URL              send GET requests to URL, one at a time (loopback hosts only, unless --allow-remote)
  --requests N           how many requests (at most ${LIMITS.maxRequests})
  --pid PID              the process serving the requests (php -S, a single worker); its VmRSS is sampled
  --fpm-master PID       a php-fpm master: its workers are followed, recycled workers are reported
  --batch N              requests between two samples (default: about 60 samples)
  --allow-remote         allow a non-loopback host (you must own the server: it gets N requests)

  --script FILE          a handler run N times inside ONE PHP process (a long-running runtime's worker)
  --call FUNCTION        require FILE once and call FUNCTION (or Class::method) each time; without it
                         FILE itself is included each time
  --iterations N         how many calls (at most ${LIMITS.maxIterations})
  --php PATH             the php binary (default: php)
  -- ARGS…               arguments for php itself, e.g. -- -d extension=/abs/x.so -d memory_limit=1G

  --warmup N             requests/calls excluded from the analysis (default: 10%, 1..20)
  --timeout SECONDS      overall time limit (default: ${LIMITS.defaultTimeout}, at most ${LIMITS.maxTimeout})
  --noise-floor BYTES    growth below this is flat (default: 262144 for RSS, 16384 for memory_get_usage())
  --format text|json     output format (default: text)
  --svg FILE             also write the chart of memory per request as SVG
  -h, --help             show this help

Exit codes: 0 plateau or inconclusive, 1 leak, 2 bad usage or an error.
`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} expects a whole number (got "${v}")`);
  return Number(v);
}

export async function runMeasure(argv: string[], io: CliIo): Promise<number> {
  const { own, rest: phpArgs } = splitAtDoubleDash(argv);
  const { values } = parseOptions({
    args: own,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      requests: { type: 'string' },
      pid: { type: 'string' },
      'fpm-master': { type: 'string' },
      batch: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      script: { type: 'string' },
      call: { type: 'string' },
      iterations: { type: 'string' },
      php: { type: 'string' },
      warmup: { type: 'string' },
      timeout: { type: 'string' },
      'noise-floor': { type: 'string' },
      format: { type: 'string' },
      svg: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(MEASURE_USAGE);
    return 0;
  }
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  if (!!values.url === !!values.script) throw new UsageError('give either --url (a running server) or --script (a long-running handler)');
  const timeoutSec = int('timeout', values.timeout);
  const warmup = int('warmup', values.warmup);
  const noise = int('noise-floor', values['noise-floor']);
  const progress = io.isTTY ? (done: number, total: number) => io.stderr(`\rphp-leak: ${done}/${total}…`) : undefined;

  let result: MeasureResult;
  try {
    if (values.url) {
      const requests = int('requests', values.requests);
      if (requests === undefined) throw new UsageError('--url needs --requests N');
      const pid = int('pid', values.pid);
      const fpmMaster = int('fpm-master', values['fpm-master']);
      if ((pid === undefined) === (fpmMaster === undefined)) throw new UsageError('--url needs --pid PID (the serving process) or --fpm-master PID');
      if (phpArgs.length) throw new UsageError('arguments after -- are for php in --script mode');
      result = await measureUrl(
        { url: values.url, requests, pid, fpmMaster, warmup, timeoutSec, batch: int('batch', values.batch), allowRemote: !!values['allow-remote'], noiseFloor: noise },
        { onProgress: progress },
      );
    } else {
      const iterations = int('iterations', values.iterations);
      if (iterations === undefined) throw new UsageError('--script needs --iterations N');
      result = await measureScript(
        {
          script: values.script!,
          call: values.call,
          iterations,
          php: values.php,
          phpArgs,
          warmup,
          timeoutSec,
          cwd: io.cwd,
          ...(noise !== undefined ? { noiseFloor: { rss: noise, usage: noise } } : {}),
        },
        { onProgress: progress },
      );
    }
  } catch (e) {
    if (e instanceof MeasureError) throw new UsageError(e.message, false);
    throw e;
  } finally {
    if (progress) io.stderr('\r\x1b[K');
  }
  for (const w of result.warnings) io.stderr(`php-leak: warning: ${w}\n`);
  if (values.svg) fs.writeFileSync(path.resolve(io.cwd, values.svg), chartSvg(chartData(result)) + '\n');
  io.stdout(format === 'json' ? formatMeasureJson(result, packageVersion()) : formatMeasureText(result));
  return result.verdict === 'leak' ? 1 : 0;
}

export const measureCommand: Command = {
  summary: 'measure memory per request of a server or a long-running handler (leak | plateau)',
  usage: MEASURE_USAGE,
  run: runMeasure,
};
