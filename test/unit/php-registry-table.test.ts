// registry-table.ts: the registration APIs as data. Every row is matched by a
// real-looking call; removers count only on their own receiver kind; calls
// that keep the callback (disable, unreference) are not removals; removal is
// found by walking the AST (a comment or string naming a remover is not one).
import * as assert from 'assert';
import { analyze, initEngine } from '../../server/src/engine';
import { forEachChild, parsePhp, type PhpNode } from '../../server/src/engine/php/parse';
import { registrationsIn } from '../../server/src/engine/php/registrations';
import { buildFileModel } from '../../server/src/engine/php/scopes';
import {
  REGISTRATION_TABLE,
  accumulates,
  isRemoverCall,
  matchRegistration,
  matchRemover,
  removerCallsIn,
  removersOf,
} from '../../server/src/engine/php/registry-table';
import listener from '../../server/src/engine/rules/php-listener-per-request';
import timer from '../../server/src/engine/rules/php-timer-per-request';
import pinned from '../../server/src/engine/rules/php-instance-pinned';

/** The first node of `kind` in pre-order (the outermost call of a statement). */
function first(code: string, kind = 'call'): PhpNode {
  const ast = parsePhp(`<?php\n${code}\n`);
  assert.ok(ast.program, ast.errors.join('\n'));
  let found: PhpNode | undefined;
  const walk = (n: PhpNode) => {
    if (found) return;
    if (n.kind === kind) {
      found = n;
      return;
    }
    forEachChild(n, walk);
  };
  walk(ast.program!);
  assert.ok(found, `no ${kind} in ${code}`);
  return found!;
}

/** A real-looking call for each row id. */
const SAMPLES: Record<string, string> = {
  register_shutdown_function: "register_shutdown_function([$this, 'flush'], $file);",
  swoole_timer_tick: 'swoole_timer_tick(1000, function ($id) use ($conn) { $conn->ping(); });',
  swoole_timer_after: 'swoole_timer_after(500, fn () => $this->retry());',
  defer: '\\Swoole\\Coroutine\\defer(function () use ($db) { $db->release(); });',
  'Timer::add': 'Timer::add(30, [$this, "heartbeat"], [$conn]);',
  'Timer::tick': '\\Swoole\\Timer::tick(1000, function () { $this->flush(); });',
  'Timer::after': 'Swoole\\Timer::after(100, fn () => 1);',
  'Loop::addPeriodicTimer': 'Loop::addPeriodicTimer(5.0, function () use ($pool) { $pool->gc(); });',
  'Loop::addTimer': 'React\\EventLoop\\Loop::addTimer(1.0, fn () => $deferred->resolve(null));',
  'Loop::repeat': '$this->watcher = Loop::repeat(5000, function () { $this->collect(); }, $data);',
  'EventLoop::repeat': '$id = \\Revolt\\EventLoop::repeat(1, fn () => $this->check());',
  'EventLoop::delay': 'EventLoop::delay(0.5, fn () => $suspension->resume());',
  'EventLoop::defer': 'EventLoop::defer(function () use ($f) { $f(); });',
  'Loop::futureTick': 'Loop::futureTick(function () { $this->resume(); });',
  'EventLoop::onReadable': '$this->w = EventLoop::onReadable($socket, function () { $this->read(); });',
  'EventLoop::onWritable': 'EventLoop::onWritable($socket, fn () => $this->write());',
  'EventLoop::onSignal': 'EventLoop::onSignal(SIGINT, fn () => $this->stop());',
  'Loop::addReadStream': 'Loop::addReadStream($stream, [$this, "handleData"]);',
  'Loop::addWriteStream': 'Loop::addWriteStream($stream, [$this, "handleWrite"]);',
  'Loop::addSignal': 'Loop::addSignal(SIGTERM, $onStop);',
  'Event::listen': 'Event::listen(OrderShipped::class, function ($e) use ($request) { log($request); });',
  'Event::on': "Event::on('user.login', function ($user) use ($request) { audit($request, $user); });",
  'on()': "\\App\\Events\\on('order.paid', [$this, 'onPaid']);",
  'Coroutine::defer': 'Co::defer(fn () => $pool->put($conn));',
  '->tick': '$server->tick(1000, function () use ($fd) { push($fd); });',
  '->addPeriodicTimer': '$loop->addPeriodicTimer(1, [$this, "ping"]);',
  '->addTimer': '$this->loop->addTimer(5, fn () => $conn->close());',
  '->after': '$server->after(1000, fn () => $server->close($fd));',
  '->on': "$emitter->on('data', function ($d) use ($buffer) { $buffer->write($d); });",
  '->listen': '$events->listen(RequestHandled::class, [$collector, "collect"]);',
  '->addListener': "$dispatcher->addListener('kernel.response', [$listener, 'onResponse'], 10);",
  '->addEventListener': '$em->getEventManager()->addEventListener([Events::postFlush], $listener);',
  '->subscribe': "$bus?->subscribe('order.created', 'App\\\\Listener@handle');",
  '->addSubscriber': "$hub->addSubscriber('x', new Subscriber());",
  '->subscribe($cb)': '$id = $token->subscribe(function ($e) { $this->fail($e); });',
  '->terminating': '$app->terminating(function () use ($span) { $span->end(); });',
  '->booted': '$this->app->booted(fn () => $this->registerRoutes());',
};

