import * as assert from 'assert';
import { describeAt, parseIni, parseSize } from '../../server/src/engine';
import fpmMaxRequests from '../../server/src/engine/rules/fpm-max-requests';
import iniMemoryLimit from '../../server/src/engine/rules/ini-memory-limit-unbounded';
import { ruleTester } from './rule-tester';

ruleTester(
  fpmMaxRequests,
  {
    valid: [
      { name: 'a bound is set', code: '[www]\npm = dynamic\npm.max_requests = 500\n' },
      { name: 'the global section is not a pool', code: '[global]\npid = /run/php/php-fpm.pid\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n' },
      { name: 'no sections at all (an included fragment)', code: 'pm.max_children = 5\n' },
      { name: 'commented-out 0 does not count, the real value does', code: '[www]\n;pm.max_requests = 0\npm.max_requests = 1000 ; recycle\n' },
    ],
    invalid: [
      {
        name: 'explicit 0',
        code: '[www]\npm = dynamic\npm.max_requests = 0\n',
        errors: [{ line: 3, column: 1, endLine: 3, endColumn: 20, message: 'never recycled', severity: 'warning' }],
        output: '[www]\npm = dynamic\npm.max_requests = 500\n',
      },
      {
        name: 'missing: inserted after the last pm.* line, with its indentation',
        code: '[www]\nuser = www-data\n  pm = ondemand\n  pm.max_children = 5\nlisten = /run/php.sock\n',
        errors: [{ line: 1, column: 1, endColumn: 6, message: 'does not set pm.max_requests' }],
        output: '[www]\nuser = www-data\n  pm = ondemand\n  pm.max_children = 5\n  pm.max_requests = 500\nlisten = /run/php.sock\n',
      },
      {
        name: 'missing without any pm line: inserted after the header; CRLF kept',
        code: '[api]\r\nlisten = 9001\r\n',
        errors: [{ line: 1, column: 1, message: 'Pool [api]' }],
        output: '[api]\r\npm.max_requests = 500\r\nlisten = 9001\r\n',
      },
      {
        name: 'two pools, only the unbounded one is reported',
        code: '[global]\n[a]\npm.max_requests = 200\n[b]\npm.max_requests = 0\n',
        errors: [{ line: 5, column: 1, message: 'pool [b]' }],
        output: '[global]\n[a]\npm.max_requests = 200\n[b]\npm.max_requests = 500\n',
      },
    ],
  },
  { language: 'php-fpm-conf', path: '/etc/php/8.2/fpm/pool.d/www.conf' },
);

ruleTester(
  iniMemoryLimit,
  {
    valid: [
      { code: 'memory_limit = 256M\n' },
      { code: '; memory_limit = -1\nmemory_limit = 128M\n' },
      { code: '[www]\nenv[memory_limit] = -1\n', language: 'php-fpm-conf', name: 'env[] is not an ini setting' },
    ],
    invalid: [
      {
        code: '[PHP]\nmemory_limit = -1\n',
        errors: [{ line: 2, column: 1, endColumn: 18, message: 'no per-request memory bound' }],
        output: '[PHP]\nmemory_limit = 128M\n',
      },
      {
        name: 'php-fpm pool override',
        language: 'php-fpm-conf',
        code: '[www]\npm.max_requests = 100\nphp_admin_value[memory_limit] = -1 ; unlimited\n',
        errors: [{ line: 3, column: 1, message: 'php_admin_value[memory_limit] = -1' }],
        output: '[www]\npm.max_requests = 100\nphp_admin_value[memory_limit] = 128M ; unlimited\n',
      },
      {
        name: 'quoted value',
        code: 'memory_limit = "-1"\n',
        errors: [{ line: 1, column: 1 }],
        output: 'memory_limit = 128M\n',
      },
    ],
  },
  { language: 'ini', path: '/etc/php/8.2/cli/php.ini' },
);

describe('INI parser and key hovers', () => {
  it('parses sections, php_value directives, quotes and trailing comments', () => {
    const ini = parseIni('; c\n[www]\nphp_value[error_log] = "/var/log/a;b.log" ; note\nbroken line\n[x');
    assert.deepStrictEqual(ini.sections.map((s) => s.name), ['www']);
    assert.strictEqual(ini.entries.length, 1);
    assert.strictEqual(ini.entries[0].directive, 'php_value');
    assert.strictEqual(ini.entries[0].iniKey, 'error_log');
    assert.strictEqual(ini.entries[0].value, '/var/log/a;b.log');
    assert.deepStrictEqual(ini.invalid, [3, 4]);
  });

  it('reads PHP size shorthand', () => {
    assert.strictEqual(parseSize('256M'), 256 * 1024 * 1024);
    assert.strictEqual(parseSize('1g'), 1024 ** 3);
    assert.strictEqual(parseSize('512K'), 512 * 1024);
    assert.strictEqual(parseSize('-1'), -1);
    assert.strictEqual(parseSize('lots'), undefined);
  });

  it('explains what memory_limit bounds and what it does not, with the value in the file', () => {
    const text = '[PHP]\nmemory_limit = 256M\n';
    const md = describeAt({ path: '/php.ini', text, language: 'ini' }, { line: 1, character: 3 }) ?? '';
    assert.match(md, /\*\*Bounds:\*\*.*ONE request/);
    assert.match(md, /\*\*Does not bound:\*\*.*malloc/);
    assert.match(md, /Value in this file: `256M`/);
    assert.strictEqual(describeAt({ path: '/php.ini', text, language: 'ini' }, { line: 0, character: 1 }), undefined);
    assert.strictEqual(describeAt({ path: '/a.c', text, language: 'c' }, { line: 1, character: 3 }), undefined);
  });

  it('explains pm.max_requests in a pool file', () => {
    const md = describeAt({ path: '/www.conf', text: '[www]\npm.max_requests = 0\n', language: 'php-fpm-conf' }, { line: 1, character: 0 }) ?? '';
    assert.match(md, /caps ANY per-request leak/);
  });
});
