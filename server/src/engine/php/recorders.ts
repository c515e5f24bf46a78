// Objects that keep everything passed through them, with no limit, as data:
// one row per API (what it keeps, why it grows, how to bound it). Used by
// php-unbounded-recorder. A row matches a call or `new` of the resolved class.
import { type PhpNode } from './parse';
import { nameOf, resolveClassName, shortName, type FunctionScope, type PhpFileModel } from './scopes';

export interface RecorderRow {
  /** Fully qualified class, lower-cased. */
  cls: string;
  /** Static method (`history`), or undefined for `new`. */
  method?: string;
  /** `Middleware::history()` for messages. */
  api: string;
  /** What it keeps. */
  keeps: string;
  /** The bound it lacks, and how to add one. */
  fix: string;
  /** The call is bounded when this argument is given and is not null / 0 (`new ArrayCache(256)`). */
  limitArg?: number;
}

export const RECORDERS: RecorderRow[] = [
  {
    cls: 'guzzlehttp\\middleware',
    method: 'history',
    api: 'Middleware::history()',
    keeps: 'every request, response, error and option array sent through the client, appended to the array it was given by reference',
    fix: 'Drop the history middleware outside tests, or empty the container after reading it (`$container = []`).',
  },
  {
    cls: 'react\\cache\\arraycache',
    api: 'new ArrayCache()',
    keeps: 'one entry per distinct key; without a size limit expired entries go only when the same key is read again',
    fix: 'Give it a size limit (`new ArrayCache(256)`): the least recently used entries are then evicted.',
    limitArg: 0,
  },
  {
    cls: 'monolog\\handler\\testhandler',
    api: 'new TestHandler()',
    keeps: 'every log record, for assertions in tests',
    fix: 'Use it in tests only; in application code use a handler that writes the records out.',
  },
];

/** Tests and fixtures: recorders are what they are for. */
export function isTestPath(path: string | undefined): boolean {
  if (!path) return false;
  return /(^|[\\/])(tests?|spec|fixtures?)[\\/]/i.test(path) || /Test\.php$/.test(path);
}

export interface RecorderUse {
  row: RecorderRow;
  node: PhpNode;
  scope: FunctionScope;
}

function isZeroOrNull(n: PhpNode | undefined): boolean {
  if (!n) return true;
  if (n.kind === 'nullkeyword') return true;
  if (n.kind === 'number') return Number(n.value) === 0;
  return false;
}

export function recorderUses(model: PhpFileModel): RecorderUse[] {
  if (isTestPath(model.path)) return [];
  const out: RecorderUse[] = [];
  for (const scope of model.scopes) {
    if (scope.cls && /testcase$/i.test(scope.cls.extendsFq ?? '')) continue;
    for (const o of scope.owned) {
      const n = o.node;
      let cls: PhpNode | undefined;
      let method: string | undefined;
      if (n.kind === 'new' && n.what?.kind === 'name') cls = n.what;
      else if (n.kind === 'call' && n.what?.kind === 'staticlookup' && n.what.what?.kind === 'name') {
        cls = n.what.what;
        method = (nameOf(n.what.offset) ?? '').toLowerCase();
      }
      if (!cls) continue;
      const fq = resolveClassName(nameOf(cls) ?? '', model, cls.resolution);
      const short = shortName(fq).toLowerCase();
      const row = RECORDERS.find((r) => r.method === method && (r.cls === fq || (r.cls.endsWith(`\\${short}`) && !fq.includes('\\'))));
      if (!row) continue;
      if (row.limitArg !== undefined && !isZeroOrNull((n.arguments ?? [])[row.limitArg])) continue;
      out.push({ row, node: n, scope });
    }
  }
  return out;
}
