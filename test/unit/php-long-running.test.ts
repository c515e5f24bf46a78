// Long-lived containers beyond statics (singletons, worker loops, handler
// captures), request reachability and the severities it gives, the new PHP
// rules (listeners, timers, buffered results), the declaration hover and the
// quick fixes.
import * as assert from 'assert';
import { analyze, describeAt, initEngine, type Finding, type WorkspaceView } from '../../server/src/engine';
import growth from '../../server/src/engine/rules/php-unbounded-static-growth';
import { growthBothHalves, UNPROVEN_ON } from './php-growth-helpers';
import unproven from '../../server/src/engine/rules/php-unproven-static-growth';
import listener from '../../server/src/engine/rules/php-listener-per-request';
import timer from '../../server/src/engine/rules/php-timer-per-request';
import buffered from '../../server/src/engine/rules/php-buffered-result-retained';
import { applyEdits, ruleTester } from './rule-tester';

const php = (...lines: string[]) => lines.join('\n') + '\n';
const LR = 'long-running' as const;
const CONTROLLER = '/app/app/controller/TestController.php';


// ---------------------------------------------------------------------------
// Long-lived containers: singletons, worker loops, captures

ruleTester(
  growthBothHalves,
  {
    valid: [
      {
        name: 'singleton property written at a fixed key',
        profile: LR,
        code: php(
          '<?php',
          'class Last {',
          '    private static ?Last $instance = null;',
          '    private array $data = [];',
          '    public static function get(): self { return self::$instance ??= new self(); }',
          "    public function remember($v) { $this->data['last'] = $v; }",
          '}',
        ),
      },
      {
        name: 'singleton: constructor writes run once; a reset method bounds the rest',
        profile: LR,
        code: php(
          '<?php',
          'class Reg {',
          '    private static $i;',
          '    private array $items = [];',
          '    public static function i() { if (!self::$i) { self::$i = new static; } return self::$i; }',
          '    public function __construct() { $this->items[] = 1; }',
          '    public function add($x) { $this->items[] = $x; }',
          '    public function flush() { $this->items = []; }',
          '}',
        ),
      },
      {
        name: 'an ordinary object ($this->items of a class nobody keeps) is not long-lived',
        profile: LR,
        code: php('<?php', 'class Bag {', '    private array $items = [];', '    public function add($x) { $this->items[] = $x; }', '}'),
      },
      {
        name: 'worker loop: the variable is reset on every iteration; top-level code outside the loop runs once',
        profile: LR,
        code: php(
          '<?php',
          '$boot = [];',
          "$boot[] = 'config';",
          '$batch = [];',
          'while ($req = $worker->waitRequest()) {',
          '    $batch = [];',
          '    $batch[] = $req;',
          '    $local = [];',
          '    $local[] = $req;',
          '}',
        ),
      },
      {
        name: 'a by-value capture is a copy; a by-reference capture of a non-handler closure is not followed',
        profile: LR,
        code: php(
          '<?php',
          '$worker->onMessage = function ($c, $d) use ($seen) { $seen[] = $d; };',
          '$f = function ($x) use (&$acc) { $acc[] = $x; };',
        ),
      },
    ],
    invalid: [
      {
        name: "webman's singleton example: Cache::instance()->set(time(), …)",
        profile: LR,
        code: php(
          '<?php',
          'class Cache {',
          '    protected static $instance;',
          '    public $data = [];',
          '    public static function instance() {',
          '        if (!self::$instance) {',
          '            self::$instance = new self;',
          '        }',
          '        return self::$instance;',
          '    }',
          '    public function set($key, $value) {',
          '        $this->data[$key] = $value;',
          '    }',
          '}',
        ),
        errors: [{ line: 12, column: 9, endColumn: 26, message: /`Cache->data`.* It is a property of a long-lived object \(`Cache` is a singleton: it keeps its instance in `Cache::\$instance`\).*parameter `\$key`/ }],
      },
      {
        name: 'a class registered as a container singleton in the same file',
        profile: LR,
        code: php(
          '<?php',
          'class AppServiceProvider {',
          '    public function register() { $this->app->singleton(Metrics::class, fn () => new Metrics()); }',
          '}',
          'class Metrics {',
          '    private array $samples = [];',
          '    public function record(float $ms) { $this->samples[] = $ms; }',
          '}',
        ),
        errors: [{ line: 7, column: 41, endColumn: 57, message: /registered as a container singleton/ }],
      },
      {
        name: 'RoadRunner loop: a variable assigned before the loop and appended inside',
        profile: LR,
        code: php(
          '<?php',
          '$psr7 = new PSR7Worker($worker, $factory, $factory, $factory);',
          '$cache = [];',
          'while ($req = $psr7->waitRequest()) {',
          "    $cache[] = $req->getHeaderLine('x-id');",
          '    $psr7->respond(new Response(200));',
          '}',
        ),
        errors: [{ line: 5, column: 5, endColumn: 13, severity: 'error', message: /assigned before the RoadRunner worker loop.*every request handled by the RoadRunner worker loop/ }],
      },
      {
        name: 'Workerman onMessage closure growing a by-reference capture',
        profile: LR,
        code: php(
          '<?php',
          '$hits = [];',
          '$worker->onMessage = function ($connection, $data) use (&$hits) {',
          "    $hits[$data['ip']] = time();",
          '};',
        ),
        errors: [{ line: 4, column: 5, endColumn: 23, severity: 'error', message: /captured by reference .* Workerman `onMessage` callback/ }],
      },
    ],
  },
  { language: 'php', path: '/app/src/Lib.php' },
);