describe('registry-table: the registration APIs as data', () => {
  before(() => initEngine());

  it('has a real-looking call for every row, and each call matches its own row', () => {
    assert.deepStrictEqual(
      REGISTRATION_TABLE.map((r) => r.id).filter((id) => !(id in SAMPLES)),
      [],
      'rows without a sample',
    );
    for (const row of REGISTRATION_TABLE) {
      const m = matchRegistration(first(SAMPLES[row.id]));
      assert.ok(m, `${row.id}: no match for ${SAMPLES[row.id]}`);
      assert.strictEqual(m.row.id, row.id, SAMPLES[row.id]);
      assert.strictEqual(m.callback, (m.call.arguments ?? [])[row.callbackArg]);
    }
  });

  it('row ids are unique and every row documents its semantics', () => {
    const ids = REGISTRATION_TABLE.map((r) => r.id);
    assert.strictEqual(new Set(ids).size, ids.length);
    for (const r of REGISTRATION_TABLE) assert.ok(r.why.length > 10, r.id);
  });

  it('lifetimes: shutdown functions stay for the worker; periodic ones until removed; one-shot and per-unit ones are bounded', () => {
    const life = (code: string) => matchRegistration(first(code))?.lifetime;
    assert.strictEqual(life(SAMPLES.register_shutdown_function), 'worker');
    assert.strictEqual(life(SAMPLES['Timer::tick']), 'until-removed');
    assert.strictEqual(life('Timer::add(5, fn () => 1, [], false);'), 'one-shot');
    assert.strictEqual(life('Timer::add(5, fn () => 1, [], true);'), 'until-removed');
    assert.strictEqual(life(SAMPLES['Coroutine::defer']), 'unit-of-work');
    assert.strictEqual(life(SAMPLES.defer), 'unit-of-work');
    assert.strictEqual(life(SAMPLES['->terminating']), 'unit-of-work');
    assert.ok(!accumulates('one-shot') && !accumulates('unit-of-work') && accumulates('worker') && accumulates('until-removed'));
    assert.deepStrictEqual(removersOf(matchRegistration(first(SAMPLES.register_shutdown_function))!.row), []);
  });

  it('does not take look-alikes for registrations', () => {
    for (const code of [
      "$join->on('users.id', '=', 'posts.user_id');", // a query join: the second argument is an operator
      '$query->on(function ($j) { $j->where(1); }, $x);', // a closure where the event name goes
      "$emitter->on('data');", // no listener
      'Event::listen($events);', // no listener
      'Clock::tick(1000, fn () => 1);', // not a Timer class
      'tick(1000, fn () => 1);', // not a function row
      '$loop->addPeriodicTimer;', // not a call
      '$fn(1000, fn () => 1);', // dynamic call
      "on('click');", // the function form without a listener
      'on(function () {}, $x);', // a closure where the event name goes
      "Cache::on('k', fn () => 1);", // on() of another class
    ]) {
      const n = first(code, code.includes('(') ? 'call' : 'propertylookup');
      assert.strictEqual(matchRegistration(n), undefined, code);
    }
  });

  it('removers count only on their own receiver kind and registration kind', () => {
    const removes = (code: string, kind: Parameters<typeof isRemoverCall>[1]) => isRemoverCall(first(code), kind);
    assert.ok(removes('Timer::del($id);', 'timer'));
    assert.ok(removes('\\Swoole\\Timer::clear($id);', 'timer'));
    assert.ok(removes('swoole_timer_clear($id);', 'timer'));
    assert.ok(removes('$loop->cancelTimer($t);', 'timer'));
    assert.ok(removes('Loop::cancel($this->gc);', 'timer'));
    assert.ok(!removes('$cache->del($key);', 'timer'), 'a method named like a static remover');
    assert.ok(!removes('del($id);', 'timer'), 'a function named like a static remover');
    assert.ok(removes("Event::off('user.login', $cb);", 'listener'), 'webman/event off');
    assert.ok(removes("off('order.paid', $cb);", 'listener'), 'the function form of off');
    assert.ok(!removes("Cache::off('x');", 'listener'), 'off on another class');
    assert.ok(!removes("off('order.paid', $cb);", 'timer'), 'a listener remover is no timer remover');
    assert.ok(!removes('Cache::clear();', 'timer'), 'a static remover of another class');
    assert.ok(!removes('Timer::delay(1);', 'timer'), 'a name only starting like a remover');
    assert.ok(!removes('cancelTimer($t);', 'timer'), 'a function named like a method remover');
    assert.ok(removes("$emitter->removeListener('x', $l);", 'listener'));
    assert.ok(removes('Event::forget(OrderShipped::class);', 'listener'));
    assert.ok(!removes('forget($x);', 'listener'), 'a function named like a static remover');
    assert.ok(!removes("$emitter->removeListener('x', $l);", 'timer'), 'a listener remover does not remove timers');
    assert.ok(!removes('Timer::del($id);', 'listener'), 'a timer remover does not remove listeners');
    assert.ok(!removes('$x->off();', 'shutdown'), 'nothing removes a shutdown function');
  });

  it('disable() and unreference() keep the callback: listed, but not removal', () => {
    for (const code of ['EventLoop::disable($id);', 'Loop::unreference($w);', '$driver->disable($id);', '$driver->unreference($id);']) {
      for (const kind of ['watcher', 'timer'] as const) {
        const r = matchRemover(first(code), removersOf(kind));
        assert.ok(r, `${code} (${kind})`);
        assert.strictEqual(r.drops, false, code);
      }
      const r = matchRemover(first(code), removersOf('watcher'));
      assert.ok(r, code);
      assert.strictEqual(r.drops, false, code);
      assert.ok(!isRemoverCall(first(code), 'watcher'), code);
      assert.ok(!isRemoverCall(first(code), 'timer'), code);
    }
    assert.ok(isRemoverCall(first('EventLoop::cancel($id);'), 'watcher'));
  });

  it('finds removers inside a closure by walking its AST (nested blocks and closures), not its text', () => {
    const cb = first("Timer::tick(100, function ($id) use ($job) { if ($job->done()) { foreach ([1] as $x) { Timer::clear($id); } } });", 'closure');
    assert.strictEqual(removerCallsIn(cb, 'timer').length, 1);
    const nested = first('Timer::tick(100, function ($id) { $later = function () use ($id) { Timer::clear($id); }; });', 'closure');
    assert.strictEqual(removerCallsIn(nested, 'timer').length, 1);
    const commented = first("Timer::tick(100, function ($id) { /* Timer::clear($id); */ echo 'Timer::clear($id)'; });", 'closure');
    assert.deepStrictEqual(removerCallsIn(commented, 'timer'), []);
    assert.deepStrictEqual(removerCallsIn(null, 'timer'), []);
  });
});

