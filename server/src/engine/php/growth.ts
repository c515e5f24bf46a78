// Growth of long-lived containers in one PHP file: every write that adds to a
// static property, static local, global, singleton property, worker-loop
// variable or by-reference capture of a handler, and what (if anything) bounds
// it. Shared by php-unbounded-static-growth, php-buffered-result-retained and
// the container-declaration hover.
import { spanOf, type PhpNode } from './parse';
import { accessOf, candidateModelOf, nameOf, type ClassInfo, type Container, type ContainerAccess, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';
import { isUnconditional } from './index';
import { definitionsOf, keyVerdict, moreTelling, requestClassInput, requestReason, type KeyVerdict } from './keys';

export type GrowthKind = 'append' | 'keyed' | 'string' | 'push' | 'merge' | 'union' | 'spread';

export interface Growth {
  access: ContainerAccess;
  kind: GrowthKind;
  /** The expression reported (the write's target). */
  target: PhpNode;
  /** The assignment / call doing the write. */
  write: PhpNode;
  at: OwnedNode;
  /**
   * For keyed growth: the worst key. For growth of a nested array (`C[$k] = array_merge(C[$k], …)`):
   * the worst unbounded key on the way to it, if any.
   */
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

/** The value a chain of plain assignments stores: `[]` for `$a = $b = []`. */
export function assignedValue(v: PhpNode | null | undefined): PhpNode | null | undefined {
  let n = v;
  for (let i = 0; n && n.kind === 'assign' && n.operator === '=' && i < 32; i++) n = n.right;
  return n;
}

export function callName(node: PhpNode | null | undefined): string | undefined {
  if (!node || node.kind !== 'call' || node.what?.kind !== 'name') return undefined;
  const n = nameOf(node.what) ?? '';
  return n.slice(n.lastIndexOf('\\') + 1).toLowerCase();
}

function sameContainer(a: ContainerAccess | null, c: Container): boolean {
  return !!a && a.container.key === c.key;
}

/** Fields of php-parser nodes that do not change what an expression denotes. */
const NON_STRUCTURAL = new Set(['loc', 'raw', 'isDoubleQuote', 'leadingComments', 'trailingComments', 'parenthesizedExpression', 'shortForm']);

/** Structural equality of two expressions (`$k` and `$k`, `'rows'` and `"rows"`), ignoring positions and spelling. */
export function sameExpr(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (depth > 24 || !a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameExpr(x, b[i], depth + 1));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (x.kind !== y.kind) return false;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)].filter((k) => !NON_STRUCTURAL.has(k)));
  for (const k of keys) {
    const u = x[k];
    const v = y[k];
    if ((u === undefined || u === null) && (v === undefined || v === null)) continue;
    if (!sameExpr(u, v, depth + 1)) return false;
  }
  return true;
}

/** Does `a` denote the same slot as `target`: the same container and structurally equal keys? */
function samePath(a: ContainerAccess | null, target: ContainerAccess): boolean {
  if (!a || a.container.key !== target.container.key || a.keys.length !== target.keys.length) return false;
  return a.keys.every((k, i) => (k === false ? target.keys[i] === false : target.keys[i] !== false && sameExpr(k, target.keys[i])));
}

/**
 * Does an expression denote the slot being grown: for the container itself any access to it
 * (as before), for a nested array the same access path (`self::$json['rows']`).
 */
type SelfTest = (n: PhpNode | null | undefined) => boolean;
function selfTestOf(target: ContainerAccess, scope: FunctionScope, model: PhpFileModel): SelfTest {
  return target.keys.length === 0
    ? (n) => sameContainer(accessOf(n, scope, model), target.container)
    : (n) => samePath(accessOf(n, scope, model), target);
}

