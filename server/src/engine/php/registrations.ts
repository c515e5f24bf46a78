// Listeners and timers registered from code: what kind, whether they persist
// (a periodic timer, a listener) or end by themselves (a one-shot timer), and
// whether the same function or class removes them. Used by
// php-listener-per-request and php-timer-per-request, which report those
// reached from a request entry point, and — when the workspace has no entry
// point (library code) — those the code itself shows to add a new registration
// holding per-call data on every call (perCallEvidence).
import { forEachChild, type PhpNode } from './parse';
import { isUnconditional } from './index';
import { containerOf, nameOf, shortName, sourceOf, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';
import { accumulates, matchRegistration, removerCallsIn, type RegistrationRow, type RegistryKind } from './registry-table';

export type RegistrationKind = 'listener' | 'timer';

/**
 * Who keeps the registration: the process itself (the shutdown list, a static
 * timer or event facade), an event loop or server object (`$loop->…`,
 * `$server->tick()`: one per worker in practice), or an emitter object that
 * may be as short-lived as the call (`$builder->addEventListener()`).
 */
export type { RegistryKind };

export interface Registration {
  kind: RegistrationKind;
  /** `Timer::add()`, `$emitter->on()`, `register_shutdown_function()` … for messages. */
  api: string;
  /** What it keeps alive and why it accumulates. */
  what: string;
  /** What one call adds: `a shutdown function`, `a listener`, `a periodic timer`. */
  adds: string;
  /** Who keeps it: `PHP's shutdown list`, `the event dispatcher`, `the event loop`. */
  keeper: string;
  registry: RegistryKind;
  /** The emitter a listener is added to (registry 'emitter'). */
  receiver?: PhpNode;
  /** The callback argument. */
  callback?: PhpNode;
  /** Arguments the API hands to the callback when it runs (`register_shutdown_function($cb, ...$args)`). */
  dataArgs: PhpNode[];
  /** The registry-table.ts row it matched. */
  row: RegistrationRow;
  call: PhpNode;
  at: OwnedNode;
  scope: FunctionScope;
  /** Set when something removes it (`Timer::del`, `->off`, …): the registration is bounded. */
  removedBy?: string;
  /** The call's result is stored (a timer id to cancel later). */
  resultKept: boolean;
}

type Classified = Omit<Registration, 'at' | 'scope' | 'resultKept' | 'removedBy'>;

/** What the two per-request rules report a row as: listeners (and shutdown functions), and timers. */
function reportedAs(row: RegistrationRow): RegistrationKind | undefined {
  if (row.keeps === 'listener' || row.keeps === 'shutdown') return 'listener';
  if (row.keeps === 'timer') return 'timer';
  return undefined; // loop watchers (per connection by design) and deferred callbacks
}

/** A registration call that can pile up (registry-table.ts decides), or undefined. */
function classify(n: PhpNode, text: string): Classified | undefined {
  const m = matchRegistration(n);
  if (!m || !accumulates(m.lifetime)) return undefined;
  const { row } = m;
  const kind = reportedAs(row);
  if (!kind) return undefined;
  const api = row.receiver === 'method' ? `${clip(sourceOf(text, n.what))}()` : `${row.id}()`;
  return { kind, api, row, what: row.what, adds: row.adds, keeper: row.keeper, registry: row.registry, receiver: m.receiver, callback: m.callback, dataArgs: m.dataArgs, call: n };
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
      let removedBy: string | undefined;
      // The callback removes itself (a self-cancelling timer, a once-style listener).
      for (const a of o.node.arguments ?? []) {
        if ((a?.kind === 'closure' || a?.kind === 'arrowfunc') && removerCallsIn(a, r.row).length) removedBy = 'its callback removes it';
      }
      // The same function, or (when the id/handle is kept) the same class, removes it.
      if (!removedBy && r.row.removers.length) {
        if (removerCallsIn(scope.node, r.row).length) removedBy = `${scope.displayName} removes it`;
        else if (resultKept && enclosingClassScopes(scope, model).some((s) => removerCallsIn(s.node, r.row).length)) removedBy = 'the class removes it through the kept id';
      }
      out.push({ ...r, at: o, scope, resultKept, removedBy });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Evidence that a registration adds a new entry on every call, for workspaces
// without request entry points (library code)

/**
 * Methods and functions that set things up once per process or per object: a
 * registration there is the intended use. Matched on the name's first word
 * (`registerFatalHandler`, `initialize`, `setUp`, `onWorkerStart`), and on the
 * listener APIs themselves (a method that registers what its caller passes).
 */
const SETUP_WORDS = ['boot', 'bootstrap', 'register', 'init', 'initialize', 'setup', 'configure', 'install', 'enable', 'start', 'listen', 'subscribe'];
const SETUP_HOOKS = new Set(['onworkerstart', 'onstart', 'onboot', 'oninit', 'onmanagerstart', 'on', 'addlistener', 'addeventlistener', 'addsubscriber']);

function setupName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SETUP_HOOKS.has(lower)) return true;
  // The word ends the name or is followed by a new word (`registerX`, `init_x`), not `initiate`, `registered`.
  return SETUP_WORDS.some((w) => lower.startsWith(w) && !/[a-z]/.test(name.charAt(w.length)));
}

