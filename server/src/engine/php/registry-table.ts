// The registration APIs of long-running PHP, in one table (like the C side's
// api.ts): one row per API that hands a callback to something that keeps it —
// what it keeps, for how long, and which calls remove it. registrations.ts
// (php-listener-per-request, php-timer-per-request) and pinning.ts
// (php-instance-pinned) read nothing else. Adding an API is one row below.
//
// Calls are matched on the php-parser AST, never on source text:
// - receiver 'function': a plain call `register_shutdown_function(…)`, by the
//   function's short name (`\Swoole\Coroutine\defer` → `defer`);
// - receiver 'static': `Class::method(…)`, by the class's short name
//   (`\Swoole\Timer::tick` → `timer`), case-insensitive; a remover with no
//   class list matches a static call on any class (`Event::forget`);
// - receiver 'method': `$any->method(…)` / `$any?->method(…)` on any receiver.
// A remover only counts on its own receiver kind: `$cache->del($k)` is not
// `Timer::del($id)`, `Loop::cancel()` is not `cancel()`.
import { forEachChild, type PhpNode } from './parse';
import { nameOf, shortName } from './scopes';

/** What the registry keeps. */
export type Keeps =
  /** A listener on an emitter / dispatcher / token, called per event. */
  | 'listener'
  /** A timer (periodic, or one-shot). */
  | 'timer'
  /** A stream or signal watcher of an event loop. */
  | 'watcher'
  /** A function PHP runs when the process exits. */
  | 'shutdown'
  /** A callback run once, later (at coroutine end, on the next loop tick, at request end). */
  | 'deferred';

/**
 * How long the registry keeps the callback (and what it captures):
 * - 'worker': until the worker process exits, and nothing can remove it;
 * - 'until-removed': until a remover of the row is called (or the worker exits);
 * - 'one-shot': until it has run once (a one-shot timer, a next-tick callback);
 * - 'unit-of-work': until the current unit of work ends (the coroutine, the request's sandbox).
 * Only 'worker' and 'until-removed' can pile up; the other two are bounded by themselves.
 */
export type Lifetime = 'worker' | 'until-removed' | 'one-shot' | 'unit-of-work';

export type ReceiverKind = 'function' | 'static' | 'method';

/** Who keeps it: the process (shutdown list, a static API), a loop or server object, or an emitter object. */
export type RegistryKind = 'process' | 'loop' | 'emitter';

export interface Remover {
  receiver: ReceiverKind;
  /** Lower-case short names. */
  names: string[];
  /** Static removers: lower-case short class names; absent = any class. */
  classes?: string[];
  /** False for calls that look like removal but keep the callback (`disable`, `unreference`). */
  drops: boolean;
  why: string;
}

export interface RegistrationRow {
  /** `Timer::tick`, `->on`, `register_shutdown_function`: the row's name in docs and tests. */
  id: string;
  receiver: ReceiverKind;
  /** Lower-case short name of the function or method. */
  name: string;
  /** Static rows: lower-case short class names. */
  classes?: string[];
  keeps: Keeps;
  lifetime: Lifetime;
  registry: RegistryKind;
  /** The callback's argument index. */
  callbackArg: number;
  /** Arguments handed to the callback when it runs: [from, to) (to absent: all the rest). */
  dataArgs?: [number, number?];
  /** Fewer arguments: not this API (`$join->on('a', '=', 'b')` has three, but `->on($x)` has one). */
  minArgs?: number;
  /** Method rows on any receiver: the callback argument must look callable (a closure, `[$o, 'm']`, a name string …). */
  callableCallback?: boolean;
  /** The event-name argument: a closure there is not this API (`$query->on(function …)`). */
  eventArg?: number;
  /** Workerman `Timer::add(…, $persistent)`: a literal `false` at this index makes a one-shot timer. */
  persistentArg?: number;
  /** For messages: what it keeps alive and why it accumulates. */
  what: string;
  /** What one call adds: `a shutdown function`, `a listener`, `a periodic timer`. */
  adds: string;
  /** Who keeps it: `PHP's shutdown list`, `the event loop`, `the emitter`. */
  keeper: string;
  /** The removers (dropping or not) of the row. */
  removers: Remover[];
  /** The real semantics the row encodes. */
  why: string;
}

