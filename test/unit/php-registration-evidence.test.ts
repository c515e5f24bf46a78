// php-listener-per-request / php-timer-per-request without request entry points
// (library code): a registration is reported (as a warning) only when the code
// itself shows that every call of the function adds a new registration holding
// per-call data, that nothing removes. For each general rule, a leak and a
// bounded look-alike; then the real library shapes reviewed in /usr/share/php.
import * as assert from 'assert';
import { analyze, initEngine } from '../../server/src/engine';
import listener from '../../server/src/engine/rules/php-listener-per-request';
import timer from '../../server/src/engine/rules/php-timer-per-request';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LIB = '/lib/src/Lib.php';
const CONTROLLER = '/app/app/controller/UserController.php';

function findings(code: string, profile: 'long-running' | 'fpm' = 'long-running', path = LIB) {
  const res = analyze({ path, text: code, language: 'php' }, { profile }, [listener, timer]);
  assert.deepStrictEqual(res.failures, []);
  return res.findings;
}

/** [line, severity, rule] of every finding. */
function run(code: string, profile: 'long-running' | 'fpm' = 'long-running', path = LIB): Array<[number, string, string]> {
  return findings(code, profile, path).map((f) => [f.range.start.line + 1, f.severity, f.ruleId]);
}

const L = 'php-listener-per-request';
const T = 'php-timer-per-request';

