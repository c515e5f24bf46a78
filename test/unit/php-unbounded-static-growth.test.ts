import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, initEngine } from '../../server/src/engine';
import rule from '../../server/src/engine/rules/php-unbounded-static-growth';
import { growthBothHalves } from './php-growth-helpers';
import { ruleTester } from './rule-tester';


/** Lines joined with \n (keeps the expected line/column readable). */
const php = (...lines: string[]) => lines.join('\n') + '\n';
const LR = 'long-running' as const;

ruleTester(
  growthBothHalves,
  {
    valid: [
      {
        name: 'fixed literal keys (counters)',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          "    private static array $counters = ['hits' => 0, 'misses' => 0];",
          '    public function index() {',
          "        self::$counters['hits']++;",
          "        self::$counters['misses'] = 0;",
          "        self::$counters[\"last\"] = time();",
          '        self::$counters[0] = 1;',
          '    }',
          '}',
        ),
      },
      {
        name: 'class constant, enum case, ::class and constant keys',
        profile: LR,
        code: php(
          '<?php',
          'enum Status: string { case Active = "a"; }',
          'class A {',
          "    const KEY = 'k';",
          '    private static array $c = [];',
          '    public function f() {',
          '        self::$c[self::KEY] = 1;',
          '        self::$c[Status::Active->value] = 2;',
          '        self::$c[static::class] = 3;',
          '        self::$c[PHP_VERSION] = 4;',
          '        self::$c[__METHOD__] = 5;',
          '    }',
          '}',
        ),
      },
      {
        name: 'key checked with in_array against a literal set',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          '    private static array $c = [];',
          '    public function f(string $k) {',
          "        if (in_array($k, ['a', 'b'], true)) {",
          '            self::$c[$k] = 1;',
          '        }',
          '    }',
          '}',
        ),
      },
      {
        name: 'early exit when the key is not in a class-constant set',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          "    const ALLOWED = ['a', 'b'];",
          '    private static array $c = [];',
          '    public function f($k) {',
          '        if (!in_array($k, self::ALLOWED)) {',
          "            throw new InvalidArgumentException('no');",
          '        }',
          '        self::$c[$k] = 1;',
          '    }',
          '}',
        ),
      },
      {
        name: 'switch on the key, match producing the key, foreach over a literal list',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          '    private static array $c = [];',
          '    public function f($k, $kind) {',
          '        switch ($k) {',
          "            case 'x':",
          '                self::$c[$k] = 1;',
          '                break;',
          '        }',
          "        $slot = match ($kind) { 'a', 'b' => 'ab', default => 'other' };",
          '        self::$c[$slot] = 2;',
          "        foreach (['p', 'q'] as $name) {",
          '            self::$c[$name] = 3;',
          '        }',
          '        self::$c[$k === 1 ? "one" : "many"] = 4;',
          '    }',
          '}',
        ),
      },
      {
        name: 'size check with array_shift eviction (the demo remember())',
        profile: LR,
        code: php(
          '<?php',
          'class CacheController {',
          '    private static array $cache = [];',
          '    public function remember($request) {',
          "        self::$cache[$request->get('k')] = $request->get('v');",
          '        if (count(self::$cache) > 100) {',
          '            array_shift(self::$cache);',
          '        }',
          '    }',
          '}',
        ),
      },
      {
        name: 'eviction with array_slice, with unset, and a count guard around the write',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          '    private static array $a = [];',
          '    private static array $b = [];',
          '    private static array $c = [];',
          '    public function f($x, $id) {',
          '        self::$a[] = $x;',
          '        self::$a = array_slice(self::$a, -50);',
          '        self::$b[$id] = $x;',
          '        unset(self::$b[$id]);',
          '        if (count(self::$c) < 100) {',
          '            self::$c[] = $x;',
          '        }',
          '    }',
          '}',
        ),
      },
      {
        name: 'a reset method elsewhere in the class is trusted',
        profile: LR,
        code: php(
          '<?php',
          'class A implements ResetInterface {',
          '    private static array $seen = [];',
          '    public function f($x) {',
          '        self::$seen[] = $x;',
          '    }',
          '    public function reset(): void {',
          '        self::$seen = [];',
          '    }',
          '}',
        ),
      },
      {
        name: 'local variables and $this properties are not long-lived containers',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          '    private array $items = [];',
          '    public function f($x) {',
          '        $list = [];',
          '        $list[] = $x;',
          '        $list[time()] = $x;',
          '        $this->items[] = $x;',
          '        $s = "";',
          '        $s .= $x;',
          '    }',
          '}',
          'function g($x) { $a = []; $a[uniqid()] = $x; }',
        ),
      },
      {
        name: 'top-level code and static initialisers run once',
        profile: LR,
        code: php(
          '<?php',
          '$GLOBALS[\'boot\'][] = 1;',
          'A::$registry[] = new A();',
          'class A {',
          '    public static array $registry = [];',
          '    public static $list = [1, 2, 3];',
          '}',
        ),
      },
      {
        name: 'integer counters and fixed-key merges do not grow',
        profile: LR,
        code: php(
          '<?php',
          'class A {',
          '    private static int $n = 0;',
          '    private static array $m = [];',
          '    public function f() {',
          '        self::$n++;',
          '        self::$n += 1;',
          "        self::$m += ['a' => 1, 'b' => 2];",
          "        self::$m = array_merge(self::$m, ['c' => 3]);",
          '    }',
          '}',
        ),
      },
      {
        name: 'a static property of a class not in this file is not followed',
        profile: LR,
        code: php('<?php', 'class A {', '    public function f($x) {', '        Other::$registry[] = $x;', '    }', '}'),
      },
      {
        name: 'fpm profile: silent (every request starts clean)',
        profile: 'fpm',
        code: php('<?php', 'class A {', '    public static array $seen = [];', '    public function f($x) { static::$seen[] = $x; }', '}'),
      },
      {
        name: 'lazy initialisation: the growth runs only while the container is empty',
        profile: LR,
        code: php(
          '<?php',
          'class R {',
          '    private function cmd($args) {',
          '        static $cmd = null;',
          '        if (!$cmd) {',
          "            $cmd = getenv('PHP') ?: 'php';",
          "            $cmd .= ' ' . $args;",
          '        }',
          '        return $cmd;',
          '    }',
          '}',
          'function hex_dump($data) {',
          "    static $from = '';",
          "    static $to = '';",
          "    if ($from === '') {",
          '        for ($i = 0; $i <= 0xFF; $i++) { $from .= chr($i); $to .= chr($i); }',
          '    }',
          '}',
          'class Boot {',
          '    private static bool $booted = false;',
          '    private static array $hooks = [];',
          '    public function handle($h) {',
          '        if (!self::$booted) { self::$booted = true; self::$hooks[] = $h; }',
          '    }',
          '}',
        ),
      },
      {
        name: 'a rebuild from scratch on every call bounds the container',
        profile: LR,
        code: php(
          '<?php',
          'class B {',
          '    private static array $routes = [];',
          '    public function f($x) {',
          '        self::$routes = loadRoutes();',
          '        self::$routes[] = $x;',
          '    }',
          '}',
        ),
      },
      { name: 'broken code does not throw', profile: LR, code: '<?php class { function ( { $x = [ ' },
      { name: 'not PHP at all', profile: LR, code: '\u00ff\u00fe garbage <?php ?> <?= ?' },
      { name: 'empty document', profile: LR, code: '' },
    ],
    invalid: [
      {
        name: 'append to a static property through static:: (the demo index()), with the fix',
        profile: LR,
        code: php(
          '<?php',
          'class UserController {',
          '    public static array $seen = [];',
          '    public function index($request) {',
          "        static::$seen[] = $request->get('id');",
          "        return json(['count' => count(self::$seen)]);",
          '    }',
          '}',
        ),
        errors: [{ line: 5, column: 9, endLine: 5, endColumn: 24, message: '`UserController::$seen` (static property)', severity: 'error' }],
        output: php(
          '<?php',
          'class UserController {',
          '    public static array $seen = [];',
          '    public function index($request) {',
          "        static::$seen[] = $request->get('id');",
          '        if (count(static::$seen) > 1000) { array_shift(static::$seen); }',
          "        return json(['count' => count(self::$seen)]);",
          '    }',
          '}',
        ),
      },
      {
        name: 'keyed by request input and time() through a variable (the demo store())',
        profile: LR,
        code: php(
          '<?php',
          'class CacheController {',
          '    private static array $cache = [];',
          '    public function store($request) {',
          "        $key = $request->get('user') . ':' . time();",
          '        self::$cache[$key] = $request->rawBody();',
          "        return response('ok');",
          '    }',
          '}',
        ),
        errors: [{ line: 6, column: 9, endLine: 6, endColumn: 27, message: 'keyed by time(): a new key every second' }],
        output: php(
          '<?php',
          'class CacheController {',
          '    private static array $cache = [];',
          '    public function store($request) {',
          "        $key = $request->get('user') . ':' . time();",
          '        self::$cache[$key] = $request->rawBody();',
          '        if (count(self::$cache) > 1000) { array_shift(self::$cache); }',
          "        return response('ok');",
          '    }',
          '}',
        ),
      },
      {
        name: 'static local variable',
        profile: LR,
        code: php('<?php', 'function track($x) {', '    static $seen = [];', '    $seen[] = $x;', '}'),
        errors: [{ line: 4, column: 5, endColumn: 12, message: '`$seen` (static variable)' }],
      },
      {
        name: 'static local variable declared without a default (`static $cache;`)',
        profile: LR,
        code: php('<?php', 'function remember($v) {', '    static $cache;', '    $cache[microtime(true)] = $v;', '}'),
        errors: [{ line: 4, column: 5, endColumn: 28, message: /`\$cache`.* It is a static variable.*microtime/, severity: 'warning' }],
      },
      {
        name: 'global keyword, in a route closure',
        profile: LR,
        code: php('<?php', "Route::get('/', function () {", '    global $log;', "    $log .= 'hit';", '});'),
        errors: [{ line: 4, column: 5, endColumn: 9, message: /`\$log`.* It is a global variable.*appends to the string/ }],
      },
      {
        name: '$GLOBALS keyed by a parameter',
        profile: LR,
        code: php('<?php', 'function hit($ip) {', "    $GLOBALS['hits'][$ip] = true;", '}'),
        errors: [{ line: 3, column: 5, endColumn: 26, message: /\$GLOBALS\['hits'\].*parameter `\$ip`/ }],
      },
      {
        name: '.= on a static string',
        profile: LR,
        code: php('<?php', 'class L {', "    private static string $buf = '';", '    public function log($m) { self::$buf .= $m; }', '}'),
        errors: [{ line: 4, column: 31, endColumn: 41, message: 'appends to the string' }],
      },
      {
        name: 'array_push and array_unshift',
        profile: LR,
        code: php('<?php', 'class Q {', '    public static $jobs = [];', '    public function add($j) { array_push(self::$jobs, $j); }', '    public function first($j) { array_unshift(Q::$jobs, $j); }', '}'),
        errors: [
          { line: 4, column: 42, endColumn: 53, message: 'array_push() adds an entry' },
          { line: 5, column: 47, endColumn: 55, message: 'array_unshift()' },
        ],
      },
      {
        name: 'array_merge, += with an unbounded key, and spread',
        profile: LR,
        code: php(
          '<?php',
          'class M {',
          '    private static array $a = [];',
          '    private static array $b = [];',
          '    private static array $c = [];',
          '    public function f($x, $id) {',
          '        self::$a = array_merge(self::$a, [$x]);',
          '        self::$b += [$id => $x];',
          '        self::$c = [...self::$c, $x];',
          '    }',
          '}',
        ),
        errors: [
          { line: 7, column: 9, endColumn: 17, message: 'array_merge() appends' },
          { line: 8, column: 9, endColumn: 17, message: '`+=`' },
          { line: 9, column: 9, endColumn: 17, message: 'rebuilds the array' },
        ],
      },
      {
        name: 'nested keys: the whole target is reported, the worst key named',
        profile: LR,
        code: php(
          '<?php',
          'class C {',
          '    private static array $cache = [];',
          '    public function f($user) {',
          "        self::$cache['users'][$user->id] = $user;",
          '    }',
          '}',
        ),
        errors: [{ line: 5, column: 9, endLine: 5, endColumn: 41, message: /in a nested array.*one entry per distinct id/ }],
      },
      {
        name: 'ClassName::$x of another class declared in the same file; uniqid() key',
        profile: LR,
        code: php(
          '<?php',
          'class Registry { public static array $items = []; }',
          'class Controller {',
          '    public function f($x) {',
          '        Registry::$items[uniqid()] = $x;',
          '    }',
          '}',
        ),
        errors: [{ line: 5, column: 9, endColumn: 35, message: /`Registry::\$items`.*uniqid\(\): a new key on every call/ }],
        output: php(
          '<?php',
          'class Registry { public static array $items = []; }',
          'class Controller {',
          '    public function f($x) {',
          '        Registry::$items[uniqid()] = $x;',
          '        if (count(Registry::$items) > 1000) { array_shift(Registry::$items); }',
          '    }',
          '}',
        ),
      },
      {
        name: 'request superglobal key and ++ on a keyed counter',
        profile: LR,
        code: php('<?php', 'class S {', '    private static array $hits = [];', "    public function f() { self::$hits[$_GET['page']]++; }", '}'),
        errors: [{ line: 4, column: 27, endColumn: 53, message: 'request input ($_GET)' }],
      },
      {
        name: 'a reset in the constructor does not count',
        profile: LR,
        code: php(
          '<?php',
          'class K {',
          '    private static array $log = [];',
          '    public function __construct() { self::$log = []; }',
          '    public function f($x) { self::$log[] = $x; }',
          '}',
        ),
        errors: [{ line: 5, column: 29, endColumn: 41 }],
        output: php(
          '<?php',
          'class K {',
          '    private static array $log = [];',
          '    public function __construct() { self::$log = []; }',
          '    public function f($x) { self::$log[] = $x;',
          '    if (count(self::$log) > 1000) { array_shift(self::$log); } }',
          '}',
        ),
      },
      {
        name: 'a lazy `= []` is neither a reset nor an eviction',
        profile: LR,
        code: php(
          '<?php',
          'class Z {',
          '    private static ?array $seen = null;',
          '    public static function init() { if (self::$seen === null) { self::$seen = []; } }',
          '    public function f($x) {',
          '        if (empty(self::$seen)) { self::$seen = []; }',
          '        self::$seen[] = $x;',
          '    }',
          '}',
        ),
        errors: [{ line: 7, column: 9, endColumn: 22, message: '`Z::$seen`' }],
      },
      {
        name: 'one finding per container and function, at the first write',
        profile: LR,
        code: php(
          '<?php',
          'class D {',
          '    public static $a = [];',
          '    public function f($x) {',
          '        self::$a[] = $x;',
          '        self::$a[] = $x;',
          '    }',
          '    public function g($x) { D::$a[] = $x; }',
          '}',
        ),
        errors: [
          { line: 5, column: 9, message: '`D::$a`' },
          { line: 8, column: 29, message: '`D::$a`' },
        ],
      },
      {
        name: 'CRLF and a trailing comment: the check goes on the next line, with the file\'s EOL',
        profile: LR,
        code: '<?php\r\nclass E {\r\n\tprivate static array $m = [];\r\n\tfunction f($k) {\r\n\t\tself::$m[$k] ??= compute($k); // memoise\r\n\t}\r\n}\r\n',
        errors: [{ line: 5, column: 3, endColumn: 15, message: 'parameter `$k`' }],
        output:
          '<?php\r\nclass E {\r\n\tprivate static array $m = [];\r\n\tfunction f($k) {\r\n\t\tself::$m[$k] ??= compute($k); // memoise\r\n\t\tif (count(self::$m) > 1000) { array_shift(self::$m); }\r\n\t}\r\n}\r\n',
      },
      {
        name: 'columns count UTF-16 code units after non-ASCII text',
        profile: LR,
        code: php('<?php', '// Größe 😀 日本', 'class U { public static $x = []; function f($v) { /* 😀 ü */ self::$x[] = $v; } }'),
        errors: [{ line: 3, column: 62, endColumn: 72 }],
      },
      {
        name: 'no fix where the type is unknown (undeclared inherited static)',
        profile: LR,
        code: php('<?php', 'class Child extends Base {', '    public function f($x) { static::$pool[] = $x; }', '}'),
        errors: [{ line: 3, column: 29, endColumn: 44, message: '`Child::$pool`' }],
      },
    ],
  },
  { language: 'php', path: '/app/app/controller/Test.php' },
);

