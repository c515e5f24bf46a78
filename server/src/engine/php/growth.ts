// Growth of long-lived containers in one PHP file: every write that adds to a
// static property, static local, global, singleton property, worker-loop
// variable or by-reference capture of a handler, and what (if anything) bounds
// it. Shared by php-unbounded-static-growth, php-buffered-result-retained and
// the container-declaration hover.
import { spanOf, type PhpNode } from './parse';
import { accessOf, nameOf, type Container, type ContainerAccess, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';
import { keyVerdict, requestReason, type KeyVerdict } from './keys';

export type GrowthKind = 'append' | 'keyed' | 'string' | 'push' | 'merge' | 'union' | 'spread';

export interface Growth {
  access: ContainerAccess;
  kind: GrowthKind;
  /** The expression reported (the write's target). */
  target: PhpNode;
  /** The assignment / call doing the write. */
  write: PhpNode;
  at: OwnedNode;
  key?: Extract<KeyVerdict, { bounded: false }>;
  /** For push/merge: the function name. */
  fn?: string;
}

export function isResetValue(v: PhpNode | null | undefined): boolean {
  if (!v) return false;
  if (v.kind === 'array') return (v.items ?? []).length === 0;
  if (v.kind === 'string') return v.value === '';
  if (v.kind === 'nullkeyword') return true;
  return false;
}

export function callName(node: PhpNode | null | undefined): string | undefined {
  if (!node || node.kind !== 'call' || node.what?.kind !== 'name') return undefined;
  const n = nameOf(node.what) ?? '';
  return n.slice(n.lastIndexOf('\\') + 1).toLowerCase();
}

function sameContainer(a: ContainerAccess | null, c: Container): boolean {
  return !!a && a.container.key === c.key;
}

/** Does an array expression added to C bring keys that are new on every call? */
function addsUnboundedKeys(expr: PhpNode | null | undefined, mode: 'merge' | 'union', c: Container, scope: FunctionScope, model: PhpFileModel, at: OwnedNode, text: string): boolean {
  if (!expr) return false;
  if (expr.kind !== 'array') return !isResetValue(expr) && expr.kind !== 'number';
  for (const it of expr.items ?? []) {
    if (!it) continue;
    const entry = it.kind === 'entry' ? it : { kind: 'entry', key: null, value: it, unpack: false };
    if (entry.unpack) {
      if (sameContainer(accessOf(entry.value, scope, model), c)) continue;
      return true;
    }
    if (!entry.key) {
      if (mode === 'merge') return true; // renumbered and appended
      continue; // union: positions 0..n, present after the first call
    }
    if (!keyVerdict(entry.key, at, { scope, text }).bounded) return true;
  }
  return false;
}

/** `C[count(C) - 1]`, `C[array_key_last(C)]`: an entry that already exists (an overwrite, not growth). */
function existingSlot(k: PhpNode, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const lastOf = (n: PhpNode | undefined) => {
    const fn = callName(n);
    return (fn === 'count' || fn === 'sizeof' || fn === 'array_key_last') && accessOf((n!.arguments ?? [])[0], scope, model)?.container.key === c.key;
  };
  if (callName(k) === 'array_key_last') return lastOf(k);
  return k.kind === 'bin' && k.type === '-' && lastOf(k.left) && k.right?.kind === 'number' && Number(k.right.value) >= 1;
}

/** Every growing write in one scope, in source order. */
export function growthsIn(scope: FunctionScope, model: PhpFileModel, text: string): Growth[] {
  const out: Growth[] = [];
  const keyCtx = { scope, text };
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind === 'assign' && n.left) {
      const acc = accessOf(n.left, scope, model);
      if (!acc) continue;
      const c = acc.container;
      if (acc.keys.length > 0) {
        if (acc.keys.some((k) => k === false)) {
          out.push({ access: acc, kind: 'append', target: n.left, write: n, at: o });
          continue;
        }
        let worst: Extract<KeyVerdict, { bounded: false }> | undefined;
        for (const k of acc.keys) {
          if (existingSlot(k as PhpNode, c, scope, model)) continue;
          const v = keyVerdict(k as PhpNode, o, keyCtx);
          if (!v.bounded && (!worst || v.rank > worst.rank)) worst = v;
        }
        if (worst) out.push({ access: acc, kind: 'keyed', target: n.left, write: n, at: o, key: worst });
        else if (n.operator === '.=') out.push({ access: acc, kind: 'string', target: n.left, write: n, at: o });
        continue;
      }
      // The container itself.
      if (n.operator === '.=') {
        out.push({ access: acc, kind: 'string', target: n.left, write: n, at: o });
      } else if (n.operator === '+=') {
        const r = n.right;
        if (r?.kind === 'array' ? addsUnboundedKeys(r, 'union', c, scope, model, o, text) : c.isArray && r && r.kind !== 'number') {
          out.push({ access: acc, kind: 'union', target: n.left, write: n, at: o });
        }
      } else if (n.operator === '=') {
        const r = n.right;
        const fn = callName(r);
        if (fn === 'array_merge' || fn === 'array_merge_recursive') {
          const args: PhpNode[] = r.arguments ?? [];
          const selfIdx = args.findIndex((a) => sameContainer(accessOf(a, scope, model), c));
          if (selfIdx >= 0 && args.some((a, i) => i !== selfIdx && addsUnboundedKeys(a, 'merge', c, scope, model, o, text))) {
            out.push({ access: acc, kind: 'merge', target: n.left, write: n, at: o, fn });
          }
        } else if (r?.kind === 'array' && (r.items ?? []).some((it: PhpNode) => it?.kind === 'entry' && it.unpack && sameContainer(accessOf(it.value, scope, model), c))) {
          if (addsUnboundedKeys(r, 'merge', c, scope, model, o, text)) out.push({ access: acc, kind: 'spread', target: n.left, write: n, at: o });
        } else if (r?.kind === 'bin' && r.type === '.') {
          let leftmost: PhpNode = r;
          while (leftmost?.kind === 'bin' && leftmost.type === '.') leftmost = leftmost.left;
          if (sameContainer(accessOf(leftmost, scope, model), c)) out.push({ access: acc, kind: 'string', target: n.left, write: n, at: o });
        }
      }
    } else if ((n.kind === 'post' || n.kind === 'pre') && n.what?.kind === 'offsetlookup') {
      const acc = accessOf(n.what, scope, model);
      if (!acc || acc.keys.length === 0) continue;
      let worst: Extract<KeyVerdict, { bounded: false }> | undefined;
      for (const k of acc.keys) {
        if (k === false) continue;
        const v = keyVerdict(k, o, keyCtx);
        if (!v.bounded && (!worst || v.rank > worst.rank)) worst = v;
      }
      if (worst) out.push({ access: acc, kind: 'keyed', target: n.what, write: n, at: o, key: worst });
    } else if (n.kind === 'call') {
      const fn = callName(n);
      if (fn !== 'array_push' && fn !== 'array_unshift') continue;
      const first = (n.arguments ?? [])[0];
      const acc = accessOf(first, scope, model);
      if (acc && (n.arguments ?? []).length > 1) out.push({ access: acc, kind: 'push', target: first, write: n, at: o, fn });
    }
  }
  return out;
}

