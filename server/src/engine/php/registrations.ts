// Listeners and timers registered from code: what kind, whether they persist
// (a periodic timer, a listener) or end by themselves (a one-shot timer), and
// whether the same function or class removes them. Used by
// php-listener-per-request and php-timer-per-request, which report those
// reached from a request entry point.
import type { PhpNode } from './parse';
import { nameOf, shortName, sourceOf, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';

export type RegistrationKind = 'listener' | 'timer';

export interface Registration {
  kind: RegistrationKind;
  /** `Timer::add()`, `$emitter->on()`, `register_shutdown_function()` … for messages. */
  api: string;
  /** What it keeps alive and why it accumulates. */
  what: string;
  call: PhpNode;
  at: OwnedNode;
  scope: FunctionScope;
  /** Set when something removes it (`Timer::del`, `->off`, …): the registration is bounded. */
  removedBy?: string;
  /** The call's result is stored (a timer id to cancel later). */
  resultKept: boolean;
}

const LISTENER_METHODS = new Set(['on', 'listen', 'addlistener', 'addeventlistener', 'subscribe', 'addsubscriber']);
const LISTENER_REMOVERS = /->\s*(off|removeListener|removeAllListeners|removeEventListener|unsubscribe|removeSubscriber|forget|forgetPushed|flush)\s*\(|::\s*(forget|forgetPushed|flush)\s*\(/i;
const TIMER_REMOVERS = /(Timer::(del|delAll|clear|clearAll)|swoole_timer_clear|->\s*(clearTimer|cancelTimer|cancel)\s*\(|Loop::cancelTimer|EventLoop::cancel|Loop::cancel)/i;

function isCallable(a: PhpNode | undefined): boolean {
  if (!a) return false;
  if (a.kind === 'closure' || a.kind === 'arrowfunc' || a.kind === 'variable') return true;
  if (a.kind === 'array' && (a.items ?? []).length === 2) return true;
  if (a.kind === 'string') return true;
  if (a.kind === 'new') return true; // listener objects
  if (a.kind === 'staticlookup' && nameOf(a.offset)?.toLowerCase() === 'class') return true;
  if (a.kind === 'call') return true; // Closure::fromCallable(...), $this->m(...), a factory
  return false;
}

/** A registration call, or undefined. */
function classify(n: PhpNode, text: string): Omit<Registration, 'at' | 'scope' | 'resultKept' | 'removedBy'> | undefined {
  if (n.kind !== 'call') return undefined;
  const w = n.what;
  const args: PhpNode[] = n.arguments ?? [];
  const src = () => sourceOf(text, w);
  if (w?.kind === 'name') {
    const f = shortName(nameOf(w) ?? '');
    if (f === 'register_shutdown_function') return { kind: 'listener', api: 'register_shutdown_function()', what: 'each call adds a shutdown function, kept (with what its callback captures) until the worker process exits', call: n };
    if (f === 'swoole_timer_tick') return { kind: 'timer', api: 'swoole_timer_tick()', what: 'a periodic timer runs (and keeps its callback) until cleared', call: n };
    return undefined;
  }
  if (w?.kind === 'staticlookup') {
    const cls = shortName(nameOf(w.what) ?? '');
    const m = (nameOf(w.offset) ?? '').toLowerCase();
    if (cls === 'timer' && m === 'add') {
      // Workerman: Timer::add($interval, $cb, $args = [], $persistent = true)
      const persistent = args[3];
      if (persistent && ((persistent.kind === 'boolean' && persistent.value === false) || (persistent.kind === 'name' && /^false$/i.test(nameOf(persistent) ?? '')))) return undefined;
      return { kind: 'timer', api: 'Timer::add()', what: 'a persistent Workerman timer runs (and keeps its callback) until deleted', call: n };
    }
    if (cls === 'timer' && m === 'tick') return { kind: 'timer', api: 'Timer::tick()', what: 'a periodic Swoole timer runs (and keeps its callback) until cleared', call: n };
    if ((cls === 'loop' && m === 'addperiodictimer')) return { kind: 'timer', api: 'Loop::addPeriodicTimer()', what: 'a periodic ReactPHP timer runs (and keeps its callback) until cancelled', call: n };
    if (cls === 'eventloop' && m === 'repeat') return { kind: 'timer', api: 'EventLoop::repeat()', what: 'a repeating Revolt/AMPHP timer runs (and keeps its callback) until cancelled', call: n };
    if (cls === 'event' && m === 'listen' && args.length >= 2) return { kind: 'listener', api: 'Event::listen()', what: 'each call adds a listener to the event dispatcher, which lives as long as the worker', call: n };
    return undefined;
  }
  if (w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup') {
    const m = (nameOf(w.offset) ?? '').toLowerCase();
    if (m === 'tick' && args.length >= 2 && isCallable(args[1])) return { kind: 'timer', api: `${clip(src())}()`, what: 'a periodic Swoole timer runs (and keeps its callback) until cleared', call: n };
    if (m === 'addperiodictimer') return { kind: 'timer', api: `${clip(src())}()`, what: 'a periodic ReactPHP timer runs (and keeps its callback) until cancelled', call: n };
    if (LISTENER_METHODS.has(m) && args.length >= 2 && isCallable(args[args.length - 1]) && args[0]?.kind !== 'closure') {
      return { kind: 'listener', api: `${clip(src())}()`, what: 'each call adds one more listener to an emitter that outlives the request', call: n };
    }
  }
  return undefined;
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 50 ? `${one.slice(0, 47)}…` : one;
}

function enclosingClassScopes(scope: FunctionScope, model: PhpFileModel): FunctionScope[] {
  return scope.cls ? model.scopes.filter((s) => s.cls === scope.cls) : [scope];
}

/** Every listener/timer registration of the file, with what removes it. */
export function registrationsIn(model: PhpFileModel, text: string): Registration[] {
  const out: Registration[] = [];
  for (const scope of model.scopes) {
    for (const o of scope.owned) {
      const r = classify(o.node, text);
      if (!r) continue;
      const parent = o.parents[o.parents.length - 1];
      const resultKept = parent?.kind === 'assign' && parent.right === o.node;
      const remover = r.kind === 'timer' ? TIMER_REMOVERS : LISTENER_REMOVERS;
      let removedBy: string | undefined;
      // The callback removes itself (a self-cancelling timer, a once-style listener).
      for (const a of o.node.arguments ?? []) {
        if ((a?.kind === 'closure' || a?.kind === 'arrowfunc') && remover.test(sourceOf(text, a))) removedBy = 'its callback removes it';
      }
      // The same function, or (when the id/handle is kept) the same class, removes it.
      if (!removedBy && r.api !== 'register_shutdown_function()') {
        const own = sourceOf(text, scope.node);
        if (remover.test(own)) removedBy = `${scope.displayName} removes it`;
        else if (resultKept && enclosingClassScopes(scope, model).some((s) => remover.test(sourceOf(text, s.node)))) removedBy = 'the class removes it through the kept id';
      }
      out.push({ ...r, at: o, scope, resultKept, removedBy });
    }
  }
  return out;
}