// ---------------------------------------------------------------------------
// Removers

/** Loop calls that keep the watcher (and its callback) registered: they only pause it or let the loop exit without it. */
const NON_DROPPING: Remover[] = [
  { receiver: 'static', classes: ['loop', 'eventloop'], names: ['disable', 'unreference'], drops: false, why: 'Revolt / Amp v2 `disable($id)` pauses the watcher, `unreference($id)` lets the loop stop without it: both keep the callback until `cancel($id)`' },
  { receiver: 'method', names: ['disable', 'unreference'], drops: false, why: 'the same on a driver object (`$driver->disable($id)`)' },
];

const TIMER_REMOVERS: Remover[] = [
  { receiver: 'static', classes: ['timer'], names: ['del', 'delall', 'clear', 'clearall'], drops: true, why: 'Workerman `Timer::del($id)` / `delAll()`, Swoole `Timer::clear($id)` / `clearAll()`' },
  { receiver: 'function', names: ['swoole_timer_clear', 'swoole_timer_clear_all'], drops: true, why: 'Swoole\'s function API' },
  { receiver: 'method', names: ['cleartimer', 'canceltimer', 'cancel'], drops: true, why: 'Swoole `$server->clearTimer($id)`, ReactPHP `$loop->cancelTimer($t)`, `$timer->cancel()`' },
  { receiver: 'static', classes: ['loop'], names: ['canceltimer', 'cancel'], drops: true, why: 'ReactPHP `Loop::cancelTimer($t)`, Amp v2 `Loop::cancel($id)`' },
  { receiver: 'static', classes: ['eventloop'], names: ['cancel'], drops: true, why: 'Revolt `EventLoop::cancel($id)`' },
  ...NON_DROPPING,
];

const WATCHER_REMOVERS: Remover[] = [
  { receiver: 'static', classes: ['loop', 'eventloop'], names: ['cancel'], drops: true, why: 'Revolt `EventLoop::cancel($id)`, Amp v2 `Loop::cancel($id)`' },
  { receiver: 'static', classes: ['loop'], names: ['removereadstream', 'removewritestream', 'removesignal'], drops: true, why: 'ReactPHP `Loop::removeReadStream($s)` & co.' },
  { receiver: 'method', names: ['cancel', 'removereadstream', 'removewritestream', 'removesignal'], drops: true, why: 'the same on a loop or driver object' },
  ...NON_DROPPING,
];

const LISTENER_REMOVERS: Remover[] = [
  {
    receiver: 'method',
    names: ['off', 'removelistener', 'removealllisteners', 'removeeventlistener', 'unsubscribe', 'removesubscriber', 'forget', 'forgetpushed', 'flush'],
    drops: true,
    why: 'Evenement `off()` / `removeListener()` / `removeAllListeners()`, Symfony `removeListener()` / `removeSubscriber()`, Doctrine `removeEventListener()`, Amp `unsubscribe($id)`, Laravel `$events->forget()` / `forgetPushed()` / `flush()`',
  },
  { receiver: 'static', names: ['forget', 'forgetpushed', 'flush'], drops: true, why: 'Laravel facades: `Event::forget($event)` & co.' },
  { receiver: 'static', classes: ['event'], names: ['off'], drops: true, why: 'webman/event `Event::off($name, $listener)`' },
  { receiver: 'function', names: ['off', 'removelistener'], drops: true, why: 'the function form of an emitter: `off($event, $listener)`' },
];

// ---------------------------------------------------------------------------
// Rows

