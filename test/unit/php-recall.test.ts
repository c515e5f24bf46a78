// Recall of php-unbounded-static-growth on real library code (no request entry points,
// long-running profile): for each general cause of a missed leak, a case the rule must
// now report, and a bounded look-alike next to it that it must leave alone (or keep as
// information).
import * as assert from 'assert';
import { analyze, initEngine } from '../../server/src/engine';
import growth from '../../server/src/engine/rules/php-unbounded-static-growth';
import unproven from '../../server/src/engine/rules/php-unproven-static-growth';
import { UNPROVEN_ON } from './php-growth-helpers';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LIB = '/lib/src/Lib.php';

/**
 * Both halves of the growth rule, long-running profile: php-unbounded-static-growth (growth
 * with evidence that it follows the traffic: warnings here) and php-unproven-static-growth
 * (growth without such evidence; off by default, turned on here as information).
 */
function analyzeBoth(code: string, path = LIB) {
  const res = analyze({ path, text: code, language: 'php' }, { profile: 'long-running', rules: UNPROVEN_ON }, [growth, unproven]);
  assert.deepStrictEqual(res.failures, []);
  return res.findings;
}

/** [line, severity] of every finding ('information': reported by php-unproven-static-growth only). */
function run(code: string, path = LIB): Array<[number, string]> {
  return analyzeBoth(code, path).map((f) => {
    assert.strictEqual(f.ruleId, f.severity === 'information' ? 'php-unproven-static-growth' : 'php-unbounded-static-growth');
    return [f.range.start.line + 1, f.severity];
  });
}

function messages(code: string, path = LIB): string[] {
  return analyzeBoth(code, path).map((f) => f.message);
}

function hovers(code: string, path = LIB): string[] {
  return analyzeBoth(code, path).map((f) => f.hover ?? '');
}

