// Decorators whose reset hook forgets what they wrap: the facts behind
// php-reset-not-forwarded.
//
// A long-running runtime calls `reset()` between units of work (Symfony's
// `ResetInterface` / `kernel.reset`, Monolog's `ResettableInterface` through
// Octane, RoadRunner or Messenger workers). A class that forwards its own work to
// an object it holds — `handle()` calling `$this->handler->handle()` or
// `$this->getHandler()->handle()` — is a decorator: the wrapped object buffers
// whatever the decorator lets through. If the decorator's `reset()` never touches
// that object, the buffer survives every reset and grows per request.
import { forEachChild, type PhpNode } from './parse';
import { thisProp } from './pinning';
import { nameOf, shortName, type ClassInfo, type FunctionScope, type PhpFileModel } from './scopes';

export interface UnforwardedReset {
  /** The `reset()` method. */
  scope: FunctionScope;
  /** The wrapped property (without `$this->`), as declared. */
  prop: string;
  /** A method that forwards to it (`handle`), and the forwarding call. */
  forwardedBy: string;
  call: PhpNode;
}

/**
 * Interfaces whose `reset()` reaches a wrapped object only through its wrapper (short names,
 * lower-case). Monolog's `ResettableInterface`: `Logger::reset()` resets the handlers it holds,
 * and a handler nested in a wrapper (filter, buffer, fingers-crossed, sampling…) only when the
 * wrapper passes it on. Symfony's `ResetInterface` is not listed: the container resets every
 * tagged service itself (`services_resetter`), the decorated ones included, so a decorator
 * need not forward (an at-rest review found 15 such false alarms).
 */
const RESET_INTERFACES = new Set(['resettableinterface']);

function walk(n: PhpNode | null | undefined, f: (x: PhpNode) => void): void {
  if (!n || typeof n !== 'object') return;
  f(n);
  if (n.kind === 'class') return;
  forEachChild(n, (c) => walk(c, f));
}

function methodsOf(model: PhpFileModel, cls: ClassInfo): FunctionScope[] {
  return model.scopes.filter((s) => s.kind === 'method' && s.cls === cls && !s.node.isStatic && s.methodName);
}

/** Getters of the class: method name → the property every `return` of it gives (`return $this->handler;`). */
function getters(methods: FunctionScope[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of methods) {
    const props = new Map<string, string>(); // lower-case → as written
    let others = false;
    walk(m.node.body, (x) => {
      if (x.kind !== 'return') return;
      const p = thisProp(x.expr);
      if (p) props.set(p.toLowerCase(), p);
      else others = true;
    });
    if (props.size === 1 && !others) out.set(m.methodName!, [...props.values()][0]);
  }
  return out;
}

/** `$this->p` or `$this->getter(…)` → `p` (as written). */
function heldObject(n: PhpNode | null | undefined, get: Map<string, string>): string | undefined {
  const p = thisProp(n);
  if (p) return p;
  if (n?.kind === 'call' && (n.what?.kind === 'propertylookup' || n.what?.kind === 'nullsafepropertylookup')) {
    const w = n.what;
    if (w.what?.kind === 'variable' && w.what.name === 'this') return get.get((nameOf(w.offset) ?? '').toLowerCase());
  }
  return undefined;
}

export function unforwardedResets(model: PhpFileModel): UnforwardedReset[] {
  const out: UnforwardedReset[] = [];
  for (const cls of model.classes) {
    if (cls.kind !== 'class' || !cls.implementsFq.some((i) => RESET_INTERFACES.has(shortName(i).toLowerCase()))) continue;
    const methods = methodsOf(model, cls);
    const reset = methods.find((m) => m.methodName === 'reset');
    if (!reset?.node.body) continue;
    const get = getters(methods);
    // Properties the class forwards its own methods to: `handle()` → `$this->handler->handle()`.
    const forwarded = new Map<string, { prop: string; by: string; call: PhpNode }>(); // by lower-case name
    for (const m of methods) {
      if (m === reset || m.methodName === '__construct') continue;
      walk(m.node.body, (x) => {
        if (x.kind !== 'call' || (x.what?.kind !== 'propertylookup' && x.what?.kind !== 'nullsafepropertylookup')) return;
        if ((nameOf(x.what.offset) ?? '').toLowerCase() !== m.methodName) return;
        const p = heldObject(x.what.what, get);
        if (p && !forwarded.has(p.toLowerCase())) forwarded.set(p.toLowerCase(), { prop: p, by: nameOf(m.node.name) ?? m.methodName!, call: x });
      });
    }
    if (!forwarded.size) continue;
    // What reset() touches: a property it reads, or a getter it calls.
    const touched = new Set<string>();
    walk(reset.node.body, (x) => {
      const p = heldObject(x, get);
      if (p) touched.add(p.toLowerCase());
    });
    for (const [key, f] of forwarded) {
      if (touched.has(key)) continue;
      out.push({ scope: reset, prop: f.prop, forwardedBy: f.by, call: f.call });
    }
  }
  return out;
}