const EVICT_CALLS = new Set(['array_shift', 'array_pop', 'array_splice']);
const COUNT_CALLS = new Set(['count', 'sizeof']);

function mentionsCountOf(test: PhpNode | null | undefined, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  let found = false;
  const visit = (n: PhpNode) => {
    if (found) return;
    const fn = callName(n);
    if (fn && COUNT_CALLS.has(fn) && sameContainer(accessOf((n.arguments ?? [])[0], scope, model), c)) {
      found = true;
      return;
    }
    for (const k of Object.keys(n)) {
      if (k === 'loc') continue;
      const v = n[k];
      if (Array.isArray(v)) v.forEach((x) => x && typeof x === 'object' && typeof x.kind === 'string' && visit(x));
      else if (v && typeof v === 'object' && typeof v.kind === 'string') visit(v);
    }
  };
  if (test) visit(test);
  return found;
}

function isJump(n: PhpNode | null | undefined): boolean {
  if (!n) return false;
  if (['return', 'throw', 'continue', 'break', 'exit'].includes(n.kind)) return true;
  if (n.kind === 'expressionstatement') return isJump(n.expression);
  if (n.kind === 'block') return (n.children ?? []).some(isJump);
  return false;
}

function isWhole(n: PhpNode | null | undefined, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const a = accessOf(n, scope, model);
  return !!a && a.container.key === c.key && a.keys.length === 0;
}

