// Objects that can never be freed, whatever the code after them does: the
// facts behind php-uncollectable-cycle and php-instance-pinned.
//
// - A WeakMap entry whose value holds its own key: the map holds the value
//   strongly, the value holds the key, so the key never dies and the entry is
//   never dropped (PHP before 8.3; 8.3's collector can break such entries).
// - A closure bound to an object (a non-static closure or arrow function of an
//   instance method, `[$this, 'm']`, `$this->m(...)`) stored inside a resource
//   that object owns (`phpiredis_reader_set_status_handler($this->reader, …)`):
//   the cycle runs through a resource, which the cycle collector cannot see.
// - A registration made by an instance whose callback holds the instance,
//   kept by a registry that outlives it (the shutdown list, the event loop, an
//   emitter or token handed in from outside), and removed only by the
//   instance's own destructor — which cannot run while the registry holds it —
//   or not removable at all (`register_shutdown_function()` in a constructor):
//   every instance ever made stays until the worker exits.
import { forEachChild, type PhpNode } from './parse';
import { accumulates, isRemoverCall, matchRegistration, type RegistrationRow } from './registry-table';
import { nameOf, shortName, type ClassInfo, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';

export interface SelfHeldEntry {
  kind: 'weakmap-value-holds-key';
  scope: FunctionScope;
  /** The write (`$this->map[$k] = $k`, `$this->map->offsetSet($k, $k)`). */
  at: PhpNode;
  /** `$this->tracers` for messages. */
  container: string;
  /** The key variable, without `$`. */
  key: string;
  /** Where the container became a WeakMap (declaration or `new \WeakMap()`). */
  declared?: PhpNode;
}

export interface ResourceCycle {
  kind: 'closure-in-own-resource';
  scope: FunctionScope;
  /** The closure (or callable) bound to the object. */
  closure: PhpNode;
  /** The call storing it into the resource. */
  call: PhpNode;
  /** The setter's name (`phpiredis_reader_set_status_handler`). */
  api: string;
  /** `$this->reader`. */
  resource: string;
  /** Set when the closure is made by another method and passed as its result (`$this->getStatusHandler()`). */
  via?: string;
}

export interface PinnedRegistration {
  scope: FunctionScope;
  call: PhpNode;
  /** `register_shutdown_function()`, `Loop::repeat()`, `$token->subscribe()`. */
  api: string;
  /** Who keeps it: `PHP's shutdown list`, `the event loop`, `$token (passed in by the caller)`. */
  keeper: string;
  /** How the callback holds the instance: `a closure bound to $this`, `[$this, 'shutdown']`, `references to $this->context`. */
  holds: string;
  /** Undefined: nothing can remove it; else the destructor that would (and cannot run). */
  removedOnlyBy?: PhpNode;
}

const WEAKMAP = /(^|\\)weakmap$/i;
export const isThis = (n: PhpNode | null | undefined): boolean => n?.kind === 'variable' && n.name === 'this';

/** `$this->p` → `p`, else undefined. */
export function thisProp(n: PhpNode | null | undefined): string | undefined {
  if ((n?.kind === 'propertylookup' || n?.kind === 'nullsafepropertylookup') && isThis(n.what)) return nameOf(n.offset);
  return undefined;
}

function instanceMethod(scope: FunctionScope): boolean {
  return scope.kind === 'method' && !scope.node.isStatic;
}

/** Scopes of a class (its methods and the closures inside them). */
function classScopes(model: PhpFileModel, cls: ClassInfo): FunctionScope[] {
  return model.scopes.filter((s) => s.cls === cls);
}

/** The method scope enclosing a scope (itself for a method). */
function methodOf(scope: FunctionScope): FunctionScope | undefined {
  let s: FunctionScope | undefined = scope;
  while (s && s.kind !== 'method') s = s.outer;
  return s;
}

/** Names of the variables an expression reads, closures' `use` lists included (not their bodies). */
function readsVariables(n: PhpNode | null | undefined, out: Set<string> = new Set()): Set<string> {
  if (!n || typeof n !== 'object') return out;
  if (n.kind === 'variable' && typeof n.name === 'string') {
    out.add(n.name);
    return out;
  }
  if (n.kind === 'closure') {
    for (const u of n.uses ?? []) {
      const name = nameOf(u);
      if (name) out.add(name);
    }
    return out;
  }
  if (n.kind === 'class') return out;
  forEachChild(n, (c) => readsVariables(c, out));
  return out;
}

// ---------------------------------------------------------------------------
// WeakMap entries whose value holds the key

/** Properties of a class that hold a WeakMap: typed `WeakMap`, or assigned `new \WeakMap()` anywhere in the class. */
function weakMapProps(model: PhpFileModel, cls: ClassInfo): Map<string, PhpNode> {
  const out = new Map<string, PhpNode>();
  for (const [name, decl] of cls.props) {
    const type = decl?.type ?? decl?.properties?.[0]?.type;
    if (WEAKMAP.test(nameOf(type) ?? '') || (decl?.value?.kind === 'new' && WEAKMAP.test(nameOf(decl.value.what) ?? ''))) out.set(name.toLowerCase(), decl);
  }
  for (const scope of classScopes(model, cls)) {
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || n.right?.kind !== 'new' || !WEAKMAP.test(nameOf(n.right.what) ?? '')) continue;
      const p = thisProp(n.left);
      if (p && !out.has(p.toLowerCase())) out.set(p.toLowerCase(), n);
    }
  }
  return out;
}

