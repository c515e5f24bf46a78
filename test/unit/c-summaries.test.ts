// Function summaries (same file and workspace), same-file macro expansion, and
// process memory stored in globals by request code.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, initEngine } from '../../server/src/engine';
import { DiskWorkspace } from '../../server/src/engine/workspace';
import { ruleTester, runC, src } from './c-helpers';

before(async () => {
  await initEngine();
});

ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'a helper that releases its parameter (same file)',
      code: src(
        'static void drop_buf(char *s)',
        '{',
        '    if (!s) return;',
        '    efree(s);',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    char *b = emalloc(8);',
        '    drop_buf(b);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'a helper that hands its parameter over (RETURN_STR in a helper called with return_value)',
      code: src(
        'static void keep(zval *arr, zend_string *s)',
        '{',
        '    add_next_index_str(arr, s);',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    zend_string *s = zend_string_init("x", 1, 0);',
        '    keep(return_value, s);',
        '}',
      ),
    },
    {
      name: 'an allocator helper whose result is released',
      code: src(
        'static char *make(size_t n)',
        '{',
        '    char *b = emalloc(n);',
        '    return b;',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    char *b = make(4);',
        '    efree(b);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'a helper returning something else on some path is no allocator',
      code: src(
        'static char *pick(char *d, int n)',
        '{',
        '    if (n) return d;',
        '    return estrdup("x");',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    char *b = pick(get(), 1);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'a same-file macro that cleans up and returns (intl LOOKUP_CLEAN_RETURN)',
      code: src(
        '#define LOOKUP_CLEAN_RETURN(value)\tarray_cleanup(cur_arr, cur_arr_len); return (value)',
        'static void array_cleanup(char **arr, int n)',
        '{',
        '    int i;',
        '    for (i = 0; i < n; i++) efree(arr[i]);',
        '    efree(arr);',
        '}',
        'static zend_string *lookup_loc_range(HashTable *h)',
        '{',
        '    int cur_arr_len = 0;',
        '    char **cur_arr = ecalloc(zend_hash_num_elements(h), sizeof(char *));',
        '    if (!check(h)) {',
        '        LOOKUP_CLEAN_RETURN(NULL);',
        '    }',
        '    LOOKUP_CLEAN_RETURN(zend_string_init("x", 1, 0));',
        '}',
        'PHP_FUNCTION(lookup)',
        '{',
        '    RETURN_STR(lookup_loc_range(NULL));',
        '}',
      ),
    },
    {
      name: 'a same-file cleanup macro whose body frees (do { efree(p); p = NULL; } while (0))',
      code: src(
        '#define FREE_AND_NULL(p) do { efree(p); (p) = NULL; } while (0)',
        'PHP_FUNCTION(a)',
        '{',
        '    char *t = estrdup("x");',
        '    FREE_AND_NULL(t);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'a macro jumping to a cleanup label',
      code: src(
        '#define CHECK(x) if (!(x)) goto cleanup',
        'PHP_FUNCTION(a)',
        '{',
        '    char *t = estrdup("x");',
        '    CHECK(ok(t));',
        '    php_printf("%s", t);',
        'cleanup:',
        '    efree(t);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
  ],
  [
    {
      name: 'an allocator helper (same file): its call sites are allocations',
      code: src(
        'static char *make(size_t n)',
        '{',
        '    char *b = emalloc(n);',
        '    if (!b) return NULL;',
        '    return b;',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    char *b = make(4);',
        '    RETURN_TRUE;',
        '}',
      ),
      errors: [{ message: ['`b` = make(4) is never efree()d'], range: [8, 14, 8, 21] }],
    },
    {
      name: 'a helper that only reads its parameter keeps it owned by the caller',
      code: src(
        'static size_t count(const char *s)',
        '{',
        '    return strlen(s);',
        '}',
        'PHP_FUNCTION(a)',
        '{',
        '    char *x = estrdup("abc");',
        '    RETVAL_LONG(count(x));',
        '}',
      ),
      errors: [{ message: ['`x` = estrdup("abc") is never efree()d'] }],
    },
    {
      name: 'a returning macro leaves the block behind (expanded exit)',
      code: src(
        '#define FAIL_RETURN(msg) php_error_docref(NULL, E_WARNING, msg); RETURN_FALSE',
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    char *t = estrdup("x");',
        '    if (n) {',
        '        FAIL_RETURN("bad");',
        '    }',
        '    efree(t);',
        '    RETURN_TRUE;',
        '}',
      ),
      errors: [{ message: ['`t` = estrdup("x") is not efree()d on the path through line 7'], relatedLines: [6] }],
    },
  ],
);

ruleTester(
  'c-process-heap-leak',
  [
    {
      name: 'lazy one-time init of a global (if (!p) p = malloc(…))',
      code: src('static char *p;', 'PHP_FUNCTION(a)', '{', '    if (!p) p = malloc(1 << 20);', '    RETURN_TRUE;', '}'),
    },
    {
      name: 'a guard returning when the global is set',
      code: src('static char *p;', 'PHP_FUNCTION(a)', '{', '    if (p) {', '        RETURN_TRUE;', '    }', '    p = malloc(16);', '    RETURN_TRUE;', '}'),
    },
    {
      name: 'the old value freed before the store',
      code: src('static char *p;', 'PHP_FUNCTION(a)', '{', '    free(p);', '    p = strdup("x");', '    RETURN_TRUE;', '}'),
    },
    {
      name: 'malloc / pemalloc(…, 1) kept in a global in MINIT and GINIT',
      code: src(
        'static char *table;',
        'static char *t2;',
        'PHP_MINIT_FUNCTION(m)',
        '{',
        '    table = malloc(4096);',
        '    t2 = pemalloc(64, 1);',
        '    return SUCCESS;',
        '}',
        'PHP_GINIT_FUNCTION(m)',
        '{',
        '    table = malloc(4096);',
        '}',
      ),
    },
    {
      name: 'request memory kept in module globals (released in RSHUTDOWN)',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    MYEXT_G(buf) = emalloc(64);',
        '    ZEND_TSRMG(myext_globals_id, zend_myext_globals *, buf) = emalloc(64);',
        '    RETURN_TRUE;',
        '}',
        'PHP_RSHUTDOWN_FUNCTION(m)',
        '{',
        '    efree(MYEXT_G(buf));',
        '    return SUCCESS;',
        '}',
      ),
    },
    {
      name: 'a global freed later in the same call',
      code: src('static char *p;', 'PHP_FUNCTION(a)', '{', '    p = malloc(16);', '    use_it();', '    free(p);', '    p = NULL;', '    RETURN_TRUE;', '}'),
    },
  ],
  [
    {
      name: 'request code overwriting a file-level static with malloc (grows 1 MB per request)',
      code: src('static char *p;', 'PHP_FUNCTION(a)', '{', '    p = malloc(1 << 20);', '    memset(p, 0, 1 << 20);', '    RETURN_TRUE;', '}'),
      errors: [
        {
          message: ['`p` = malloc(1 MB) overwrites this global on every call without freeing', '~1 MB per call'],
          range: [3, 8, 3, 23],
          severity: 'error',
          relatedLines: [3],
        },
      ],
    },
    {
      name: 'a static local overwritten with pemalloc(…, 1)',
      code: src('PHP_FUNCTION(a)', '{', '    static char *cache;', '    cache = pemalloc(32, 1);', '    RETURN_TRUE;', '}'),
      errors: [{ message: ['`cache` = pemalloc(32 bytes) overwrites this global'] }],
    },
  ],
);

describe('C summaries across files of the workspace', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-ws-'));
    fs.writeFileSync(
      path.join(dir, 'util.c'),
      src('char *my_dup(const char *s)', '{', '    return estrdup(s);', '}', 'void my_release(char *s)', '{', '    efree(s);', '}'),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const main = src(
    'PHP_FUNCTION(a)',
    '{',
    '    char *x = my_dup("a");',
    '    char *y = emalloc(4);',
    '    my_release(y);',
    '    RETURN_TRUE;',
    '}',
  );

  it('uses the summaries of another .c file of the folder (allocator, releaser)', () => {
    const file = path.join(dir, 'main.c');
    fs.writeFileSync(file, main);
    const workspace = new DiskWorkspace({ roots: [dir], include: ['**/*.c'], exclude: [], maxFileSize: 1_000_000 });
    const r = analyze({ path: file, text: main, language: 'c' }, { profile: 'fpm', workspace });
    assert.deepStrictEqual(r.failures, []);
    const msgs = r.findings.filter((f) => f.ruleId === 'c-request-heap-leak').map((f) => f.message);
    assert.strictEqual(msgs.length, 1, JSON.stringify(msgs));
    assert.ok(msgs[0].includes('`x` = my_dup("a") is never efree()d'), msgs[0]);
  });

  it('single-file mode: the unknown calls are hand-overs (no finding)', () => {
    assert.deepStrictEqual(runC(main, 'fpm', 'c-request-heap-leak'), []);
  });
});

describe('C rules on very deep expressions', () => {
  it('a 60,000-term `a + a + …` does not overflow the stack; the rest of the file is analysed', function () {
    this.timeout(20_000);
    const terms = new Array(60_000).fill('a').join(' + ');
    const code = src(
      'PHP_FUNCTION(deep)',
      '{',
      `    long x = ${terms};`,
      '    RETURN_LONG(x);',
      '}',
      'PHP_FUNCTION(b)',
      '{',
      '    char *p = malloc(8);',
      '    RETURN_TRUE;',
      '}',
    );
    const found = runC(code, 'fpm');
    assert.deepStrictEqual(found.map((f) => [f.ruleId, f.range.start.line]), [['c-process-heap-leak', 7]]);
  });

  it('a deep expression inside an expanded same-file macro is not expanded (no overflow)', function () {
    this.timeout(20_000);
    const terms = new Array(20_000).fill('a').join(' + ');
    const code = src(
      `#define BIG(v) if (v) return ${terms}`,
      'static long f(long v)',
      '{',
      '    BIG(v);',
      '    return 0;',
      '}',
      'PHP_FUNCTION(b)',
      '{',
      '    RETURN_LONG(f(1));',
      '}',
    );
    assert.deepStrictEqual(runC(code, 'fpm'), []);
  });
});
