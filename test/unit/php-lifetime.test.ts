// The lifetime model of long-running PHP code (scopes.ts roleLifetime, growth.ts
// constructionOnlyMethods and resetKeys): objects that live as long as the worker by their
// role, set-up code that only construction runs, and resets that count only when something
// runs them. Each case fails when its mechanism is taken out.
import * as assert from 'assert';
import { analyze, initEngine } from '../../server/src/engine';
import growth from '../../server/src/engine/rules/php-unbounded-static-growth';
import unproven from '../../server/src/engine/rules/php-unproven-static-growth';
import { UNPROVEN_ON } from './php-growth-helpers';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;

before(async () => {
  await initEngine();
});

/** Both halves of the growth check on a library file, long-running profile. */
function findings(code: string) {
  const res = analyze({ path: '/lib/src/X.php', text: code, language: 'php' }, { profile: 'long-running', rules: UNPROVEN_ON }, [growth, unproven]);
  assert.deepStrictEqual(res.failures, []);
  return res.findings;
}

/** [line, severity] of every growth finding ('information': the off-by-default half). */
const run = (code: string): Array<[number, string]> => findings(code).map((f) => [f.range.start.line + 1, f.severity]);
const messages = (code: string): string[] => findings(code).map((f) => f.message);

/** A memo of has($id) on a class, whose lifetime the header decides. */
const memo = (header: string) =>
  php(
    header,
    '{',
    '    private array $hasCache = [];',
    '    public function has(string $id): bool',
    '    {',
    '        if (array_key_exists($id, $this->hasCache)) { return $this->hasCache[$id]; }',
    '        return $this->hasCache[$id] = false;',
    '    }',
    '}',
  );

describe('php lifetime: objects that live as long as the worker by their role', () => {
  it('a DI container (implements ContainerInterface) memoising has($id): one entry per id, reported', () => {
    assert.deepStrictEqual(run(memo('final class Container implements \\Psr\\Container\\ContainerInterface')), [[8, 'warning']]);
    assert.match(messages(memo('final class Container implements ContainerInterface'))[0], /dependency-injection container.*ContainerInterface/);
  });

  it('role names, base classes, service attributes: each makes the object long-lived', () => {
    assert.deepStrictEqual(run(memo('final class RedisClient')), [[8, 'warning']]);
    assert.deepStrictEqual(run(memo('class Gateway extends Worker')), [[8, 'warning']]);
    assert.deepStrictEqual(run(php('#[Bean]', ...memo('class Cache').split('\n').slice(1))), [[9, 'warning']]);
  });

  it('an ordinary class (no role, no singleton) is not long-lived: nothing reported', () => {
    assert.deepStrictEqual(run(memo('final class Lookup')), []);
    // A suffix row matches only what it names: an ACL provider is not a telemetry provider.
    assert.deepStrictEqual(run(memo('final class AclProvider implements AclProviderInterface')), []);
  });
});

describe('php lifetime: methods only the construction runs are set-up code', () => {
  const container = (extra: string[]) =>
    php(
      'final class Container implements ContainerInterface',
      '{',
      '    private array $resetters = [];',
      '    public function __construct(array $defs) { foreach ($defs as $id => $d) { $this->addDefinition($id, $d); } }',
      '    private function addDefinition(string $id, $d): void { $this->resetters[$id] = $d; }',
      ...extra,
      '}',
    );

  it('a private method reached only from the constructor: its writes are configuration', () => {
    assert.deepStrictEqual(run(container([])), []);
  });

  it('invalid: the same method reached from a public method runs per call', () => {
    assert.deepStrictEqual(run(container(['    public function set(string $id, $d): void { $this->addDefinition($id, $d); }'])), [[6, 'warning']]);
  });
});