const SHUTDOWN = { adds: 'a shutdown function', keeper: "PHP's shutdown list" };
const LOOP_TIMER = { adds: 'a periodic timer', keeper: 'the event loop' };
const ONE_SHOT = { adds: 'a one-shot timer', keeper: 'the event loop' };
const WATCHER = { adds: 'a watcher', keeper: 'the event loop' };
const DEFERRED = { adds: 'a deferred callback' };

function oneShot(receiver: ReceiverKind, name: string, classes: string[] | undefined, id: string, why: string): RegistrationRow {
  return { id, receiver, name, classes, keeps: 'timer', lifetime: 'one-shot', registry: receiver === 'method' ? 'loop' : 'process', callbackArg: 1, what: 'a one-shot timer runs once and is dropped', ...ONE_SHOT, removers: TIMER_REMOVERS, why };
}

function watcher(name: string, id: string, why: string): RegistrationRow {
  return { id, receiver: 'static', name, classes: ['loop', 'eventloop'], keeps: 'watcher', lifetime: 'until-removed', registry: 'process', callbackArg: 1, what: 'a loop watcher stays (and keeps its callback) until cancelled', ...WATCHER, removers: WATCHER_REMOVERS, why };
}

function listenerMethod(name: string, id: string, why: string): RegistrationRow {
  return {
    id,
    receiver: 'method',
    name,
    keeps: 'listener',
    lifetime: 'until-removed',
    registry: 'emitter',
    callbackArg: 1,
    minArgs: 2,
    callableCallback: true,
    eventArg: 0,
    what: 'each call adds one more listener to an emitter that outlives the request',
    adds: 'a listener',
    keeper: 'the emitter',
    removers: LISTENER_REMOVERS,
    why,
  };
}

/** `Event::on($name, $listener)`, `on($event, $listener)`: a listener kept by a process-wide (static) registry. */
function processListener(receiver: 'static' | 'function', name: string, classes: string[] | undefined, id: string, keeper: string, what: string, why: string): RegistrationRow {
  return {
    id,
    receiver,
    name,
    ...(classes ? { classes } : {}),
    keeps: 'listener',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    minArgs: 2,
    callableCallback: true,
    eventArg: 0,
    what,
    adds: 'a listener',
    keeper,
    removers: LISTENER_REMOVERS,
    why,
  };
}