describe('php registrations without entry points: per-call data in the callback', () => {
  before(() => initEngine());

  it('invalid: a closure `use`-ing a local, an arrow function reading a parameter, arguments passed to the callback, a method of a local object', () => {
    const code = php(
      'class Job {',
      '    public function run($container) {',
      '        $pid = getmypid();',
      '        register_shutdown_function(function () use ($pid) { $this->release($pid); });',
      '    }',
      '    public function export(string $file) {',
      '        register_shutdown_function(fn () => @unlink($file));',
      '    }',
      '    public function spool($data) {',
      "        $tmp = tempnam(sys_get_temp_dir(), 'x');",
      "        register_shutdown_function('unlink', $tmp);",
      '    }',
      '    public function open($dsn) {',
      '        $conn = new Connection($dsn);',
      "        register_shutdown_function([$conn, 'close']);",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [5, 'warning', L],
      [8, 'warning', L],
      [12, 'warning', L],
      [16, 'warning', L],
    ]);
  });

  it('the message names the function and what each registration holds; the hover gives the evidence', () => {
    const code = php(
      'class CallbackEvent {',
      '    public function run($container) {',
      '        $pid = getmypid();',
      '        register_shutdown_function(function () use ($pid) { if ($pid === getmypid()) { $this->removeMutex(); } });',
      '    }',
      '}',
    );
    const [f] = findings(code);
    assert.match(f.message, /^`register_shutdown_function\(\)` runs on every call of `CallbackEvent::run\(\)`, and each call adds a shutdown function holding `\$pid` \(and `\$this`\), kept by PHP's shutdown list until the worker exits/);
    assert.match(f.hover ?? '', /no request entry point in the workspace/);
    assert.match(f.hover ?? '', /its closure captures `\$pid` \(`use`\)/);
    assert.match(f.hover ?? '', /no once-guard/);
  });

  it('valid: a callback holding nothing per call (a static method, `[$this, ...]`, a closure capturing nothing or a static local, literal arguments)', () => {
    const code = php(
      'class Handler {',
      '    public function handle(array $record) {',
      "        register_shutdown_function([self::class, 'handleFatalError']);",
      "        register_shutdown_function([$this, 'close']);",
      '        register_shutdown_function(function () { flush(); });',
      "        register_shutdown_function('flush_all', 'buffers', 3);",
      '    }',
      '    public function check() {',
      '        static $cache;',
      '        register_shutdown_function(static function () use ($cache) { });',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('under php-fpm: nothing (the shutdown list ends with the request)', () => {
    const code = php('class Job {', '    public function export(string $file) {', '        register_shutdown_function(fn () => @unlink($file));', '    }', '}');
    assert.deepStrictEqual(run(code, 'fpm'), []);
  });
});

describe('php registrations without entry points: once-guards', () => {
  before(() => initEngine());

  it('valid: a static property flag, a static local (with or without default), an instance flag, `null ===` lazy init, an early return, a keyed flag, a $GLOBALS flag', () => {
    const code = php(
      'class Guards {',
      '    private static $registered = false;',
      '    private static $done = [];',
      '    private $initialized = false;',
      '    private $tmp;',
      '    public function a($file) {',
      '        if (!self::$registered) { self::$registered = true; register_shutdown_function(fn () => @unlink($file)); }',
      '    }',
      '    public function b($file) {',
      '        static $dom, $schema;',
      '        if (null === $dom) {',
      '            $dom = new \\DOMDocument();',
      "            $tmpfile = tempnam(sys_get_temp_dir(), 'symfony');",
      '            register_shutdown_function(static function () use ($tmpfile) { @unlink($tmpfile); });',
      '        }',
      '    }',
      '    public function c($record) {',
      '        if (!$this->initialized) {',
      '            register_shutdown_function(function () use ($record) { $this->close($record); });',
      '            $this->initialized = true;',
      '        }',
      '    }',
      '    public function d($f) {',
      '        if (null === $this->tmp) { $this->tmp = $f; register_shutdown_function("unlink", $f); }',
      '    }',
      '    public function e($f) {',
      '        if (self::$registered) { return; }',
      '        self::$registered = true;',
      "        register_shutdown_function('unlink', $f);",
      '    }',
      '    public function f($port) {',
      '        if (isset(self::$done[$port])) { self::$done[$port]->stop(); } else { register_shutdown_function(static function () use ($port) { self::$done[$port]->stop(); }); }',
      '        self::$done[$port] = new Server($port);',
      '    }',
      '    public function g($x) {',
      "        if (!isset($GLOBALS['_SHUTDOWN_REGISTERED'])) { register_shutdown_function('cleanup_all', $x); $GLOBALS['_SHUTDOWN_REGISTERED'] = true; }",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: a condition that is not a once-flag (a setting, a local flag reset on every call, a flag only ever reset)', () => {
    const code = php(
      'class NotGuards {',
      '    private $debug = false;',
      '    private $closed = false;',
      '    public function a($file) {',
      '        if ($this->debug) { register_shutdown_function(fn () => @unlink($file)); }',
      '    }',
      '    public function b($file) {',
      '        $done = false;',
      '        if (!$done) { $done = true; register_shutdown_function(fn () => @unlink($file)); }',
      '    }',
      '    public function c($file) {',
      '        if (!$this->closed) { register_shutdown_function(fn () => @unlink($file)); $this->closed = false; }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [6, 'warning', L],
      [10, 'warning', L],
      [13, 'warning', L],
    ]);
    assert.match(findings(code)[0].message, /runs on calls of `NotGuards::a\(\)` \(under a condition\)/);
  });
});

describe('php registrations without entry points: setup code', () => {
  before(() => initEngine());

  it('valid: constructors, destructors, boot/register/init/setUp/configure/install/enable/start methods, onWorkerStart, top-level code', () => {
    const code = php(
      'class Setup {',
      '    public function __construct($store) { register_shutdown_function([$store, "cleanup"]); }',
      '    public function __destruct() { $f = $this->f; register_shutdown_function(fn () => @unlink($f)); }',
      '    public function boot($app) { register_shutdown_function(fn () => $app->terminate()); }',
      '    public static function registerFatalHandler($level) { register_shutdown_function(fn () => self::fatal($level)); }',
      '    public function initialize($x) { register_shutdown_function(fn () => $x); }',
      '    public function setUp($x) { register_shutdown_function(fn () => $x); }',
      '    public function configure($x) { register_shutdown_function(fn () => $x); }',
      '    public function installHandlers($x) { register_shutdown_function(fn () => $x); }',
      '    public function enableDebug($x) { register_shutdown_function(fn () => $x); }',
      '    public function start($port) { register_shutdown_function(static function () use ($port) { stop($port); }); }',
      '    public function onWorkerStart($worker) { Timer::add(10, function () use ($worker) { $worker->ping(); }); }',
      '}',
      '$file = tempnam("/tmp", "x");',
      'register_shutdown_function("unlink", $file);',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: names that only start like setup words (`initiateUpload`, `registered`) are not setup', () => {
    const code = php(
      'class Upload {',
      '    public function initiateUpload($file) { register_shutdown_function("unlink", $file); }',
      '    public function registered($user) { register_shutdown_function(fn () => $user->logout()); }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [3, 'warning', L],
      [4, 'warning', L],
    ]);
  });

  it('valid: a method that is itself a shutdown callback runs at exit; invalid: the same code in an ordinary method', () => {
    const code = php(
      'class ErrorHandler {',
      '    public static function register() {',
      "        register_shutdown_function(__CLASS__.'::handleFatalError');",
      "        register_shutdown_function([new self(), 'shutdown']);",
      '    }',
      '    public static function handleFatalError() {',
      '        $exitCode = 255;',
      "        register_shutdown_function('register_shutdown_function', function () use ($exitCode) { exit($exitCode); });",
      '    }',
      '    public function shutdown() {',
      '        $groups = [1];',
      '        register_shutdown_function(function () use ($groups) { echo count($groups); });',
      '    }',
      '    public function report() {',
      '        $groups = [1];',
      '        register_shutdown_function(function () use ($groups) { echo count($groups); });',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[17, 'warning', L]]);
  });

  it('valid: a function installing the process error handler (never restored) is setup; invalid: one that restores it', () => {
    const code = php(
      'class Deprecations {',
      '    public static function collectDeprecations($outputFile) {',
      '        $deprecations = [];',
      '        set_error_handler(function ($type, $msg) use (&$deprecations) { $deprecations[] = $msg; });',
      '        register_shutdown_function(function () use ($outputFile, &$deprecations) { file_put_contents($outputFile, serialize($deprecations)); });',
      '    }',
      '    public static function capture($outputFile) {',
      '        set_error_handler(fn () => true);',
      '        try { work(); } finally { restore_error_handler(); }',
      '        register_shutdown_function(fn () => file_put_contents($outputFile, "done"));',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[11, 'warning', L]]);
  });

  it('valid: a registration inside a closure (when the closure runs is not known)', () => {
    const code = php(
      'class Files {',
      '    public function cleanupLater(array $files) {',
      "        array_map(function ($f) { register_shutdown_function('unlink', $f); }, $files);",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php registrations without entry points: the registry must outlive the call', () => {
  before(() => initEngine());

  it('valid: a listener on an emitter that may live only as long as the call (a parameter, a local, `$this->…` of an ordinary object)', () => {
    const code = php(
      'class ChoiceType {',
      '    public function buildForm($builder, array $options) {',
      "        $builder->addEventListener('pre_submit', function ($event) use ($options) { $event->setData($options); });",
      '        $emitter = new Emitter();',
      "        $emitter->on('data', fn ($d) => $options[$d]);",
      "        $this->dispatcher->addListener('x', function () use ($options) { }, 10);",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: a listener on a static dispatcher, Event::listen()', () => {
    const code = php(
      'class Orders {',
      '    protected static $dispatcher;',
      '    public function ship($order) {',
      "        static::$dispatcher->listen('shipped', function () use ($order) { notify($order); });",
      "        Event::listen(OrderShipped::class, fn ($e) => audit($order, $e));",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [5, 'warning', L],
      [6, 'warning', L],
    ]);
  });

  it('valid: something removes it (the callback, the same function)', () => {
    const code = php(
      'class Poller {',
      '    protected static $dispatcher;',
      '    public function watch($id) {',
      "        Timer::tick(100, function ($tid) use ($id) { if (done($id)) { Timer::clear($tid); } });",
      "        $l = function () use ($id) { };",
      "        static::$dispatcher->listen('x', $l);",
      '    }',
      '    public function once($id) {',
      "        static::$dispatcher->listen('x', function () use ($id) { });",
      "        static::$dispatcher->forget('x');",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php registrations without entry points: timers', () => {
  before(() => initEngine());

  it('invalid: a persistent timer holding per-call data (a captured parameter, timer arguments, a loop timer reading a local)', () => {
    const code = php(
      'class Connections {',
      '    public function keepAlive($conn) {',
      '        Timer::add(30, function () use ($conn) { $conn->send("ping"); });',
      '    }',
      '    public function watch($conn) {',
      "        Timer::add(30, [$this, 'ping'], [$conn]);",
      '    }',
      '    public function poll($loop, $id) {',
      '        $key = "job:" . $id;',
      '        $loop->addPeriodicTimer(1, fn () => $this->check($key));',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [4, 'warning', T],
      [7, 'warning', T],
      [11, 'warning', T],
    ]);
    assert.match(findings(code)[0].message, /`Timer::add\(\)` runs on every call of `Connections::keepAlive\(\)`, and each call starts a periodic timer holding `\$conn` \(and `\$this`\), kept by the event loop/);
  });

  it('Amp v2 `Loop::repeat($ms, $cb, $data)`: invalid with per-call data, valid when the callback cancels it', () => {
    const code = php(
      'use Amp\\Loop;',
      'class Heartbeat {',
      '    public function track($client) {',
      '        Loop::repeat(1000, [self::class, "beat"], $client);',
      '    }',
      '    public function follow($client) {',
      '        Loop::repeat(1000, function ($id) use ($client) { if ($client->gone()) { Loop::cancel($id); } });',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[5, 'warning', T]]);
    assert.match(findings(code)[0].message, /`Loop::repeat\(\)` runs on every call of `Heartbeat::track\(\)`, and each call starts a periodic timer holding `\$client`/);
  });

  it('valid: a one-shot timer, a timer holding nothing per call, a timer whose id is kept and deleted by the class', () => {
    const code = php(
      'class Timers {',
      '    private $t;',
      '    public function later($conn) {',
      '        Timer::add(30, function () use ($conn) { $conn->close(); }, [], false);',
      '    }',
      '    public function refresh($loop) {',
      '        $loop->addPeriodicTimer(60, fn () => $this->reload());',
      '    }',
      '    public function arm($conn) {',
      '        $this->t = Timer::add(30, function () use ($conn) { $conn->send("ping"); });',
      '    }',
      '    public function disarm() { Timer::del($this->t); }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php registrations: with request entry points, reachability decides', () => {
  before(() => initEngine());

  it('valid: a per-call registration that no entry point reaches is not reported (the evidence rule is for library code)', () => {
    const code = php(
      'namespace app\\controller;',
      'class UserController {',
      '    public function index($request) { return "ok"; }',
      '    private function unused($file) { register_shutdown_function("unlink", $file); }',
      '}',
    );
    assert.deepStrictEqual(run(code, 'long-running', CONTROLLER), []);
  });

  it('valid: a query join `$join->on(a, =, b)` is not a listener (the listener is the second argument, a callable)', () => {
    const code = php(
      'namespace app\\controller;',
      'class UserController {',
      '    public function index($request) {',
      "        return $this->db->join('posts', function ($join) { $join->on('users.id', '=', 'posts.user_id'); });",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code, 'long-running', CONTROLLER), []);
  });

  it('invalid: a listener with a priority argument, reached from an action', () => {
    const code = php(
      'namespace app\\controller;',
      'class UserController {',
      '    public function index($request) {',
      "        $this->dispatcher->addListener('kernel.response', function () use ($request) { }, 10);",
      '        return "ok";',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code, 'long-running', CONTROLLER), [[5, 'error', L]]);
  });
});

describe('php registrations: the library shapes reviewed in /usr/share/php', () => {
  before(() => initEngine());

  it('bounded: Monolog BufferHandler/RollbarHandler (instance flag), Symfony XliffUtils (static locals), HttpCache/PhpProcess/TaskQueue (constructors), PEAR (a $GLOBALS flag)', () => {
    const code = php(
      'class BufferHandler {',
      '    protected $initialized = false;',
      '    public function handle(array $record): bool {',
      "        if ($record['level'] < $this->level) { return false; }",
      "        if (!$this->initialized) { register_shutdown_function([$this, 'close']); $this->initialized = true; }",
      '        return true;',
      '    }',
      '}',
      'class XliffUtils {',
      '    private static function shouldEnableEntityLoader(): bool {',
      '        static $dom, $schema;',
      '        if (null === $dom) {',
      '            $dom = new \\DOMDocument();',
      "            $tmpfile = tempnam(sys_get_temp_dir(), 'symfony');",
      '            register_shutdown_function(static function () use ($tmpfile) { @unlink($tmpfile); });',
      "            $schema = 'x' . $tmpfile;",
      '        }',
      '        return true;',
      '    }',
      '}',
      'class PhpProcess {',
      '    public function __construct(string $script) {',
      "        if ('phpdbg' === \\PHP_SAPI) { $file = tempnam(sys_get_temp_dir(), 'dbg'); register_shutdown_function('unlink', $file); }",
      '    }',
      '}',
      'class PEAR {',
      '    public static function registerShutdownFunc($func, $args = array()) {',
      "        if (!isset($GLOBALS['_PEAR_SHUTDOWN_REGISTERED'])) { register_shutdown_function('_PEAR_call_destructors'); $GLOBALS['_PEAR_SHUTDOWN_REGISTERED'] = true; }",
      "        $GLOBALS['_PEAR_shutdown_funcs'][] = array($func, $args);",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('leak: Laravel CallbackEvent::run() adds a shutdown closure holding `$pid` and the event on every run', () => {
    const code = php(
      'class CallbackEvent {',
      '    public function run(Container $container) {',
      '        if ($this->description && $this->withoutOverlapping && ! $this->mutex->create($this)) { return; }',
      '        $pid = getmypid();',
      '        register_shutdown_function(function () use ($pid) {',
      '            if ($pid === getmypid()) { $this->removeMutex(); }',
      '        });',
      '        try { return $container->call($this->callback, $this->parameters); } finally { $this->removeMutex(); }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[6, 'warning', L]]);
  });
});
