// What each memory-related configuration key bounds, and what it does not.
// Shown as hovers in php.ini and php-fpm files. One row per key.
import { mdCode } from '../text';

export interface KeyDoc {
  key: string;
  /** Where the key is read. */
  where:
    | 'php.ini'
    | 'php-fpm pool'
    | 'php-fpm global'
    | 'RoadRunner worker pool'
    | 'Swoole server settings'
    | 'webman config/process.php (monitor)'
    | 'webman config/server.php';
  default: string;
  bounds: string;
  doesNotBound?: string;
}

export const KEY_DOCS: KeyDoc[] = [
  {
    key: 'memory_limit',
    where: 'php.ini',
    default: '128M',
    bounds: "The Zend memory manager's heap of ONE request (emalloc, arrays, objects, strings). Past it, the request dies with \"Allowed memory size … exhausted\".",
    doesNotBound:
      "The worker process: memory an extension or library takes with malloc is invisible to it (a php-fpm child was seen at 2 GB with memory_limit = 256M). Under long-running runtimes (Swoole, webman, RoadRunner) all requests share one PHP request, so it bounds their sum; webman's monitor restarts a worker whose memory nears it. -1 means no limit at all.",
  },
  {
    key: 'pm.max_requests',
    where: 'php-fpm pool',
    default: '0 (never recycle)',
    bounds: 'How many requests a worker serves before php-fpm replaces it with a fresh process: the one setting that caps ANY per-request leak (malloc in an extension, a growing static) at N requests. The memory graph becomes a sawtooth instead of a climb.',
    doesNotBound: 'Memory within one request. 0 means workers are never recycled: a leak grows them until the OOM killer or a restart.',
  },
  {
    key: 'pm',
    where: 'php-fpm pool',
    default: 'dynamic',
    bounds: 'How workers are spawned: static (pm.max_children always), dynamic (between the spare bounds), ondemand (on demand, reaped after pm.process_idle_timeout).',
    doesNotBound: 'How long a worker lives: only pm.max_requests (and ondemand idling) recycles it.',
  },
  {
    key: 'pm.max_children',
    where: 'php-fpm pool',
    default: '5',
    bounds: 'The number of workers: the pool\'s worst case is about pm.max_children × (the largest worker\'s RSS).',
    doesNotBound: 'The size of each worker.',
  },
  {
    key: 'pm.process_idle_timeout',
    where: 'php-fpm pool',
    default: '10s',
    bounds: 'With pm = ondemand, idle workers are killed after this time, which also gives their memory back.',
  },
  {
    key: 'request_terminate_timeout',
    where: 'php-fpm pool',
    default: '0 (off)',
    bounds: 'Wall-clock time of one request; the worker is killed past it.',
    doesNotBound: 'Memory.',
  },
  {
    key: 'zend.enable_gc',
    where: 'php.ini',
    default: 'On',
    bounds: "The cycle collector: frees objects that reference each other. With it off, every cycle created per request stays until request end, and forever under a long-running runtime.",
  },
  {
    key: 'mysqlnd.fetch_data_copy',
    where: 'php.ini',
    default: '0',
    bounds: 'With 1, rows fetched from a buffered result are copied out of the result buffer, so the buffer can be freed earlier: lower peak memory for more copying.',
  },
  {
    key: 'mysqlnd.collect_memory_statistics',
    where: 'php.ini',
    default: '0',
    bounds: "Collects mysqlnd's memory statistics (visible in phpinfo() and mysqli_get_client_stats()), including result sets that were never explicitly freed. Costs a little speed; useful while hunting a leak.",
  },
  {
    key: 'mysqlnd.mempool_default_size',
    where: 'php.ini',
    default: '16000',
    bounds: "Size of mysqlnd's memory pool for result sets.",
  },
  {
    key: 'opcache.memory_consumption',
    where: 'php.ini',
    default: '128 (MB)',
    bounds: 'Shared memory for compiled scripts, allocated once per server: not a per-request cost and not a leak.',
  },
  {
    key: 'realpath_cache_size',
    where: 'php.ini',
    default: '4096K',
    bounds: 'Per-process cache of resolved paths; it stays bounded at this size.',
  },
  {
    key: 'post_max_size',
    where: 'php.ini',
    default: '8M',
    bounds: 'The largest request body PHP reads; bodies count toward the request heap.',
  },
  {
    key: 'upload_max_filesize',
    where: 'php.ini',
    default: '2M',
    bounds: 'The largest uploaded file (written to a temporary file, not held in memory).',
  },
  {
    key: 'opcache.interned_strings_buffer',
    where: 'php.ini',
    default: '8 (MB)',
    bounds: 'Shared memory for interned strings, part of opcache.memory_consumption: allocated once per server.',
  },
  {
    key: 'pm.max_spare_servers',
    where: 'php-fpm pool',
    default: '3 (Debian www.conf)',
    bounds: 'With pm = dynamic, idle workers above this number are killed, which gives their memory back.',
    doesNotBound: 'Busy workers: a worker that keeps serving is never reaped by it.',
  },
  {
    key: 'process.max',
    where: 'php-fpm global',
    default: '0 (no limit)',
    bounds: 'The number of processes php-fpm forks over all pools: caps the sum of the pools\' pm.max_children.',
    doesNotBound: 'The size of each worker.',
  },
  {
    key: 'emergency_restart_threshold',
    where: 'php-fpm global',
    default: '0 (off)',
    bounds: 'With emergency_restart_interval: php-fpm restarts itself when this many children die of SIGSEGV/SIGBUS within the interval.',
    doesNotBound: 'Memory: a worker that grows is not a crash.',
  },
  {
    key: 'rlimit_core',
    where: 'php-fpm global',
    default: 'system default',
    bounds: 'The core file size of the processes (a core of a 2 GB worker is 2 GB on disk).',
  },
];