describe('php recall: a nested array grown by merge, spread, union or string concatenation', () => {
  before(() => initEngine());

  it('invalid: `C[\'rows\'] = array_merge(C[\'rows\'], $x)` (Monolog ChromePHPHandler): a warning, `rows` being an accumulator', () => {
    const code = php(
      'class ChromeLike {',
      "    protected static $json = ['version' => 1, 'rows' => []];",
      '    public function handleBatch(array $records): void {',
      '        $messages = [];',
      '        foreach ($records as $record) { $messages[] = $record; }',
      '        if (!empty($messages)) {',
      "            self::$json['rows'] = array_merge(self::$json['rows'], $messages);",
      '        }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[8, 'warning']]);
    assert.match(messages(code)[0], /`ChromeLike::\$json`.* It is a static property.*array_merge\(\) appends the new entries on every call/);
    assert.match(hovers(code)[0], /`rows` is named like a list that gains an entry per event/);
  });

  it('invalid: spread, `+=` with new keys, string concatenation and a deeper path with a repeated key expression', () => {
    const code = php(
      'final class Store {',
      '    private static ?Store $instance = null;',
      "    private array $x = ['a' => []];",
      "    private static array $st = ['items' => [], 'map' => [], 'buf' => ''];",
      '    private function __construct() {}',
      '    public static function get(): self { return self::$instance ??= new self(); }',
      "    public function spread($v) { self::$st['items'] = [...self::$st['items'], $v]; }",
      "    public function union($k, $v) { self::$st['map'] += [$k => $v]; }",
      "    public function concat($s) { self::$st['buf'] = self::$st['buf'] . $s; }",
      "    public function deep($k, $more) { if (in_array($k, ['x', 'y'])) { $this->x['a'][$k] = array_merge($this->x['a'][$k], $more); } }",
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [8, 'information'],
      [9, 'information'],
      [10, 'information'],
      [11, 'information'],
    ]);
    const m = messages(code);
    assert.match(m[0], /rebuilds the array with the old entries plus new ones/);
    assert.match(m[1], /`\+=` adds the right-hand side's new keys/);
    assert.match(m[2], /appends to the string on every call/);
    assert.match(m[3], /`Store->x`.* It is a property of a long-lived object.*array_merge\(\) appends the new entries/);
  });

  it('a merge into a nested array at a key from the client: the key is the evidence', () => {
    const code = php(
      'class Buckets {',
      '    private static array $byClient = [];',
      '    public function add(string $clientIp, array $events) {',
      '        self::$byClient[$clientIp] = array_merge(self::$byClient[$clientIp] ?? [], $events);',
      '    }',
      '}',
    );
    // `?? []` makes the old value a different expression: not recognised as a self-merge,
    // but the key alone is already keyed growth by a client address.
    assert.deepStrictEqual(run(code), [[5, 'warning']]);
    const exact = php(
      'class Buckets {',
      '    private static array $byClient = [];',
      '    public function add(string $clientIp, array $events) {',
      '        self::$byClient[$clientIp] = array_merge(self::$byClient[$clientIp], $events);',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(exact), [[5, 'warning']]);
    assert.match(messages(exact)[0], /array_merge\(\) appends the new entries/);
    assert.match(hovers(exact)[0], /one entry per distinct clientIp/);
  });

  it('bounded look-alikes: another slot on the right, fixed keys, a number added, a rebuild from scratch', () => {
    const code = php(
      'class Cfg {',
      "    private static array $json = ['rows' => [], 'prev' => [], 'n' => 0];",
      '    public function copy(array $m) {',
      "        self::$json['rows'] = array_merge(self::$json['prev'], $m);",
      "        self::$json['rows'] = array_merge(self::$json['rows'], ['a' => 1, 'b' => 2]);",
      "        self::$json['rows'] += ['x' => 1];",
      "        self::$json['n'] += 1;",
      "        self::$json['n'] += $m['count'];",
      "        self::$json['rows'] = [...$m];",
      "        self::$json['prev'] = self::$json['rows'][0] . 'x';",
      '    }',
      '    public function other($k, array $m) {',
      "        if ($k === 'a' || $k === 'b') { self::$json[$k] = array_merge(self::$json['rows'], $m); }",
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php recall: chained resets', () => {
  before(() => initEngine());

  it('every container of `$this->a = $this->b = $this->c = []` is reset (Symfony InMemoryTransport::reset())', () => {
    const code = php(
      'final class Transport {',
      '    private static ?Transport $instance = null;',
      '    private array $sent = [];',
      '    private array $queue = [];',
      '    private array $rejected = [];',
      '    private function __construct() {}',
      '    public static function instance(): self { return self::$instance ??= new self(); }',
      '    public function send($e) { $this->sent[] = $e; $this->queue[] = $e; }',
      '    public function reject($e) { $this->rejected[] = $e; }',
      '    public function reset() { $this->sent = $this->queue = $this->rejected = []; }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('static properties: `self::$a = self::$b = []` resets both', () => {
    const code = php(
      'class Tracker {',
      '    private static array $sent = [];',
      '    private static array $queue = [];',
      '    public static function add($e) { self::$sent[] = $e; self::$queue[] = $e; }',
      "    public static function clear() { self::$sent = self::$queue = []; }",
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });

  it('invalid: a chain that stores a value, not a reset, bounds nothing', () => {
    const code = php(
      'class Tracker {',
      '    private static array $sent = [];',
      '    private static array $queue = [];',
      '    public static function add($e) { self::$sent[] = $e; self::$queue[] = $e; }',
      "    public static function copy() { self::$sent = self::$queue = self::$sent; }",
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [5, 'warning'],
      [5, 'warning'],
    ]);
  });
});

describe('php recall: a reset in a setter or set-up method is not a bound', () => {
  before(() => initEngine());

  it('invalid: `setTrustedHosts()` resets, `getHost()` appends: still reported', () => {
    const code = php(
      'class HostCache {',
      '    protected static array $trustedHosts = [];',
      '    protected static array $patterns = [];',
      '    public static function setTrustedHosts(array $hostPatterns) {',
      '        self::$patterns = $hostPatterns;',
      '        self::$trustedHosts = [];',
      '    }',
      '    public function check(string $host) { self::$trustedHosts[] = $host; }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[9, 'information']]);
  });

  it('set-up names: set_x(), configure…(), init…(), initialize(), boot…(), register…(), setUp(); not settle() or reset()', () => {
    const names = ['set_handlers', 'configureCache', 'init', 'initialize', 'bootIfNotBooted', 'registerAll', 'setUp'];
    for (const name of names) {
      const code = php(
        'class C {',
        '    private static array $log = [];',
        `    public static function ${name}() { self::$log = []; }`,
        '    public function add($e) { self::$log[] = $e; }',
        '}',
      );
      assert.deepStrictEqual(run(code), [[5, 'warning']], name);
    }
    for (const name of ['settle', 'reset', 'clear', 'flush', 'close', 'send', 'terminate', 'handleBatch']) {
      const code = php(
        'class C {',
        '    private static array $log = [];',
        `    public static function ${name}() { self::$log = []; }`,
        '    public function add($e) { self::$log[] = $e; }',
        '}',
      );
      assert.deepStrictEqual(run(code), [], name);
    }
  });

  it('a setter that rebuilds the container from what it is given bounds its own writes', () => {
    const code = php(
      'class Hosts {',
      '    private static array $hosts = [];',
      '    public static function setHosts(array $hosts) {',
      '        self::$hosts = [];',
      '        foreach ($hosts as $h) { self::$hosts[] = $h; }',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), []);
  });
});

describe('php recall: request input through local variables and the request class', () => {
  before(() => initEngine());

  it('invalid: Symfony Request::getHost(): the Host header, through `$host`, appended to a static list', () => {
    const code = php(
      'namespace Symfony\\Component\\HttpFoundation;',
      'class Request {',
      '    protected static $trustedHosts = [];',
      '    protected static $trustedHostPatterns = [];',
      '    public $headers;',
      '    public $server;',
      '    public static function setTrustedHosts(array $hostPatterns) {',
      '        self::$trustedHostPatterns = $hostPatterns;',
      '        self::$trustedHosts = [];',
      '    }',
      '    public function getHost() {',
      '        if ($this->isFromTrustedProxy() && $host = $this->getTrustedValues(1)) {',
      '            $host = $host[0];',
      "        } elseif (!$host = $this->headers->get('HOST')) {",
      "            if (!$host = $this->server->get('SERVER_NAME')) {",
      "                $host = $this->server->get('SERVER_ADDR', '');",
      '            }',
      '        }',
      "        $host = strtolower(preg_replace('/:\\d+$/', '', trim($host)));",
      '        if (\\count(self::$trustedHostPatterns) > 0) {',
      '            if (\\in_array($host, self::$trustedHosts)) {',
      '                return $host;',
      '            }',
      '            foreach (self::$trustedHostPatterns as $pattern) {',
      '                if (preg_match($pattern, $host)) {',
      '                    self::$trustedHosts[] = $host;',
      '                    return $host;',
      '                }',
      '            }',
      '        }',
      '        return $host;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[27, 'warning']]);
    assert.match(hovers(code)[0], /request input \(`\$this->headers` of the request class `Request`\).*via `\$host`/);
  });

  it('request classes by their parent or interface; PSR-7 getters; keys from `$this->query`', () => {
    const code = php(
      'use Psr\\Http\\Message\\ServerRequestInterface;',
      'use Illuminate\\Http\\Request as BaseRequest;',
      'class Incoming implements ServerRequestInterface {',
      '    private static array $hosts = [];',
      "    public function remember() { $h = $this->getHeaderLine('Host'); self::$hosts[] = $h; }",
      '}',
      'class Form extends BaseRequest {',
      '    private static array $seen = [];',
      "    public function note() { self::$seen[$this->query->get('q')] = true; }",
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [6, 'warning'],
      [10, 'warning'],
    ]);
  });

  it('a local variable followed to a parameter or a constant is no evidence; cycles terminate', () => {
    const code = php(
      'class Names {',
      '    private static array $a = [];',
      '    public function add($name) {',
      '        $n = trim($name);',
      '        $n = strtolower($n);',
      "        $m = 'x';",
      '        $c = $d; $d = $c;',
      '        self::$a[] = $n . $m . $c;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[9, 'information']]);
  });

  it('invalid: a local variable assigned from `$request` or `$_GET` is request input', () => {
    const code = php(
      'class Names {',
      '    private static array $a = [];',
      '    public function add($r) {',
      "        $q = $_GET['q'] ?? '';",
      '        $q = trim($q);',
      '        self::$a[] = $q;',
      '    }',
      '}',
    );
    assert.deepStrictEqual(run(code), [[7, 'warning']]);
    assert.match(hovers(code)[0], /request input \(\$_GET\).*via `\$q`/);
  });

  it('`$this->headers` of a class that is not a request (a response, a mail message): no evidence', () => {
    const code = php(
      'class Response {',
      '    private static array $sentHeaders = [];',
      '    public $headers;',
      "    public function send() { $h = $this->headers->get('X-Id'); self::$sentHeaders[] = $h; self::$sentHeaders[] = $this->headers->all(); }",
      '}',
      'class RequestHandler {',
      '    private static array $names = [];',
      "    public function run() { self::$names[] = $this->headers->get('X'); }",
      '}',
    );
    assert.deepStrictEqual(run(code), [
      [5, 'information'],
      [9, 'information'],
    ]);
  });
});

describe('php recall: a memo cache keyed by the data a function transforms', () => {
  before(() => initEngine());

  it('invalid: a static cache keyed by the escaped value (Symfony PhpEngine::escape shape) is a warning', () => {
    const code = [
      '<?php',
      'class Engine {',
      '    private static $escaperCache = [];',
      "    public function escape($value, string $context = 'html') {",
      '        if (is_scalar($value)) {',
      '            if (!isset(self::$escaperCache[$context][$value])) {',
      '                self::$escaperCache[$context][$value] = htmlspecialchars($value);',
      '            }',
      '            return self::$escaperCache[$context][$value];',
      '        }',
      '        return htmlspecialchars($value);',
      '    }',
      '}',
      '',
    ].join('\n');
    const res = analyze({ path: '/lib/Engine.php', text: code, language: 'php' }, { profile: 'long-running' }, [growth]);
    assert.deepStrictEqual(res.findings.map((f) => [f.range.start.line + 1, f.severity]), [[7, 'warning']]);
    assert.match(res.findings[0].message, /parameter `\$value`, the data the function works on/);
  });

  it('valid (no warning): the same cache keyed by a name of the code, or by a generic `$key`', () => {
    for (const param of ['name', 'key', 'class']) {
      const code = ['<?php', 'class Engine {', '    private static $cache = [];', `    public function get($${param}) {`, `        self::$cache[$${param}] = strlen($${param});`, '    }', '}', ''].join('\n');
      const res = analyze({ path: '/lib/Engine.php', text: code, language: 'php' }, { profile: 'long-running' }, [growth]);
      assert.deepStrictEqual(res.findings, [], param);
    }
  });
});