const SUPERGLOBALS = new Set(['this', 'GLOBALS', '_GET', '_POST', '_COOKIE', '_FILES', '_SERVER', '_REQUEST', '_ENV', '_SESSION']);

/**
 * Variables of a function shared between its calls: `static $x` (with or without a default)
 * and `global $x` (scopes.ts records both; only functions and methods are asked).
 */
function sharedVariables(scope: FunctionScope): Set<string> {
  return new Set<string>([...scope.staticLocals.keys(), ...scope.globals.keys()]);
}

/** Variables that hold a new value on each call: parameters and locals (not `$this`, statics, globals or superglobals). */
function perCallVariables(scope: FunctionScope): Set<string> {
  const shared = sharedVariables(scope);
  const out = new Set<string>();
  const add = (n: string | undefined) => {
    if (n && !shared.has(n) && !SUPERGLOBALS.has(n)) out.add(n);
  };
  for (const p of scope.params) add(p);
  for (const o of scope.owned) if (o.node.kind === 'variable' && typeof o.node.name === 'string') add(o.node.name);
  return out;
}

/** Names of the variables an expression reads, through arrow functions and closures' `use` (not their own parameters or bodies). */
function variablesRead(n: PhpNode | null | undefined, out: Set<string>, own: Set<string> = new Set()): Set<string> {
  if (!n || typeof n !== 'object') return out;
  if (n.kind === 'variable' && typeof n.name === 'string') {
    if (!own.has(n.name)) out.add(n.name);
    return out;
  }
  if (n.kind === 'closure') {
    for (const u of n.uses ?? []) {
      const name = nameOf(u);
      if (name && !own.has(name)) out.add(name);
    }
    return out;
  }
  if (n.kind === 'arrowfunc') {
    const inner = new Set(own);
    for (const p of n.arguments ?? []) {
      const name = nameOf(p?.name);
      if (name) inner.add(name);
    }
    variablesRead(n.body, out, inner);
    return out;
  }
  if (n.kind === 'class') return out;
  forEachChild(n, (c) => variablesRead(c, out, own));
  return out;
}

function isLiteral(n: PhpNode | null | undefined): boolean {
  if (!n) return true;
  if (['string', 'number', 'boolean', 'nullkeyword', 'name', 'magic'].includes(n.kind)) return true;
  if (n.kind === 'staticlookup') return n.offset?.kind === 'identifier'; // X::CONST, X::class
  if (n.kind === 'array') return (n.items ?? []).every((it: PhpNode) => !it || (it.kind === 'entry' ? isLiteral(it.key) && isLiteral(it.value) : isLiteral(it)));
  if (n.kind === 'entry') return isLiteral(n.key) && isLiteral(n.value);
  if (n.kind === 'bin' && n.type === '.') return isLiteral(n.left) && isLiteral(n.right);
  return false;
}

