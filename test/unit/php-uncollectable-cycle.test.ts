// php-uncollectable-cycle: WeakMap entries whose value holds the key, and
// closures bound to $this stored in a resource the object owns.
import rule from '../../server/src/engine/rules/php-uncollectable-cycle';
import { ruleTester } from './rule-tester';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LR = 'long-running' as const;

ruleTester(
  rule,
  {
    valid: [
      {
        name: 'a WeakMap entry whose value is null or another object',
        profile: LR,
        code: php(
          'class Provider {',
          '    private \\WeakMap $tracers;',
          '    public function __construct() { $this->tracers = new \\WeakMap(); }',
          '    public function get(string $n) {',
          '        $t = new Tracer($n);',
          '        $this->tracers[$t] = null;',
          '        $this->tracers->offsetSet($t, $n);',
          '        return $t;',
          '    }',
          '}',
        ),
      },
      {
        name: 'an ordinary array keyed and valued by the same object id (not a WeakMap: other rules decide)',
        profile: LR,
        code: php('class P {', '    private array $m = [];', '    public function add($o) { $this->m[$o] = $o; }', '}'),
      },
      {
        name: 'a static closure in the resource, a closure in a local resource nobody keeps',
        profile: LR,
        code: php(
          'class Conn {',
          '    private $reader;',
          '    public function __construct() {',
          '        $this->reader = phpiredis_reader_create();',
          '        phpiredis_reader_set_status_handler($this->reader, static function ($p) { return $p; });',
          '        $tmp = phpiredis_reader_create();',
          '        phpiredis_reader_set_error_handler($tmp, function ($p) { return $this->fail($p); });',
          '    }',
          '}',
        ),
      },
      {
        name: 'fpm: the process ends with the request',
        code: php('class P {', '    private \\WeakMap $m;', '    public function add($o) { $this->m[$o] = $o; }', '}'),
      },
    ],
    invalid: [
      {
        name: 'WeakMap value holds the key: assignment and offsetSet, typed or assigned new WeakMap',
        profile: LR,
        code: php(
          'class Provider {',
          '    private \\WeakMap $tracers;',
          '    private $meters;',
          '    public function __construct() { $this->meters = new WeakMap; }',
          '    public function tracer() {',
          '        $t = new Tracer();',
          '        $this->tracers->offsetSet($t, $t);',
          '        return $t;',
          '    }',
          '    public function meter() {',
          '        $m = new Meter();',
          '        $this->meters[$m] = [$m, time()];',
          '    }',
          '}',
        ),
        errors: [
          { line: 8, column: 9, severity: 'warning', message: /WeakMap value holds its own key `\$t`/ },
          { line: 13, column: 9, severity: 'warning', message: /`\$this->meters`/ },
        ],
      },
      {
        name: 'a bound closure stored in the own resource, directly and through a method returning it',
        profile: LR,
        code: php(
          'class Conn {',
          '    private $reader;',
          '    public function __construct() { $this->reader = $this->createReader(); }',
          '    private function createReader() {',
          '        $r = phpiredis_reader_create();',
          '        phpiredis_reader_set_status_handler($r, $this->statusHandler());',
          '        return $r;',
          '    }',
          '    private function statusHandler() {',
          '        return function ($payload) { return new Status($payload); };',
          '    }',
          '    public function reset() {',
          "        phpiredis_reader_set_error_handler($this->reader, [$this, 'onError']);",
          '    }',
          '}',
        ),
        errors: [
          { line: 11, column: 16, severity: 'warning', message: /stored in the resource `\$this->reader`/ },
          { line: 14, column: 59, severity: 'warning', message: /bound to `\$this`/ },
        ],
      },
    ],
  },
  { language: 'php', path: '/app/src/Lib.php' },
);
