// php-reset-not-forwarded: a decorator (it forwards its own methods to an object it holds)
// implementing a reset interface, whose reset() never touches that object.
import rule from '../../server/src/engine/rules/php-reset-not-forwarded';
import { ruleTester } from './rule-tester';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LR = 'long-running' as const;

ruleTester(
  rule,
  {
    valid: [
      {
        name: 'reset() forwards to the wrapped handler (directly, or through the getter)',
        profile: LR,
        code: php(
          'use Monolog\\ResettableInterface;',
          'class Filter implements ResettableInterface {',
          '    private $handler;',
          '    public function handle(array $r): bool { return $this->getHandler()->handle($r); }',
          '    public function getHandler() { return $this->handler; }',
          '    public function reset() { if ($this->getHandler() instanceof ResettableInterface) { $this->getHandler()->reset(); } }',
          '}',
          'class Direct implements ResettableInterface {',
          '    private $inner;',
          '    public function handle(array $r): bool { return $this->inner->handle($r); }',
          '    public function reset(): void { $this->inner->reset(); }',
          '}',
        ),
      },
      {
        name: 'no reset interface, or no forwarding of the same method (a plain collaborator)',
        profile: LR,
        code: php(
          'class NotResettable {',
          '    private $inner;',
          '    public function handle(array $r): bool { return $this->inner->handle($r); }',
          '    public function reset() { $this->count = 0; }',
          '}',
          'class Uses implements \\Symfony\\Contracts\\Service\\ResetInterface {',
          '    private $logger; private $seen = [];',
          '    public function handle($r) { $this->logger->info("x"); $this->seen = []; }',
          '    public function reset() { $this->seen = []; }',
          '}',
        ),
      },
      {
        name: "Symfony's ResetInterface: the container resets each tagged service itself, decorated ones included",
        profile: LR,
        code: php(
          'use Symfony\\Contracts\\Service\\ResetInterface;',
          'final class TraceableBus implements ResetInterface {',
          '    public function __construct(private Bus $decorated) {}',
          '    public function dispatch($m) { $this->calls[] = $m; return $this->decorated->dispatch($m); }',
          '    public function reset() { $this->calls = []; }',
          '}',
        ),
      },
      {
        name: 'fpm: the request ends anyway',
        code: php(
          'class Filter implements ResettableInterface {',
          '    private $handler;',
          '    public function handle(array $r): bool { return $this->handler->handle($r); }',
          '    public function reset() { $this->resetProcessors(); }',
          '}',
        ),
      },
    ],
    invalid: [
      {
        name: "Monolog's FilterHandler before the fix: reset() resets only its processors",
        profile: LR,
        code: php(
          'use Monolog\\ResettableInterface;',
          'class FilterHandler extends Handler implements ResettableInterface {',
          '    protected $handler;',
          '    public function handle(array $record): bool { $this->getHandler($record)->handle($record); return true; }',
          '    public function handleBatch(array $records): void { $this->getHandler()->handleBatch($records); }',
          '    public function getHandler(array $record = null) {',
          '        if (!$this->handler instanceof HandlerInterface) { $this->handler = ($this->handler)($record, $this); }',
          '        return $this->handler;',
          '    }',
          '    public function reset() { $this->resetProcessors(); }',
          '}',
        ),
        errors: [
          {
            line: 11,
            column: 21,
            severity: 'warning',
            message: /^`FilterHandler::reset\(\)` skips `\$this->handler`, which `handle\(\)` forwards to: its buffer outlives every reset\.$/,
          },
        ],
      },
      {
        name: 'a direct property (promoted), the method name as written',
        profile: LR,
        code: php(
          'use Monolog\\ResettableInterface;',
          'final class Sampling implements ResettableInterface {',
          '    public function __construct(private HandlerInterface $inner) {}',
          '    public function handleBatch(array $records): void { $this->inner->handleBatch($records); }',
          '    public function reset(): void { $this->count = 0; }',
          '}',
        ),
        errors: [{ line: 6, column: 21, severity: 'warning', message: /`Sampling::reset\(\)` skips `\$this->inner`, which `handleBatch\(\)` forwards to/ }],
      },
    ],
  },
  { language: 'php', path: '/app/src/Lib.php' },
);
