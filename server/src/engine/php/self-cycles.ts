// Objects that refer to themselves through one of their own properties, in a
// class that releases something when it is closed or destroyed: the facts
// behind php-self-cycle.
//
// `$this->onResolve = function () { … $this … }` in a constructor makes every
// instance a cycle (object → property → closure → object). PHP frees such an
// object only when its cycle collector runs (by default after 10,000 possible
// roots), not when the last outside reference goes: its destructor waits, and
// so does whatever the object holds open (a child process, a socket, a
// database session). A worker that creates and drops such objects (a pool, a
// connection per job) keeps hundreds of them alive, each with its resource.
// These cycles are collectable, unlike php-uncollectable-cycle's; the harm is
// the delay, which is why only classes with a release method are reported.
import { forEachChild, type PhpNode } from './parse';
import { boundToThis, isThis, thisProp } from './pinning';
import { nameOf, type ClassInfo, type FunctionScope, type PhpFileModel } from './scopes';

export interface SelfCycle {
  /** The constructor the write sits in. */
  scope: FunctionScope;
  /** The assignment `$this->p = …`. */
  at: PhpNode;
  /** `p`, without `$this->`. */
  prop: string;
  /** How the value holds the instance: `a closure bound to $this (not static function)`, `new ExpressionBuilder($this)`. */
  holds: string;
  /** The release method whose work waits for the collector (`close()`, `kill()`, `__destruct()`). */
  release: string;
  release_at: PhpNode;
}

/**
 * Methods that release what an instance holds. A class with one of them owns
 * something outside PHP's heap (or at least work that must happen when it goes).
 */
const RELEASE_METHODS = ['__destruct', 'close', 'disconnect', 'kill', 'terminate', 'shutdown'];

/**
 * Methods known (from their libraries' source) to return a closure bound to
 * `$this`: Amp's `CallableMaker::callableFromInstanceMethod($name)` returns
 * `Closure::fromCallable([$this, $name])`.
 */
const BOUND_CALLABLE_MAKERS = new Set(['callablefrominstancemethod']);

function isCall(n: PhpNode | null | undefined): boolean {
  return n?.kind === 'call';
}

/** Whether a subtree contains a node satisfying `f` (closures and classes excluded). */
function contains(n: PhpNode | null | undefined, f: (x: PhpNode) => boolean): boolean {
  if (!n || typeof n !== 'object') return false;
  if (f(n)) return true;
  if (n.kind === 'class') return false;
  let found = false;
  forEachChild(n, (c) => {
    if (!found && contains(c, f)) found = true;
  });
  return found;
}

/** What in the assigned value keeps `$this`, or undefined. */
function holdsThis(v: PhpNode | null | undefined, scope: FunctionScope): string | undefined {
  if (!v) return undefined;
  const bound = boundToThis(v, scope);
  if (bound) return bound;
  if (v.kind === 'call' && (v.what?.kind === 'propertylookup' || v.what?.kind === 'nullsafepropertylookup') && isThis(v.what.what)) {
    const m = (nameOf(v.what.offset) ?? '').toLowerCase();
    if (BOUND_CALLABLE_MAKERS.has(m)) return `\`$this->${nameOf(v.what.offset)}()\` (a closure bound to \`$this\`)`;
  }
  if (v.kind === 'new' && (v.arguments ?? []).some((a: PhpNode) => isThis(a))) {
    const cls = nameOf(v.what) ?? 'an object';
    return `\`new ${cls}(… $this …)\`, which keeps \`$this\``;
  }
  return undefined;
}

/** `$this->p = null`, or `unset($this->p)`, for `p` (any property when `prop` is undefined). */
function dropsProp(x: PhpNode, prop?: string): boolean {
  const is = (n: PhpNode) => {
    const q = thisProp(n)?.toLowerCase();
    return !!q && (prop === undefined || q === prop.toLowerCase());
  };
  if (x.kind === 'assign' && x.operator === '=' && is(x.left)) return x.right?.kind === 'nullkeyword' || (x.right?.kind === 'name' && /^null$/i.test(nameOf(x.right) ?? ''));
  if (x.kind === 'unset') return (x.variables ?? []).some((v: PhpNode) => is(v));
  return false;
}

/**
 * The class's release method with real work, or undefined: it calls something
 * on what the instance holds (reads a property and makes a call: `$this->context->kill()`,
 * `fclose($this->socket)`), or drops a property (`$this->_conn = null`).
 */
function releaseMethod(model: PhpFileModel, cls: ClassInfo): FunctionScope | undefined {
  for (const name of RELEASE_METHODS) {
    const m = model.scopes.find((s) => s.kind === 'method' && s.cls === cls && s.methodName === name && !s.node.isStatic);
    if (!m?.node.body) continue;
    const readsProp = contains(m.node.body, (x) => !!thisProp(x));
    if ((readsProp && contains(m.node.body, isCall)) || contains(m.node.body, (x) => dropsProp(x))) return m;
  }
  return undefined;
}

/** `$this->p = null` / `unset($this->p)` in the method: it breaks the cycle when called. */
function clears(method: FunctionScope, prop: string): boolean {
  return contains(method.node.body, (x) => dropsProp(x, prop));
}

/**
 * One instance per process: a singleton or container service the code shows
 * (`longLived` from evidence, not from the class's role name), or an event
 * loop's driver (`extends Amp\Loop\Driver`, `Revolt\EventLoop\Driver`), which
 * the loop keeps for the process. Its cycle is never dropped, so never delays anything.
 */
function onePerProcess(cls: ClassInfo): boolean {
  if (cls.longLived && !cls.byRole) return true;
  const base = cls.extendsFq ?? '';
  return /(^|\\)(event)?loop\\(driver|[a-z]*driver)$/i.test(base) || /(^|\\)(event)?loop\\driver\\/i.test(base);
}

export function selfCycles(model: PhpFileModel): SelfCycle[] {
  const out: SelfCycle[] = [];
  for (const ctor of model.scopes) {
    if (ctor.kind !== 'method' || ctor.methodName !== '__construct' || !ctor.cls || ctor.cls.kind !== 'class' || ctor.node.isStatic) continue;
    if (onePerProcess(ctor.cls)) continue;
    const release = releaseMethod(model, ctor.cls);
    if (!release) continue;
    for (const o of ctor.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || n.operator !== '=') continue;
      const prop = thisProp(n.left);
      if (!prop) continue;
      const holds = holdsThis(n.right, ctor);
      if (!holds) continue;
      if (release.methodName !== '__destruct' && clears(release, prop)) continue;
      out.push({ scope: ctor, at: n, prop, holds, release: `${release.methodName}()`, release_at: release.node });
    }
  }
  return out;
}