function isEmptyValue(n: PhpNode | null | undefined): boolean {
  return !!n && (isResetValue(n) || (n.kind === 'boolean' && n.value === false) || (n.kind === 'number' && Number(n.value) === 0));
}

/**
 * Containers that `test` being true shows still empty/unset (`!C`, `C === null`,
 * `empty(C)`, `!isset(C)`, `is_null(C)`, …): the guard of a lazy initialisation.
 */
function emptyChecked(test: PhpNode | null | undefined, scope: FunctionScope, model: PhpFileModel): Container[] {
  if (!test) return [];
  const whole = (n: PhpNode | null | undefined): Container[] => {
    const a = accessOf(n, scope, model);
    return a && a.keys.length === 0 ? [a.container] : [];
  };
  switch (test.kind) {
    case 'unary':
      if (test.type !== '!') return [];
      if (test.what?.kind === 'isset') return (test.what.variables ?? []).flatMap((v: PhpNode) => whole(v));
      return whole(test.what);
    case 'empty':
      return whole(test.expression);
    case 'call':
      return callName(test) === 'is_null' ? whole((test.arguments ?? [])[0]) : [];
    case 'bin':
      if (test.type === '===' || test.type === '==') {
        if (isEmptyValue(test.right)) return whole(test.left);
        if (isEmptyValue(test.left)) return whole(test.right);
        return [];
      }
      if (test.type === '&&' || test.type === 'and') return [...emptyChecked(test.left, scope, model), ...emptyChecked(test.right, scope, model)];
      if (test.type === '||' || test.type === 'or') {
        const r = emptyChecked(test.right, scope, model).map((c) => c.key);
        return emptyChecked(test.left, scope, model).filter((c) => r.includes(c.key));
      }
      return [];
    default:
      return [];
  }
}

function writesTo(body: PhpNode, key: string, scope: FunctionScope, model: PhpFileModel): boolean {
  if (!body.loc) return false;
  const { start, end } = { start: body.loc.start.offset, end: body.loc.end.offset };
  return scope.owned.some(
    (o) =>
      o.node.kind === 'assign' &&
      !!o.node.loc &&
      o.node.loc.start.offset >= start &&
      o.node.loc.end.offset <= end &&
      accessOf(o.node.left, scope, model)?.container.key === key,
  );
}

/**
 * Is `at` inside the then-branch of an `if` that runs only while C (or a
 * sibling container the branch fills, such as a `$booted` flag) is empty?
 */
function underEmptyGuard(at: OwnedNode, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const chain = [...at.parents, at.node];
  for (let i = 0; i < chain.length - 1; i++) {
    const p = chain[i];
    const branch = p.kind === 'if' ? p.body : p.kind === 'retif' ? p.trueExpr : undefined;
    if (!branch || chain[i + 1] !== branch) continue;
    for (const e of emptyChecked(p.test, scope, model)) {
      if (e.key === c.key || writesTo(branch, e.key, scope, model)) return true;
    }
  }
  return false;
}

function mentions(n: PhpNode | null | undefined, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  if (!n || typeof n !== 'object') return false;
  if (accessOf(n, scope, model)?.container.key === c.key) return true;
  for (const k of Object.keys(n)) {
    if (k === 'loc') continue;
    const v = n[k];
    for (const x of Array.isArray(v) ? v : [v]) if (x && typeof x === 'object' && typeof x.kind === 'string' && mentions(x, c, scope, model)) return true;
  }
  return false;
}

