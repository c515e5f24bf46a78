// What each memory-related configuration key bounds, and what it does not.
// Shown as hovers in php.ini and php-fpm files. One row per key.

export interface KeyDoc {
  key: string;
  /** Where the key is read. */
  where: 'php.ini' | 'php-fpm pool' | 'php-fpm global';
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
];

const byKey = new Map(KEY_DOCS.map((d) => [d.key, d]));

export function keyDoc(key: string): KeyDoc | undefined {
  return byKey.get(key);
}

export function keyDocMarkdown(d: KeyDoc, effective?: string): string {
  return [
    `**\`${d.key}\`** (${d.where}; default \`${d.default}\`)`,
    '',
    `**Bounds:** ${d.bounds}`,
    ...(d.doesNotBound ? ['', `**Does not bound:** ${d.doesNotBound}`] : []),
    ...(effective !== undefined ? ['', `Value in this file: \`${effective}\``] : []),
  ].join('\n');
}
