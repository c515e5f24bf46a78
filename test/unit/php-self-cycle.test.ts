// php-self-cycle: a constructor that makes the instance refer to itself, in a
// class with a release method that does not break the cycle.
import rule from '../../server/src/engine/rules/php-self-cycle';
import { ruleTester } from './rule-tester';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LR = 'long-running' as const;

ruleTester(
  rule,
  {
    valid: [
      {
        name: 'static closures and callables over references (the usual fix)',
        profile: LR,
        code: php(
          'class Worker {',
          '    private $context; private $onResolve; private $jobs = [];',
          '    public function __construct(Context $context) {',
          '        $this->context = $context;',
          '        $jobs = &$this->jobs;',
          '        $this->onResolve = static function ($e, $data) use (&$jobs) { unset($jobs[$data]); };',
          '        $this->check = static fn () => count($jobs);',
          '    }',
          '    public function kill(): void { $this->context->kill(); }',
          '}',
        ),
      },
      {
        name: 'a class without a release method: the cycle holds nothing that must be released',
        profile: LR,
        code: php(
          'class Builder {',
          '    private $expr; private $cb;',
          '    public function __construct() { $this->expr = new Expr($this); $this->cb = function () { return $this; }; }',
          '    public function close() { }',
          '}',
        ),
      },
      {
        name: 'the release method breaks the cycle (sets the property to null)',
        profile: LR,
        code: php(
          'class Client {',
          '    private $socket; private $onData;',
          '    public function __construct($socket) { $this->socket = $socket; $this->onData = [$this, "read"]; }',
          '    public function close(): void { fclose($this->socket); $this->onData = null; }',
          '}',
        ),
      },
      {
        name: 'the bound value is not stored on $this, or is stored outside the constructor',
        profile: LR,
        code: php(
          'class Conn {',
          '    private $h; private $release;',
          '    public function __construct(Handle $h) { $this->h = $h; $local = function () { $this->release(); }; $h->onClose($local); }',
          '    public function begin() { $this->release = $this->callableFromInstanceMethod("release"); }',
          '    public function close(): void { $this->h->close(); }',
          '}',
        ),
      },
      {
        name: 'one instance per process: an event-loop driver, a singleton',
        profile: LR,
        code: php(
          'namespace Amp\\Loop;',
          'class EvDriver extends Driver {',
          '    private $handle; private $ioCallback;',
          '    public function __construct() { $this->handle = new \\EvLoop(); $this->ioCallback = function ($e) { $this->invoke($e); }; }',
          '    public function __destruct() { $this->handle->stop(); }',
          '}',
          'class Registry {',
          '    private static $instance; private $h; private $cb;',
          '    public static function get() { return self::$instance ??= new self(); }',
          '    public function __construct() { $this->h = fopen("php://memory", "r"); $this->cb = [$this, "m"]; }',
          '    public function close() { fclose($this->h); }',
          '}',
        ),
      },
      {
        name: 'fpm: the objects die with the request',
        code: php(
          'class Conn {',
          '    private $h; private $release;',
          '    public function __construct(Handle $h) { $this->h = $h; $this->release = $this->callableFromInstanceMethod("release"); }',
          '    public function close(): void { $this->h->close(); }',
          '}',
        ),
      },
    ],
    invalid: [
      {
        name: 'a bound closure, an Amp callable maker, new Helper($this); close() and kill() do work on what is held',
        profile: LR,
        code: php(
          'class Conn {',
          '    private $h; private $release; private $expr;',
          '    public function __construct(Handle $h) {',
          '        $this->h = $h;',
          '        $this->release = $this->callableFromInstanceMethod("release");',
          '        $this->expr = new ExpressionBuilder($this);',
          '    }',
          '    public function close(): void { $this->h->close(); }',
          '}',
          'class Worker {',
          '    private $context; private $onResolve;',
          '    public function __construct(Context $context) {',
          '        $this->context = $context;',
          '        $this->onResolve = function ($e, $d) { $this->cancel($e); };',
          '    }',
          '    public function kill(): void { $this->context->kill(); }',
          '}',
        ),
        errors: [
          { line: 6, column: 9, severity: 'warning', message: /^`\$this->release` holds `\$this`: a dropped `Conn` lives, with what it holds, until the cycle collector runs\.$/ },
          { line: 7, column: 9, severity: 'warning', message: /`\$this->expr` holds/ },
          { line: 15, column: 9, severity: 'warning', message: /`\$this->onResolve` holds `\$this`: a dropped `Worker` lives/ },
        ],
      },
      {
        name: 'a destructor that releases: it runs only when the collector breaks the cycle; close() = null on a property counts as release',
        profile: LR,
        code: php(
          'class Proc {',
          '    private $p; private $onExit;',
          '    public function __construct() { $this->p = proc_open("x", [], $pipes); $this->onExit = Closure::fromCallable([$this, "exited"]); }',
          '    public function __destruct() { proc_terminate($this->p); }',
          '}',
          'class Db {',
          '    private $conn; private $schema;',
          '    public function __construct() { $this->schema = fn () => $this->conn; }',
          '    public function close() { $this->conn = null; }',
          '}',
        ),
        errors: [
          { line: 4, column: 76, severity: 'warning', message: /a dropped `Proc` is destructed only when the cycle collector runs/ },
          { line: 9, column: 37, severity: 'warning', message: /`\$this->schema`/ },
        ],
      },
    ],
  },
  { language: 'php', path: '/app/src/Lib.php' },
);