/** Does an array expression added to C bring keys that are new on every call? */
function addsUnboundedKeys(expr: PhpNode | null | undefined, mode: 'merge' | 'union', isSelf: SelfTest, scope: FunctionScope, at: OwnedNode, text: string): boolean {
  if (!expr) return false;
  if (expr.kind !== 'array') return !isResetValue(expr) && expr.kind !== 'number';
  for (const it of expr.items ?? []) {
    if (!it) continue;
    const entry = it.kind === 'entry' ? it : { kind: 'entry', key: null, value: it, unpack: false };
    if (entry.unpack) {
      if (isSelf(entry.value)) continue;
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

/** Is the slot at `keys` of C's declared default value an array (`'rows' => []`)? Literal keys only. */
function declaredArrayAt(c: Container, keys: Array<PhpNode | false>): boolean {
  let v: PhpNode | undefined = c.decl?.value ?? c.decl?.defaultValue;
  for (const k of keys) {
    if (!v || v.kind !== 'array' || !k || (k.kind !== 'string' && k.kind !== 'number')) return false;
    const entry = (v.items ?? []).find(
      (it: PhpNode) => it?.kind === 'entry' && it.key && (it.key.kind === 'string' || it.key.kind === 'number') && String(it.key.value) === String(k.value),
    );
    v = entry?.value;
  }
  return v?.kind === 'array';
}

/**
 * A write that rebuilds the slot it targets from its old value plus more: `T = array_merge(T, $x)`,
 * `T = [...T, $x]`, `T += [$k => …]`, `T = T . $s`, `T .= $s`. Undefined when it adds nothing new
 * on every call (fixed keys, a number).
 */
function selfGrowth(n: PhpNode, acc: ContainerAccess, scope: FunctionScope, model: PhpFileModel, o: OwnedNode, text: string): { kind: GrowthKind; fn?: string } | undefined {
  const c = acc.container;
  const isSelf = selfTestOf(acc, scope, model);
  const r = n.right;
  if (n.operator === '.=') return { kind: 'string' };
  if (n.operator === '+=') {
    if (r?.kind === 'array') return addsUnboundedKeys(r, 'union', isSelf, scope, o, text) ? { kind: 'union' } : undefined;
    // `C += $more` on an array (not `C['n'] += 1` on a counter).
    const isArray = acc.keys.length === 0 ? c.isArray : declaredArrayAt(c, acc.keys);
    return isArray && r && r.kind !== 'number' ? { kind: 'union' } : undefined;
  }
  if (n.operator !== '=') return undefined;
  const fn = callName(r);
  if (fn === 'array_merge' || fn === 'array_merge_recursive') {
    const args: PhpNode[] = r.arguments ?? [];
    const selfIdx = args.findIndex((a) => isSelf(a));
    if (selfIdx >= 0 && args.some((a, i) => i !== selfIdx && addsUnboundedKeys(a, 'merge', isSelf, scope, o, text))) return { kind: 'merge', fn };
    return undefined;
  }
  if (r?.kind === 'array' && (r.items ?? []).some((it: PhpNode) => it?.kind === 'entry' && it.unpack && isSelf(it.value))) {
    return addsUnboundedKeys(r, 'merge', isSelf, scope, o, text) ? { kind: 'spread' } : undefined;
  }
  if (r?.kind === 'bin' && r.type === '.') {
    let leftmost: PhpNode = r;
    while (leftmost?.kind === 'bin' && leftmost.type === '.') leftmost = leftmost.left;
    return isSelf(leftmost) ? { kind: 'string' } : undefined;
  }
  return undefined;
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
          if (!v.bounded) worst = worst ? moreTelling(worst, v) : v;
        }
        // A nested array rebuilt from itself plus more (`C['rows'] = array_merge(C['rows'], $x)`)
        // grows on every call whatever its key; a string appended to at a new key is keyed growth
        // (as for `.=`).
        const self = selfGrowth(n, acc, scope, model, o, text);
        if (self && !(self.kind === 'string' && worst)) out.push({ access: acc, kind: self.kind, target: n.left, write: n, at: o, fn: self.fn, key: worst });
        else if (worst) out.push({ access: acc, kind: 'keyed', target: n.left, write: n, at: o, key: worst });
        continue;
      }
      // The container itself.
      const self = selfGrowth(n, acc, scope, model, o, text);
      if (self) out.push({ access: acc, kind: self.kind, target: n.left, write: n, at: o, fn: self.fn });
    } else if ((n.kind === 'post' || n.kind === 'pre') && n.what?.kind === 'offsetlookup') {
      const acc = accessOf(n.what, scope, model);
      if (!acc || acc.keys.length === 0) continue;
      let worst: Extract<KeyVerdict, { bounded: false }> | undefined;
      for (const k of acc.keys) {
        if (k === false) continue;
        const v = keyVerdict(k, o, keyCtx);
        if (!v.bounded) worst = worst ? moreTelling(worst, v) : v;
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
    const rf = callName(assignedValue(n.right));
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

/**
 * Methods and functions that configure or set up long-lived state: setters (`setTrustedHosts()`,
 * `set_foo()`), `configure…()`, `init…()`, `boot…()`, `register…()`, `setUp()`. The application calls
 * them when it is configured, not per request, so a reset there does not bound what other methods add.
 */
export function isSetupFunction(scope: FunctionScope): boolean {
  if (scope.kind !== 'method' && scope.kind !== 'function') return false;
  const name = nameOf(scope.node.name) ?? '';
  return /^set[A-Z_]/.test(name) || /^(setup$|configure|init|boot|register)/i.test(name);
}

/** Methods of the class a scope calls on itself: `$this->m(…)`, `self::m(…)`, `static::m(…)` (lower-cased names). */
function selfCalls(scope: FunctionScope): Set<string> {
  const out = new Set<string>();
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind !== 'call') continue;
    const w = n.what;
    const onThis = (w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup') && w.what?.kind === 'variable' && w.what.name === 'this';
    const onSelf = w?.kind === 'staticlookup' && (w.what?.kind === 'selfreference' || w.what?.kind === 'staticreference');
    const name = onThis || onSelf ? nameOf(w.offset) : undefined;
    if (name) out.add(name.toLowerCase());
  }
  return out;
}

/**
 * Methods that only the construction of the object runs: private or protected methods
 * reached (through `$this->m()`, `self::m()`) from the constructor or set-up methods and
 * from no other method of the class. What they add is configuration, like the
 * constructor's own writes; what they reset is reset only once.
 */
export function constructionOnlyMethods(model: PhpFileModel): Set<FunctionScope> {
  const out = new Set<FunctionScope>();
  const byClass = new Map<ClassInfo, FunctionScope[]>();
  for (const s of model.scopes) {
    if (s.kind !== 'method' || !s.cls) continue;
    let list = byClass.get(s.cls);
    if (!list) byClass.set(s.cls, (list = []));
    list.push(s);
  }
  for (const methods of byClass.values()) {
    const byName = new Map(methods.map((m) => [(nameOf(m.node.name) ?? '').toLowerCase(), m]));
    const reach = (roots: FunctionScope[]): Set<FunctionScope> => {
      const seen = new Set<FunctionScope>(roots);
      const queue = [...roots];
      while (queue.length) {
        for (const name of selfCalls(queue.shift()!)) {
          const m = byName.get(name);
          if (m && !seen.has(m)) {
            seen.add(m);
            queue.push(m);
          }
        }
      }
      return seen;
    };
    const isSetup = (m: FunctionScope) => m.isConstructor || isSetupFunction(m);
    const fromSetup = reach(methods.filter(isSetup));
    const fromOthers = reach(methods.filter((m) => !isSetup(m) && (m.node.visibility ?? 'public') === 'public'));
    for (const m of methods) {
      const vis = m.node.visibility ?? 'public';
      if (m.isConstructor || vis === 'public' || fromOthers.has(m)) continue;
      if (fromSetup.has(m)) out.add(m);
    }
  }
  return out;
}

/**
 * Containers reset (to [], '' or null) in some function of the file other than a constructor
 * or a setup function (see isSetupFunction): key -> where. Every target of a chained reset
 * (`$this->a = $this->b = []`) counts.
 */
export function resetKeys(model: PhpFileModel): Map<string, string> {
  return resetInfo(model).keys;
}

/** resetKeys, plus the method of each container whose bound is an eviction in another method (a pure consumer). */
function resetInfo(model: PhpFileModel): { keys: Map<string, string>; consumers: Map<string, FunctionScope> } {
  const keys = new Map<string, string>();
  const consumers = new Map<string, FunctionScope>();
  const construction = constructionOnlyMethods(model);
  const called = calledNames(model);
  for (const scope of model.scopes) {
    if (scope.isConstructor || scope.kind === 'file') continue;
    const setup = isSetupFunction(scope) || construction.has(scope);
    // A reset of an object that lives by its role (a service, a client, a collector) bounds
    // its growth only when something runs it: a call in the file, or a hook the runtime
    // calls between units of work (`reset()` of ResetInterface, `terminate()`, `__destruct()`).
    const unrun = scope.kind === 'method' && !!scope.cls?.byRole && !resetRuns(scope, called);
    for (const o of scope.owned) {
      if (setup) break;
      const n = o.node;
      if (n.kind !== 'assign' || n.operator !== '=' || !isResetValue(assignedValue(n.right))) continue;
      const a = accessOf(n.left, scope, model);
      if (!a || a.keys.length > 0 || a.container.kind === 'static-local' || a.container.kind === 'loop-variable') continue;
      if (underEmptyGuard(o, a.container, scope, model)) continue; // lazy init, not a reset
      if (unrun && a.container.kind === 'instance-property') continue;
      if (!keys.has(a.container.key)) keys.set(a.container.key, `reset in ${scope.displayName} (line ${n.loc?.start.line ?? 0})`);
    }
    // A runtime reset hook (`reset()`, `terminate()`) that rebuilds the container from scratch
    // (`$this->sections = ['__root__' => new Section()]`) or empties an ArrayObject / collection
    // (`->exchangeArray([])`, `->clear()`, `->removeAll()`) resets it between units of work.
    if (scope.kind === 'method' && RESET_HOOKS.has((nameOf(scope.node.name) ?? '').toLowerCase())) {
      for (const o of scope.owned) {
        const n = o.node;
        let target: PhpNode | undefined;
        if (n.kind === 'assign' && n.operator === '=') target = n.left;
        else if (n.kind === 'call' && (n.what?.kind === 'propertylookup' || n.what?.kind === 'nullsafepropertylookup') && EMPTYING_METHODS.has((nameOf(n.what.offset) ?? '').toLowerCase())) target = n.what.what;
        const a = target ? accessOf(target, scope, model) : null;
        if (!a || a.keys.length > 0 || a.container.kind !== 'instance-property') continue;
        if (n.kind === 'assign' && mentions(n.right, a.container, scope, model)) continue;
        if (!keys.has(a.container.key)) keys.set(a.container.key, `reset by the runtime hook ${scope.displayName} (line ${n.loc?.start.line ?? 0})`);
      }
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
      if (!keys.has(a.container.key)) {
        keys.set(a.container.key, `entries removed in ${scope.displayName} (line ${n.loc?.start.line ?? 0})`);
        consumers.set(a.container.key, scope);
      }
    }
  }
  return { keys, consumers };
}

/** Method names the runtime calls between units of work (Symfony `ResetInterface::reset()`, Laravel `terminate()`), or at an object's end. */
const RESET_HOOKS = new Set(['reset', 'terminate', '__destruct']);

/** Methods that empty an ArrayObject, SplObjectStorage or collection held in a property. */
const EMPTYING_METHODS = new Set(['exchangearray', 'clear', 'removeall', 'reset']);

/**
 * A variable of the scope whose every assignment is a call's result (`$t = $options->getThreshold()`):
 * an optional setting the caller configures, or not.
 */
function settingVariable(name: string, scope: FunctionScope): boolean {
  let seen = false;
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind !== 'assign' || n.left?.kind !== 'variable' || n.left.name !== name) continue;
    if (n.right?.kind !== 'call') return false;
    seen = true;
  }
  return seen && !scope.params.has(name);
}