/** Is an operation at `o` an eviction/reset of container c? */
function evicts(o: OwnedNode, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const n = o.node;
  const fn = callName(n);
  if (fn && EVICT_CALLS.has(fn)) return sameContainer(accessOf((n.arguments ?? [])[0], scope, model), c);
  if (n.kind === 'unset') {
    return (n.variables ?? []).some((v: PhpNode) => {
      const a = accessOf(v, scope, model);
      return !!a && a.container.key === c.key && a.keys.length > 0;
    });
  }
  if (n.kind === 'assign' && n.operator === '=') {
    if (!isWhole(n.left, c, scope, model)) return false;
    const rf = callName(n.right);
    if (rf === 'array_slice' || rf === 'array_splice') return true;
    // A reset (`C = []`) or a rebuild from scratch (`C = f()`, not mentioning C) on
    // every call bounds C to what one call adds; a lazy init (`if (!C) C = []`) does not.
    if (mentions(n.right, c, scope, model)) return false;
    return !underEmptyGuard(o, c, scope, model);
  }
  return false;
}

/** What in this scope bounds c (an eviction, a count(C) guard with an exit, a guard around the write), or undefined. */
export function scopeBound(g: Growth, scope: FunctionScope, model: PhpFileModel): string | undefined {
  const c = g.access.container;
  for (const o of scope.owned) {
    if (evicts(o, c, scope, model)) return `evicted or reset in the same function (line ${(o.node.loc?.start.line ?? 0)})`;
    const n = o.node;
    if ((n.kind === 'if' || n.kind === 'while') && mentionsCountOf(n.test, c, scope, model)) {
      if (isJump(n.body)) return `a size check exits early (line ${(n.loc?.start.line ?? 0)})`;
    }
  }
  // The write itself sits under `if (count(C) < N)` (or a ternary / loop on it).
  for (const p of g.at.parents) {
    if ((p.kind === 'if' || p.kind === 'retif' || p.kind === 'while') && mentionsCountOf(p.test, c, scope, model)) return `the write is under a size check (line ${(p.loc?.start.line ?? 0)})`;
  }
  // …or under `if (!C) { … }`: it runs once, while C is still empty (lazy initialisation).
  return underEmptyGuard(g.at, c, scope, model) ? 'a lazy initialisation: it runs only while the container is empty' : undefined;
}

/** Containers reset (to [], '' or null) in some function of the file other than a constructor: key -> where. */
export function resetKeys(model: PhpFileModel): Map<string, string> {
  const keys = new Map<string, string>();
  for (const scope of model.scopes) {
    if (scope.isConstructor || scope.kind === 'file') continue;
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || n.operator !== '=' || !isResetValue(n.right)) continue;
      const a = accessOf(n.left, scope, model);
      if (!a || a.keys.length > 0 || a.container.kind === 'static-local' || a.container.kind === 'loop-variable') continue;
      if (underEmptyGuard(o, a.container, scope, model)) continue; // lazy init, not a reset
      if (!keys.has(a.container.key)) keys.set(a.container.key, `reset in ${scope.displayName} (line ${n.loc?.start.line ?? 0})`);
    }
    // Evictions elsewhere (a push/pop stack, a size-checked trim in another method).
    for (const o of scope.owned) {
      const n = o.node;
      const fn = callName(n);
      let target: PhpNode | undefined;
      if (fn && EVICT_CALLS.has(fn)) target = (n.arguments ?? [])[0];
      else if (n.kind === 'unset') target = (n.variables ?? []).find((v: PhpNode) => accessOf(v, scope, model)?.keys.length);
      const a = target ? accessOf(target, scope, model) : null;
      if (!a || a.container.kind === 'static-local' || a.container.kind === 'loop-variable') continue;
      if (a.keys.length > (n.kind === 'unset' ? 1 : 0)) continue;
      // Only a pure consumer (a pop/dequeue method that does not also add) bounds the other writers.
      let grows = false;
      try {
        grows = growthsIn(scope, model, '').some((g) => g.access.container.key === a.container.key);
      } catch {
        grows = true;
      }
      if (grows) continue;
      if (!keys.has(a.container.key)) keys.set(a.container.key, `entries removed in ${scope.displayName} (line ${n.loc?.start.line ?? 0})`);
    }
  }
  return keys;
}

export interface ScopeGrowth {
  scope: FunctionScope;
  growth: Growth;
  /** Why it is bounded; undefined when nothing bounds it. */
  bound?: string;
  /**
   * Set when the growth is a registration API filled by its callers (`macro()`,
   * `extend()`, `addStyle()`, `register*()` storing a parameter): applications
   * call those at boot, so it is reported only when a request entry point reaches it.
   */
  registry?: string;
}