/** RoadRunner: keys of a worker pool (`http.pool`, `jobs.pool`, `grpc.pool`, …), by their path inside the pool. */
export const RR_KEY_DOCS: KeyDoc[] = [
  {
    key: 'max_jobs',
    where: 'RoadRunner worker pool',
    default: '0 (never recycle)',
    bounds: 'How many jobs (requests) a PHP worker serves before RoadRunner replaces it: caps any per-request leak at N requests, like php-fpm\'s pm.max_requests.',
    doesNotBound: 'Memory within one job. 0 means workers are never recycled.',
  },
  {
    key: 'num_workers',
    where: 'RoadRunner worker pool',
    default: 'the number of CPUs',
    bounds: 'The number of PHP workers: the pool\'s worst case is about num_workers × the largest worker\'s RSS.',
    doesNotBound: 'The size of each worker.',
  },
  {
    key: 'supervisor.max_worker_memory',
    where: 'RoadRunner worker pool',
    default: '0 (off)',
    bounds: "A worker's memory in MB, checked every watch_tick: a worker above it is stopped after its current job and replaced. Catches malloc'd memory too (it reads the process's memory).",
    doesNotBound: "A request that grows faster than the check: PHP's memory_limit stops it first if memory_limit is lower. Keep it below memory_limit so a leak ends in a recycle, not a fatal error.",
  },
  {
    key: 'supervisor.ttl',
    where: 'RoadRunner worker pool',
    default: '0 (off)',
    bounds: "A worker's lifetime: after it, the worker is replaced between jobs. Caps a leak by time rather than by count.",
  },
  {
    key: 'supervisor.idle_ttl',
    where: 'RoadRunner worker pool',
    default: '0 (off)',
    bounds: 'A worker idle this long is replaced.',
    doesNotBound: 'A busy worker.',
  },
  {
    key: 'supervisor.exec_ttl',
    where: 'RoadRunner worker pool',
    default: '0 (off)',
    bounds: 'Wall-clock time of one job; the worker is killed past it.',
    doesNotBound: 'Memory.',
  },
  {
    key: 'supervisor.watch_tick',
    where: 'RoadRunner worker pool',
    default: '1s',
    bounds: 'How often the supervisor checks ttl, idle_ttl, exec_ttl and max_worker_memory.',
  },
  {
    key: 'debug',
    where: 'RoadRunner worker pool',
    default: 'false',
    bounds: 'true starts a fresh worker for every job (no leak survives a job), at the cost of a full boot per request: for development.',
  },
];