export const REGISTRATION_TABLE: readonly RegistrationRow[] = [
  // --- functions
  {
    id: 'register_shutdown_function',
    receiver: 'function',
    name: 'register_shutdown_function',
    keeps: 'shutdown',
    lifetime: 'worker',
    registry: 'process',
    callbackArg: 0,
    dataArgs: [1],
    what: 'each call adds a shutdown function, kept (with what its callback captures) until the worker process exits',
    ...SHUTDOWN,
    removers: [],
    why: 'PHP keeps every shutdown function until the process exits; there is no API to remove one.',
  },
  {
    id: 'swoole_timer_tick',
    receiver: 'function',
    name: 'swoole_timer_tick',
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    dataArgs: [2],
    what: 'a periodic timer runs (and keeps its callback) until cleared',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'Swoole\'s function form of `Timer::tick()`: periodic until `swoole_timer_clear($id)`.',
  },
  oneShot('function', 'swoole_timer_after', undefined, 'swoole_timer_after', 'Swoole one-shot timer: dropped after it fires.'),
  {
    id: 'defer',
    receiver: 'function',
    name: 'defer',
    keeps: 'deferred',
    lifetime: 'unit-of-work',
    registry: 'process',
    callbackArg: 0,
    what: 'a deferred callback runs when the current coroutine ends and is dropped',
    ...DEFERRED,
    keeper: 'the coroutine',
    removers: [],
    why: 'Swoole / OpenSwoole `defer()` (`Swoole\\Coroutine\\defer`): the callback is kept by the current coroutine and runs when it ends.',
  },
  // --- static APIs
  {
    id: 'Timer::add',
    receiver: 'static',
    name: 'add',
    classes: ['timer'],
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    dataArgs: [2, 3],
    persistentArg: 3,
    what: 'a persistent Workerman timer runs (and keeps its callback) until deleted',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'Workerman `Timer::add($interval, $cb, $args = [], $persistent = true)`: periodic until `Timer::del($id)`; `$persistent = false` makes it one-shot.',
  },
  {
    id: 'Timer::tick',
    receiver: 'static',
    name: 'tick',
    classes: ['timer'],
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    dataArgs: [2],
    what: 'a periodic Swoole timer runs (and keeps its callback) until cleared',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'Swoole `Timer::tick($ms, $cb, ...$params)`: periodic until `Timer::clear($id)`.',
  },
  oneShot('static', 'after', ['timer'], 'Timer::after', 'Swoole `Timer::after()`: one-shot.'),
  {
    id: 'Loop::addPeriodicTimer',
    receiver: 'static',
    name: 'addperiodictimer',
    classes: ['loop'],
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    what: 'a periodic ReactPHP timer runs (and keeps its callback) until cancelled',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'ReactPHP `Loop::addPeriodicTimer($interval, $cb)`: periodic until `Loop::cancelTimer($timer)`.',
  },
  oneShot('static', 'addtimer', ['loop'], 'Loop::addTimer', 'ReactPHP `Loop::addTimer()`: one-shot.'),
  {
    id: 'Loop::repeat',
    receiver: 'static',
    name: 'repeat',
    classes: ['loop'],
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    dataArgs: [2, 3],
    what: 'a repeating Amp timer runs (and keeps its callback and data) until cancelled',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'Amp v2 `Loop::repeat($interval, $cb, $data = null)`: repeats until `Loop::cancel($id)`; `disable()` / `unreference()` keep it.',
  },
  {
    id: 'EventLoop::repeat',
    receiver: 'static',
    name: 'repeat',
    classes: ['eventloop'],
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    what: 'a repeating Revolt/AMPHP timer runs (and keeps its callback) until cancelled',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'Revolt `EventLoop::repeat($interval, $cb)`: repeats until `EventLoop::cancel($id)`; `disable()` / `unreference()` keep it.',
  },
  oneShot('static', 'delay', ['loop', 'eventloop'], 'EventLoop::delay', 'Revolt `EventLoop::delay()`, Amp v2 `Loop::delay()`: one-shot.'),
  {
    id: 'EventLoop::defer',
    receiver: 'static',
    name: 'defer',
    classes: ['loop', 'eventloop'],
    keeps: 'deferred',
    lifetime: 'one-shot',
    registry: 'process',
    callbackArg: 0,
    what: 'a deferred callback runs on the next loop tick and is dropped',
    ...DEFERRED,
    keeper: 'the event loop',
    removers: WATCHER_REMOVERS,
    why: 'Revolt `EventLoop::defer()`, Amp v2 `Loop::defer()`: runs once on the next tick.',
  },
  {
    id: 'Loop::futureTick',
    receiver: 'static',
    name: 'futuretick',
    classes: ['loop'],
    keeps: 'deferred',
    lifetime: 'one-shot',
    registry: 'process',
    callbackArg: 0,
    what: 'a callback runs on the next loop tick and is dropped',
    ...DEFERRED,
    keeper: 'the event loop',
    removers: [],
    why: 'ReactPHP `Loop::futureTick()`: runs once.',
  },
  watcher('onreadable', 'EventLoop::onReadable', 'Revolt / Amp v2 stream watcher: kept until cancelled.'),
  watcher('onwritable', 'EventLoop::onWritable', 'Revolt / Amp v2 stream watcher: kept until cancelled.'),
  watcher('onsignal', 'EventLoop::onSignal', 'Revolt / Amp v2 signal watcher: kept until cancelled.'),
  watcher('addreadstream', 'Loop::addReadStream', 'ReactPHP stream watcher: kept until `removeReadStream()`.'),
  watcher('addwritestream', 'Loop::addWriteStream', 'ReactPHP stream watcher: kept until `removeWriteStream()`.'),
  watcher('addsignal', 'Loop::addSignal', 'ReactPHP signal listener: kept until `removeSignal()`.'),
  {
    id: 'Event::listen',
    receiver: 'static',
    name: 'listen',
    classes: ['event'],
    keeps: 'listener',
    lifetime: 'until-removed',
    registry: 'process',
    callbackArg: 1,
    minArgs: 2,
    what: 'each call adds a listener to the event dispatcher, which lives as long as the worker',
    adds: 'a listener',
    keeper: 'the event dispatcher',
    removers: LISTENER_REMOVERS,
    why: 'Laravel `Event::listen($events, $listener)`: the dispatcher is a container singleton kept by the worker until `Event::forget($event)`.',
  },
  processListener('static', 'on', ['event'], 'Event::on', 'the event table', 'each call adds a listener to the event table, a static kept as long as the worker', 'webman/event `Event::on($name, $listener)`: the listeners are a static array of the Event class, kept until `Event::off($name, $listener)`.'),
  processListener('function', 'on', undefined, 'on()', 'the process-wide emitter', 'each call adds a listener to a process-wide emitter', 'The function form of an emitter (`on($event, $listener)`, a namespaced helper over a static dispatcher): kept until `off($event, $listener)`.'),
  {
    id: 'Coroutine::defer',
    receiver: 'static',
    name: 'defer',
    classes: ['coroutine', 'co'],
    keeps: 'deferred',
    lifetime: 'unit-of-work',
    registry: 'process',
    callbackArg: 0,
    what: 'a deferred callback runs when the current coroutine ends and is dropped',
    ...DEFERRED,
    keeper: 'the coroutine',
    removers: [],
    why: 'Swoole / OpenSwoole `Coroutine::defer()` (`Co::defer()`): kept by the current coroutine, run and dropped when it ends.',
  },
  // --- methods on any receiver
  {
    id: '->tick',
    receiver: 'method',
    name: 'tick',
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'loop',
    callbackArg: 1,
    dataArgs: [2],
    minArgs: 2,
    callableCallback: true,
    what: 'a periodic Swoole timer runs (and keeps its callback) until cleared',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'Swoole `$server->tick($ms, $cb)`: periodic until `$server->clearTimer($id)`; one server per worker.',
  },
  {
    id: '->addPeriodicTimer',
    receiver: 'method',
    name: 'addperiodictimer',
    keeps: 'timer',
    lifetime: 'until-removed',
    registry: 'loop',
    callbackArg: 1,
    what: 'a periodic ReactPHP timer runs (and keeps its callback) until cancelled',
    ...LOOP_TIMER,
    removers: TIMER_REMOVERS,
    why: 'ReactPHP `$loop->addPeriodicTimer($interval, $cb)`: periodic until `$loop->cancelTimer($timer)`.',
  },
  oneShot('method', 'addtimer', undefined, '->addTimer', 'ReactPHP `$loop->addTimer()`: one-shot.'),
  oneShot('method', 'after', undefined, '->after', 'Swoole `$server->after()`: one-shot.'),
  listenerMethod('on', '->on', 'Evenement / Swoole / Workerman `on($event, $listener)`: kept until `off()` / `removeListener()`.'),
  listenerMethod('listen', '->listen', 'Laravel `$events->listen($events, $listener)`: kept until `forget()`.'),
  listenerMethod('addlistener', '->addListener', 'Symfony `EventDispatcher::addListener($name, $listener, $priority)`: kept until `removeListener()`.'),
  listenerMethod('addeventlistener', '->addEventListener', 'Doctrine `EventManager::addEventListener($events, $listener)`: kept until `removeEventListener()`.'),
  listenerMethod('subscribe', '->subscribe', '`subscribe($event, $listener)` on an emitter or bus: kept until `unsubscribe()`.'),
  listenerMethod('addsubscriber', '->addSubscriber', '`addSubscriber($event, $listener)`: kept until `removeSubscriber()`.'),
  {
    id: '->subscribe($cb)',
    receiver: 'method',
    name: 'subscribe',
    keeps: 'listener',
    lifetime: 'until-removed',
    registry: 'emitter',
    callbackArg: 0,
    minArgs: 1,
    callableCallback: true,
    what: 'each call adds one more callback to a cancellation token that may outlive the request',
    adds: 'a listener',
    keeper: 'the token',
    removers: LISTENER_REMOVERS,
    why: 'Amp `CancellationToken::subscribe($cb)` (one argument): kept by the token until `unsubscribe($id)` or cancellation.',
  },
  {
    id: '->terminating',
    receiver: 'method',
    name: 'terminating',
    keeps: 'deferred',
    lifetime: 'unit-of-work',
    registry: 'emitter',
    callbackArg: 0,
    minArgs: 1,
    callableCallback: true,
    what: 'a terminating callback runs at the end of the request',
    ...DEFERRED,
    keeper: 'the application',
    removers: [],
    why: 'Laravel `$app->terminating($cb)`: kept by the application; under Octane each request runs on a sandbox clone of the application, dropped with it after the request, and under fpm the process ends.',
  },
  {
    id: '->booted',
    receiver: 'method',
    name: 'booted',
    keeps: 'deferred',
    lifetime: 'unit-of-work',
    registry: 'emitter',
    callbackArg: 0,
    minArgs: 1,
    callableCallback: true,
    what: 'a booted callback runs once the application is booted',
    ...DEFERRED,
    keeper: 'the application',
    removers: [],
    why: 'Laravel `$app->booted($cb)`: the base application is booted once per worker; per request, Octane\'s sandbox is already booted, so the callback runs at once and is dropped with the sandbox.',
  },
];