/** `$t !== null` / `null !== $t` / `$t != null` on an optional setting, among the `&&` conjuncts of a test. */
function requiresOptionalSetting(test: PhpNode | null | undefined, scope: FunctionScope): boolean {
  if (!test || test.kind !== 'bin') return false;
  if (test.type === '&&' || test.type === 'and') return requiresOptionalSetting(test.left, scope) || requiresOptionalSetting(test.right, scope);
  if (test.type !== '!==' && test.type !== '!=') return false;
  const [a, b] = test.left?.kind === 'nullkeyword' ? [test.right, test.left] : [test.left, test.right];
  return b?.kind === 'nullkeyword' && a?.kind === 'variable' && typeof a.name === 'string' && settingVariable(a.name, scope);
}

/**
 * Every method name called in the file (`$x->m()`, `X::m()`, `[$x, 'm']` callables), lower-cased.
 * A call that runs only when an optional setting is configured (`if ($threshold !== null && …)
 * $this->flush()`, the setting read from a getter) does not count: unconfigured, it never runs.
 */
function calledNames(model: PhpFileModel): Set<string> {
  const out = new Set<string>();
  for (const scope of model.scopes) {
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind === 'call' && o.parents.some((p, i) => p.kind === 'if' && o.parents[i + 1] === p.body && requiresOptionalSetting(p.test, scope))) continue;
      if (n.kind === 'call') {
        const w = n.what;
        const name = w && (w.kind === 'propertylookup' || w.kind === 'nullsafepropertylookup' || w.kind === 'staticlookup') ? nameOf(w.offset) : undefined;
        if (name) out.add(name.toLowerCase());
      } else if (n.kind === 'array' && (n.items ?? []).length === 2) {
        const m = n.items[1]?.value ?? n.items[1];
        if (m?.kind === 'string' && typeof m.value === 'string') out.add(m.value.toLowerCase());
      }
    }
  }
  return out;
}

