// Precision of php-unbounded-static-growth on real library code (docs/accuracy.md,
// "PHP code", second round): for each general cause of false alarms found in the
// review, a case the rule must now leave alone (or report as information only),
// and a counterpart showing that the real leak next to it is still reported.
import * as assert from 'assert';
import { analyze, initEngine } from '../../server/src/engine';
import growth from '../../server/src/engine/rules/php-unbounded-static-growth';
import unproven from '../../server/src/engine/rules/php-unproven-static-growth';
import { UNPROVEN_ON } from './php-growth-helpers';
import { allRules } from '../../server/src/engine/registry';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LIB = '/lib/src/Lib.php';
const CONTROLLER = '/app/app/controller/UserController.php';

/** [line, severity] of every finding, long-running profile. */
function run(code: string, path = LIB): Array<[number, string]> {
  const res = analyze({ path, text: code, language: 'php' }, { profile: 'long-running' }, [growth]);
  assert.deepStrictEqual(res.failures, []);
  return res.findings.map((f) => [f.range.start.line + 1, f.severity]);
}

function messages(code: string, path = LIB): string[] {
  return analyze({ path, text: code, language: 'php' }, { profile: 'long-running' }, [growth]).findings.map((f) => f.message);
}

/** What php-unproven-static-growth reports when turned on (it is off by default). */
function runUnproven(code: string, path = LIB): Array<[number, string, string]> {
  const res = analyze({ path, text: code, language: 'php' }, { profile: 'long-running', rules: UNPROVEN_ON }, [growth, unproven]);
  assert.deepStrictEqual(res.failures, []);
  return res.findings.map((f) => [f.range.start.line + 1, f.ruleId, f.severity]);
}

/** Every rule with its defaults: what a user sees without settings. */
function runDefaults(code: string, path = LIB): string[] {
  return analyze({ path, text: code, language: 'php' }, { profile: 'long-running' }, allRules).findings.map((f) => `${f.range.start.line + 1} ${f.ruleId}`);
}