// ---------------------------------------------------------------------------
// Reachability in one file: severity from the entry points

describe('php-unbounded-static-growth: request reachability (single file)', () => {
  before(() => initEngine());
  const run = (code: string, path = CONTROLLER, profile: 'fpm' | 'long-running' = LR, rules?: Record<string, 'information' | 'off'>) =>
    analyze({ path, text: code, language: 'php' }, { profile, rules }, [growth]).findings;

  const code = php(
    '<?php',
    'namespace app\\controller;',
    'class OrderController {',
    '    private static array $log = [];',
    '    private static array $audit = [];',
    '    private static array $boot = [];',
    '    public function index($request) {',
    "        self::$log[] = $request->get('id');",
    "        if ($request->get('audit')) { $this->audit($request); }",
    '        return "ok";',
    '    }',
    '    private function audit($request) { self::$audit[] = $request->path(); }',
    '    private function neverCalled($x) { self::$boot[] = $x; }',
    '}',
  );

  it('unconditional growth in a controller action: error, naming the entry point', () => {
    const f = run(code);
    assert.deepStrictEqual(
      f.map((x) => [x.range.start.line + 1, x.severity]),
      [
        [8, 'error'],
        [12, 'warning'],
        [13, 'information'],
      ],
    );
    assert.match(f[0].message, /every request handled by the webman controller action `OrderController::index\(\)`/);
    assert.match(f[0].hover ?? '', /\*\*Reached:\*\* on every request handled by the webman controller action `OrderController::index\(\)`/);
    assert.match(f[1].hover ?? '', /from the webman controller action `OrderController::index\(\)`, on some requests/);
    assert.match(f[2].message, /Not reached from a request entry point/);
  });

  it('without any entry point (a library file): warning with evidence of per-request growth; the rest only from php-unproven-static-growth, off by default', () => {
    // Lines 8 and 12 append request input (`$request->…`): the profile default, warning.
    // Line 13 appends a plain parameter in an uncalled method: nothing shows it runs per
    // request (a boot-time registry looks the same), so it is left to the off-by-default
    // php-unproven-static-growth (docs/accuracy.md, "PHP code").
    const lib = code.replace('OrderController', 'Order');
    const f = run(lib, '/app/src/Order.php');
    assert.deepStrictEqual(f.map((x) => x.severity), ['warning', 'warning']);
    const on = analyze({ path: '/app/src/Order.php', text: lib, language: 'php' }, { profile: LR, rules: UNPROVEN_ON }, [growth, unproven]).findings;
    assert.deepStrictEqual(on.map((x) => [x.ruleId, x.severity]), [
      ['php-unbounded-static-growth', 'warning'],
      ['php-unbounded-static-growth', 'warning'],
      ['php-unproven-static-growth', 'information'],
    ]);
    assert.match(on[2].message, /No request entry point in the workspace/);
    // Off by default.
    assert.deepStrictEqual(analyze({ path: '/app/src/Order.php', text: lib, language: 'php' }, { profile: LR }, [growth, unproven]).findings.length, 2);
  });

  it('under php-fpm: silent by default; `phpLeak.rules` information makes it show, at that severity', () => {
    assert.deepStrictEqual(run(code, CONTROLLER, 'fpm'), []);
    const f = run(code, CONTROLLER, 'fpm', { 'php-unbounded-static-growth': 'information' });
    assert.strictEqual(f.length, 3);
    assert.ok(f.every((x) => x.severity === 'information'));
  });
});

// ---------------------------------------------------------------------------
// Reachability across files (WorkspaceView)