describe('php-unbounded-static-growth on the webman demo', () => {
  before(() => initEngine());
  const demo = (name: string) => {
    const file = path.join(__dirname, '../../../examples/webman-app/app/controller', name);
    return { path: file, text: fs.readFileSync(file, 'utf8'), language: 'php' as const };
  };

  it('UserController: one finding on static::$seen[] under long-running, none under fpm', () => {
    const doc = demo('UserController.php');
    const lr = analyze(doc, { profile: 'long-running' }, [rule]);
    assert.deepStrictEqual(lr.failures, []);
    assert.deepStrictEqual(
      lr.findings.map((f) => [f.range.start.line + 1, f.range.start.character + 1, doc.text.split('\n')[f.range.start.line].slice(f.range.start.character, f.range.end.character)]),
      [[16, 9, 'static::$seen[]']],
    );
    assert.match(lr.findings[0].hover ?? '', /Profile: long-running/);
    assert.strictEqual(lr.findings[0].fixes?.[0].title, 'Bound the cache: keep the last 1000 entries');
    assert.strictEqual(lr.findings[0].related?.[0].range.start.line, 8);
    assert.deepStrictEqual(analyze(doc, { profile: 'fpm' }, [rule]).findings, []);
  });

  it('CacheController: store() keyed by time() is reported, remember() is bounded', () => {
    const doc = demo('CacheController.php');
    const res = analyze(doc, { profile: 'long-running' }, [rule]);
    assert.deepStrictEqual(res.failures, []);
    assert.strictEqual(res.findings.length, 1);
    assert.strictEqual(res.findings[0].range.start.line + 1, 14);
    assert.match(res.findings[0].message, /time\(\)/);
  });

  it('the rule is registered and runs with the default rule set', () => {
    const doc = demo('UserController.php');
    const res = analyze(doc, { profile: 'long-running' });
    // index() is a webman controller action and the append is unconditional: every request grows it.
    assert.ok(res.findings.some((f) => f.ruleId === 'php-unbounded-static-growth' && f.severity === 'error' && /every request handled by the webman controller action `UserController::index\(\)`/.test(f.message)));
  });
});