describe('php precision: no request entry point in the workspace (library code)', () => {
  before(() => initEngine());

  it('a boot-time registry (an append of a parameter, a keyed write by a plain parameter): silent by default, information from php-unproven-static-growth when enabled, saying why', () => {
    // (Methods named like registration APIs — addVcsPattern(), alias(), macro() — were
    // already left out unless reached; these names say nothing either way.)
    const code = php(
      'class Finder {',
      '    private static array $patterns = [];',
      '    private static array $handlers = [];',
      '    public static function remember($pattern) { self::$patterns[] = $pattern; }',
      '    public static function put($from, $to) { self::$handlers[$from] = $to; }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
    assert.deepStrictEqual(runDefaults(code), []);
    assert.deepStrictEqual(runUnproven(code), [
      [5, 'php-unproven-static-growth', 'information'],
      [6, 'php-unproven-static-growth', 'information'],
    ]);
    const res = analyze({ path: LIB, text: code, language: 'php' }, { profile: 'long-running', rules: UNPROVEN_ON }, [unproven]);
    assert.match(res.findings[0].message, /No request entry point in the workspace, and nothing shows that this runs per request/);
  });

  it('invalid: a key from the client (an IP parameter, an entity id, request input, the clock) stays a warning', () => {
    const code = php(
      'class IpUtils {',
      '    private static array $checked = [];',
      '    private static array $users = [];',
      '    private static array $paths = [];',
      '    private static array $byTime = [];',
      '    public static function check(string $requestIp, string $ip) {',
      "        $key = $requestIp . '-' . $ip;",
      '        return self::$checked[$key] = true;',
      '    }',
      '    public function remember($user) { self::$users[$user->id] = $user; }',
      '    public function seen($request) { self::$paths[$request->getPathInfo()] = 1; }',
      '    public function tick($v) { self::$byTime[time()] = $v; }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [9, 'warning'],
      [11, 'warning'],
      [12, 'warning'],
      [13, 'warning'],
    ]);
    // The two halves never report the same write: turning the unproven rule on adds nothing here.
    assert.deepStrictEqual(runUnproven(code).map(([, id]) => id).filter((id) => id !== 'php-unbounded-static-growth'), []);
    assert.match(messages(code)[0], /one entry per distinct requestIp \(a client address/);
  });

  it('invalid: an append of request input, in a function handed the request, or to a log/queue/temp-file list stays a warning', () => {
    const code = php(
      'use Psr\\Http\\Message\\ServerRequestInterface;',
      'class Recorder {',
      '    private static array $a = [];',
      '    private static array $b = [];',
      '    private static array $queryLog = [];',
      '    public function note($req) { self::$a[] = $req->get("q"); }',
      '    public function handle(ServerRequestInterface $r) { self::$b[] = microtime(true); }',
      '    public function logQuery(string $sql) { self::$queryLog[] = $sql; }',
      '    public static function addTempFile($file) { $GLOBALS["_tmp_files"][] = $file; }',
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [7, 'warning'],
      [8, 'warning'],
      [9, 'warning'],
      [10, 'warning'],
    ]);
  });

  it('object identity keys (spl_object_id/hash, `$this->getId()`): unproven without entry points (off by default)', () => {
    const code = php(
      'trait HasGlobalScopes {',
      '    protected static array $globalScopes = [];',
      '    public static function addGlobalScope($scope) { static::$globalScopes[static::class][spl_object_hash($scope)] = $scope; }',
      '}',
      'class Encoder {',
      '    private static array $share = [];',
      '    public function init() { self::$share[$this->getShareId()] = $this->map; }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
    assert.deepStrictEqual(runUnproven(code), [
      [4, 'php-unproven-static-growth', 'information'],
      [8, 'php-unproven-static-growth', 'information'],
    ]);
  });
});

describe('php precision: with request entry points, reachability decides (the evidence rule does not apply)', () => {
  before(() => initEngine());

  it('invalid: a plain parameter append reached on every request is an error, spl_object_id too', () => {
    const code = php(
      'namespace app\\controller;',
      'class UserController {',
      '    private static array $seen = [];',
      '    private static array $objs = [];',
      '    public function index($x) { $this->keep($x); self::$objs[spl_object_id($x)] = $x; return "ok"; }',
      '    private function keep($x) { self::$seen[] = $x; }',
      '}',
    );
    assert.deepStrictEqual(run(code, CONTROLLER), [
      [6, 'error'],
      [7, 'error'],
    ]);
  });
});

describe('php precision: bounded key patterns (no finding at all)', () => {
  before(() => initEngine());

  it('per-class caches keyed by reflection: property/method names, `->name` of a ReflectionClass, start lines', () => {
    const code = php(
      'class Caster {',
      '    private static array $props = [];',
      '    private static array $lines = [];',
      '    public static function castObject($obj, string $class) {',
      '        foreach ((new \\ReflectionClass($class))->getProperties() as $prop) {',
      '            self::$props[$class][$prop->name] = true;',
      '        }',
      '    }',
      '    public static function cache(\\ReflectionClass $class) {',
      '        static $cache = [];',
      '        return $cache[$class->name] ??= $class->getDocComment();',
      '    }',
      '    public static function traits(\\ReflectionClass $refl, string $file) {',
      '        foreach ($refl->getMethods() as $method) { self::$lines[$file][$method->getStartLine()] = $refl->name; }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: a per-class cache whose inner key is an entity id is still reported', () => {
    const code = php(
      'class Repo {',
      '    private static array $rows = [];',
      '    public function find(string $class, $row) { self::$rows[$class][$row->id] = $row; }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[4, 'warning']]);
  });

  it('keys that name the code or its configuration: a section, a component, an abstract, a type, a command, a rule', () => {
    const code = php(
      'class Views {',
      '    protected static array $parentPlaceholder = [];',
      '    protected static array $componentClasses = [];',
      '    private static array $resolved = [];',
      '    private array $component = [];',
      '    public static function parentPlaceholder($section = "") {',
      '        return static::$parentPlaceholder[$section] ??= sha1($section);',
      '    }',
      '    public function classForComponent() { return static::$componentClasses[$this->component] = "X"; }',
      '    public static function resolve($abstract, $type, $command, $rule) {',
      '        self::$resolved[$abstract][$type] = true;',
      '        self::$resolved[$command][$rule] = true;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: a code-like name taken from the request is request input', () => {
    const code = php(
      'class Sorter {',
      '    private static array $byColumn = [];',
      '    public function sort($request, $rows) {',
      "        $column = $request->get('sort');",
      '        self::$byColumn[$column] = $rows;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[6, 'warning']]);
    assert.match(messages(code)[0], /request input.*via `\$column`/);
  });

  it('registries filled from configuration or by class introspection', () => {
    const code = php(
      'class Registry {',
      '    private static array $drivers = [];',
      '    private static array $methods = [];',
      '    public function boot(array $config) {',
      '        foreach ($config["drivers"] as $key => $d) { self::$drivers[$key] = $d; }',
      '        foreach ($this->options as $key => $d) { self::$drivers[$key] = $d; }',
      '        foreach (get_class_methods($this) as $m) { self::$methods[$m] = true; }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: a loop over request input is request input (a warning even without entry points)', () => {
    const code = php(
      'class Registry {',
      '    private static array $seen = [];',
      '    public function collect($request) {',
      '        foreach ($request->all() as $key => $v) { self::$seen[$key] = $v; }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[5, 'warning']]);
    assert.match(messages(code)[0], /request input/);
  });

  it('`% n` keys and overwrites of the last entry (`C[count(C) - 1]`)', () => {
    const code = php(
      'class LockRegistry {',
      '    private static array $files = ["a", "b"];',
      '    private static array $opened = [];',
      '    private static array $json = ["rows" => []];',
      '    public static function open(string $resource) {',
      '        return self::$opened[crc32($resource) % \\count(self::$files)] = fopen("x", "r");',
      '    }',
      '    public static function overflow($row) {',
      '        self::$json["rows"][count(self::$json["rows"]) - 1] = $row;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: `C[count(C)]` (an append in disguise) and `crc32($k)` without the modulo are still reported', () => {
    const code = php(
      'namespace app\\controller;',
      'class UserController {',
      '    private static array $a = [];',
      '    private static array $b = [];',
      '    public function index($request) {',
      '        self::$a[count(self::$a)] = 1;',
      '        self::$b[crc32($request->get("k"))] = 1;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code, CONTROLLER), [
      [7, 'error'],
      [8, 'error'],
    ]);
  });
});