/**
 * The storage an `if` test may check as a once-flag, as a comparable key:
 * `self::$registered`, `$this->initialized`, a static local or global,
 * `$GLOBALS['x']`, or a keyed slot of one (`self::$done[$file]`: once per key).
 */
function flagKey(n: PhpNode | null | undefined, scope: FunctionScope, shared: Set<string>): string | undefined {
  if (!n || typeof n !== 'object') return undefined;
  if (n.kind === 'staticlookup' && n.offset?.kind === 'variable' && typeof n.offset.name === 'string') {
    const w = n.what;
    const cls = w?.kind === 'selfreference' || w?.kind === 'staticreference' ? (scope.cls?.name ?? 'self') : nameOf(w) ?? '?';
    return `static:${shortName(cls)}::${n.offset.name}`;
  }
  if ((n.kind === 'propertylookup' || n.kind === 'nullsafepropertylookup') && n.what?.kind === 'variable' && n.what.name === 'this') {
    const p = nameOf(n.offset);
    return p ? `this:${p}` : undefined;
  }
  if (n.kind === 'variable' && typeof n.name === 'string') return shared.has(n.name) ? `var:${n.name}` : undefined;
  if (n.kind === 'offsetlookup') {
    if (n.what?.kind === 'variable' && n.what.name === 'GLOBALS' && n.offset?.kind === 'string') return `var:${n.offset.value}`;
    return flagKey(n.what, scope, shared);
  }
  return undefined;
}

/** Flags an expression reads (an `if` test). */
function flagsIn(n: PhpNode | null | undefined, scope: FunctionScope, shared: Set<string>, out: Set<string> = new Set()): Set<string> {
  if (!n || typeof n !== 'object' || n.kind === 'closure' || n.kind === 'arrowfunc') return out;
  const k = flagKey(n, scope, shared);
  if (k) {
    out.add(k);
    if (n.kind !== 'offsetlookup') return out;
  }
  forEachChild(n, (c) => flagsIn(c, scope, shared, out));
  return out;
}

function within(n: PhpNode, outer: PhpNode): boolean {
  const a = n.loc;
  const b = outer.loc;
  return !!a && !!b && a.start.offset >= b.start.offset && a.end.offset <= b.end.offset;
}

/** Flags the function sets (`F = …`, `F ??= …`, `F[k] = …`) to something other than a reset, optionally only inside `region`. */
function flagsSet(scope: FunctionScope, shared: Set<string>, region?: PhpNode): Set<string> {
  const out = new Set<string>();
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind !== 'assign' || (region && !within(n, region))) continue;
    const r = n.right;
    if (n.operator === '=' && (r?.kind === 'nullkeyword' || (r?.kind === 'boolean' && r.value === false))) continue;
    const k = flagKey(n.left, scope, shared);
    if (k) out.add(k);
  }
  return out;
}

function isExit(n: PhpNode | null | undefined): boolean {
  if (!n) return false;
  if (n.kind === 'return' || n.kind === 'throw' || n.kind === 'exit') return true;
  if (n.kind === 'expressionstatement') return isExit(n.expression);
  if (n.kind === 'block') return (n.children ?? []).some(isExit);
  return false;
}

/**
 * A once-guard around the registration: an `if` whose test reads a flag that
 * outlives the call (a static or instance property, a static local, a global)
 * and that the guarded branch (or the rest of the function) sets —
 * `if (!self::$registered) { self::$registered = true; … }`,
 * `static $done; if (!$done) { … $done = true; }`, `if (null === $this->x) { $this->x = …; … }` —
 * or an early exit on such a flag (`if (self::$registered) return;`). Undefined when none.
 */