const CONTROLLER = '/app/app/controller/UserController.php';
const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
function rules(code: string, path = CONTROLLER): string[] {
  const res = analyze({ path, text: code, language: 'php' }, { profile: 'long-running' }, [listener, timer, pinned]);
  assert.deepStrictEqual(res.failures, []);
  return res.findings.map((f) => `${f.range.start.line + 1} ${f.ruleId}`);
}

function removedBy(code: string): Array<string | undefined> {
  const text = php(code);
  const model = buildFileModel(parsePhp(text).program!, { path: '/app/src/Lib.php' });
  return registrationsIn(model, text).map((r) => r.removedBy);
}

describe('registry-table in the rules', () => {
  before(() => initEngine());

  it('registrationsIn: a callback that removes itself is found through its AST; a shutdown function cannot be removed', () => {
    assert.deepStrictEqual(removedBy('function f($r) { Timer::tick(100, function ($id) use ($r) { if ($r->done) { Timer::clear($id); } }); }'), ['its callback removes it']);
    assert.deepStrictEqual(removedBy("function f($e) { $e->on('x', function () use ($e, &$l) { $e->removeListener('x', $l); }); }"), ['its callback removes it']);
    assert.deepStrictEqual(removedBy("function f($e) { $e->on('x', function () use ($e) { echo 1; }); $e->off('x'); }"), ['f() removes it']);
    // Its callback removing a listener does not remove the shutdown function itself.
    assert.deepStrictEqual(removedBy("function f($e) { register_shutdown_function(function () use ($e) { $e->off('x'); }); }"), [undefined]);
  });

  it('a tick whose callback clears itself is bounded; one that only mentions the remover in a comment or string is not', () => {
    assert.deepStrictEqual(rules(php('class UserController {', '    public function index($r) { Timer::tick(100, function ($id) { Timer::clear($id); }); }', '}')), []);
    assert.deepStrictEqual(
      rules(php('class UserController {', "    public function index($r) { Timer::tick(100, function ($id) use ($r) { /* Timer::clear($id) */ echo 'Timer::clear'; }); }", '}')),
      ['3 php-timer-per-request'],
    );
  });

  it('a remover of another receiver kind in the same function does not bound the timer', () => {
    assert.deepStrictEqual(
      rules(php('class UserController {', '    public function index($r) { Timer::tick(100, function () use ($r) { echo 1; }); $this->cache->del($r); }', '}')),
      ['3 php-timer-per-request'],
    );
    assert.deepStrictEqual(rules(php('class UserController {', '    public function index($r) { $id = Timer::tick(100, function () use ($r) { echo 1; }); Timer::del($id); }', '}')), []);
  });

  it('bounded rows are not reported per request: Coroutine::defer, defer(), terminating(), one-shot timers', () => {
    assert.deepStrictEqual(
      rules(
        php(
          'class UserController {',
          '    public function index($r) {',
          '        Co::defer(function () use ($r) { $r->close(); });',
          '        defer(fn () => $r->close());',
          '        app()->terminating(function () use ($r) { log($r); });',
          '        Timer::after(100, fn () => $r->close());',
          '        EventLoop::delay(1, fn () => $r->close());',
          '    }',
          '}',
        ),
      ),
      [],
    );
  });

  it('webman/event Event::on() and the function form on() per request are listeners; Event::off() / off() bound them', () => {
    const ctl = (body: string) =>
      php('class UserController {', '    public function index($request) {', `        ${body}`, '    }', '}');
    assert.deepStrictEqual(rules(ctl("Event::on('user.login', function ($u) use ($request) { audit($request, $u); });")), ['4 php-listener-per-request']);
    assert.deepStrictEqual(rules(ctl("on('order.paid', function ($o) use ($request) { audit($request, $o); });")), ['4 php-listener-per-request']);
    assert.deepStrictEqual(
      rules(ctl("$cb = function ($u) use ($request) { audit($request, $u); }; Event::on('user.login', $cb); $this->handle($request); Event::off('user.login', $cb);")),
      [],
    );
  });

  it('php-instance-pinned: disable() in close() does not remove the watcher, so only the destructor does', () => {
    const cls = (close: string) =>
      php(
        'class Thread {',
        '    private $w;',
        '    public function __construct() { $this->w = EventLoop::repeat(1, function () { $this->check(); }); }',
        `    public function close() { ${close} }`,
        '    public function __destruct() { EventLoop::cancel($this->w); }',
        '}',
      );
    assert.deepStrictEqual(rules(cls('EventLoop::disable($this->w);'), '/app/src/Lib.php'), ['4 php-instance-pinned']);
    assert.deepStrictEqual(rules(cls('EventLoop::cancel($this->w);'), '/app/src/Lib.php'), []);
  });
});
