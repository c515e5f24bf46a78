// php-instance-pinned: registrations holding their own instance that nothing
// but the destructor (or nothing at all) can remove.
import rule from '../../server/src/engine/rules/php-instance-pinned';
import { ruleTester } from './rule-tester';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LR = 'long-running' as const;

ruleTester(
  rule,
  {
    valid: [
      {
        name: 'a static watcher callback reaching the object\'s state by reference; cancelled in the destructor',
        profile: LR,
        code: php(
          'class Resolver {',
          '    private $sockets = [];',
          '    private $watcher;',
          '    public function __construct() {',
          '        $sockets = &$this->sockets;',
          '        $this->watcher = Loop::repeat(5000, static function () use (&$sockets) { $sockets = []; });',
          '    }',
          '    public function __destruct() { Loop::cancel($this->watcher); }',
          '}',
        ),
      },
      {
        name: 'a bound watcher that close() can also cancel',
        profile: LR,
        code: php(
          'class Thread {',
          '    private $w;',
          '    public function __construct() { $this->w = EventLoop::repeat(1, function () { $this->check(); }); }',
          '    public function close() { EventLoop::cancel($this->w); }',
          '    public function __destruct() { $this->close(); }',
          '}',
        ),
      },
      {
        name: 'a subscription on a token the instance made itself; the removal in another method works on another token',
        profile: LR,
        code: php(
          'class Combined {',
          '    private $token;',
          '    public function __construct() { $this->token = new Token(); $this->token->subscribe(function () { $this->x(); }); }',
          '}',
        ),
      },
      {
        name: 'a shutdown function of a singleton, and one with a static callback holding nothing of the instance',
        profile: LR,
        code: php(
          'class Registry {',
          '    private static $instance;',
          '    public static function get() { return self::$instance ??= new self(); }',
          "    private function __construct() { register_shutdown_function([$this, 'flush']); }",
          '}',
          'class Exporter {',
          '    public function __construct() { register_shutdown_function(static function () { gc_collect_cycles(); }); }',
          '}',
        ),
      },
      {
        name: 'a class kept in a static of another class is one per worker',
        profile: LR,
        code: php(
          'class Queue {',
          '    public function __construct() { register_shutdown_function(function () { $this->run(); }); }',
          '}',
          'class Utils {',
          '    public static function queue() { static $q; if (!$q) { $q = new Queue(); } return $q; }',
          '}',
        ),
      },
      {
        name: 'fpm profile',
        code: php('class P {', "    public function __construct() { register_shutdown_function([$this, 'shutdown']); }", '}'),
      },
    ],
    invalid: [
      {
        name: 'register_shutdown_function in the constructor: [$this, m], a bound closure, references to properties',
        profile: LR,
        code: php(
          'class Provider {',
          "    public function __construct() { register_shutdown_function([$this, 'shutdown']); }",
          '}',
          'class Worker {',
          '    private $context;',
          '    public function __construct($context) {',
          '        $this->context = $context;',
          '        $ctx = &$this->context;',
          '        register_shutdown_function(static function () use (&$ctx) { $ctx->kill(); });',
          '    }',
          '}',
        ),
        errors: [
          { line: 3, column: 37, severity: 'warning', message: /`register_shutdown_function\(\)` in the constructor keeps every `Provider` instance/ },
          { line: 10, column: 9, severity: 'warning', message: /references to `\$this->context`/ },
        ],
      },
      {
        name: 'a loop watcher and a token subscription bound to $this, removed only in __destruct',
        profile: LR,
        code: php(
          'class Resolver {',
          '    private $gc;',
          '    public function __construct() {',
          '        $this->gc = Loop::repeat(5000, function () { $this->collect(); });',
          '    }',
          '    public function __destruct() { Loop::cancel($this->gc); }',
          '}',
          'class Combined {',
          '    private $tokens = [];',
          '    public function __construct(Token ...$tokens) {',
          '        foreach ($tokens as $token) {',
          '            $id = $token->subscribe(function ($e) { $this->fail($e); });',
          '            $this->tokens[] = [$token, $id];',
          '        }',
          '    }',
          '    public function __destruct() {',
          '        foreach ($this->tokens as [$token, $id]) { $token->unsubscribe($id); }',
          '    }',
          '}',
        ),
        errors: [
          { line: 5, column: 21, severity: 'warning', message: /only `__destruct` removes it/ },
          { line: 13, column: 19, severity: 'warning', message: /`\$token->subscribe\(\)` keeps every `Combined` alive/ },
        ],
      },
    ],
  },
  { language: 'php', path: '/app/src/Lib.php' },
);
