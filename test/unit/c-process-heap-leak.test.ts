import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { initEngine } from '../../server/src/engine';
import { ruleTester, runC, src, rangeOf } from './c-helpers';

before(async () => {
  await initEngine();
});

const leakMalloc = src(
  'PHP_FUNCTION(leak_malloc)',
  '{',
  '    void *foo = malloc(2 * 1024 * 1024);',
  '    memset(foo, 0, 2 * 1024 * 1024);',
  '',
  '    RETURN_TRUE;',
  '}',
);

ruleTester(
  'c-process-heap-leak',
  [
    {
      name: 'malloc + free',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(10);', '    free(p);', '    RETURN_TRUE;', '}'),
    },
    {
      name: 'NULL check with braces, then free',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    char *p = malloc(10);',
        '    if (!p) {',
        '        RETURN_FALSE;',
        '    }',
        '    strcpy(p, "x");',
        '    free(p);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'unbraced p == NULL check returning',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(10);', '    if (p == NULL) RETURN_FALSE;', '    free(p);', '}'),
    },
    {
      name: 'allocation in the condition: if ((p = malloc(n)) == NULL) return;',
      code: src('PHP_FUNCTION(a)', '{', '    char *p;', '    if ((p = malloc(16)) == NULL) return;', '    free(p);', '}'),
    },
    {
      name: 'goto cleanup',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    char *p = malloc(10);',
        '    if (n < 0) goto cleanup;',
        '    if (n > 10) {',
        '        goto cleanup;',
        '    }',
        '    p[0] = 1;',
        'cleanup:',
        '    free(p);',
        '}',
      ),
    },
    {
      name: 'escapes: struct field, out-parameter, global, unknown function',
      code: src(
        'static void keep(my_obj *obj, char **out)',
        '{',
        '    char *a = malloc(1);',
        '    obj->buf = a;',
        '    char *b = malloc(2);',
        '    *out = b;',
        '    char *c = malloc(3);',
        '    global_cache = c;',
        '    char *d = malloc(4);',
        '    register_buffer(d);',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    keep(NULL, NULL);',
        '}',
      ),
    },
    {
      name: 'return p from a static helper transfers ownership',
      code: src('static char *dup_name(const char *s)', '{', '    char *p = strdup(s);', '    return p;', '}', 'PHP_FUNCTION(a)', '{', '    dup_name("x");', '}'),
    },
    {
      name: 'MINIT malloc kept in a global (lifecycle code is not request code)',
      code: src(
        'static char *table;',
        'PHP_MINIT_FUNCTION(memory)',
        '{',
        '    table = malloc(4096);',
        '    char *scratch = malloc(16);',
        '    return SUCCESS;',
        '}',
        'PHP_MSHUTDOWN_FUNCTION(memory)',
        '{',
        '    free(table);',
        '    return SUCCESS;',
        '}',
      ),
    },
    {
      name: 'static local keeps the block across requests',
      code: src('PHP_FUNCTION(a)', '{', '    static char *cache = NULL;', '    if (!cache) cache = malloc(64);', '    RETURN_TRUE;', '}'),
    },
    {
      name: 'pemalloc with a non-constant persistent flag is not judged',
      code: src('PHP_FUNCTION(a)', '{', '    zend_bool persistent;', '    char *p = pemalloc(10, persistent);', '}'),
    },
    {
      name: 'realloc consumes the old block',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    char *p = malloc(10);',
        '    p = realloc(p, 20);',
        '    free(p);',
        '}',
      ),
    },
    {
      name: 'a plain function called only from MINIT is set-up code (not reported)',
      code: src(
        'static void setup_tables(void)',
        '{',
        '    char *p = malloc(10);',
        '}',
        'PHP_MINIT_FUNCTION(x)',
        '{',
        '    setup_tables();',
        '    return SUCCESS;',
        '}',
      ),
    },
    {
      name: 'a start-up handler macro is lifecycle code',
      code: src('YAR_STARTUP_FUNCTION(service)', '{', '    char *p = malloc(10);', '    return SUCCESS;', '}'),
    },
    {
      name: 'broken code does not throw and reports nothing',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(10;', '    if (p {', '}', 'PHP_METHOD(', '#if'),
    },
    { name: 'empty file', code: '' },
  ],
  [
    {
      name: 'a plain C function whose callers are unknown is checked too',
      code: src('void exported_helper(void)', '{', '    char *p = malloc(10);', '}'),
      errors: [{ message: ['`p` = malloc(10 bytes) is never freed. The worker grows by ~10 bytes on every call'] }],
    },
    {
      name: 'a helper called from MINIT and from request code is request code',
      code: src(
        'static void fill(void)',
        '{',
        '    char *p = malloc(10);',
        '}',
        'PHP_MINIT_FUNCTION(x)',
        '{',
        '    fill();',
        '    return SUCCESS;',
        '}',
        'PHP_FUNCTION(y)',
        '{',
        '    fill();',
        '}',
      ),
      errors: [{ message: ['`p` = malloc(10 bytes) is never freed. The worker grows by ~10 bytes on every call'] }],
    },
    {
      name: 'a handler macro the API table does not list (PS_READ_FUNC) is request code',
      code: src('PS_READ_FUNC(mine)', '{', '    char *p = malloc(10);', '    return SUCCESS;', '}'),
      errors: [{ message: ['`p` = malloc(10 bytes) is never freed. The worker grows by ~10 bytes on every call'] }],
    },
    {
      name: 'PHP 5 thread-safety macros do not hide the function (TSRMLS_CC, TSRMLS_DC)',
      code: src(
        'static int h(int n TSRMLS_DC)',
        '{',
        '    char *p = malloc(n);',
        '    if (n > 10) return -1;',
        '    free(p);',
        '    return 0;',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    long n;',
        '    if (zend_parse_parameters(ZEND_NUM_ARGS() TSRMLS_CC, "l", &n) == FAILURE) return;',
        '    h(n TSRMLS_CC);',
        '}',
      ),
      errors: [{ message: ['`p` = malloc(n) is not freed on the path through line 4. The worker grows on every call that takes this path'] }],
    },
    {
      name: 'braces that balance only per configuration: the PHP 8 branch is analysed',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    char *p = malloc(10);',
        '#if PHP_VERSION_ID >= 70000',
        '    if (ZEND_NUM_ARGS() > 1) {',
        '#else',
        '    if (ZEND_NUM_ARGS() > 2) {',
        '#endif',
        '        return;',
        '    }',
        '    free(p);',
        '}',
      ),
      errors: [{ message: ['`p` = malloc(10 bytes) is not freed on the path through line 9. The worker grows by ~10 bytes on every call that takes this path'] }],
    },
    {
      name: 'the seed leak_malloc under long-running: only the free is offered (emalloc would still leak there)',
      code: leakMalloc,
      profile: 'long-running',
      errors: [{ message: ['`foo` = malloc(2 MB) is never freed'], preferred: 'Insert free(foo)', noFixes: ['Switch to the Zend allocator'] }],
    },
    {
      name: 'the seed leak_malloc: never freed, with size, both fixes',
      code: leakMalloc,
      errors: [
        {
          message: [
            '`foo` = malloc(2 MB) is never freed. The worker grows by ~2 MB on every call',
          ],
          range: [2, 16, 2, 39],
          severity: 'error',
          relatedLines: [5],
          // The fix that removes the leak first: switching to emalloc only moves it to request memory.
          preferred: 'Insert free(foo)',
          fixes: {
            'Switch to the Zend allocator: emalloc': src(
              'PHP_FUNCTION(leak_malloc)',
              '{',
              '    void *foo = emalloc(2 * 1024 * 1024);',
              '    memset(foo, 0, 2 * 1024 * 1024);',
              '',
              '    RETURN_TRUE;',
              '}',
            ),
            'Insert free(foo)': src(
              'PHP_FUNCTION(leak_malloc)',
              '{',
              '    void *foo = malloc(2 * 1024 * 1024);',
              '    memset(foo, 0, 2 * 1024 * 1024);',
              '',
              '    free(foo);',
              '    RETURN_TRUE;',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'error under long-running too',
      code: leakMalloc,
      profile: 'long-running',
      errors: [{ message: ['is never freed'], severity: 'error' }],
    },
    {
      name: 'leaks only on an early return; the Zend switch also rewrites the matching free()',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    char *p = strdup("abc");',
        '    if (n == 0) {',
        '        RETURN_FALSE;',
        '    }',
        '    free(p);',
        '    RETURN_TRUE;',
        '}',
      ),
      errors: [
        {
          message: ['`p` = strdup("abc") is not freed on the path through line 6', 'on every call that takes this path'],
          range: [3, 14, 3, 27],
          relatedLines: [5],
          fixes: {
            'Switch to the Zend allocator: estrdup': src(
              'PHP_FUNCTION(a)',
              '{',
              '    zend_long n;',
              '    char *p = estrdup("abc");',
              '    if (n == 0) {',
              '        RETURN_FALSE;',
              '    }',
              '    efree(p);',
              '    RETURN_TRUE;',
              '}',
            ),
            'Insert free(p)': src(
              'PHP_FUNCTION(a)',
              '{',
              '    zend_long n;',
              '    char *p = strdup("abc");',
              '    if (n == 0) {',
              '        free(p);',
              '        RETURN_FALSE;',
              '    }',
              '    free(p);',
              '    RETURN_TRUE;',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'PHP_METHOD form (call + separate block); falling off the end',
      code: src('PHP_METHOD(Foo, bar)', '{', '    char *p = calloc(4, 256);', '    p[0] = 0;', '}'),
      errors: [
        {
          message: ['`p` = calloc(1 kB) is never freed', '~1 kB'],
          range: [2, 14, 2, 28],
          relatedLines: [4],
          fixes: {
            'Insert free(p)': src('PHP_METHOD(Foo, bar)', '{', '    char *p = calloc(4, 256);', '    p[0] = 0;', '    free(p);', '}'),
            'Switch to the Zend allocator: ecalloc': src('PHP_METHOD(Foo, bar)', '{', '    char *p = ecalloc(4, 256);', '    p[0] = 0;', '}'),
          },
        },
      ],
    },
    {
      name: 'static PHP_METHOD form',
      code: src('static PHP_METHOD(Foo, baz)', '{', '    char *p = malloc(8);', '    RETURN_NULL();', '}'),
      errors: [{ message: ['`p` = malloc(8 bytes) is never freed'] }],
    },
    {
      name: 'persistent allocations: pemalloc(…, 1) and zend_string_init(…, 1)',
      code: src(
        'ZEND_FUNCTION(a)',
        '{',
        '    char *p = pemalloc(100, 1);',
        '    zend_string *s = zend_string_init("k", 1, 1);',
        '    RETURN_TRUE;',
        '}',
      ),
      errors: [
        { message: ['`p` = pemalloc(100 bytes) is never pefree()d'], fixes: { 'Insert pefree(p, 1)': src(
          'ZEND_FUNCTION(a)',
          '{',
          '    char *p = pemalloc(100, 1);',
          '    zend_string *s = zend_string_init("k", 1, 1);',
          '    pefree(p, 1);',
          '    RETURN_TRUE;',
          '}',
        ) } },
        { message: ['`s` = zend_string_init("k", 1, 1) is never released (zend_string_release)'] },
      ],
    },
    {
      name: 'a static helper called from request code',
      code: src('static void work(void)', '{', '    char *p = malloc(32);', '}', 'PHP_FUNCTION(a)', '{', '    work();', '}'),
      errors: [{ message: ['`p` = malloc(32 bytes) is never freed'], range: [2, 14, 2, 24] }],
    },
    {
      name: 'switch: one case leaks',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    char *p = malloc(10);',
        '    switch (n) {',
        '    case 1:',
        '        free(p);',
        '        break;',
        '    case 2:',
        '        RETURN_FALSE;',
        '    default:',
        '        free(p);',
        '    }',
        '}',
      ),
      errors: [{ message: ['on the path through line 10'], relatedLines: [9] }],
    },
    {
      name: 'reassignment loses the first block',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(10);', '    p = malloc(20);', '    free(p);', '}'),
      errors: [
        {
          message: ['`p` = malloc(10 bytes) is not freed before line 4 overwrites it'],
          range: [2, 14, 2, 24],
          relatedLines: [3],
          noFixes: ['Insert'],
        },
      ],
    },
    {
      name: 'allocation inside a loop, never freed',
      code: src('PHP_FUNCTION(a)', '{', '    int i;', '    for (i = 0; i < 3; i++) {', '        char *p = malloc(10);', '        p[0] = 0;', '    }', '}'),
      errors: [
        {
          message: ['`p` = malloc(10 bytes) is not freed before line 5 overwrites it'],
          range: [4, 18, 4, 28],
          relatedLines: [4, 7],
          noFixes: ['Insert'],
        },
      ],
    },
    {
      name: 'an unbraced `if (…) return;` exit: no insertion fix (it would need braces)',
      code: src('PHP_FUNCTION(a)', '{', '    zend_long n;', '    char *p = malloc(10);', '    if (n < 0) return;', '    free(p);', '}'),
      errors: [{ message: ['on the path through line 5'], noFixes: ['Insert'] }],
    },
    {
      name: 'ranges count UTF-16 code units (non-ASCII comment before the call)',
      code: src('PHP_FUNCTION(a)', '{', '    /* größe: 2 МБ — ☃ */ char *p = malloc(1 << 20);', '}'),
      errors: [{ message: ['malloc(1 MB)'], range: [2, 36, 2, 51] }],
    },
  ],
);

describe('c-process-heap-leak: the seed extension', () => {
  const file = path.resolve(__dirname, '../../../examples/ext-memory/memory.c');
  it('reports leak_malloc once, as an error, under both profiles', () => {
    const text = fs.readFileSync(file, 'utf8');
    for (const profile of ['fpm', 'long-running'] as const) {
      const found = runC(text, profile, 'c-process-heap-leak');
      assert.strictEqual(found.length, 1);
      assert.strictEqual(found[0].severity, 'error');
      assert.deepStrictEqual(rangeOf(found[0]), [16, 13, 16, 36]);
      assert.ok(found[0].hover?.includes('libc heap (malloc): process memory'));
      assert.ok(found[0].hover?.includes(`\`${profile === 'fpm' ? 'php-fpm' : profile}\``));
    }
  });
});
