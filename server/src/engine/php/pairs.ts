// Balanced pairs on every path: an entry added to a long-lived container and
// taken out again later in the same function body (push … pop, `C[$k] = …` …
// `unset(C[$k])`, `Context::set($k, …)` … `Context::release($k)`) — unbalanced
// when an exception thrown in between, or an early `return` / `continue` /
// `break`, leaves the function without reaching the release (no `finally`).
// Each failing request then leaves one entry behind in a container that
// lives for the worker. Used by php-unbalanced-pair.
import { spanOf, type PhpNode } from './parse';
import { accessOf, candidateModelOf, containerOf, nameOf, shortName, type Container, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';
import { sameExpr } from './growth';
import { keyVerdict } from './keys';

// ---------------------------------------------------------------------------
// The pairs, as data.

/**
 * Method pairs on a long-lived receiver (`$this->pool->add($k, …)` … `->remove($k)`) and on a
 * class's static API (`Context::set($k, …)` … `Context::release($k)`): the first argument of
 * both identifies the entry, unless `keyless` (a stack: push … pop).
 */
interface MethodPair {
  add: string[];
  remove: string[];
  keyless?: boolean;
}

const METHOD_PAIRS: MethodPair[] = [
  { add: ['push'], remove: ['pop'], keyless: true },
  { add: ['pushscope'], remove: ['popscope'], keyless: true },
  { add: ['attach'], remove: ['detach'] },
  { add: ['set', 'put', 'store', 'add', 'register', 'bind', 'offsetset'], remove: ['release', 'delete', 'del', 'remove', 'unset', 'forget', 'unregister', 'offsetunset', 'destroy', 'clear'] },
];

/**
 * Process-wide stacks that PHP itself keeps: a call pushes, its counterpart pops. Under a
 * long-running runtime they live as long as the worker.
 */
interface FunctionPair {
  add: string;
  remove: string[];
  display: string;
}

const FUNCTION_PAIRS: FunctionPair[] = [
  { add: 'set_error_handler', remove: ['restore_error_handler'], display: "PHP's error-handler stack" },
  { add: 'set_exception_handler', remove: ['restore_exception_handler'], display: "PHP's exception-handler stack" },
  { add: 'ob_start', remove: ['ob_end_clean', 'ob_get_clean', 'ob_end_flush', 'ob_get_flush'], display: "PHP's output-buffer stack" },
];

const PROCESS_STACK_WHY = 'PHP keeps it for the whole process, and a long-running worker never resets it between requests';

/** Functions that take an entry off a stack / queue held in their first argument. */
const POP_FUNCTIONS = new Set(['array_pop']);
const PUSH_FUNCTIONS = new Set(['array_push']);

/**
 * Function-style calls are taken as PHP built-ins, which report failure by warnings and return
 * values, not by exceptions — except these, which run user callbacks (or user code) that can
 * throw. Method calls, static calls, `new`, calls of a callable variable, `yield` and `include`
 * can always throw.
 */
const CALLS_BACK = new Set([
  'call_user_func', 'call_user_func_array', 'array_map', 'array_walk', 'array_walk_recursive', 'array_reduce', 'array_filter', 'usort', 'uasort', 'uksort',
  'iterator_apply', 'iterator_to_array', 'forward_static_call', 'forward_static_call_array', 'preg_replace_callback', 'preg_replace_callback_array', 'spl_autoload_call',
  'class_exists', 'interface_exists', 'trait_exists', 'enum_exists', 'method_exists', 'is_subclass_of', 'is_a', // autoloaders run
  'json_encode', 'serialize', 'unserialize', 'var_export', 'print_r', 'strval', 'settype', // __serialize, __toString, JsonSerializable
  'intdiv', 'random_int', 'random_bytes', // documented to throw
]);

// ---------------------------------------------------------------------------

export type PairExit =
  | { kind: 'throw-call'; node: PhpNode }
  | { kind: 'exit'; node: PhpNode; word: string };

export interface UnbalancedPair {
  scope: FunctionScope;
  /** The statement adding the entry. */
  add: PhpNode;
  /** The release on the normal path. */
  release: PhpNode;
  /** What leaves without the release. */
  exit: PairExit;
  /** Display of the container (`Tracer::$stack`, `Context`). */
  display: string;
  /** Why it outlives the request. */
  why?: string;
  /** `array_pop()`, `unset()`, `Context::release()`. */
  releaseLabel: string;
  /** The container's lifetime is inferred from the pair itself (a property of an object the model does not know). */
  candidate: boolean;
}

interface Acquire {
  node: PhpNode;
  /** Identity of the container (Container.key, or `static:X` for a static API). */
  key: string;
  container?: Container;
  display: string;
  /** Keys from the container outwards; [] for a stack. */
  keys: PhpNode[];
  matches(n: PhpNode, scope: FunctionScope, model: PhpFileModel): boolean;
  releaseLabel: string;
  /** Only exits, not exceptions, are reported (a static API whose storage is not seen). */
  exitsOnly: boolean;
  why?: string;
}

const lower = (v: unknown): string => (nameOf(v) ?? '').toLowerCase();
const isCall = (n: PhpNode | null | undefined): boolean => !!n && n.kind === 'call';
const methodOf = (n: PhpNode): string | undefined =>
  n.kind === 'call' && (n.what?.kind === 'propertylookup' || n.what?.kind === 'nullsafepropertylookup' || n.what?.kind === 'staticlookup') && n.what.offset?.kind === 'identifier'
    ? lower(n.what.offset)
    : undefined;
const functionOf = (n: PhpNode): string | undefined => {
  if (n.kind !== 'call' || n.what?.kind !== 'name') return undefined;
  const s = lower(n.what);
  return s.slice(s.lastIndexOf('\\') + 1);
};
const args = (n: PhpNode): PhpNode[] => (Array.isArray(n.arguments) ? n.arguments : []);
const startOf = (n: PhpNode): number => n.loc?.start.offset ?? -1;
const endOf = (n: PhpNode): number => n.loc?.end.offset ?? -1;

function sameKeys(a: PhpNode[], b: Array<PhpNode | false>): boolean {
  return a.length === b.length && a.every((k, i) => b[i] !== false && sameExpr(k, b[i]));
}

/** The class a static call is made on, when it names one (`Context::set`, not `static::`). */
function staticClass(n: PhpNode, scope: FunctionScope): string | undefined {
  const w = n.what?.kind === 'staticlookup' ? n.what.what : undefined;
  if (!w) return undefined;
  if (w.kind === 'selfreference' || w.kind === 'staticreference') return scope.cls?.name.toLowerCase();
  if (w.kind === 'name') return shortName(nameOf(w) ?? '').toLowerCase();
  return undefined;
}

/** The entries an owned node adds to a long-lived container, with how its release is recognised. */
function acquireOf(o: OwnedNode, scope: FunctionScope, model: PhpFileModel): Acquire | undefined {
  const n = o.node;
  const cand = candidateModelOf(model);
  const fromAccess = (target: PhpNode | null | undefined): { c: Container; keys: Array<PhpNode | false> } | undefined => {
    const a = accessOf(target, scope, cand);
    return a ? { c: a.container, keys: a.keys } : undefined;
  };
  // C[$k] = v, C[] = v
  if (n.kind === 'assign' && n.operator === '=' && n.left?.kind === 'offsetlookup') {
    const a = fromAccess(n.left);
    if (!a || a.keys.length === 0) return undefined;
    const last = a.keys[a.keys.length - 1];
    if (last === false) {
      if (a.keys.length !== 1) return undefined;
      return stackAcquire(n, a.c, []);
    }
    if (a.keys.some((k) => k === false)) return undefined;
    const keys = a.keys as PhpNode[];
    return {
      node: n,
      key: a.c.key,
      container: a.c,
      display: a.c.display,
      keys,
      releaseLabel: 'unset()',
      exitsOnly: false,
      matches: (r, sc, m) => {
        if (r.kind === 'unset') return (r.variables ?? []).some((v: PhpNode) => {
          const b = accessOf(v, sc, candidateModelOf(m));
          return !!b && b.container.key === a.c.key && sameKeys(keys, b.keys);
        });
        const mm = methodOf(r);
        if (mm === 'offsetunset') {
          const b = accessOf(r.what.what, sc, candidateModelOf(m));
          return !!b && b.container.key === a.c.key && b.keys.length === keys.length - 1 && sameKeys(keys.slice(0, -1), b.keys) && sameExpr(keys[keys.length - 1], args(r)[0]);
        }
        return false;
      },
    };
  }
  // set_error_handler(…) … restore_error_handler(), ob_start() … ob_get_clean()
  const fn = functionOf(n);
  const fp = fn ? FUNCTION_PAIRS.find((p) => p.add === fn) : undefined;
  if (fp) {
    return {
      node: n,
      key: `function:${fp.add}`,
      display: fp.display,
      keys: [],
      releaseLabel: `${fp.remove[0]}()`,
      exitsOnly: false,
      why: PROCESS_STACK_WHY,
      matches: (r) => {
        const f = functionOf(r);
        return !!f && fp.remove.includes(f);
      },
    };
  }
  // array_push(C, v)
  if (fn && PUSH_FUNCTIONS.has(fn)) {
    const a = fromAccess(args(n)[0]);
    if (a && a.keys.length === 0) return stackAcquire(n, a.c, []);
    return undefined;
  }
  // C->push(v), C->attach($x), C->set($k, v) on a long-lived receiver; X::set($k, v)
  const m = methodOf(n);
  if (!m) return undefined;
  const pair = METHOD_PAIRS.find((p) => p.add.includes(m));
  if (!pair) return undefined;
  const key0 = args(n)[0];
  if (!pair.keyless && !key0) return undefined;
  if (n.what.kind === 'staticlookup') {
    const cls = staticClass(n, scope);
    if (!cls || cls === 'parent') return undefined;
    const display = `${nameOf(n.what.what) ?? cls}`;
    // The class's storage is known to be static when the class is in this file and declares a
    // static property; otherwise (a helper elsewhere, possibly coroutine-scoped) only exits that
    // skip the release are reported.
    const local = model.classes.find((c) => shortName(c.name).toLowerCase() === cls && c.staticProps.size > 0);
    return methodAcquire(n, `static:${cls}`, undefined, display, pair, key0, (r) => staticClass(r, scope) === cls && r.what?.kind === 'staticlookup', !local);
  }
  const recv = n.what.what;
  const c = containerOf(recv, scope, cand);
  if (!c) return undefined;
  return methodAcquire(n, c.key, c, c.display, pair, key0, (r, sc, mm) => {
    if (r.what?.kind === 'staticlookup') return false;
    const rc = containerOf(r.what.what, sc, candidateModelOf(mm));
    return !!rc && rc.key === c.key;
  }, false);
}

function stackAcquire(n: PhpNode, c: Container, keys: PhpNode[]): Acquire {
  return {
    node: n,
    key: c.key,
    container: c,
    display: c.display,
    keys,
    releaseLabel: 'array_pop()',
    exitsOnly: false,
    matches: (r, sc, m) => {
      const f = functionOf(r);
      if (f && POP_FUNCTIONS.has(f)) {
        const b = accessOf(args(r)[0], sc, candidateModelOf(m));
        return !!b && b.container.key === c.key && b.keys.length === 0;
      }
      return false;
    },
  };
}

function methodAcquire(
  n: PhpNode,
  key: string,
  c: Container | undefined,
  display: string,
  pair: MethodPair,
  key0: PhpNode | undefined,
  sameReceiver: (r: PhpNode, sc: FunctionScope, m: PhpFileModel) => boolean,
  exitsOnly: boolean,
): Acquire {
  return {
    node: n,
    key,
    container: c,
    display,
    keys: pair.keyless || !key0 ? [] : [key0],
    releaseLabel: `${pair.remove[0]}()`,
    exitsOnly,
    matches: (r, sc, m) => {
      const mm = methodOf(r);
      if (!mm || !pair.remove.includes(mm) || !sameReceiver(r, sc, m)) return false;
      if (pair.keyless) return true;
      return !!key0 && sameExpr(key0, args(r)[0]);
    },
  };
}

// ---------------------------------------------------------------------------
// Paths

const LOOPS = new Set(['for', 'foreach', 'while', 'do']);
/** Statements whose inner statements run conditionally or repeatedly. */
const CONTROL = new Set(['if', 'switch', 'for', 'foreach', 'while', 'do', 'try', 'block', 'declare']);

/** The nearest `block` ancestor index in a parent chain (the chain is outermost first). */
function statementIn(chain: PhpNode[], node: PhpNode): { block: PhpNode; stmt: PhpNode; index: number } | undefined {
  const all = [...chain, node];
  for (let i = all.length - 2; i >= 0; i--) {
    if (all[i].kind === 'block') return { block: all[i], stmt: all[i + 1], index: i };
  }
  return undefined;
}

function contains(outer: PhpNode, inner: PhpNode): boolean {
  const a = spanOf(outer);
  const b = spanOf(inner);
  return !!a && !!b && b.start >= a.start && b.end <= a.end;
}

/** Is a release among the nodes inside `where`? */
function releasedIn(where: PhpNode | null | undefined, releases: PhpNode[]): boolean {
  return !!where && releases.some((r) => contains(where, r));
}

/** The try statements on the way from the region's block down to a node, innermost first, with the part of each that holds the node. */
function enclosingTries(chain: PhpNode[], blockIndex: number, node: PhpNode): Array<{ t: PhpNode; part: 'body' | 'catch' | 'finally' }> {
  const out: Array<{ t: PhpNode; part: 'body' | 'catch' | 'finally' }> = [];
  const all = [...chain, node];
  for (let i = all.length - 2; i > blockIndex; i--) {
    const t = all[i];
    if (t.kind !== 'try') continue;
    const child = all[i + 1];
    const part = child === t.always ? 'finally' : (t.catches ?? []).includes(child) ? 'catch' : 'body';
    out.push({ t, part });
  }
  return out;
}

/** An exception thrown at `node` reaches the release (a finally or a catch that releases, or a catch that resumes before it). */
function exceptionCovered(chain: PhpNode[], blockIndex: number, node: PhpNode, releases: PhpNode[], releaseStmt: PhpNode): boolean {
  for (const { t, part } of enclosingTries(chain, blockIndex, node)) {
    if (releasedIn(t.always, releases)) return true;
    // A call inside a catch or finally handler: a second failure while handling the first is
    // beyond this check.
    if (part !== 'body') return true;
    const catches: PhpNode[] = t.catches ?? [];
    if (catches.some((c) => releasedIn(c, releases))) return true;
    // A catch that swallows the exception resumes after the try: the release is reached when it
    // comes after the try (not inside it).
    if (catches.length > 0 && !contains(t, releaseStmt) && !releasedIn(t.body, releases)) return true;
  }
  return false;
}

/** A return / continue / break at `node` still runs a finally that releases. */
function exitCovered(chain: PhpNode[], blockIndex: number, node: PhpNode, releases: PhpNode[]): boolean {
  return enclosingTries(chain, blockIndex, node).some(({ t, part }) => part !== 'finally' && releasedIn(t.always, releases));
}

/** Does a continue / break at `node` (with its level) leave the region rooted at chain[blockIndex]? */
function leavesRegion(chain: PhpNode[], blockIndex: number, node: PhpNode): boolean {
  const level = node.level?.kind === 'number' ? Number(node.level.value) : 1;
  let loops = 0;
  for (let i = blockIndex + 1; i < chain.length; i++) {
    const k = chain[i].kind;
    if (LOOPS.has(k) || (node.kind === 'break' && k === 'switch') || (node.kind === 'continue' && k === 'switch')) loops++;
  }
  return loops < level;
}

function mayThrow(n: PhpNode): boolean {
  if (n.kind === 'new' || n.kind === 'yield' || n.kind === 'yieldfrom' || n.kind === 'include') return true;
  if (n.kind !== 'call') return false;
  const f = functionOf(n);
  if (f === undefined) return true;
  // call_user_func('imagepng', …): a built-in named by a string.
  const first = args(n)[0];
  if ((f === 'call_user_func' || f === 'call_user_func_array') && (first?.kind === 'string' || first?.kind === 'encapsed')) return false;
  return CALLS_BACK.has(f);
}

/** Test tooling (a package's Testing/ helpers, fixtures): not code a worker runs per request. */
function isTestTooling(path: string | undefined): boolean {
  return !!path && path.split(/[\\/]/).slice(0, -1).some((seg) => /^(tests?|testing|spec|fixtures?)$/i.test(seg));
}

/** Unbalanced pairs in one function body. */
export function unbalancedPairsIn(scope: FunctionScope, model: PhpFileModel, text: string): UnbalancedPair[] {
  if (scope.kind === 'file' || scope.isConstructor) return [];
  const out: UnbalancedPair[] = [];
  const owned = scope.owned;
  for (let ai = 0; ai < owned.length; ai++) {
    const o = owned[ai];
    const n = o.node;
    if (n.kind !== 'assign' && !isCall(n)) continue;
    const acq = acquireOf(o, scope, model);
    if (!acq) continue;
    // Entries under a bounded key are overwritten next time: not growth.
    if (acq.keys.length > 0 && keyVerdict(acq.keys[0], o, { scope, text }).bounded) continue;
    const at = statementIn(o.parents, n);
    if (!at || at.stmt.kind !== 'expressionstatement') continue;
    const { block } = at;
    const aEnd = endOf(at.stmt);
    // Releases of this entry later in the same block (directly, or inside a try statement of it).
    const releases: PhpNode[] = [];
    let releaseStmt: PhpNode | undefined;
    for (let ri = ai + 1; ri < owned.length; ri++) {
      const r = owned[ri];
      if (startOf(r.node) < aEnd || !contains(block, r.node)) continue;
      if (!acq.matches(r.node, scope, model)) continue;
      releases.push(r.node);
      if (!releaseStmt) {
        const rs = statementIn(r.parents, r.node);
        const direct = rs && rs.block === block && !CONTROL.has(rs.stmt.kind);
        // …or inside a try of this block (`try { … } finally { unset(…); }`)
        const inTry = !direct && r.parents.some((p, i) => p.kind === 'try' && r.parents[i - 1] === block);
        if (direct) releaseStmt = rs!.stmt;
        else if (inTry) releaseStmt = r.parents.find((p, i) => p.kind === 'try' && r.parents[i - 1] === block);
        else {
          releaseStmt = undefined;
          break; // a conditional release: the pair's paths are beyond this check
        }
      }
    }
    if (!releaseStmt) continue;
    const rStart = startOf(releases[0]);
    // What lies between: exits and calls that may throw.
    let found: PairExit | undefined;
    for (let xi = ai + 1; xi < owned.length && !found; xi++) {
      const x = owned[xi];
      const xs = startOf(x.node);
      if (xs < aEnd) continue;
      if (xs >= rStart) break;
      if (!contains(block, x.node)) continue;
      const bi = x.parents.indexOf(block);
      if (bi < 0) continue;
      const k = x.node.kind;
      // `return ob_get_clean();`: the exit is the release.
      if ((k === 'return' || k === 'throw') && releases.some((r) => contains(x.node, r))) continue;
      if (k === 'return' || k === 'continue' || k === 'break') {
        if ((k !== 'return' && !leavesRegion(x.parents, bi, x.node)) || exitCovered(x.parents, bi, x.node, releases)) continue;
        // A release earlier on this exit's own branch.
        if (releases.some((r) => startOf(r) < xs && x.parents.some((p) => p.kind === 'block' && contains(p, r) && p !== block))) continue;
        found = { kind: 'exit', node: x.node, word: k };
      } else if (k === 'throw') {
        if (acq.exitsOnly || exceptionCovered(x.parents, bi, x.node, releases, releaseStmt)) continue;
        if (releases.some((r) => startOf(r) < xs && x.parents.some((p) => p.kind === 'block' && contains(p, r) && p !== block))) continue;
        found = { kind: 'exit', node: x.node, word: 'throw' };
      } else if (!acq.exitsOnly && mayThrow(x.node) && !releases.some((r) => contains(x.node, r))) {
        if (exceptionCovered(x.parents, bi, x.node, releases, releaseStmt)) continue;
        found = { kind: 'throw-call', node: x.node };
      }
    }
    if (!found) continue;
    if (out.some((u) => u.add === n)) continue;
    out.push({ scope, add: n, release: releases[0], exit: found, display: acq.display, why: acq.why ?? acq.container?.why, releaseLabel: acq.releaseLabel, candidate: !!acq.container?.candidate });
  }
  return out;
}

export function unbalancedPairs(model: PhpFileModel, text: string): UnbalancedPair[] {
  if (isTestTooling(model.path)) return [];
  return model.scopes.flatMap((s) => unbalancedPairsIn(s, model, text));
}