/** Whether a method that resets state is run by something: a call in the file, or a runtime reset hook. */
function resetRuns(scope: FunctionScope, called: Set<string>): boolean {
  const name = (nameOf(scope.node.name) ?? '').toLowerCase();
  return RESET_HOOKS.has(name) || called.has(name);
}

/**
 * Removals of a container's entries that cannot end the growth `g` adds (evidence that its
 * entries are per unit of work and that they outlive it): the inner entry of a nested slot is
 * unset but the outer slot never is (`unset(C[$group][$id])`, no `unset(C[$group])`: one
 * empty slot per distinct outer key); or entries are appended (`C[] = …`, numeric keys)
 * but only ever unset by another key (`unset(C[$socket->id])`), which never matches.
 */
export function strandedEntries(g: Growth, model: PhpFileModel): string | undefined {
  const c = g.access.container;
  const depth = g.access.keys.length;
  if (depth === 0) return undefined;
  let deeper: number | undefined;
  let shallow = false;
  let keyedOnly: number | undefined;
  for (const scope of model.scopes) {
    for (const o of scope.owned) {
      const n = o.node;
      const fn = callName(n);
      if (fn && (EVICT_CALLS.has(fn) || fn === 'array_filter' || fn === 'array_diff_key')) {
        const a = accessOf((n.arguments ?? [])[0], scope, model);
        if (a?.container.key === c.key) shallow = true;
      }
      if (n.kind === 'assign' && n.operator === '=') {
        const a = accessOf(n.left, scope, model);
        if (a?.container.key === c.key && a.keys.length < depth && isWhole(n.left, c, scope, model) && !mentions(n.right, c, scope, model)) shallow = true;
      }
      if (n.kind !== 'unset') continue;
      for (const v of n.variables ?? []) {
        const a = accessOf(v, scope, model);
        if (!a || a.container.key !== c.key) continue;
        if (a.keys.length < depth) shallow = true;
        else if (depth > 1) deeper ??= n.loc?.start.line ?? 0;
        // An appended entry removed by a key that is not one of the container's own keys.
        // (For a property of an object of unknown lifetime, only the removed object's own id
        // counts, `unset(C[$socket->id])`: a position passed by the caller is a collection's API.)
        const objectId = a.keys[0] !== false && (a.keys[0]?.kind === 'propertylookup' || a.keys[0]?.kind === 'nullsafepropertylookup');
        if (depth === 1 && g.access.keys[0] === false && a.keys.length === 1 && a.keys[0] !== false && (!c.candidate || objectId) && !fromOwnKeys(a.keys[0], c, scope, model)) keyedOnly ??= n.loc?.start.line ?? 0;
        else if (depth === 1 && a.keys.length === 1) shallow = true;
      }
    }
  }
  if (shallow) return undefined;
  if (depth > 1 && deeper !== undefined && !c.candidate) {
    return `inner entries are removed (\`unset\` on line ${deeper}) but the outer slot never is: one slot per distinct outer key stays behind`;
  }
  if (keyedOnly !== undefined) {
    return `entries are appended with numeric keys but only removed by another key (\`unset\` on line ${keyedOnly}), which never matches them`;
  }
  return undefined;
}