// ---------------------------------------------------------------------------
// Matchers

/** A call's receiver kind and lower-case names, or undefined for a dynamic call. */
function callShape(n: PhpNode): { receiver: ReceiverKind; name: string; cls?: string } | undefined {
  if (n?.kind !== 'call') return undefined;
  const w = n.what;
  if (w?.kind === 'name') return { receiver: 'function', name: shortName(nameOf(w) ?? '') };
  if (w?.kind === 'staticlookup') return { receiver: 'static', name: (nameOf(w.offset) ?? '').toLowerCase(), cls: shortName(nameOf(w.what) ?? '') };
  if (w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup') return { receiver: 'method', name: (nameOf(w.offset) ?? '').toLowerCase() };
  return undefined;
}

/** A string literal naming a function or method (`'unlink'`, `'App\\Listener@handle'`, `'Foo::bar'`), not an operator or a column. */
function callableString(a: PhpNode): boolean {
  return typeof a.value === 'string' && /^\\?[A-Za-z_][\w\\]*((::|@)[A-Za-z_]\w*)?$/.test(a.value);
}

/** An argument that can be a callable: a closure, a variable, `[$o, 'm']`, a function-name string, a listener object, `X::class`, a call. */
export function isCallable(a: PhpNode | undefined): boolean {
  if (!a) return false;
  if (a.kind === 'closure' || a.kind === 'arrowfunc' || a.kind === 'variable') return true;
  if (a.kind === 'array' && (a.items ?? []).length === 2) return true;
  if (a.kind === 'string') return callableString(a);
  if (a.kind === 'new') return true; // listener objects
  if (a.kind === 'staticlookup' && nameOf(a.offset)?.toLowerCase() === 'class') return true;
  if (a.kind === 'call') return true; // Closure::fromCallable(...), $this->m(...), a factory
  return false;
}

function isFalse(a: PhpNode | undefined): boolean {
  return !!a && ((a.kind === 'boolean' && a.value === false) || (a.kind === 'name' && /^false$/i.test(nameOf(a) ?? '')));
}

export interface RegistrationMatch {
  row: RegistrationRow;
  call: PhpNode;
  /** How long this call's registration lasts: the row's, or 'one-shot' for `Timer::add(…, false)`. */
  lifetime: Lifetime;
  callback?: PhpNode;
  /** Arguments handed to the callback when it runs. */
  dataArgs: PhpNode[];
  /** The object a method-row API is called on (`$emitter` in `$emitter->on(…)`). */
  receiver?: PhpNode;
}

function rowFits(row: RegistrationRow, args: PhpNode[]): boolean {
  if (row.minArgs !== undefined && args.length < row.minArgs) return false;
  if (row.callableCallback && !isCallable(args[row.callbackArg])) return false;
  if (row.eventArg !== undefined && args[row.eventArg]?.kind === 'closure') return false;
  return true;
}

/** The row a call matches (the first that fits), with its callback and data, or undefined. */
export function matchRegistration(call: PhpNode): RegistrationMatch | undefined {
  const shape = callShape(call);
  if (!shape) return undefined;
  const args: PhpNode[] = call.arguments ?? [];
  for (const row of REGISTRATION_TABLE) {
    if (row.receiver !== shape.receiver || row.name !== shape.name) continue;
    if (row.receiver === 'static' && !row.classes?.includes(shape.cls ?? '')) continue;
    if (!rowFits(row, args)) continue;
    const lifetime = row.persistentArg !== undefined && isFalse(args[row.persistentArg]) ? 'one-shot' : row.lifetime;
    const data = row.dataArgs ? args.slice(row.dataArgs[0], row.dataArgs[1]) : [];
    return { row, call, lifetime, callback: args[row.callbackArg], dataArgs: data, receiver: row.receiver === 'method' ? call.what?.what : undefined };
  }
  return undefined;
}

/** A registration that can pile up: kept until the worker exits or until something removes it. */
export function accumulates(lifetime: Lifetime): boolean {
  return lifetime === 'worker' || lifetime === 'until-removed';
}

/** The remover entry a call matches among `removers` (dropping or not), or undefined. */
export function matchRemover(call: PhpNode, removers: readonly Remover[]): Remover | undefined {
  const shape = callShape(call);
  if (!shape) return undefined;
  return removers.find((r) => r.receiver === shape.receiver && r.names.includes(shape.name) && (r.receiver !== 'static' || !r.classes || r.classes.includes(shape.cls ?? '')));
}

const REMOVERS_OF: Record<Keeps, Remover[]> = {
  listener: LISTENER_REMOVERS,
  timer: TIMER_REMOVERS,
  watcher: WATCHER_REMOVERS,
  shutdown: [],
  deferred: [],
};

/** The removers of a registration kind (for `isRemoverCall`) or of a row (its own). */
export function removersOf(what: Keeps | RegistrationRow): readonly Remover[] {
  return typeof what === 'string' ? REMOVERS_OF[what] : what.removers;
}

/** The call removes (drops the callback of) a registration of this kind or row; `disable()` / `unreference()` do not. */
export function isRemoverCall(call: PhpNode, what: Keeps | RegistrationRow): boolean {
  return !!matchRemover(call, removersOf(what))?.drops;
}

/** Every call inside `node` (its whole subtree, nested closures included) that removes a registration of this kind or row. */
export function removerCallsIn(node: PhpNode | null | undefined, what: Keeps | RegistrationRow): PhpNode[] {
  const out: PhpNode[] = [];
  const walk = (n: PhpNode) => {
    if (n.kind === 'call' && isRemoverCall(n, what)) out.push(n);
    forEachChild(n, walk);
  };
  if (node && typeof node === 'object') walk(node);
  return out;
}
