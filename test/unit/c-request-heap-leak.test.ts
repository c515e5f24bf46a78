import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { initEngine } from '../../server/src/engine';
import { ruleTester, runC, src, rangeOf } from './c-helpers';

before(async () => {
  await initEngine();
});

const leakEmalloc = src(
  'PHP_FUNCTION(leak_emalloc)',
  '{',
  '    ZEND_PARSE_PARAMETERS_NONE();',
  '',
  '    void *foo = emalloc(2 * 1024 * 1024);',
  '    memset(foo, 0, 2 * 1024 * 1024);',
  '',
  '    RETURN_TRUE;',
  '}',
);

const greet = src(
  'PHP_FUNCTION(greet)',
  '{',
  '    char *name;',
  '    size_t name_len;',
  '',
  '    ZEND_PARSE_PARAMETERS_START(1, 1)',
  '        Z_PARAM_STRING(name, name_len)',
  '    ZEND_PARSE_PARAMETERS_END();',
  '',
  '    char *buf = emalloc(name_len + 7);',
  '    if (name_len == 0) {',
  '        RETURN_FALSE;',
  '    }',
  '    snprintf(buf, name_len + 7, "Hello %s", name);',
  '    RETVAL_STRING(buf);',
  '    efree(buf);',
  '}',
);

ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'the seed no_leak: emalloc + efree',
      code: src(
        'PHP_FUNCTION(no_leak)',
        '{',
        '    ZEND_PARSE_PARAMETERS_NONE();',
        '    void *foo = emalloc(2 * 1024 * 1024);',
        '    memset(foo, 0, 2 * 1024 * 1024);',
        '    efree(foo);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'the seed make_greeting: RETURN_STR transfers the zend_string',
      code: src('PHP_FUNCTION(make_greeting)', '{', '    zend_string *s = zend_string_init("hello", sizeof("hello") - 1, 0);', '    RETURN_STR(s);', '}'),
    },
    {
      name: 'if (p) efree(p);',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = emalloc(10);', '    if (p) efree(p);', '}'),
    },
    {
      name: 'a flag decides both the allocation and the release',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_bool flag;',
        '    char *p = NULL;',
        '    if (flag) p = emalloc(10);',
        '    php_printf("working");',
        '    if (flag) efree(p);',
        '}',
      ),
    },
    {
      name: 'erealloc in a loop, efree after',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    size_t n = 0;',
        '    char *buf = emalloc(8);',
        '    while (more()) {',
        '        buf = erealloc(buf, n + 8);',
        '        n += 8;',
        '    }',
        '    efree(buf);',
        '}',
      ),
    },
    {
      name: 'transfers: RETVAL_STR, add_assoc_str, add_next_index_str, ZVAL_STR, PHP 5 RETURN_STRING(s, 0)',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zval z;',
        '    zend_string *s1 = zend_string_alloc(4, 0);',
        '    RETVAL_STR(s1);',
        '    zend_string *s2 = strpprintf(0, "%d", 1);',
        '    add_assoc_str(return_value, "k", s2);',
        '    zend_string *s3 = zend_string_init("x", 1, 0);',
        '    add_next_index_str(return_value, s3);',
        '    zend_string *s4 = zend_string_init("y", 1, 0);',
        '    ZVAL_STR(&z, s4);',
        '}',
        'PHP_FUNCTION(php5)',
        '{',
        '    char *p = estrdup("x");',
        '    RETURN_STRING(p, 0);',
        '}',
      ),
    },
    {
      name: 'RETVAL_STRING copies, then efree: clean',
      code: src('PHP_FUNCTION(a)', '{', '    char *buf = estrndup("abc", 3);', '    RETVAL_STRINGL(buf, 3);', '    efree(buf);', '}'),
    },
    {
      name: 'spprintf(&buf, …) then efree(buf)',
      code: src('PHP_FUNCTION(a)', '{', '    char *buf;', '    spprintf(&buf, 0, "%d", 42);', '    php_printf("%s", buf);', '    efree(buf);', '}'),
    },
    {
      name: 'released inside a ZEND_HASH_FOREACH body',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    HashTable *ht;',
        '    zval *v;',
        '    ZEND_HASH_FOREACH_VAL(ht, v) {',
        '        char *t = estrdup("x");',
        '        efree(t);',
        '    } ZEND_HASH_FOREACH_END();',
        '}',
      ),
    },
    {
      name: 'zend_parse_parameters failure before the allocation',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    char *s; size_t l;',
        '    if (zend_parse_parameters(ZEND_NUM_ARGS(), "s", &s, &l) == FAILURE) {',
        '        RETURN_THROWS();',
        '    }',
        '    char *p = safe_emalloc(l, 2, 1);',
        '    efree(p);',
        '}',
      ),
    },
    {
      name: 'do { … break; … } while (0) with the release after',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    char *p = ecalloc(1, 10);',
        '    do {',
        '        if (n) break;',
        '        p[0] = 1;',
        '    } while (0);',
        '    efree(p);',
        '}',
      ),
    },
    {
      name: 'stored in an object property struct',
      code: src('PHP_METHOD(Foo, set)', '{', '    foo_obj *intern = Z_FOO_P(ZEND_THIS);', '    char *p = estrdup("v");', '    intern->value = p;', '}'),
    },
  ],
  [
    {
      name: 'the seed leak_emalloc under fpm: information',
      code: leakEmalloc,
      errors: [
        {
          message: [
            '`foo` = emalloc(2 MB) is never efree()d. Freed at request end under php-fpm; it leaks on every call under a long-running runtime.',
          ],
          range: [4, 16, 4, 40],
          severity: 'information',
          relatedLines: [7],
          fixes: {
            'Insert efree(foo)': src(
              'PHP_FUNCTION(leak_emalloc)',
              '{',
              '    ZEND_PARSE_PARAMETERS_NONE();',
              '',
              '    void *foo = emalloc(2 * 1024 * 1024);',
              '    memset(foo, 0, 2 * 1024 * 1024);',
              '',
              '    efree(foo);',
              '    RETURN_TRUE;',
              '}',
            ),
          },
          noFixes: ['Switch to the Zend allocator'],
        },
      ],
    },
    {
      name: 'the seed leak_emalloc under long-running: error',
      code: leakEmalloc,
      profile: 'long-running',
      errors: [
        {
          message: ['is never efree()d. It leaks ~2 MB on every call under a long-running runtime.'],
          severity: 'error',
        },
      ],
    },
    {
      name: 'the seed greet: leaks on the RETURN_FALSE path only',
      code: greet,
      errors: [
        {
          message: ['`buf` = emalloc(name_len + 7) is not efree()d on the path through line 12', 'under php-fpm'],
          range: [9, 16, 9, 37],
          relatedLines: [11],
          fixes: {
            'Insert efree(buf)': greet.replace('        RETURN_FALSE;', '        efree(buf);\n        RETURN_FALSE;'),
          },
        },
      ],
    },
    {
      name: 'RETURN_STRING(buf) copies: buf still leaks; the fix returns through RETVAL_STRING',
      code: src('PHP_FUNCTION(a)', '{', '    char *buf = estrdup("hi");', '    RETURN_STRING(buf);', '}'),
      errors: [
        {
          message: ['`buf` = estrdup("hi") is never efree()d'],
          relatedLines: [3],
          fixes: {
            'Insert efree(buf)': src(
              'PHP_FUNCTION(a)',
              '{',
              '    char *buf = estrdup("hi");',
              '    RETVAL_STRING(buf);',
              '    efree(buf);',
              '    return;',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'a zend_string not released on an early return',
      code: src(
        'PHP_METHOD(Foo, bar)',
        '{',
        '    zend_bool flag;',
        '    zend_string *s = zend_string_init("x", 1, 0);',
        '    if (flag) {',
        '        RETURN_NULL();',
        '    }',
        '    RETURN_STR(s);',
        '}',
      ),
      errors: [
        {
          message: ['`s` = zend_string_init("x", 1, 0) is not released (zend_string_release) on the path through line 6'],
          fixes: {
            'Insert zend_string_release(s)': src(
              'PHP_METHOD(Foo, bar)',
              '{',
              '    zend_bool flag;',
              '    zend_string *s = zend_string_init("x", 1, 0);',
              '    if (flag) {',
              '        zend_string_release(s);',
              '        RETURN_NULL();',
              '    }',
              '    RETURN_STR(s);',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'pemalloc(…, 0) is request memory; the fix inserts before every leaking exit',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    char *p = pemalloc(64, 0);',
        '    if (n > 1) {',
        '        return;',
        '    }',
        '    p[0] = 0;',
        '}',
      ),
      errors: [
        {
          message: ['`p` = pemalloc(64 bytes) is never efree()d'],
          relatedLines: [5, 8],
          fixes: {
            'Insert efree(p)': src(
              'PHP_FUNCTION(a)',
              '{',
              '    zend_long n;',
              '    char *p = pemalloc(64, 0);',
              '    if (n > 1) {',
              '        efree(p);',
              '        return;',
              '    }',
              '    p[0] = 0;',
              '    efree(p);',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'zend_parse_parameters failure after the allocation leaks',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    char *s; size_t l;',
        '    char *p = emalloc(10);',
        '    if (zend_parse_parameters(ZEND_NUM_ARGS(), "s", &s, &l) == FAILURE) {',
        '        return;',
        '    }',
        '    efree(p);',
        '}',
      ),
      errors: [{ message: ['on the path through line 6'], relatedLines: [5] }],
    },
    {
      name: 'NULL check does not hide a leak on the other path (CRLF document)',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = emalloc(10);', '    if (!p) {', '        RETURN_FALSE;', '    }', '    RETURN_TRUE;', '}').replace(/\n/g, '\r\n'),
      errors: [
        {
          message: ['`p` = emalloc(10 bytes) is never efree()d'],
          relatedLines: [6],
          fixes: {
            'Insert efree(p)': src(
              'PHP_FUNCTION(a)',
              '{',
              '    char *p = emalloc(10);',
              '    if (!p) {',
              '        RETURN_FALSE;',
              '    }',
              '    efree(p);',
              '    RETURN_TRUE;',
              '}',
            ).replace(/\n/g, '\r\n'),
          },
        },
      ],
    },
  ],
);

describe('c-request-heap-leak: the seed extension', () => {
  const file = path.resolve(__dirname, '../../../examples/ext-memory/memory.c');
  const text = fs.readFileSync(file, 'utf8');
  it('fpm: leak_emalloc and greet, as information', () => {
    const found = runC(text, 'fpm', 'c-request-heap-leak');
    assert.deepStrictEqual(found.map(rangeOf), [
      [28, 13, 28, 37],
      [56, 13, 56, 34],
    ]);
    assert.ok(found.every((f) => f.severity === 'information'));
    assert.ok(found[1].message.includes('on the path through line 59'));
    assert.deepStrictEqual(found[1].related?.map((r) => r.range.start.line), [58]);
  });
  it('long-running: the same two, as errors, hover names the profile', () => {
    const found = runC(text, 'long-running', 'c-request-heap-leak');
    assert.strictEqual(found.length, 2);
    assert.ok(found.every((f) => f.severity === 'error'));
    assert.ok(found[0].hover?.includes('Zend request heap (emalloc)'));
    assert.ok(found[0].hover?.includes('`long-running`'));
    assert.ok(found[0].hover?.includes('never freed'));
  });
  it('no findings in no_leak or make_greeting', () => {
    const found = runC(text, 'long-running');
    const lines = found.map((f) => f.range.start.line);
    assert.ok(lines.every((l) => !(l >= 34 && l <= 44) && !(l >= 65 && l <= 70)), `lines ${lines}`);
  });
});

describe('C analysis robustness', () => {
  const samples = [
    '',
    '{{{{',
    'PHP_FUNCTION(',
    'PHP_FUNCTION(a) { char *p = emalloc(',
    'PHP_METHOD(A, b) { if (x) { goto nowhere; } }',
    'static int f(void) { switch (x) { case 1: break; } return 0; }',
    'PHP_FUNCTION(a) { for (;;) { char *p = emalloc(1); efree(p); } }',
    'PHP_FUNCTION(a) { while (1) { char *p = emalloc(1); if (p) break; } }',
    '#if X\nPHP_FUNCTION(a) {\n#else\nPHP_FUNCTION(b) {\n#endif\n}',
    'PHP_FUNCTION(a) { char *p = (char *) emalloc(1); RETURN_STRING(p, 1); }',
    'PHP_FUNCTION(a)\n{\n\tZEND_PARSE_PARAMETERS_START(1, 2)\n\t\tZ_PARAM_STR(s)\n\t\tZ_PARAM_OPTIONAL\n\tZEND_PARSE_PARAMETERS_END();\n}',
  ];
  for (const s of samples) {
    it(`does not throw on ${JSON.stringify(s.slice(0, 40))}`, () => {
      runC(s, 'fpm');
      runC(s, 'long-running');
    });
  }
  it('handles a large generated file', () => {
    const parts: string[] = [];
    for (let i = 0; i < 300; i++) {
      parts.push(`PHP_FUNCTION(f${i})\n{\n\tchar *p = emalloc(${i + 1});\n\tif (p) {\n\t\tefree(p);\n\t}\n}\n`);
    }
    assert.deepStrictEqual(runC(parts.join('\n'), 'long-running'), []);
  });
  it('many independent conditions do not blow up (and stay silent when clean)', () => {
    const conds = Array.from({ length: 40 }, (_, i) => `\tif (n${i}) { x${i}(); }`).join('\n');
    const decls = Array.from({ length: 40 }, (_, i) => `\tint n${i};`).join('\n');
    const code = `PHP_FUNCTION(a)\n{\n${decls}\n\tchar *p = emalloc(4);\n${conds}\n\tefree(p);\n}\n`;
    assert.deepStrictEqual(runC(code, 'long-running'), []);
  });
});