/** A key taken from the container itself: `foreach (C as $k => …)`, `array_search(…, C)`, `array_key_first(C)`. */
function fromOwnKeys(key: PhpNode, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  // A property of the removed object (`$socket->id`): its own id, not the position it was appended at.
  if (key.kind === 'propertylookup' || key.kind === 'nullsafepropertylookup') return false;
  if (key.kind !== 'variable' || typeof key.name !== 'string') return true; // not followed: assume it may be
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind === 'foreach' && n.key?.kind === 'variable' && n.key.name === key.name && mentions(n.source, c, scope, model)) return true;
    if (n.kind === 'assign' && n.left?.kind === 'variable' && n.left.name === key.name) {
      const f = callName(n.right);
      if (f && /^array_(search|key_first|key_last|keys)$/.test(f) && mentions(n.right, c, scope, model)) return true;
      if (!f) return true; // assigned from something else we do not follow
    }
  }
  // A parameter or a property chain (`$socket->id`): not one of C's keys.
  return false;
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
/** `new \WeakMap()` (or `new WeakMap`), directly or through a local variable assigned it in the same function. */
function isWeakMapValue(v: PhpNode | null | undefined, scope: FunctionScope): boolean {
  if (v?.kind === 'new') return /(^|\\)weakmap$/i.test(nameOf(v.what) ?? '');
  // `class_exists(WeakMap::class) ? new WeakMap() : new SplObjectStorage()`: a WeakMap wherever PHP has one (8.0+).
  if (v?.kind === 'retif') return isWeakMapValue(v.trueExpr, scope) || isWeakMapValue(v.falseExpr, scope);
  if (v?.kind !== 'variable' || typeof v.name !== 'string') return false;
  const name = v.name;
  return scope.owned.some((o) => o.node.kind === 'assign' && o.node.operator === '=' && o.node.left?.kind === 'variable' && o.node.left.name === name && o.node.right?.kind === 'new' && /(^|\\)weakmap$/i.test(nameOf(o.node.right.what) ?? ''));
}

/** Containers holding a WeakMap (declared so, or assigned one): an entry dies with its key object. */
function weakMapContainers(model: PhpFileModel): Set<string> {
  const out = new Set<string>();
  for (const scope of model.scopes) {
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || (n.operator !== '=' && n.operator !== '??=') || !isWeakMapValue(n.right, scope)) continue;
      const a = accessOf(n.left, scope, model);
      if (a && a.keys.length === 0) out.add(a.container.key);
      // Assigned in the constructor, where `$this->p` is not yet a long-lived container: by property name.
      const l = n.left;
      if (l?.kind === 'propertylookup' && l.what?.kind === 'variable' && l.what.name === 'this' && scope.cls) out.add(`prop:${scope.cls.fq}::${(nameOf(l.offset) ?? '').toLowerCase()}`);
    }
  }
  return out;
}

/** Key reasons naming the unit of work itself: a coroutine, a fiber, a connection or stream (keys.ts UNIT_IDS). */
const UNIT_KEY = /a new key on every (coroutine|fiber|connection)/;