export function selfHeldWeakMapEntries(model: PhpFileModel): SelfHeldEntry[] {
  const out: SelfHeldEntry[] = [];
  for (const cls of model.classes) {
    const weak = weakMapProps(model, cls);
    if (weak.size === 0) continue;
    for (const scope of classScopes(model, cls)) {
      for (const o of scope.owned) {
        const n = o.node;
        let prop: string | undefined;
        let key: PhpNode | undefined;
        let value: PhpNode | undefined;
        if (n.kind === 'assign' && n.operator === '=' && n.left?.kind === 'offsetlookup') {
          prop = thisProp(n.left.what);
          key = n.left.offset;
          value = n.right;
        } else if (n.kind === 'call' && (n.what?.kind === 'propertylookup' || n.what?.kind === 'nullsafepropertylookup') && (nameOf(n.what.offset) ?? '').toLowerCase() === 'offsetset') {
          prop = thisProp(n.what.what);
          [key, value] = n.arguments ?? [];
        }
        if (!prop || !weak.has(prop.toLowerCase()) || key?.kind !== 'variable' || typeof key.name !== 'string' || !value) continue;
        if (!readsVariables(value).has(key.name)) continue;
        out.push({ kind: 'weakmap-value-holds-key', scope, at: n, container: `$this->${prop}`, key: key.name, declared: weak.get(prop.toLowerCase()) });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Closures bound to the object stored in a resource the object owns

/**
 * Functions that store a callback inside a resource (the first argument), as
 * data: `[callback argument index]`. A closure bound to the resource's owner
 * makes a cycle owner → resource → closure → owner that the collector cannot
 * follow through the resource.
 */
const RESOURCE_CALLBACK_SETTERS: Record<string, number> = {
  phpiredis_reader_set_status_handler: 1,
  phpiredis_reader_set_error_handler: 1,
};

/** What in a callable expression binds it to `$this`, or undefined. */
export function boundToThis(cb: PhpNode | null | undefined, scope: FunctionScope): string | undefined {
  if (!cb) return undefined;
  if ((cb.kind === 'closure' || cb.kind === 'arrowfunc') && !cb.isStatic && instanceMethod(methodOf(scope) ?? scope)) {
    return cb.kind === 'closure' ? 'a closure bound to `$this` (not `static function`)' : 'an arrow function bound to `$this` (not `static fn`)';
  }
  if (cb.kind === 'array' && (cb.items ?? []).length === 2) {
    const first = cb.items[0]?.kind === 'entry' ? cb.items[0].value : cb.items[0];
    if (isThis(first)) return '`[$this, …]`';
  }
  if (cb.kind === 'call') {
    // $this->m(...) (a first-class callable), Closure::fromCallable([$this, 'm']), \Closure::bind(…, $this)
    if ((cb.what?.kind === 'propertylookup' || cb.what?.kind === 'nullsafepropertylookup') && isThis(cb.what.what) && (cb.arguments ?? []).some((a: PhpNode) => a?.kind === 'variadicplaceholder')) {
      return `\`$this->${nameOf(cb.what.offset)}(...)\``;
    }
    if (cb.what?.kind === 'staticlookup' && /^closure$/i.test(shortName(nameOf(cb.what.what) ?? '')) && /^fromcallable$/i.test(nameOf(cb.what.offset) ?? '')) {
      return boundToThis((cb.arguments ?? [])[0], scope);
    }
  }
  return undefined;
}

/** The closure a method returns (`return function () {…};` as its only or first return), bound to `$this`. */
function returnedBoundClosure(method: FunctionScope): { node: PhpNode; holds: string } | undefined {
  for (const o of method.owned) {
    if (o.node.kind !== 'return') continue;
    const e = o.node.expr;
    const holds = boundToThis(e, method);
    if (holds && e) return { node: e, holds };
    return undefined; // the first return decides
  }
  return undefined;
}

/**
 * A local resource the method returns, whose caller stores it in a property
 * (`$reader = phpiredis_reader_create(); …; return $reader;` with
 * `$this->reader = $this->createReader();` elsewhere in the class): that property.
 */
function returnedIntoProp(arg: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel): string | undefined {
  if (arg?.kind !== 'variable' || typeof arg.name !== 'string' || scope.kind !== 'method' || !scope.methodName) return undefined;
  const name = arg.name;
  if (!scope.owned.some((o) => o.node.kind === 'return' && o.node.expr?.kind === 'variable' && o.node.expr.name === name)) return undefined;
  for (const s of model.scopes) {
    if (s.cls !== scope.cls) continue;
    for (const o of s.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || n.right?.kind !== 'call') continue;
      const w = n.right.what;
      if ((w?.kind === 'propertylookup' || w?.kind === 'staticlookup') && (nameOf(w.offset) ?? '').toLowerCase() === scope.methodName && (isThis(w.what) || w.what?.kind === 'selfreference' || w.what?.kind === 'staticreference')) {
        const p = thisProp(n.left);
        if (p) return p;
      }
    }
  }
  return undefined;
}

export function resourceCycles(model: PhpFileModel): ResourceCycle[] {
  const out: ResourceCycle[] = [];
  const seen = new Set<PhpNode>();
  for (const scope of model.scopes) {
    if (!scope.cls) continue;
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'call' || n.what?.kind !== 'name') continue;
      const api = shortName(nameOf(n.what) ?? '').toLowerCase();
      const at = RESOURCE_CALLBACK_SETTERS[api];
      if (at === undefined) continue;
      const args: PhpNode[] = n.arguments ?? [];
      const res = thisProp(args[0]) ?? returnedIntoProp(args[0], scope, model);
      const cb = args[at];
      if (!res || !cb) continue;
      const direct = boundToThis(cb, scope);
      if (direct) {
        if (!seen.has(cb)) out.push({ kind: 'closure-in-own-resource', scope, closure: cb, call: n, api, resource: `$this->${res}` });
        seen.add(cb);
        continue;
      }
      // $this->getStatusHandler(): a method of the class returning a bound closure.
      if (cb.kind === 'call' && (cb.what?.kind === 'propertylookup' || cb.what?.kind === 'nullsafepropertylookup') && isThis(cb.what.what)) {
        const m = (nameOf(cb.what.offset) ?? '').toLowerCase();
        const method = model.scopes.find((s) => s.kind === 'method' && s.cls === scope.cls && s.methodName === m);
        const r = method && !method.node.isStatic ? returnedBoundClosure(method) : undefined;
        if (method && r && !seen.has(r.node)) {
          seen.add(r.node);
          out.push({ kind: 'closure-in-own-resource', scope: method, closure: r.node, call: n, api, resource: `$this->${res}`, via: `${nameOf(cb.what.offset)}()` });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Registrations that pin their instance

/** The calls of the class that remove a registration of this row (registry-table.ts), with the scope each sits in. */
function removalCalls(model: PhpFileModel, cls: ClassInfo, row: RegistrationRow): Array<{ scope: FunctionScope; call: PhpNode }> {
  const out: Array<{ scope: FunctionScope; call: PhpNode }> = [];
  for (const scope of classScopes(model, cls)) {
    for (const o of scope.owned) if (o.node.kind === 'call' && isRemoverCall(o.node, row)) out.push({ scope, call: o.node });
  }
  return out;
}

/** Properties of `$this` an expression reads (`$this->tokens`, `$this->w[$k]`). */
function propsRead(n: PhpNode | null | undefined, out: Set<string> = new Set()): Set<string> {
  if (!n || typeof n !== 'object' || n.kind === 'closure' || n.kind === 'class') return out;
  const p = thisProp(n);
  if (p) out.add(p.toLowerCase());
  forEachChild(n, (c) => propsRead(c, out));
  return out;
}

/**
 * Properties that hold what a removal needs for this registration: the call's
 * result (`$this->watcher = Loop::repeat(…)`, `$id = …; $this->ids[] = $id`)
 * or the receiver (`$this->tokens[] = [$token, $id]`).
 */
function handleProps(o: OwnedNode, scope: FunctionScope): Set<string> {
  const out = new Set<string>();
  const parent = o.parents[o.parents.length - 1];
  const vars = new Set<string>();
  const recv = o.node.what?.what;
  if (recv?.kind === 'variable' && typeof recv.name === 'string' && recv.name !== 'this') vars.add(recv.name);
  if (parent?.kind === 'assign' && parent.right === o.node) {
    const p = thisProp(parent.left) ?? (parent.left?.kind === 'offsetlookup' ? thisProp(parent.left.what) : undefined);
    if (p) out.add(p.toLowerCase());
    if (parent.left?.kind === 'variable' && typeof parent.left.name === 'string') vars.add(parent.left.name);
  }
  for (const q of scope.owned) {
    const n = q.node;
    if (n.kind !== 'assign' || !n.right) continue;
    const p = thisProp(n.left) ?? (n.left?.kind === 'offsetlookup' ? thisProp(n.left.what) : undefined);
    if (!p) continue;
    if ([...readsVariables(n.right)].some((v) => vars.has(v))) out.add(p.toLowerCase());
  }
  return out;
}

/** Properties a removal call works on, directly or through locals and `foreach` variables of its scope taken from them. */
function removalProps(r: { scope: FunctionScope; call: PhpNode }): Set<string> {
  const derived = new Map<string, Set<string>>();
  for (const o of [...(r.scope.outer?.owned ?? []), ...r.scope.owned]) {
    const n = o.node;
    if (n.kind === 'foreach') {
      const props = propsRead(n.source);
      if (props.size === 0) continue;
      for (const v of [n.key, n.value]) {
        const names = v?.kind === 'list' || v?.kind === 'array' ? readsVariables(v) : v?.kind === 'variable' ? new Set([v.name]) : new Set<string>();
        for (const name of names) derived.set(name, props);
      }
    } else if (n.kind === 'assign' && n.left?.kind === 'variable' && typeof n.left.name === 'string') {
      const props = propsRead(n.right);
      if (props.size) derived.set(n.left.name, props);
    }
  }
  const out = propsRead(r.call);
  for (const v of readsVariables(r.call)) for (const p of derived.get(v) ?? []) out.add(p);
  return out;
}

/** Variables of a scope that are references to the instance's properties (`$q = &$this->queue;`). */
function referencesToProps(scope: FunctionScope): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind === 'assignref' && n.left?.kind === 'variable' && typeof n.left.name === 'string') {
      const p = thisProp(n.right);
      if (p) out.set(n.left.name, p);
    }
  }
  return out;
}

/** How a callback (and the data passed with it) holds the instance, or undefined. */
function holdsInstance(cb: PhpNode | undefined, data: PhpNode[], scope: FunctionScope): string | undefined {
  const bound = boundToThis(cb, scope);
  if (bound) return bound;
  if (cb?.kind === 'closure' || cb?.kind === 'arrowfunc') {
    const refs = referencesToProps(scope);
    const used = [...readsVariables(cb)].filter((v) => refs.has(v));
    if (used.length) return `references to ${used.map((v) => `\`$this->${refs.get(v)}\``).join(', ')}`;
  }
  for (const d of data) if (readsVariables(d).has('this')) return '`$this`, passed to the callback';
  return undefined;
}

interface RegistrationCall {
  api: string;
  row: RegistrationRow;
  keeper: string;
  callback?: PhpNode;
  data: PhpNode[];
  /** The call's result is kept (an id a removal could use). */
  removable: boolean;
}

/** Registrations whose keeper outlives the instance, from the call alone (the rows of registry-table.ts that pile up). */
function registrationCall(o: OwnedNode, scope: FunctionScope): RegistrationCall | undefined {
  const m = matchRegistration(o.node);
  if (!m || !accumulates(m.lifetime)) return undefined;
  const { row } = m;
  const removable = row.removers.some((r) => r.drops);
  if (row.receiver !== 'method') return { api: `${row.id}()`, keeper: row.keeper, row, callback: m.callback, data: m.dataArgs, removable };
  if (row.keeps !== 'listener') return undefined; // `$this->loop->addPeriodicTimer()`: the per-request rules decide
  const w = o.node.what;
  const recv = w.what;
  // An emitter or token handed in by the caller (a parameter): it may live far longer than this instance.
  const param = recv?.kind === 'variable' && typeof recv.name === 'string' && scope.params.has(recv.name) ? recv.name : loopVariableOfParam(o, scope);
  if (!param) return undefined;
  return { api: `$${param}->${nameOf(w.offset)}()`, keeper: `\`$${param}\` (handed in by the caller)`, row, callback: m.callback, data: [], removable };
}

/** `foreach ($tokens as $token) { $token->subscribe(…) }` where `$tokens` is a parameter: the loop variable's name. */
function loopVariableOfParam(o: OwnedNode, scope: FunctionScope): string | undefined {
  const w = o.node.what;
  const recv = w?.what;
  if (recv?.kind !== 'variable' || typeof recv.name !== 'string') return undefined;
  for (const p of o.parents) {
    if (p.kind === 'foreach' && p.value?.kind === 'variable' && p.value.name === recv.name && p.source?.kind === 'variable' && scope.params.has(p.source.name)) return recv.name;
  }
  return undefined;
}

export function pinnedRegistrations(model: PhpFileModel): PinnedRegistration[] {
  const out: PinnedRegistration[] = [];
  for (const cls of model.classes) {
    if ((cls.longLived && !cls.byRole) || cls.kind === 'interface') continue; // one instance per worker: pinning it costs nothing more
    for (const scope of classScopes(model, cls)) {
      const method = methodOf(scope);
      if (!method || method.node.isStatic || method.methodName === '__destruct') continue;
      for (const o of scope.owned) {
        const r = registrationCall(o, scope);
        if (!r) continue;
        // A removable registration pins only through `$this` itself: with references to its
        // properties alone, the destructor can still run and remove it.
        const holds = r.removable ? boundToThis(r.callback, scope) : holdsInstance(r.callback, r.data, scope);
        if (!holds) continue;
        if (!r.removable) {
          // Shutdown functions cannot be removed: per instance only where each instance registers (the constructor).
          if (!method.isConstructor) continue;
          out.push({ scope, call: o.node, api: r.api, keeper: r.keeper, holds });
          continue;
        }
        const removers = removalCalls(model, cls, r.row);
        const handles = handleProps(o, scope);
        if (handles.size === 0) continue; // nothing kept to remove it by: the per-request rules decide, by reach
        const matching = removers.filter((rm) => [...removalProps(rm)].some((p) => handles.has(p)));
        if (matching.length === 0) continue;
        const methods = matching.map((rm) => methodOf(rm.scope));
        if (!methods.every((m) => m?.methodName === '__destruct')) continue; // another method (close(), stop()) can remove it
        out.push({ scope, call: o.node, api: r.api, keeper: r.keeper, holds, removedOnlyBy: methods[0]!.node });
      }
    }
  }
  return out;
}