function onceGuard(r: Registration): string | undefined {
  const scope = r.scope;
  const shared = sharedVariables(scope);
  const chain = [...r.at.parents, r.at.node];
  const setAnywhere = flagsSet(scope, shared);
  for (let i = 0; i < chain.length - 1; i++) {
    const p = chain[i];
    if (p.kind !== 'if') continue;
    const branch = chain[i + 1];
    if (branch !== p.body && branch !== p.alternate) continue;
    const tested = flagsIn(p.test, scope, shared);
    if (tested.size === 0) continue;
    const inBranch = flagsSet(scope, shared, branch);
    for (const f of tested) if (inBranch.has(f) || setAnywhere.has(f)) return `line ${p.loc?.start.line ?? 0}`;
  }
  // An early exit before the registration, in a block that encloses it.
  const at = r.call.loc?.start.offset ?? 0;
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind !== 'if' || !n.loc || n.loc.start.offset >= at || within(r.call, n)) continue;
    const block = o.parents[o.parents.length - 1];
    if (!block || !chain.includes(block) || !isExit(n.body)) continue;
    for (const f of flagsIn(n.test, scope, shared)) if (setAnywhere.has(f)) return `line ${n.loc.start.line}`;
  }
  return undefined;
}

/** Method names registered as shutdown callbacks in this file (`[$h, 'shutdown']`, `__CLASS__.'::handleFatalError'`). */
function shutdownCallbacks(model: PhpFileModel): Set<string> {
  const out = new Set<string>();
  for (const s of model.scopes) {
    for (const o of s.owned) {
      const n = o.node;
      if (n.kind !== 'call' || n.what?.kind !== 'name' || shortName(nameOf(n.what) ?? '') !== 'register_shutdown_function') continue;
      const cb = (n.arguments ?? [])[0];
      let method: string | undefined;
      if (cb?.kind === 'array' && (cb.items ?? []).length === 2) {
        const m = cb.items[1]?.kind === 'entry' ? cb.items[1].value : cb.items[1];
        if (m?.kind === 'string') method = m.value;
      } else if (cb?.kind === 'string' && cb.value.includes('::')) method = cb.value.slice(cb.value.lastIndexOf('::') + 2);
      else if (cb?.kind === 'bin' && cb.type === '.' && cb.right?.kind === 'string' && cb.right.value.startsWith('::')) method = cb.right.value.slice(2);
      if (method) out.add(method.toLowerCase());
    }
  }
  return out;
}

/** `set_error_handler()` / `set_exception_handler()` never restored in the same function: it sets up the process. */
function installsProcessHandlers(scope: FunctionScope): string | undefined {
  const calls = new Set<string>();
  for (const o of scope.owned) if (o.node.kind === 'call' && o.node.what?.kind === 'name') calls.add(shortName(nameOf(o.node.what) ?? ''));
  if (calls.has('set_error_handler') && !calls.has('restore_error_handler')) return 'set_error_handler()';
  if (calls.has('set_exception_handler') && !calls.has('restore_exception_handler')) return 'set_exception_handler()';
  return undefined;
}

/** Why the function's code runs once per process or per object (setup), or undefined. */
function setupReason(scope: FunctionScope, model: PhpFileModel): string | undefined {
  const name = nameOf(scope.node.name) ?? '';
  if (scope.isConstructor) return 'a constructor';
  if (name.toLowerCase() === '__destruct') return 'a destructor';
  if (setupName(name)) return `named like setup code (\`${name}()\`)`;
  if (scope.kind === 'method' && shutdownCallbacks(model).has(name.toLowerCase())) return 'itself a shutdown callback (it runs at exit)';
  const h = installsProcessHandlers(scope);
  if (h) return `it installs a process-wide handler (\`${h}\`, never restored)`;
  return undefined;
}