describe('php lifetime: a reset bounds growth only when something runs it', () => {
  const client = (resetMethod: string, extra: string[] = []) =>
    php(
      'final class RedisClient',
      '{',
      '    private array $evalCache = [];',
      '    public function eval(string $script): string',
      '    {',
      '        return $this->evalCache[$script] ?? ($this->evalCache[$script] = sha1($script));',
      '    }',
      `    public function ${resetMethod}(): void { $this->evalCache = []; }`,
      ...extra,
      '}',
    );

  it('invalid: a reset in a public method nothing calls does not bound the cache', () => {
    // Reported (as a warning or, without evidence of per-request keys, by the off-by-default half).
    assert.deepStrictEqual(run(client('flushScripts')).map(([line]) => line), [7]);
  });

  it('a flush run only when an optional threshold is configured does not bound the buffer; an unconditional or always-set limit does', () => {
    const agg = (guard: string) =>
      php(
        'final class LogsAggregator',
        '{',
        '    private $logs = [];',
        '    public function add(string $m, $options): void {',
        '        $this->logs[] = $m;',
        '        $t = $options->getFlushThreshold();',
        `        if (${guard}) { $this->flush(); }`,
        '    }',
        '    public function flush(): void { $this->logs = []; }',
        '}',
      );
    assert.deepStrictEqual(run(agg('$t !== null && count($this->logs) >= $t')).map(([line]) => line), [6]);
    assert.deepStrictEqual(run(agg('null !== $t && count($this->logs) >= $t')).map(([line]) => line), [6]);
    assert.deepStrictEqual(run(agg('count($this->logs) >= 100')), []);
  });
  it('a reset the class itself runs, or a runtime reset hook (reset(), terminate()), bounds it', () => {
    assert.deepStrictEqual(run(client('flushScripts', ['    public function close(): void { $this->flushScripts(); }'])), []);
    assert.deepStrictEqual(run(client('reset')), []);
    assert.deepStrictEqual(run(client('terminate')), []);
  });

  it('a reset hook that rebuilds the container or empties an ArrayObject bounds it', () => {
    const code = php(
      'final class TraceableClient implements ResetInterface',
      '{',
      '    private $traced;',
      '    private $sections = [];',
      '    public function __construct() { $this->traced = new \\ArrayObject(); }',
      '    public function request(string $url): void { $this->traced[] = $url; $this->sections[$url] = microtime(true); }',
      '    public function reset(): void { $this->traced->exchangeArray([]); $this->sections = ["root" => 1]; }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php lifetime: removals that cannot remove what is added', () => {
  const pool = (remove: string[]) =>
    php(
      'final class SocketPool',
      '{',
      '    private array $sockets = [];',
      '    public function add($socket): void { $this->sockets[] = $socket; }',
      ...remove,
      '}',
    );

  it('invalid: appended entries removed only by another key (`unset(C[$socket->id])`): a warning, with that evidence', () => {
    const code = pool(['    public function remove($socket): void { unset($this->sockets[$socket->id]); }']);
    assert.deepStrictEqual(run(code), [[5, 'warning']]);
    assert.match(messages(code)[0], /SocketPool->sockets/);
  });

  it('removed by a key of the container itself (foreach key, array_search): bounded', () => {
    const viaSearch = pool(['    public function remove($socket): void { $k = array_search($socket, $this->sockets, true); unset($this->sockets[$k]); }']);
    assert.deepStrictEqual(run(viaSearch), []);
    const viaForeach = pool(['    public function remove($socket): void { foreach ($this->sockets as $k => $s) { if ($s === $socket) unset($this->sockets[$k]); } }']);
    assert.deepStrictEqual(run(viaForeach), []);
  });

  const groups = (remove: string[]) =>
    php(
      'final class GroupRegistry',
      '{',
      '    private array $groups = [];',
      '    public function join(string $group, $conn): void { $this->groups[$group][spl_object_id($conn)] = $conn; }',
      ...remove,
      '}',
    );

  it('invalid: a nested entry unset while its outer slot stays: reported, at the write and at the removal', () => {
    const code = groups(['    public function leave(string $group, $conn): void { unset($this->groups[$group][spl_object_id($conn)]); }']);
    assert.deepStrictEqual(run(code).map(([l]) => l), [5, 6]);
    assert.match(messages(code)[1], /removes an inner entry but never the slot `\[\$group\]`/);
  });

  it('the outer slot removed once empty: bounded', () => {
    const code = groups([
      '    public function leave(string $group, $conn): void {',
      '        unset($this->groups[$group][spl_object_id($conn)]);',
      '        if (!$this->groups[$group]) { unset($this->groups[$group]); }',
      '    }',
    ]);
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php lifetime: keys of the unit of work, and containers whose entries die with their keys', () => {
  it('invalid: a static keyed by the coroutine id captured by a timer closure (`use ($cid)`)', () => {
    const code = php(
      'class Barrier',
      '{',
      '    private static $cancel = [];',
      '    public static function wait(int $ms): void',
      '    {',
      '        $cid = Coroutine::getCid();',
      '        Timer::after($ms, function () use ($cid) { self::$cancel[$cid] = true; });',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[8, 'warning']]);
    assert.match(messages(code)[0], /a new key on every coroutine/);
  });

  it('a WeakMap keyed by the current fiber (assigned through a local in the constructor) loses its entries with the fibers', () => {
    const code = php(
      'class Logger implements LoggerInterface',
      '{',
      '    private $depth;',
      '    public function __construct() { $m = new \\WeakMap(); $this->depth = $m; }',
      '    public function log(): void { $fiber = \\Fiber::getCurrent(); $this->depth[$fiber] = ($this->depth[$fiber] ?? 0) + 1; }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
    assert.deepStrictEqual(run(code.replace('$m = new \\WeakMap(); $this->depth = $m;', '$this->depth = [];')), [[6, 'warning']]);
  });
});

describe('php lifetime: removals that miss, reported where they are', () => {
  /** [line, message] of the growth findings. */
  const at = (code: string): Array<[number, string]> => findings(code).map((f) => [f.range.start.line + 1, f.message]);

  const hub = (remove: string) =>
    php(
      'final class ProcessHub',
      '{',
      '    private array $keys = [];',
      '    public function generateKey(int $pid): string { $key = random_bytes(16); $this->keys[$key] = $pid; return $key; }',
      remove,
      '}',
    );

  it('invalid: entries stored under a generated key and removed by their value: the unset is reported', () => {
    const got = at(hub('    public function cancel(int $pid): void { unset($this->keys[$pid]); }'));
    assert.deepStrictEqual(got.map(([l]) => l), [5, 6]);
    assert.match(got[1][1], /stored under `\$key` with `\$pid` as their value/);
  });

  it('the key found from the value (array_search) removes the entry: nothing at the unset', () => {
    const got = at(hub('    public function cancel(int $pid): void { $key = array_search($pid, $this->keys, true); unset($this->keys[$key]); }'));
    assert.deepStrictEqual(got, []);
  });

  it('names stored as values of other names (aliases) can be removed by the value: not a miss', () => {
    const code = php(
      'final class AliasRegistry',
      '{',
      '    private array $aliases = [];',
      '    public function alias(string $alias, string $id): void { $this->aliases[$alias] = $id; }',
      '    public function remove(string $id): void { unset($this->aliases[$id]); }',
      '}',
    );
    assert.deepStrictEqual(at(code).filter(([l]) => l === 6), []);
  });

  const adapter = (loop: string) =>
    php(
      'class RoomAdapter',
      '{',
      '    public $rooms = [];',
      '    public $sids = [];',
      '    public function add($id, $room) { $this->sids[$id][$room] = true; $this->rooms[$room][$id] = true; }',
      '    public function delAll($id)',
      '    {',
      '        $rooms = isset($this->sids[$id]) ? $this->sids[$id] : [];',
      `        foreach (${loop}) { unset($this->rooms[$room][$id]); }`,
      '        unset($this->sids[$id]);',
      '    }',
      '}',
    );

  it('invalid: a loop over the values of a set (all `true`) used as the key of a removal: reported, even on an object of unknown lifetime', () => {
    const got = at(adapter('$rooms as $room'));
    assert.deepStrictEqual(got.map(([l]) => l), [10]);
    assert.match(got[0][1], /`\$room` is a value of `RoomAdapter->sids`, whose values are all a constant/);
  });

  it('the same loop over the keys (array_keys, or `as $room => $x`): nothing', () => {
    assert.deepStrictEqual(at(adapter('array_keys($rooms) as $room')), []);
    assert.deepStrictEqual(at(adapter('$rooms as $room => $on')), []);
  });

  const gateway = (leave: string[], extra: string[] = []) =>
    php(
      'class Gateway extends Worker',
      '{',
      '    protected $groups = [];',
      '    public function onWorkerMessage($connection, $data)',
      '    {',
      '        switch ($data["cmd"]) {',
      '            case 1:',
      '                $group = $data["group"];',
      '                $this->groups[$group][$connection->id] = $connection;',
      '                return;',
      '            case 2:',
      '                $group = $data["group"];',
      ...leave,
      '                return;',
      '            case 3:',
      '                unset($this->groups[$data["group"]]);',
      '                return;',
      '        }',
      '    }',
      ...extra,
      '}',
    );

  it('invalid: an inner entry removed on one path with no removal of its emptied group there: the unset is reported', () => {
    const got = at(gateway(['                unset($this->groups[$group][$connection->id]);']));
    assert.deepStrictEqual(got.map(([l]) => l), [14]);
    assert.match(got[0][1], /never the slot `\[\$group\]`/);
  });

  it('the group dropped once empty on that path, or always dropped by a per-key teardown: nothing', () => {
    const dropped = gateway(['                unset($this->groups[$group][$connection->id]);', '                if (empty($this->groups[$group])) { unset($this->groups[$group]); }']);
    assert.deepStrictEqual(at(dropped), []);
    const teardown = gateway(['                unset($this->groups[$group][$connection->id]);'], ['    public function dropGroup($group) { unset($this->groups[$group]); }']);
    assert.deepStrictEqual(at(teardown), []);
  });

  const nsp = (remove: string) =>
    php(
      'class Nsp',
      '{',
      '    public $sockets = [];',
      '    public function join($socket) { $this->sockets[] = $socket; }',
      remove,
      '}',
    );

  it('invalid: an object of unknown lifetime appending sockets and removing them by the socket id: the append is reported', () => {
    const got = at(nsp('    public function remove($socket) { unset($this->sockets[$socket->id]); }'));
    assert.deepStrictEqual(got.map(([l]) => l), [5]);
    assert.match(got[0][1], /removes its entries one at a time/);
  });

  it('a collection removing by a position its caller passes: nothing (a transient object\'s API)', () => {
    assert.deepStrictEqual(at(nsp('    public function remove($key) { unset($this->sockets[$key]); }')), []);
  });
});

describe('php lifetime: keys of the unit of work through a helper, and removals that must run in that unit', () => {
  const context = (storage: string, extra: string[] = []) =>
    php(
      'class Context',
      '{',
      '    protected static $storage;',
      '    protected static function getObject()',
      '    {',
      `        if (!static::$storage) { static::$storage = ${storage}; }`,
      '        $co = static::current();',
      '        if (!isset(static::$storage[$co])) { static::$storage[$co] = new \\stdClass; }',
      '        return static::$storage[$co];',
      '    }',
      '    protected static function current() { return \\Fiber::getCurrent(); }',
      '    public static function destroy() { unset(static::$storage[static::current()]); }',
      ...extra,
      '}',
    );

  it('invalid: a static keyed by a helper returning the current fiber, removed only by a destroy() nothing here calls', () => {
    const code = context('new \\SplObjectStorage()');
    assert.deepStrictEqual(run(code), [[9, 'warning']]);
    assert.match(messages(code)[0], /which returns `\\Fiber::getCurrent\(\)`: a new key on every fiber/);
  });

  it('the same with destroy() run by the class itself (a `finally`), or a WeakMap where PHP has one: nothing', () => {
    assert.deepStrictEqual(run(context('new \\SplObjectStorage()', ['    public static function run($fn) { try { return $fn(); } finally { static::destroy(); } }'])), []);
    assert.deepStrictEqual(run(context('class_exists(\\WeakMap::class) ? new \\WeakMap() : new \\SplObjectStorage()')), []);
  });

  it('invalid: a client caching the hash of every script passed to eval(): one entry per distinct script, even in a library', () => {
    const code = php(
      'final class RedisClient',
      '{',
      '    private array $evalCache = [];',
      '    public function eval(string $script) { return $this->evalCache[$script] ??= sha1($script); }',
      '    public function flushScripts(): void { $this->evalCache = []; }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[5, 'warning']]);
    // Keyed by a name of the code instead (`$class`): a cache of the deployed code, bounded.
    assert.deepStrictEqual(run(code.replace(/\$script/g, '$class')), []);
  });

  it('invalid: a key from a counter kept across calls (`$this->nextId++`) is a new key on every call, even in a library', () => {
    const code = php(
      'final class RpcBroker',
      '{',
      '    private array $deferreds = [];',
      '    private int $nextId = 0;',
      '    public function track($d): int { $id = $this->nextId++; $this->deferreds[$id] = $d; return $id; }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[6, 'warning']]);
    assert.match(messages(code)[0], /a counter kept across calls: a new key on every call/);
    // Keyed by a plain parameter instead: no evidence in a library (the off-by-default half).
    assert.deepStrictEqual(run(code.replace('$id = $this->nextId++;', '$id = $d->slot;')), [[6, 'information']]);
  });
});