/** Method names of registration APIs (boot-time configuration of a long-lived object). */
const REGISTRY_METHOD = /^(macro|mixin|extend|register\w*|define\w*|for|bind\w*|tag|alias|singleton|instance|after\w*|before\w*|resolving|listen|subscribe|publishes|pattern|model|ignore\w*|set\w+(Definition|Style|Formatter)|add\w*(Style|Path|Namespace|Directory|Extension|Driver|Listener|Callback|Loader|Handler|Pattern|Group|Rule|Type)s?|configure\w*|enable\w*|share\w*|load\w*)$/i;

function registryApi(scope: FunctionScope, g: Growth): string | undefined {
  if (scope.kind !== 'method' && scope.kind !== 'function') return undefined;
  const name = nameOf(scope.node.name) ?? '';
  if (!REGISTRY_METHOD.test(name)) return undefined;
  // The stored value (or the key) comes from the caller: a parameter, or a closure/array built from one.
  const write = g.write;
  const value: PhpNode | undefined = write.kind === 'assign' ? write.right : (write.arguments ?? [])[1];
  const usesParam = (n: PhpNode | undefined): boolean => {
    if (!n || typeof n !== 'object') return false;
    if (n.kind === 'variable' && typeof n.name === 'string' && scope.params.has(n.name)) return true;
    for (const k of Object.keys(n)) {
      if (k === 'loc') continue;
      const v = n[k];
      for (const x of Array.isArray(v) ? v : [v]) if (x && typeof x === 'object' && typeof x.kind === 'string' && usesParam(x)) return true;
    }
    return false;
  };
  if (!usesParam(value) && !g.access.keys.some((k) => k !== false && usesParam(k))) return undefined;
  return `\`${name}()\` looks like a registration API (it stores what its callers pass): applications usually call it once, at boot`;
}

/** Does a growth in the file's top-level code run per request (inside a worker loop)? */
function inWorkerLoop(g: Growth, model: PhpFileModel): boolean {
  const at = spanOf(g.target)?.start ?? -1;
  return model.loops.some((l) => l.scope.kind === 'file' && at >= l.body.start && at < l.body.end);
}

/**
 * Every growing write of the file, in scope order, one per container and
 * scope (the first), with what bounds it. Top-level code counts only inside a
 * worker loop (it otherwise runs once per worker).
 */