function memoryWorkspace(files: Record<string, string>): WorkspaceView {
  const cache = new Map<string, unknown>();
  const facts = new Map<string, unknown>();
  return {
    files: (lang) => (lang === 'php' ? Object.keys(files).filter((f) => f.endsWith('.php')).sort() : []),
    read: (p) => files[p],
    shared: <T>(k: string, produce: () => T) => {
      if (!cache.has(k)) cache.set(k, produce());
      return cache.get(k) as T;
    },
    fileFact: <T>(k: string, file: string, produce: (t: string) => T) => {
      const text = files[file];
      if (text === undefined) return undefined;
      const id = `${k}\0${file}\0${text}`;
      if (!facts.has(id)) facts.set(id, produce(text));
      return facts.get(id) as T;
    },
  };
}

describe('webman controllers: long-lived while `controller_reuse` is on (webman\'s default)', () => {
  before(() => initEngine());
  const controller = php(
    '<?php',
    'namespace app\\controller;',
    'use support\\Request;',
    'class StatsController {',
    '    public $data = [];',
    '    private $seen = [];',
    '    public function __construct() { $this->seen = []; }',
    '    public function test(Request $request) {',
    '        $this->data[] = time();',
    "        $this->seen['last'] = $request->get('id');",
    '        return response(json_encode($this->data));',
    '    }',
    '}',
  );
  const path = '/w/app/controller/StatsController.php';
  const growthOf = (files: Record<string, string>) =>
    analyze({ path, text: files[path], language: 'php' }, { profile: LR, workspace: memoryWorkspace(files) }, [growth]).findings.map((f) => [f.range.start.line + 1, f.severity, f.message]);

  it('invalid: an append to a controller property runs on every request of the action (no config: reuse is the default)', () => {
    const f = growthOf({ [path]: controller });
    assert.deepStrictEqual(f.map(([l, s]) => [l, s]), [[9, 'error']]);
    assert.match(String(f[0][2]), /`StatsController->data`.* It is a property of a long-lived object \(webman reuses controller instances/);
    // Single-file mode (no workspace) says the same.
    assert.deepStrictEqual(analyze({ path, text: controller, language: 'php' }, { profile: LR }, [growth]).findings.map((x) => x.range.start.line + 1), [9]);
  });

  it("invalid: `'controller_reuse' => true` in config/app.php", () => {
    const f = growthOf({ [path]: controller, '/w/config/app.php': php('<?php', 'return [', "    'debug' => true,", "    'controller_reuse' => true,", '];') });
    assert.deepStrictEqual(f.map(([l]) => l), [9]);
  });

  it("valid: `'controller_reuse' => false` in config/app.php: a new controller per request", () => {
    assert.deepStrictEqual(growthOf({ [path]: controller, '/w/config/app.php': php('<?php', 'return [', "    'controller_reuse' => false,", "    'controller_suffix' => 'Controller',", '];') }), []);
  });

  it('valid: a key named controller_reuse in another config file changes nothing', () => {
    const f = growthOf({ [path]: controller, '/w/config/plugin/x/app.php.dist': '', '/w/config/other.php': php('<?php', "return ['controller_reuse' => false];") });
    assert.deepStrictEqual(f.map(([l]) => l), [9]);
  });
});

describe('php index: reachability across files', () => {
  before(() => initEngine());
  const files = {
    '/w/app/controller/UserController.php': php(
      '<?php',
      'namespace app\\controller;',
      'use app\\service\\Tracker;',
      'class UserController {',
      '    public function __construct(private Tracker $tracker) {}',
      '    public function show($request) {',
      "        $this->tracker->hit($request->get('id'));",
      "        return 'ok';",
      '    }',
      '}',
    ),
    '/w/app/service/Tracker.php': php(
      '<?php',
      'namespace app\\service;',
      'class Tracker {',
      '    private static array $hits = [];',
      '    private static array $warm = [];',
      '    public function hit($id) { self::$hits[] = $id; Helper::note($id); }',
      '    public function warmUp($x) { self::$warm[] = $x; }',
      '}',
    ),
    '/w/app/service/Helper.php': php(
      '<?php',
      'namespace app\\service;',
      'class Helper {',
      '    public static array $notes = [];',
      '    public static function note($id) { static::$notes[$id] = 1; }',
      '}',
    ),
    '/w/app/bootstrap/Timers.php': php(
      '<?php',
      'namespace app\\bootstrap;',
      'use Workerman\\Timer;',
      'class Timers {',
      '    public function start() { Timer::add(10, fn () => gc_collect_cycles()); }',
      '}',
    ),
  };
  const ws = memoryWorkspace(files);
  const run = (file: keyof typeof files) => analyze({ path: file, text: files[file], language: 'php' }, { profile: LR, workspace: ws }).findings;

  it('a typed promoted property, a static call: reached from the controller action on every request', () => {
    const f = run('/w/app/service/Tracker.php').filter((x) => x.ruleId === 'php-unbounded-static-growth');
    assert.deepStrictEqual(f.map((x) => [x.range.start.line + 1, x.severity]), [
      [6, 'error'],
      [7, 'information'],
    ]);
    assert.match(f[0].message, /every request handled by the webman controller action `UserController::show\(\)`/);
    const h = run('/w/app/service/Helper.php');
    assert.deepStrictEqual(h.map((x) => [x.range.start.line + 1, x.severity]), [[5, 'error']]);
  });

  it('boot-time timers (not reached from an entry point) are not reported', () => {
    assert.deepStrictEqual(run('/w/app/bootstrap/Timers.php'), []);
  });

  it('a property typed by the constructor (`$this->p = $typedParam`, `$this->p = new X`): calls through it are followed', () => {
    const app = {
      '/w/app/controller/OrderController.php': php(
        '<?php',
        'namespace app\\controller;',
        'use app\\service\\Audit;',
        'use app\\service\\Stats;',
        'class OrderController {',
        '    private $audit;',
        '    private $stats;',
        '    private $plain;',
        '    public function __construct(Audit $audit, $plain) { $this->audit = $audit; $this->stats = new Stats(); $this->plain = $plain; }',
        "    public function create($request) { $this->audit->note($request->get('id')); $this->stats->add(1); $this->plain->add(2); return 'ok'; }",
        '}',
      ),
      '/w/app/service/Audit.php': php('<?php', 'namespace app\\service;', 'class Audit {', '    private static array $notes = [];', '    public function note($id) { self::$notes[] = $id; }', '}'),
      '/w/app/service/Stats.php': php('<?php', 'namespace app\\service;', 'class Stats {', '    private static array $all = [];', '    public function add($v) { self::$all[] = $v; }', '}'),
      '/w/app/service/Other.php': php('<?php', 'namespace app\\service;', 'class Other {', '    private static array $all = [];', '    public function add($v) { self::$all[] = $v; }', '}'),
    };
    const w = memoryWorkspace(app);
    const sev = (file: keyof typeof app) =>
      analyze({ path: file, text: app[file], language: 'php' }, { profile: LR, workspace: w }).findings.filter((x) => x.ruleId === 'php-unbounded-static-growth').map((x) => x.severity);
    assert.deepStrictEqual(sev('/w/app/service/Audit.php'), ['error']);
    assert.deepStrictEqual(sev('/w/app/service/Stats.php'), ['error']);
    // An untyped parameter tells nothing: Other::add() is not reached through `$this->plain`.
    assert.deepStrictEqual(sev('/w/app/service/Other.php'), ['information']);
  });
});

// ---------------------------------------------------------------------------
// Listeners and timers

ruleTester(
  listener,
  {
    valid: [
      {
        name: 'registered at boot (constructor, onWorkerStart-style method not reached)',
        profile: LR,
        code: php(
          '<?php',
          'class TestController {',
          '    public function __construct(private $events) { $this->events->on("done", fn () => 1); }',
          '    public function index($r) { return "ok"; }',
          '}',
        ),
      },
      {
        name: 'registered and removed in the same action',
        profile: LR,
        code: php(
          '<?php',
          'class TestController {',
          '    public function index($r) {',
          '        $l = fn () => 1;',
          "        $this->emitter->on('done', $l);",
          "        $this->emitter->removeListener('done', $l);",
          '    }',
          '}',
        ),
      },
      {
        name: 'top-level Swoole server setup registers handlers once',
        profile: LR,
        code: php('<?php', '$http = new Swoole\\Http\\Server("0.0.0.0", 9501);', '$http->on("request", function ($req, $res) { $res->end("ok"); });', '$http->start();'),
      },
      { name: 'under php-fpm: off', code: php('<?php', 'class TestController {', '    public function index($r) { register_shutdown_function(fn () => 1); }', '}') },
    ],
    invalid: [
      {
        name: 'Laravel Event::listen inside a controller action',
        profile: LR,
        code: php('<?php', 'class TestController {', '    public function store($r) {', "        Event::listen(OrderShipped::class, fn ($e) => logger($e));", '    }', '}'),
        errors: [{ line: 4, column: 9, endColumn: 66, severity: 'error', message: /`Event::listen\(\)` registers a listener on every request and nothing removes it\. It runs on every request handled by the webman controller action `TestController::store\(\)`/ }],
      },
      {
        name: '$server->on() inside the Swoole request callback, and register_shutdown_function per request',
        profile: LR,
        code: php(
          '<?php',
          '$server->on("request", function ($req, $res) use ($server) {',
          '    $server->on("close", function () use ($req) {});',
          '    if ($req->get["trace"] ?? false) {',
          '        register_shutdown_function(fn () => flush_trace());',
          '    }',
          '});',
        ),
        errors: [
          { line: 3, column: 5, endColumn: 52, severity: 'error', message: /every request handled by the Swoole `on\('request'\)` callback/ },
          { line: 5, column: 9, endColumn: 59, severity: 'warning', message: /register_shutdown_function\(\)` registers a listener on some requests and nothing removes it\. It runs from the Swoole/ },
        ],
      },
    ],
  },
  { language: 'php', path: CONTROLLER },
);

ruleTester(
  timer,
  {
    valid: [
      { name: 'one-shot Workerman timer (persistent = false)', profile: LR, code: php('<?php', 'class TestController {', '    public function index($r) { Timer::add(5, fn () => 1, [], false); }', '}') },
      { name: 'Swoole Timer::after is one-shot', profile: LR, code: php('<?php', 'class TestController {', '    public function index($r) { Swoole\\Timer::after(100, fn () => 1); }', '}') },
      {
        name: 'a tick that clears itself',
        profile: LR,
        code: php('<?php', 'class TestController {', '    public function index($r) { Timer::tick(100, function ($id) { Timer::clear($id); }); }', '}'),
      },
      {
        name: 'the id is kept and the class deletes it',
        profile: LR,
        code: php(
          '<?php',
          'class TestController {',
          '    private $t;',
          '    public function start($r) { $this->t = Timer::add(1, fn () => 1); }',
          '    public function stop($r) { Timer::del($this->t); }',
          '}',
        ),
      },
    ],
    invalid: [
      {
        name: 'persistent Workerman timer per request',
        profile: LR,
        code: php('<?php', 'class TestController {', "    public function index($r) { Timer::add(1, function () use ($r) { echo $r->path(); }); return 'ok'; }", '}'),
        errors: [{ line: 3, column: 33, endColumn: 89, severity: 'error', message: /`Timer::add\(\)` registers a timer on every request/ }],
      },
      {
        name: 'Swoole tick in a request callback',
        profile: LR,
        code: php('<?php', '$http->on("request", function ($req, $res) {', '    Swoole\\Timer::tick(1000, fn () => ping());', '    $res->end("ok");', '});'),
        errors: [{ line: 3, column: 5, endColumn: 46, message: 'Timer::tick()' }],
      },
    ],
  },
  { language: 'php', path: CONTROLLER },
);

// ---------------------------------------------------------------------------
// Buffered results

ruleTester(
  buffered,
  {
    valid: [
      {
        name: 'unbuffered (MYSQLI_USE_RESULT), LIMIT, or kept in a local',
        profile: LR,
        code: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function a($db) { $r = $db->query("SELECT * FROM t", MYSQLI_USE_RESULT); self::$rows = $r->fetch_all(); }',
          '    public function b($db) { $r = $db->query("SELECT * FROM t LIMIT 100"); self::$rows = $r->fetch_all(); }',
          '    public function c($db) { $r = $db->query("SELECT * FROM t"); $rows = $r->fetch_all(); return $rows; }',
          '}',
        ),
      },
      {
        name: 'PDO with buffering off on the same connection: constructor options, setAttribute before the query, a statement option',
        profile: LR,
        code: php(
          '<?php',
          'use Pdo\\Mysql;',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function a($dsn) { $pdo = new \\PDO($dsn, "u", "p", [PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => false]); $s = $pdo->query("SELECT * FROM t"); self::$rows = $s->fetchAll(); }',
          '    public function b(PDO $pdo) { $pdo->setAttribute(\\PDO::MYSQL_ATTR_USE_BUFFERED_QUERY, 0); $s = $pdo->query("SELECT * FROM t"); self::$rows = $s->fetchAll(); }',
          '    public function c($dsn) { $o = [Mysql::ATTR_USE_BUFFERED_QUERY => false]; $pdo = new Mysql($dsn, "u", "p", $o); $s = $pdo->query("SELECT * FROM t"); self::$rows = $s->fetchAll(); }',
          '    public function d(PDO $pdo) { $s = $pdo->prepare("SELECT * FROM t", [PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => false]); $s->execute(); self::$rows = $s->fetchAll(); }',
          '}',
        ),
      },
      {
        name: "PDO property switched to unbuffered in the class's constructor",
        profile: LR,
        code: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    private PDO $db;',
          '    public function __construct(string $dsn) { $this->db = new PDO($dsn); $this->db->setAttribute(PDO::MYSQL_ATTR_USE_BUFFERED_QUERY, false); }',
          '    public function load() { $s = $this->db->query("SELECT * FROM t"); self::$rows = $s->fetchAll(); }',
          '}',
        ),
      },
    ],
    invalid: [
      {
        name: 'mysqli fetch_all kept in a static, with the unbuffered fix',
        profile: LR,
        code: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function load($mysqli) {',
          "        $res = $mysqli->query('SELECT * FROM orders');",
          '        self::$rows = $res->fetch_all(MYSQLI_ASSOC);',
          '    }',
          '}',
        ),
        errors: [{ line: 5, column: 16, endColumn: 54, message: /buffers a whole result set.*into the long-lived `Repo::\$rows`\. Its rows are kept there.*MYSQLI_USE_RESULT/ }],
        output: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function load($mysqli) {',
          "        $res = $mysqli->query('SELECT * FROM orders', MYSQLI_USE_RESULT);",
          '        self::$rows = $res->fetch_all(MYSQLI_ASSOC);',
          '    }',
          '}',
        ),
      },
      {
        name: 'PDO rows appended to a static in a fetch loop, on every request',
        profile: LR,
        code: php(
          '<?php',
          'class TestController {',
          '    private static array $seen = [];',
          '    public function index($pdo) {',
          "        $stmt = $pdo->query('SELECT id FROM events');",
          '        while ($row = $stmt->fetch()) {',
          '            self::$seen[] = $row;',
          '        }',
          '    }',
          '}',
        ),
        errors: [{ line: 5, column: 17, endColumn: 53, severity: 'warning', message: /`\$pdo->query\(\)`.*into the long-lived `TestController::\$seen`\. Its rows are added there \(line 7\)/ }],
      },
      // What the old text matching got wrong: it skipped every query of a file whose text held
      // `MYSQL_ATTR_USE_BUFFERED_QUERY => false` anywhere, and guessed mysqli from receiver names only.
      {
        name: 'buffering switched off on another connection, in a comment, or after the query: still buffered',
        profile: LR,
        code: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function a(PDO $pdo, PDO $other) {',
          '        $other->setAttribute(PDO::MYSQL_ATTR_USE_BUFFERED_QUERY, false);',
          "        $s = $pdo->query('SELECT * FROM t'); // PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => false",
          '        self::$rows = $s->fetchAll();',
          '        $pdo->setAttribute(PDO::MYSQL_ATTR_USE_BUFFERED_QUERY, false);',
          '    }',
          '}',
        ),
        errors: [{ line: 6, column: 14, endColumn: 44, message: /`\$pdo->query\(\)`.*MYSQL_ATTR_USE_BUFFERED_QUERY => false/ }],
      },
      {
        name: 'a PDO connection named $db gets the PDO advice, not the mysqli fix',
        profile: LR,
        code: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function a($dsn) { $db = new PDO($dsn); $s = $db->query("SELECT * FROM t"); self::$rows = $s->fetchAll(); }',
          '}',
        ),
        errors: [{ line: 4, column: 57, message: /add a `LIMIT`, or stream the rows unbuffered/ }],
      },
      {
        name: 'mysqli known from the parameter type and the property type, whatever the names',
        profile: LR,
        code: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function __construct(private \\mysqli $h) {}',
          '    public function a(mysqli $x) { $r = $x->query("SELECT * FROM t"); self::$rows = $r->fetch_all(); }',
          '    public function b() { $r = $this->h->query("SELECT * FROM u"); self::$rows = $r->fetch_all(); }',
          '    public function c() { $h = mysqli_connect("h"); $r = $h->query("SELECT * FROM v"); self::$rows = $r->fetch_all(); }',
          '}',
        ),
        errors: [
          { line: 5, column: 41, message: /MYSQLI_USE_RESULT/ },
          { line: 6, column: 32, message: /MYSQLI_USE_RESULT/ },
          { line: 7, column: 58, message: /MYSQLI_USE_RESULT/ },
        ],
        output: php(
          '<?php',
          'class Repo {',
          '    private static array $rows = [];',
          '    public function __construct(private \\mysqli $h) {}',
          '    public function a(mysqli $x) { $r = $x->query("SELECT * FROM t", MYSQLI_USE_RESULT); self::$rows = $r->fetch_all(); }',
          '    public function b() { $r = $this->h->query("SELECT * FROM u", MYSQLI_USE_RESULT); self::$rows = $r->fetch_all(); }',
          '    public function c() { $h = mysqli_connect("h"); $r = $h->query("SELECT * FROM v", MYSQLI_USE_RESULT); self::$rows = $r->fetch_all(); }',
          '}',
        ),
      },
    ],
  },
  { language: 'php', path: CONTROLLER },
);

// ---------------------------------------------------------------------------
// Hover on a declaration, quick fixes

describe('php: hover on a long-lived container declaration', () => {
  const code = php(
    '<?php',
    'class A {',
    '    private static array $seen = [];',
    '    private static array $cache = [];',
    '    public function f($id) {',
    '        self::$seen[] = $id;',
    '        self::$cache[$id] = 1;',
    '        if (count(self::$cache) > 10) { array_shift(self::$cache); }',
    "        self::$seen['x'] = 2;",
    '    }',
    '}',
  );
  const hover = (line: number, character: number) => describeAt({ path: '/w/A.php', text: code, language: 'php' }, { line, character });

  it('lists where it grows and why it is (not) bounded', () => {
    const seen = hover(2, 26) ?? '';
    assert.match(seen, /\*\*Long-lived container:\*\* `A::\$seen` — a static property/);
    assert.match(seen, /line 6, `A::f\(\)`: this write appends an entry on every call without a bound — \*\*unbounded\*\*/);
    assert.match(seen, /line 9, `A::f\(\)`: written at a fixed or bounded key — does not grow it/);
    const cache = hover(3, 28) ?? '';
    assert.match(cache, /line 7, .*\*\*bounded\*\*: evicted or reset in the same function \(line 8\)/);
  });

  it('nothing outside declarations', () => {
    assert.strictEqual(hover(5, 9), undefined);
  });
});

describe('php-unbounded-static-growth: more quick fixes', () => {
  before(() => initEngine());
  const fixesOf = (code: string): Finding['fixes'] => analyze({ path: '/w/lib/A.php', text: code, language: 'php' }, { profile: LR, rules: UNPROVEN_ON }, [growth, unproven]).findings[0]?.fixes;

  it('"reset it after use" before the final return, and "make it local" for a private static used in one method', () => {
    const code = php(
      '<?php',
      'class A {',
      '    private static array $buf = [];',
      '    public function render($rows) {',
      '        foreach ($rows as $r) { self::$buf[] = $r; }',
      "        return implode(',', $rows);",
      '    }',
      '}',
    );
    const fixes = fixesOf(code) ?? [];
    const reset = fixes.find((f) => f.title.startsWith('Reset'));
    assert.ok(reset, fixes.map((f) => f.title).join('; '));
    assert.strictEqual(
      applyEdits(code, reset.edits),
      php('<?php', 'class A {', '    private static array $buf = [];', '    public function render($rows) {', '        foreach ($rows as $r) { self::$buf[] = $r; }', '        self::$buf = [];', "        return implode(',', $rows);", '    }', '}'),
    );
    const local = fixes.find((f) => f.title.startsWith('Make'));
    assert.ok(local);
    const fixed = applyEdits(code, local.edits);
    assert.strictEqual(fixed, php('<?php', 'class A {', '    public function render($rows) {', '        $buf = [];', '        foreach ($rows as $r) { $buf[] = $r; }', "        return implode(',', $rows);", '    }', '}'));
    assert.deepStrictEqual(analyze({ path: '/w/lib/A.php', text: fixed, language: 'php' }, { profile: LR, rules: UNPROVEN_ON }, [growth, unproven]).findings, []);
  });

  it('"reset it after use" empties only the nested slot that grows (literal keys), with the slot\'s type', () => {
    const cases: Array<[string, string]> = [
      ['        self::$json[\'rows\'] = array_merge(self::$json[\'rows\'], $rows);', "        self::$json['rows'] = [];"],
      ['        self::$json[\'users\'][$rows[0]] = $rows;', "        self::$json['users'] = [];"],
      ['        self::$json[\'log\'] .= implode(\',\', $rows);', "        self::$json['log'] = '';"],
      ['        self::$json[$rows[0]] .= \'x\';', '        self::$json = [];'],
      ['        self::$json[\'rows\'][] = $rows;', "        self::$json['rows'] = [];"],
    ];
    for (const [write, reset] of cases) {
      const code = php('<?php', 'class H {', "    private static array $json = ['version' => 1, 'rows' => [], 'users' => [], 'log' => ''];", '    public function batch(array $rows) {', write, '    }', '}');
      const fix = (fixesOf(code) ?? []).find((f) => f.title.startsWith('Reset'));
      assert.ok(fix, write);
      assert.strictEqual(applyEdits(code, fix.edits), php('<?php', 'class H {', "    private static array $json = ['version' => 1, 'rows' => [], 'users' => [], 'log' => ''];", '    public function batch(array $rows) {', write, reset, '    }', '}'), write);
    }
  });

  it('"make it local" turns `static $x` into a plain local', () => {
    const code = php('<?php', 'function track($x) {', '    static $seen = [];', '    $seen[] = $x;', '}');
    const local = (fixesOf(code) ?? []).find((f) => f.title.startsWith('Make'));
    assert.ok(local);
    assert.strictEqual(applyEdits(code, local.edits), php('<?php', 'function track($x) {', '    $seen = [];', '    $seen[] = $x;', '}'));
  });

  it('no "make it local" for a public static or one used in two methods', () => {
    const code = php('<?php', 'class B {', '    public static array $q = [];', '    public function f($x) { self::$q[] = $x; }', '}');
    assert.ok(!(fixesOf(code) ?? []).some((f) => f.title.startsWith('Make')));
    const two = php('<?php', 'class B {', '    private static array $q = [];', '    public function f($x) { self::$q[] = $x; }', '    public function g() { return self::$q; }', '}');
    assert.ok(!(fixesOf(two) ?? []).some((f) => f.title.startsWith('Make')));
  });
});

// ---------------------------------------------------------------------------
// False-alarm causes found on real code (docs/accuracy.md, "PHP code")

ruleTester(
  growth,
  {
    valid: [
      {
        name: 'cause 1: caches keyed by names of the program or its configuration (classes, methods, locales, drivers) plateau',
        profile: LR,
        code: php(
          '<?php',
          'class Meta {',
          '    private static array $byClass = [];',
          '    private static array $files = [];',
          '    private static array $t = [];',
          '    public function of(string $class, $method, $locale) {',
          '        self::$byClass[$class][$method] = 1;',
          '        self::$byClass[get_class($this)] = 2;',
          '        self::$files[$this->getHashedFileName()] = 3;',
          '        self::$t[$locale] = 4;',
          '    }',
          '}',
          'class DiskManager {',
          '    private static array $disks = [];',
          '    public function disk($name) { return self::$disks[$name] ??= $this->resolve($name); }',
          '}',
        ),
      },
      {
        name: 'cause 2: a static holding one special instance (Doctrine DocParser::$metadataParser) does not make every instance long-lived',
        profile: LR,
        code: php(
          '<?php',
          'class DocParser {',
          '    private static $metadataParser;',
          '    private array $namespaces = [];',
          '    public function addNamespace($ns) { $this->namespaces[] = $ns; }',
          '    private function collect() { self::$metadataParser = new self(); }',
          '}',
        ),
      },
      {
        name: 'cause 3: registration APIs (macro(), extend(), setXDefinition()) with no entry point reaching them',
        profile: LR,
        code: php(
          '<?php',
          'class Builder {',
          '    protected static array $macros = [];',
          '    protected static array $formats = [];',
          '    public static function macro($name, $fn) { static::$macros[$name] = $fn; }',
          '    public static function setFormatDefinition($name, $format) { self::$formats[$name] = $format; }',
          '}',
        ),
      },
      {
        name: 'cause 4: a push/pop stack: a pure consumer in another method bounds the pushes',
        profile: LR,
        code: php(
          '<?php',
          'trait CompilesComponents {',
          '    protected static $componentHashStack = [];',
          '    public static function newComponentHash($c) { static::$componentHashStack[] = $hash = sha1($c); return $hash; }',
          '    public static function popComponentHash() { return array_pop(static::$componentHashStack); }',
          '}',
        ),
      },
    ],
    invalid: [
      {
        name: 'cause 1 counterpart: request input and ids are still unbounded (Symfony IpUtils::$checkedIps)',
        profile: LR,
        code: php(
          '<?php',
          'class IpUtils {',
          '    private static $checkedIps = [];',
          '    public static function checkIp4($requestIp, $ip) {',
          "        $cacheKey = $requestIp.'-'.$ip.'-v4';",
          '        return self::$checkedIps[$cacheKey] = true;',
          '    }',
          '}',
        ),
        errors: [{ line: 6, column: 16, endColumn: 44, message: /parameter `\$requestIp`/ }],
      },
      {
        name: 'cause 3 counterpart: a registration API reached on every request is reported',
        profile: LR,
        code: php(
          '<?php',
          'class Builder {',
          '    protected static array $macros = [];',
          '    public static function macro($name, $fn) { static::$macros[$name] = $fn; }',
          '}',
          'class TestController {',
          "    public function index($r) { Builder::macro($r->get('m'), fn () => 1); }",
          '}',
        ),
        errors: [{ line: 4, column: 48, endColumn: 70, severity: 'error' }],
      },
      {
        name: 'cause 4 counterpart: an eviction in a method that also adds does not bound the other writers',
        profile: LR,
        code: php(
          '<?php',
          'class C {',
          '    private static array $cache = [];',
          '    public function store($k, $v) { self::$cache[$k . time()] = $v; }',
          '    public function remember($k, $v) { self::$cache[$k] = $v; if (count(self::$cache) > 100) { array_shift(self::$cache); } }',
          '}',
        ),
        errors: [{ line: 4, column: 37, endColumn: 62, message: 'time()' }],
      },
    ],
  },
  { language: 'php', path: CONTROLLER },
);
