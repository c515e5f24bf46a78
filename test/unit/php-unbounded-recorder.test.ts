// php-unbounded-recorder: recorders with no limit set up outside tests.
import rule from '../../server/src/engine/rules/php-unbounded-recorder';
import { ruleTester } from './rule-tester';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LR = 'long-running' as const;

ruleTester(
  rule,
  {
    valid: [
      {
        name: 'an ArrayCache with a size limit; another library\'s ArrayCache; history in a TestCase',
        profile: LR,
        code: php(
          'namespace App;',
          'use React\\Cache\\ArrayCache;',
          'use GuzzleHttp\\Middleware;',
          'class Factory {',
          '    public function cache() { return new ArrayCache(256); }',
          '    public function other() { return new \\Amp\\Cache\\ArrayCache(); }',
          '}',
          'class ClientTest extends \\PHPUnit\\Framework\\TestCase {',
          '    public function testIt() { $c = []; $h = Middleware::history($c); }',
          '}',
        ),
      },
      {
        name: 'fpm profile',
        code: php('use GuzzleHttp\\Middleware;', 'function client() { $c = []; return Middleware::history($c); }'),
      },
    ],
    invalid: [
      {
        name: 'history middleware in a client factory; ArrayCache without (or with a null) limit; a TestHandler in application code',
        profile: LR,
        code: php(
          'namespace App;',
          'use GuzzleHttp\\Middleware;',
          'use React\\Cache\\ArrayCache;',
          'use Monolog\\Handler\\TestHandler;',
          'class Factory {',
          '    public function client() {',
          '        $container = [];',
          '        $stack = HandlerStack::create();',
          '        $stack->push(Middleware::history($container));',
          '        return new Client(["handler" => $stack]);',
          '    }',
          '    public function cache() { return [new ArrayCache(), new ArrayCache(null)]; }',
          '    public function logger() { return new Logger("app", [new TestHandler()]); }',
          '}',
        ),
        errors: [
          { line: 10, column: 22, severity: 'warning', message: /`Middleware::history\(\)` grows with every request, without a limit\. It keeps every request, response/ },
          { line: 13, column: 39, message: /`new ArrayCache\(\)` grows with every request, without a limit\. It keeps one entry per distinct key/ },
          { line: 13, column: 57 },
          { line: 14, column: 58, message: /`new TestHandler\(\)`/ },
        ],
      },
    ],
  },
  { language: 'php', path: '/app/src/Factory.php' },
);