export function fileGrowths(model: PhpFileModel, text: string): ScopeGrowth[] {
  const { keys: resets, consumers } = resetInfo(model);
  let called: Set<string> | undefined;
  let failed: Set<PhpNode> | undefined;
  const weak = weakMapContainers(model);
  const construction = constructionOnlyMethods(model);
  const out: ScopeGrowth[] = [];
  for (const scope of model.scopes) {
    // Writes of methods only the constructor runs are the object's configuration.
    if (construction.has(scope)) continue;
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
      // A WeakMap (declared `WeakMap`, or assigned `new \WeakMap()`) loses an entry when its key object dies.
      if (weak.has(c.key) || /(^|\\)weakmap$/i.test(nameOf(c.decl?.type) ?? '')) continue;
      done.add(c.key);
      let bound = scopeBound(g, scope, model) ?? resets.get(c.key);
      // Removals elsewhere that cannot remove what this write adds (another key, an inner slot) bound nothing.
      if (bound?.startsWith('entries removed') && strandedEntries(g, model)) bound = undefined;
      // An entry keyed by the unit of work (the running coroutine or fiber, a connection) is gone
      // only if that unit removes it: a removal in another method counts when something runs that
      // method (a call in the file, or a runtime reset hook), not because it exists.
      const consumer = consumers.get(c.key);
      if (bound?.startsWith('entries removed') && g.key && UNIT_KEY.test(g.key.reason) && consumer && !resetRuns(consumer, (called ??= calledNames(model)))) bound = undefined;
      // …nor does a consumer whose every removal of the container misses (failedRemovals).
      if (bound?.startsWith('entries removed') && consumer && onlyFailedRemovals(consumer, c, model, (failed ??= failedRemovalNodes(model, text)))) bound = undefined;
      out.push({ scope, growth: g, bound, registry: registryApi(scope, g) });
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
 * temporary files, sent/seen/processed lists, samples and timings, collected messages, events,
 * spans and breadcrumbs. A registry filled at
 * boot is named after what it holds (`handlers`, `macros`, `patterns`, `callbacks`).
 */
const ACCUMULATOR = /(log|logs|history|histories|records|rows|queue|tempfiles|tmpfiles|temp_files|tmp_files|sent|seen|visited|processed|requests|queries|samples|timings|traces|hits|visits|messages|events|spans|breadcrumbs)$/i;

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

/** How many local variables requestInputIn follows to their assignments, per stored value. */
const MAX_FOLLOWED_VARIABLES = 8;

/**
 * Request input in the stored value: `$request->get(…)`, `$_GET[…]`, `$req->path()`, what a
 * request class holds (`$this->headers->get('HOST')`), or a local variable assigned from any of
 * these in the same function (`$host = $this->headers->get('HOST'); $host = strtolower($host)`).
 */
function requestInputIn(n: PhpNode | null | undefined, scope: FunctionScope, seen: Set<string> = new Set(), depth = 0): string | undefined {
  if (!n || typeof n !== 'object' || depth > 16) return undefined;
  if (n.kind === 'closure' || n.kind === 'arrowfunc' || n.kind === 'class') return undefined;
  if (n.kind === 'variable' || n.kind === 'offsetlookup' || n.kind === 'propertylookup' || n.kind === 'nullsafepropertylookup' || n.kind === 'call') {
    const r = requestReason(n) ?? requestClassInput(n, scope);
    if (r) return r.replace(/^keyed by/, 'stores').replace(/the client chooses the keys$/, 'the client chooses what is stored');
  }
  // A local variable: what the function assigned to it (parameters, `$this` and superglobals excepted).
  if (n.kind === 'variable' && typeof n.name === 'string' && scope.kind !== 'file') {
    const name = n.name;
    if (name === 'this' || scope.params.has(name) || seen.has(name) || seen.size >= MAX_FOLLOWED_VARIABLES) return undefined;
    seen.add(name);
    for (const d of definitionsOf(name, { scope })) {
      const from = d.kind === 'assign' ? d.value : d.kind === 'foreach' ? d.source : undefined;
      const r = requestInputIn(from, scope, seen, depth + 1);
      if (r) return r.includes(', via `') ? r : `${r}, via \`$${name}\``;
    }
    return undefined;
  }
  for (const k of Object.keys(n)) {
    if (k === 'loc') continue;
    const v = n[k];
    for (const x of Array.isArray(v) ? v : [v]) {
      if (x && typeof x === 'object' && typeof x.kind === 'string') {
        const r = requestInputIn(x, scope, seen, depth + 1);
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
  // A nested array grown at a key that grows with the traffic (`C[$ip] = array_merge(C[$ip], …)`).
  if (g.key?.strong) return g.key.reason;
  const w = g.write;
  const values: PhpNode[] = w.kind === 'assign' ? [w.right] : w.kind === 'call' ? (w.arguments ?? []).slice(1) : [];
  for (const v of values) {
    const r = requestInputIn(v, scope);
    if (r) return r;
  }
  const named = accumulatorName(g);
  if (named) return named;
  return requestScoped(scope);
}

// ---------------------------------------------------------------------------
// Removals that cannot remove what the container's writes add

export interface FailedRemoval {
  scope: FunctionScope;
  /** The `unset(…)` statement. */
  at: OwnedNode;
  /** The unset argument that misses. */
  target: PhpNode;
  access: ContainerAccess;
  /** Why it cannot remove what is added, for the message. */
  reason: string;
}

/** Every `C[k…] = v` write of the file (any depth, appends included), with its scope. */
function writesOf(c: Container, model: PhpFileModel): Array<{ scope: FunctionScope; acc: ContainerAccess; value: PhpNode | undefined; o: OwnedNode }> {
  const out: Array<{ scope: FunctionScope; acc: ContainerAccess; value: PhpNode | undefined; o: OwnedNode }> = [];
  for (const scope of model.scopes) {
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || (n.operator !== '=' && n.operator !== '??=')) continue;
      const acc = accessOf(n.left, scope, model);
      if (acc && acc.container.key === c.key && acc.keys.length > 0) out.push({ scope, acc, value: n.right, o });
    }
  }
  return out;
}

/** The container slot a loop source reads: `$this->sids[$id]`, or a local assigned one (`$r = isset(X) ? X : []`, `$r = X ?? []`). */
function sourceAccess(source: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel): ContainerAccess | null {
  const direct = (n: PhpNode | undefined): ContainerAccess | null => {
    if (!n) return null;
    if (n.kind === 'retif') return direct(n.trueExpr) ?? direct(n.falseExpr);
    if (n.kind === 'bin' && n.type === '??') return direct(n.left);
    return accessOf(n, scope, model);
  };
  const a = direct(source);
  if (a || source?.kind !== 'variable' || typeof source.name !== 'string') return a;
  for (const d of definitionsOf(source.name, { scope })) {
    if (d.kind !== 'assign') return null;
    const b = direct(d.value);
    if (b) return b;
  }
  return null;
}

const isLiteralValue = (v: PhpNode | undefined): boolean => !!v && ['boolean', 'number', 'string', 'nullkeyword'].includes(v.kind);

/** A local variable's name, when `k` is one (`$pid`), else undefined. */
const varName = (k: PhpNode | false | undefined): string | undefined => (k && k.kind === 'variable' && typeof k.name === 'string' && k.name !== 'this' ? k.name : undefined);

/** Is there, after `at` and in the same `case` (or function body), an `unset(C[k0])` of the outer slot? */
function outerRemovedAfter(at: OwnedNode, acc: ContainerAccess, scope: FunctionScope, model: PhpFileModel): boolean {
  const start = at.node.loc?.end.offset ?? 0;
  const chain = at.parents;
  let region: PhpNode = scope.node;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (chain[i].kind === 'case') {
      region = chain[i];
      break;
    }
  }
  const end = region.loc?.end.offset ?? Infinity;
  const outer = acc.keys[0];
  for (const o of scope.owned) {
    const n = o.node;
    const off = n.loc?.start.offset ?? -1;
    if (off < start || off > end) continue;
    const removes = (v: PhpNode) => {
      const a = accessOf(v, scope, model);
      return !!a && a.container.key === acc.container.key && (a.keys.length === 0 || (a.keys.length === 1 && a.keys[0] !== false && outer !== false && sameExpr(a.keys[0], outer)));
    };
    if (n.kind === 'unset' && (n.variables ?? []).some(removes)) return true;
    // `C = array_filter(C)` and other rebuilds of the whole container.
    if (n.kind === 'assign' && n.operator === '=' && isWhole(n.left, acc.container, scope, model)) return true;
  }
  return false;
}

/**
 * `unset(…)` calls on a container's entries that cannot remove what its writes add:
 * - by the value stored, not the key: `C[$key] = $pid` and `unset(C[$pid])`;
 * - by a loop value over a set whose values are all a constant (`D[$id][$room] = true`,
 *   `foreach (D[$id] as $room) unset(C[$room][$id])`: `$room` is `true`, the names are the keys);
 * - an inner entry of a slot keyed by an unbounded key (`unset(C[$group][$id])`) with no
 *   removal of the outer slot after it on the same path: one empty slot per distinct outer key
 *   stays behind.
 * Properties of any object are looked at (the code's own removals show that the entries are
 * meant to go while the object lives on).
 */
export function failedRemovals(model: PhpFileModel, text: string): FailedRemoval[] {
  const cand = candidateModelOf(model);
  const out: FailedRemoval[] = [];
  const writes = new Map<string, ReturnType<typeof writesOf>>();
  const writesFor = (c: Container) => {
    let w = writes.get(c.key);
    if (!w) writes.set(c.key, (w = writesOf(c, cand)));
    return w;
  };
  for (const scope of cand.scopes) {
    if (scope.isConstructor || scope.kind === 'file') continue;
    for (const o of scope.owned) {
      if (o.node.kind !== 'unset') continue;
      for (const v of o.node.variables ?? []) {
        const acc = accessOf(v, scope, cand);
        if (!acc || acc.keys.length === 0 || acc.keys.some((k) => k === false)) continue;
        if (acc.container.kind === 'static-local' || acc.container.kind === 'loop-variable') continue;
        const ws = writesFor(acc.container);
        if (ws.length === 0) continue;
        const reason = byValue(acc, ws, scope, cand) ?? byConstantLoopValue(acc, scope, cand, writesFor) ?? strandsOuter(o, acc, ws, scope, cand, text);
        if (reason) out.push({ scope, at: o, target: v, access: acc, reason });
      }
    }
  }
  return out;
}

/** Key reasons of values the code generates fresh on every call (keys.ts CLOCK, FRESH, counters). */
const FRESH_KEY = /a new key (on|every)|as time passes/;

function byValue(acc: ContainerAccess, ws: ReturnType<typeof writesOf>, scope: FunctionScope, model: PhpFileModel): string | undefined {
  if (acc.keys.length !== 1) return undefined;
  const name = varName(acc.keys[0]);
  if (!name || fromOwnKeys(acc.keys[0] as PhpNode, acc.container, scope, model)) return undefined;
  const depth1 = ws.filter((w) => w.acc.keys.length === 1);
  if (depth1.length === 0 || depth1.length !== ws.length) return undefined;
  // Only keys the code generates (random bytes, uniqid(), a counter, the clock) cannot be the
  // value: names stored as aliases of other names (`C[$alias] = $id`, `unset(C[$id])`) can.
  if (!depth1.every((w) => w.acc.keys[0] !== false && FRESH_KEY.test((keyVerdict(w.acc.keys[0] as PhpNode, w.o, { scope: w.scope, text: '' }) as { reason?: string }).reason ?? ''))) return undefined;
  // Every write keys by something else, and one of them stores a variable of that name.
  if (depth1.some((w) => w.acc.keys[0] === false || varName(w.acc.keys[0]) === name || (w.acc.keys[0] as PhpNode).kind !== 'variable')) return undefined;
  const stores = depth1.find((w) => varName(w.value) === name);
  if (!stores) return undefined;
  const line = stores.o.node.loc?.start.line ?? 0;
  return `entries are stored under \`$${varName(stores.acc.keys[0])}\` with \`$${name}\` as their value (line ${line}), so removing by \`$${name}\` removes nothing that was added`;
}

function byConstantLoopValue(acc: ContainerAccess, scope: FunctionScope, model: PhpFileModel, writesFor: (c: Container) => ReturnType<typeof writesOf>): string | undefined {
  for (const k of acc.keys) {
    const name = varName(k);
    if (!name) continue;
    const loop = scope.owned.find((o) => o.node.kind === 'foreach' && o.node.value?.kind === 'variable' && o.node.value.name === name && !(o.node.key?.kind === 'variable' && o.node.key.name === name));
    if (!loop) continue;
    // `$name` must not be assigned anything else.
    if (definitionsOf(name, { scope }).some((d) => d.kind !== 'foreach')) continue;
    const src = sourceAccess(loop.node.source, scope, model);
    if (!src || src.keys.some((x) => x === false)) continue;
    const elems = writesFor(src.container).filter((w) => w.acc.keys.length === src.keys.length + 1);
    if (elems.length === 0 || !elems.every((w) => isLiteralValue(w.value))) continue;
    const line = elems[0].o.node.loc?.start.line ?? 0;
    return `\`$${name}\` is a value of \`${src.container.display}\`, whose values are all a constant (line ${line}): the names are its keys, so this removes an entry that was never added`;
  }
  return undefined;
}

function strandsOuter(o: OwnedNode, acc: ContainerAccess, ws: ReturnType<typeof writesOf>, scope: FunctionScope, model: PhpFileModel, text: string): string | undefined {
  // (Only on a container known to outlive its entries: a transient object's slots go with it.)
  if (acc.keys.length < 2 || acc.container.candidate) return undefined;
  const outer = acc.keys[0] as PhpNode;
  // The outer key must be unbounded where it is removed and where entries are added under it.
  if (keyVerdict(outer, o, { scope, text }).bounded) return undefined;
  const adds = ws.filter((w) => w.acc.keys.length >= 2 && w.acc.keys[0] !== false && !keyVerdict(w.acc.keys[0] as PhpNode, w.o, { scope: w.scope, text }).bounded);
  if (adds.length === 0) return undefined;
  if (outerRemovedAfter(o, acc, scope, model)) return undefined;
  // A function that always removes the whole slot of such a key (a per-key teardown such as a
  // disconnect: `unset(C[$id])` on every call) ends the slot's life; the slot only waits for it.
  const outerName = varName(outer);
  for (const s of model.scopes) {
    for (const x of s.owned) {
      if (x.node.kind !== 'unset' || !isUnconditional(x)) continue;
      for (const v of x.node.variables ?? []) {
        const a = accessOf(v, s, model);
        if (a?.container.key === acc.container.key && a.keys.length === 1 && a.keys[0] !== false && (sameExpr(a.keys[0], outer) || (!!outerName && varName(a.keys[0]) === outerName))) return undefined;
      }
    }
  }
  const src = clipText(text.slice(spanOf(outer)?.start ?? 0, spanOf(outer)?.end ?? 0));
  return `this removes an inner entry but never the slot \`[${src}]\` it sits in, even once it is empty (entries are added under it on line ${adds[0].o.node.loc?.start.line ?? 0}): one empty slot per distinct key stays behind`;
}

function clipText(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 37)}…` : one;
}

/**
 * Growth of a property of an object whose lifetime the model does not know, when the object's
 * own removals cannot remove what the write adds (strandedEntries): the code shows that entries
 * are per unit of work and meant to go while the object stays, and that they do not.
 */
export function candidateGrowths(model: PhpFileModel, text: string): ScopeGrowth[] {
  if (!model.classes.some((c) => c.kind !== 'interface' && !c.longLived)) return [];
  const cand = candidateModelOf(model);
  return fileGrowths(cand, text).filter((sg) => sg.growth.access.container.candidate && !sg.bound && strandedEntries(sg.growth, cand));
}

/** The unset arguments failedRemovals reports. */
function failedRemovalNodes(model: PhpFileModel, text: string): Set<PhpNode> {
  return new Set(failedRemovals(model, text).map((r) => r.target));
}

/** Does every `unset` of c's entries in `scope` miss (failedRemovals)? */
function onlyFailedRemovals(scope: FunctionScope, c: Container, model: PhpFileModel, failed: Set<PhpNode>): boolean {
  let any = false;
  for (const o of scope.owned) {
    if (o.node.kind !== 'unset') continue;
    for (const v of o.node.variables ?? []) {
      const a = accessOf(v, scope, model);
      if (a?.container.key !== c.key || a.keys.length === 0) continue;
      if (!failed.has(v)) return false;
      any = true;
    }
  }
  return any;
}