export function fileGrowths(model: PhpFileModel, text: string): ScopeGrowth[] {
  const resets = resetKeys(model);
  const out: ScopeGrowth[] = [];
  for (const scope of model.scopes) {
    let growths: Growth[];
    try {
      growths = growthsIn(scope, model, text);
    } catch {
      continue; // a tree shape we did not expect (broken code): report nothing here
    }
    const done = new Set<string>();
    for (const g of growths) {
      const c = g.access.container;
      if (done.has(c.key)) continue;
      if (scope.kind === 'file' && c.kind !== 'loop-variable' && !inWorkerLoop(g, model)) continue;
      done.add(c.key);
      out.push({ scope, growth: g, bound: scopeBound(g, scope, model) ?? resets.get(c.key), registry: registryApi(scope, g) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Evidence that a growth runs per request, for workspaces without entry points

/** Parameter types and names of a function that is handed the request (or a message) it serves. */
const REQUEST_PARAM_TYPE = /(^|\\)(\w*Request|ServerRequestInterface|RequestInterface|Psr7Request|Envelope)$/;
const REQUEST_PARAM_NAME = /^(request|req|serverRequest|psrRequest|httpRequest)$/;
/** Method names that serve one request or message per call. */
const REQUEST_METHOD = /^(handleRequest|onRequest|onMessage|onReceive|onPacket|onWebSocketMessage)$/i;

/**
 * Names of containers that gain one entry per event by design: logs, histories, queues,
 * temporary files, sent/seen/processed lists, samples and timings. A registry filled at
 * boot is named after what it holds (`handlers`, `macros`, `patterns`, `callbacks`).
 */
const ACCUMULATOR = /(log|logs|history|histories|records|rows|queue|tempfiles|tmpfiles|temp_files|tmp_files|sent|seen|visited|processed|requests|queries|samples|timings|traces|hits|visits)$/i;

/** An append to a container (or a literal slot of it) named like an accumulator, or undefined. */
function accumulatorName(g: Growth): string | undefined {
  if (g.kind === 'keyed') return undefined;
  const c = g.access.container;
  const own = c.display.replace(/^.*(::\$|->|\$GLOBALS\[')/, '').replace(/^\$/, '').replace(/'\]$/, '');
  const slots = g.access.keys.filter((k): k is PhpNode => !!k && k.kind === 'string').map((k) => String(k.value));
  const hit = [own, ...slots].find((n) => ACCUMULATOR.test(n));
  return hit ? `\`${hit}\` is named like a list that gains an entry per event (a log, history, queue or list of temporary files), and this write appends to it` : undefined;
}

/** The method or function a (possibly nested) closure runs in. */
function enclosingFunction(scope: FunctionScope): FunctionScope {
  let s: FunctionScope = scope;
  while ((s.kind === 'closure' || s.kind === 'arrowfunc') && s.outer && s.outer.kind !== 'file') s = s.outer;
  return s;
}

/** Why the function looks request-scoped (it is handed the request), or undefined. */
export function requestScoped(scope: FunctionScope): string | undefined {
  for (const s of new Set([scope, enclosingFunction(scope)])) {
    if (s.kind === 'file') continue;
    for (const p of Array.isArray(s.node.arguments) ? s.node.arguments : []) {
      const name = nameOf(p?.name) ?? '';
      const type = p?.type?.kind === 'name' ? (nameOf(p.type) ?? '') : '';
      if (REQUEST_PARAM_NAME.test(name) || (type && REQUEST_PARAM_TYPE.test(type) && !/Stack$/.test(type))) {
        return `\`${s.displayName}\` is handed the request it serves (\`$${name}\`)`;
      }
    }
    const m = s.kind === 'method' ? (nameOf(s.node.name) ?? '') : '';
    if (REQUEST_METHOD.test(m)) return `\`${s.displayName}\` serves one request or message per call`;
  }
  return undefined;
}

/** Request input in the stored value: `$request->get(…)`, `$_GET[…]`, `$req->path()`. */
function requestInputIn(n: PhpNode | null | undefined, depth = 0): string | undefined {
  if (!n || typeof n !== 'object' || depth > 12) return undefined;
  if (n.kind === 'closure' || n.kind === 'arrowfunc' || n.kind === 'class') return undefined;
  if (n.kind === 'variable' || n.kind === 'offsetlookup' || n.kind === 'propertylookup' || n.kind === 'nullsafepropertylookup' || n.kind === 'call') {
    const r = requestReason(n);
    if (r) return r.replace(/^keyed by/, 'stores');
  }
  for (const k of Object.keys(n)) {
    if (k === 'loc') continue;
    const v = n[k];
    for (const x of Array.isArray(v) ? v : [v]) {
      if (x && typeof x === 'object' && typeof x.kind === 'string') {
        const r = requestInputIn(x, depth + 1);
        if (r) return r;
      }
    }
  }
  return undefined;
}

/**
 * Evidence, from the code alone, that a growth adds memory per request: a key that grows
 * with traffic (the clock, a fresh value, request input, an entity id, a client address),
 * or an append (push, merge, string append) of request input or in a function that is
 * handed the request. Undefined when there is none: without request entry points in the
 * workspace such growth is reported as information only (a library's registries and
 * caches are mostly filled at boot or keyed by a finite set of names).
 */
export function perRequestEvidence(g: Growth, scope: FunctionScope): string | undefined {
  if (g.kind === 'keyed') return g.key?.strong ? g.key.reason : undefined;
  const w = g.write;
  const values: PhpNode[] = w.kind === 'assign' ? [w.right] : w.kind === 'call' ? (w.arguments ?? []).slice(1) : [];
  for (const v of values) {
    const r = requestInputIn(v);
    if (r) return r;
  }
  const named = accumulatorName(g);
  if (named) return named;
  return requestScoped(scope);
}