export interface PerCallEvidence {
  /** The function or method whose every call adds one. */
  fn: FunctionScope;
  /** Per-call variables the callback holds (`$pid`, `$file`), or clipped expressions for fresh values. */
  held: string[];
  /** How it holds them: `its closure captures …`, `it is passed …`. */
  how: string;
  /** A non-static closure in an instance method also keeps `$this`. */
  withThis: boolean;
  /** False when a condition inside the function decides (it runs on some calls). */
  everyCall: boolean;
}

const fmt = (names: string[]) => names.map((n) => `\`${n}\``).join(', ');

/**
 * Evidence, from the code alone, that every call of the enclosing function adds a
 * new registration that nothing removes: the registration sits in a function or
 * method that is not setup code (constructor, destructor, boot/register/init/start/
 * configure… method, a shutdown callback, a function installing the process's
 * error handler), under no once-guard, on a registry that outlives the call
 * (the shutdown list, a static timer or event API, an event loop, an emitter held
 * in a static/global/singleton), and its callback holds per-call data: a closure
 * `use`-ing a parameter or local, an arrow function reading one, an object
 * callable on one (`[$conn, 'close']`), or arguments handed to the callback
 * (`register_shutdown_function('unlink', $file)`). `[$this, 'm']` or a callback
 * capturing nothing is not evidence. Undefined when there is none.
 */
export function perCallEvidence(r: Registration, model: PhpFileModel, text: string): PerCallEvidence | undefined {
  const scope = r.scope;
  if (scope.kind !== 'method' && scope.kind !== 'function') return undefined;
  if (r.removedBy || setupReason(scope, model)) return undefined;
  if (r.registry === 'emitter' && !containerOf(r.receiver, scope, model)) return undefined;
  if (onceGuard(r)) return undefined;

  const perCall = perCallVariables(scope);
  const held: string[] = [];
  const hows: string[] = [];
  const cb = r.callback;
  const pick = (names: Iterable<string>) => [...names].filter((n) => perCall.has(n)).map((n) => `$${n}`);
  if (cb?.kind === 'closure') {
    const got = pick((cb.uses ?? []).map((u: PhpNode) => nameOf(u) ?? ''));
    if (got.length) hows.push(`its closure captures ${fmt(got)} (\`use\`)`);
    held.push(...got);
  } else if (cb?.kind === 'arrowfunc') {
    const got = pick(variablesRead(cb, new Set()));
    if (got.length) hows.push(`its arrow function reads ${fmt(got)}`);
    held.push(...got);
  } else if (cb?.kind === 'array' && (cb.items ?? []).length === 2) {
    const first = cb.items[0]?.kind === 'entry' ? cb.items[0].value : cb.items[0];
    if (first?.kind === 'variable' && typeof first.name === 'string' && perCall.has(first.name)) {
      hows.push(`its callback is a method of \`$${first.name}\``);
      held.push(`$${first.name}`);
    }
  }
  const passed: string[] = [];
  for (const a of r.dataArgs) {
    if (!a || isLiteral(a)) continue;
    const got = pick(variablesRead(a, new Set()));
    if (got.length) passed.push(...got);
    else if (a.kind === 'call' || a.kind === 'new') passed.push(clip(sourceOf(text, a)) || 'a fresh value');
  }
  if (passed.length) {
    hows.push(`${fmt(passed)} ${passed.length > 1 ? 'are' : 'is'} passed to its callback`);
    held.push(...passed.filter((p) => !held.includes(p)));
  }
  if (held.length === 0) return undefined;
  const fnNode = cb && (cb.kind === 'closure' || cb.kind === 'arrowfunc') ? cb : undefined;
  const withThis = !!fnNode && !fnNode.isStatic && scope.kind === 'method' && !scope.node.isStatic;
  return { fn: scope, held, how: hows.join('; '), withThis, everyCall: isUnconditional(r.at) };
}