/** Swoole `$server->set([...])` keys (also Hyperf's config/autoload/server.php 'settings'). */
export const SWOOLE_KEY_DOCS: KeyDoc[] = [
  {
    key: 'max_request',
    where: 'Swoole server settings',
    default: '0 (never recycle)',
    bounds: 'How many requests a worker process handles before the manager replaces it: caps any per-request leak. Needs SWOOLE_PROCESS mode (the manager restarts workers; with SWOOLE_BASE the Swoole 1.x-4.x documentation calls it ineffective, later versions close the worker\'s connections on restart). Coroutine servers have no workers to recycle.',
    doesNotBound: 'Memory within one request; connections kept by the worker (websocket) are dropped when it exits in BASE mode.',
  },
  {
    key: 'task_max_request',
    where: 'Swoole server settings',
    default: '0 (never recycle)',
    bounds: 'The same for task workers: a task worker is replaced after N tasks.',
  },
  {
    key: 'worker_num',
    where: 'Swoole server settings',
    default: 'the number of CPUs',
    bounds: 'The number of worker processes: the worst case is about worker_num × the largest worker\'s RSS.',
  },
  {
    key: 'task_worker_num',
    where: 'Swoole server settings',
    default: '0',
    bounds: 'The number of task worker processes.',
  },
  {
    key: 'max_coroutine',
    where: 'Swoole server settings',
    default: '100000',
    bounds: 'Concurrent coroutines per worker: each holds its stack and its request\'s memory.',
    doesNotBound: 'Memory kept after a coroutine ends (statics, singletons).',
  },
  {
    key: 'max_wait_time',
    where: 'Swoole server settings',
    default: '3 (s)',
    bounds: 'How long a worker that reached max_request (or a reload) may finish its work before it is killed.',
  },
  {
    key: 'buffer_output_size',
    where: 'Swoole server settings',
    default: '2M',
    bounds: 'The largest single send() / response body a worker may pass to the reactor.',
  },
  {
    key: 'socket_buffer_size',
    where: 'Swoole server settings',
    default: '2M',
    bounds: 'The output buffer per connection.',
  },
  {
    key: 'package_max_length',
    where: 'Swoole server settings',
    default: '2M',
    bounds: 'The largest request (or package) the server accepts: it is held in memory while it arrives.',
  },
];

/** webman monitor options (config/process.php 'monitor' → 'constructor' → 'options') and config/server.php keys. */
export const WEBMAN_KEY_DOCS: KeyDoc[] = [
  {
    key: 'enable_memory_monitor',
    where: 'webman config/process.php (monitor)',
    default: "true on Linux/macOS (DIRECTORY_SEPARATOR === '/')",
    bounds: "Every 60 s the monitor process restarts (safely, between requests) a worker whose memory is above the limit: 80 % of php.ini's memory_limit, or options.memory_limit. With memory_limit = -1 and no options.memory_limit, it checks nothing.",
    doesNotBound: 'Growth within 60 s; workers on Windows (the monitor is off there).',
  },
  {
    key: 'memory_limit',
    where: 'webman config/process.php (monitor)',
    default: "80 % of php.ini's memory_limit",
    bounds: "The worker memory above which the monitor restarts a worker; overrides the php.ini-derived limit.",
  },
  {
    key: 'enable_file_monitor',
    where: 'webman config/process.php (monitor)',
    default: 'true unless started with -d (daemon)',
    bounds: 'Reloads workers when files change (development). Not a memory bound.',
  },
  {
    key: 'count',
    where: 'webman config/server.php',
    default: 'cpu_count() * 4',
    bounds: 'The number of worker processes: the worst case is about count × the largest worker\'s memory.',
  },
  {
    key: 'max_package_size',
    where: 'webman config/server.php',
    default: '10M',
    bounds: 'The largest request workerman accepts: it is held in memory while it arrives.',
  },
];

const byKey = new Map(KEY_DOCS.map((d) => [d.key, d]));

export function keyDoc(key: string): KeyDoc | undefined {
  return byKey.get(key);
}

export function rrKeyDoc(key: string): KeyDoc | undefined {
  return RR_KEY_DOCS.find((d) => d.key === key);
}

export function swooleKeyDoc(key: string): KeyDoc | undefined {
  return SWOOLE_KEY_DOCS.find((d) => d.key === key);
}

export function webmanKeyDoc(key: string, file: 'process' | 'server'): KeyDoc | undefined {
  return WEBMAN_KEY_DOCS.find((d) => d.key === key && d.where.includes(`config/${file}.php`));
}

/** Hover markdown; `extra` lines (e.g. the effective value across files) go last. */
export function keyDocMarkdown(d: KeyDoc, effective?: string, extra: string[] = []): string {
  return [
    `**\`${d.key}\`** (${d.where}; default \`${d.default}\`)`,
    '',
    `**Bounds:** ${d.bounds}`,
    ...(d.doesNotBound ? ['', `**Does not bound:** ${d.doesNotBound}`] : []),
    ...(effective !== undefined ? ['', `Value in this file: ${mdCode(effective)}`] : []),
    ...extra.flatMap((l) => ['', l]),
  ].join('\n');
}
