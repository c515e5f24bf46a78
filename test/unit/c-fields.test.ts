// Ownership of struct fields across the functions of an extension (server/src/engine/c/fields.ts):
// a field that may still own a block overwritten or cleared without a release, and a free handler
// that releases a struct but not a field other functions fill. Synthetic code in the shapes of the
// real leak fixes (setters, `zend_hash_destroy` + NULL, object free handlers).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, initEngine } from '../../server/src/engine';
import { DiskWorkspace } from '../../server/src/engine/workspace';
import { runC, src } from './c-helpers';

before(async () => {
  await initEngine();
});

/** The field-ownership findings of a snippet (single-file mode), as `line: message` (1-based lines). */
function fieldFindings(code: string, ruleId = 'c-request-heap-leak'): string[] {
  return runC(code, 'fpm', ruleId)
    .filter((f) => /may still own a block|drops the block|zend_hash_destroy\(\), which|releases the struct without/.test(f.message))
    .map((f) => `${f.range.start.line + 1}: ${f.message}`);
}

/** An object with a name the constructor copies: the evidence that `obj->name` owns an estrdup()ed block. */
const prelude = [
  'typedef struct _my_obj {',
  '    char *name;',
  '    char *label;',
  '    HashTable *counts;',
  '    zend_object std;',
  '} my_obj;',
  'PHP_METHOD(My, __construct)',
  '{',
  '    my_obj *obj = Z_MYOBJ_P(ZEND_THIS);',
  '    obj->name = estrdup("x");',
  '}',
];

describe('C struct fields: overwrites', () => {
  it('a setter overwriting a field the constructor fills (estrndup) is a leak, reported at the store', () => {
    const code = src(
      ...prelude,
      'PHP_METHOD(My, setName)',
      '{',
      '    char *s; size_t n;',
      '    my_obj *obj = Z_MYOBJ_P(ZEND_THIS);',
      '    obj->name = estrndup(s, n);',
      '    RETURN_TRUE;',
      '}',
    );
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('16: `obj->name` is overwritten while it may still own a block. `obj->name = estrdup("x")` (My::__construct, line 10)'), got[0]);
  });

  it('the constructor itself (set-up code) is not reported', () => {
    assert.deepStrictEqual(fieldFindings(src(...prelude)), []);
  });

  it('a field set to NULL without a release drops the block', () => {
    const code = src(...prelude, 'PHP_METHOD(My, reset)', '{', '    my_obj *obj = Z_MYOBJ_P(ZEND_THIS);', '    obj->name = NULL;', '}');
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('15: `obj->name = NULL` drops the block the field may own'), got[0]);
  });

  it('zend_hash_destroy() then NULL: the HashTable struct ALLOC_HASHTABLE()d elsewhere is lost', () => {
    const code = src(
      ...prelude,
      'static void my_start(my_obj *obj)',
      '{',
      '    ALLOC_HASHTABLE(obj->counts);',
      '    zend_hash_init(obj->counts, 0, NULL, NULL, 0);',
      '}',
      'static void my_stop(my_obj *obj)',
      '{',
      '    if (obj->counts) {',
      '        zend_hash_destroy(obj->counts);',
      '        obj->counts = NULL;',
      '    }',
      '}',
    );
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('21: `obj->counts` is set to NULL after zend_hash_destroy()'), got[0]);
  });

  it('a global struct whose array is replaced on every call (the only store is this function)', () => {
    const code = src(
      'typedef struct { char **names; } my_globals_t;',
      'static my_globals_t my_globals;',
      'static char **my_names(zval *v)',
      '{',
      '    char **out = emalloc(sizeof(char *) * 4);',
      '    return out;',
      '}',
      'static void my_set(zval *args)',
      '{',
      '    my_globals.names = my_names(args);',
      '}',
    );
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('10: `my_globals.names` is overwritten'), got[0]);
  });

  it('malloc()ed fields are process memory (c-process-heap-leak)', () => {
    const code = src(
      'typedef struct { char *path; } conf_t;',
      'void conf_init(conf_t *c) { c->path = strdup("/tmp"); }',
      'PHP_FUNCTION(set_path)',
      '{',
      '    conf_t *c = my_conf();',
      '    c->path = strdup("/var");',
      '}',
    );
    assert.deepStrictEqual(fieldFindings(code), []);
    const got = fieldFindings(code, 'c-process-heap-leak');
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('6: `c->path` is overwritten'), got[0]);
  });

  const valid: Array<[string, string[]]> = [
    ['the setter frees the old value first', ['    efree(obj->name);', '    obj->name = estrdup(s);']],
    ['`if (p->f) efree(p->f); p->f = estrdup(x)`', ['    if (obj->name) efree(obj->name);', '    obj->name = estrdup(s);']],
    ['only when NULL: `if (!p->f) p->f = estrdup(x)`', ['    if (!obj->name) {', '        obj->name = estrdup(s);', '    }']],
    ['`== NULL` guard that returns', ['    if (obj->name != NULL) return;', '    obj->name = estrdup(s);']],
    ['the old value moved to a local, released after', ['    char *old = obj->name;', '    obj->name = estrdup(s);', '    efree(old);']],
    ['grown with erealloc(p->f, n)', ['    obj->name = erealloc(obj->name, 64);']],
    ['handed to a function first (it may free it)', ['    my_forget(obj->name);', '    obj->name = estrdup(s);']],
    ['cleared after a release: efree then NULL', ['    efree(obj->name);', '    obj->name = NULL;']],
    ['zend_hash_destroy then FREE_HASHTABLE then NULL', ['    zend_hash_destroy(obj->counts);', '    FREE_HASHTABLE(obj->counts);', '    obj->counts = NULL;']],
    ['a borrowed pointer (string literal) replaces a field', ['    obj->label = "none";']],
    ['the object is freshly allocated here', ['    obj = ecalloc(1, sizeof(*obj));', '    obj->name = estrdup(s);']],
    ['the struct is zeroed first', ['    memset(obj, 0, sizeof(*obj));', '    obj->name = estrdup(s);']],
    ['a struct handed to a helper that may release the field', ['    my_clear(obj);', '    obj->name = estrdup(s);']],
  ];
  for (const [name, body] of valid) {
    it(`valid: ${name}`, () => {
      const code = src(...prelude, 'PHP_METHOD(My, set)', '{', '    char *s = "v";', '    my_obj *obj = Z_MYOBJ_P(ZEND_THIS);', ...body, '}');
      assert.deepStrictEqual(fieldFindings(code), []);
    });
  }

  it('valid: a field only ever assigned borrowed values (a parameter, a literal, an addref()ed zend_string)', () => {
    const code = src(
      'typedef struct { char *tag; zend_string *key; } item_t;',
      'static void item_tag(item_t *it, char *tag) { it->tag = tag; }',
      'static void item_key(item_t *it, zend_string *k) { zend_string_addref(k); it->key = k; }',
      'static void item_reset(item_t *it) { it->tag = NULL; it->key = NULL; it->tag = "none"; }',
    );
    assert.deepStrictEqual(fieldFindings(code), []);
    assert.deepStrictEqual(fieldFindings(code, 'c-refcount-leak'), []);
  });

  it('valid: the only store is in this function (the free handler may be elsewhere)', () => {
    const code = src('PHP_METHOD(Foo, set)', '{', '    foo_obj *intern = Z_FOO_P(ZEND_THIS);', '    intern->value = estrdup("v");', '}');
    assert.deepStrictEqual(fieldFindings(code), []);
  });

  it('valid: a plain helper clearing a field of a struct it is given (ownership may hang on a flag it tests)', () => {
    const code = src(
      ...prelude,
      'static void my_detach(my_obj *obj)',
      '{',
      '    if (obj->label) obj->label = NULL;',
      '    obj->name = NULL;',
      '}',
    );
    assert.deepStrictEqual(fieldFindings(code), []);
  });

  it('valid: a compound guard `if (!p->f && x) p->f = estrdup(…)`', () => {
    const code = src(...prelude, 'PHP_METHOD(My, fill)', '{', '    my_obj *obj = Z_MYOBJ_P(ZEND_THIS);', '    if (!obj->name && ZEND_NUM_ARGS()) obj->name = estrdup("y");', '}');
    assert.deepStrictEqual(fieldFindings(code), []);
  });

  it('valid: a local struct (not a pointer) and a list node linked twice', () => {
    const code = src(
      'typedef struct node { struct node *next; char *s; } node;',
      'typedef struct { node *head; node *tail; } list;',
      'static void push(list *l, const char *s)',
      '{',
      '    node *n = emalloc(sizeof(*n));',
      '    n->s = estrdup(s);',
      '    if (l->tail) l->tail->next = n; else l->head = n;',
      '    l->tail = n;',
      '}',
      'static void drop_tail(list *l) { l->tail = NULL; }',
      'static void fill(void) { struct { char *buf; } a = {0}; a.buf = emalloc(4); use(a); a.buf = emalloc(8); use(a); }',
    );
    assert.deepStrictEqual(fieldFindings(code), []);
  });
});

describe('C struct fields: arrays of structs and the helpers that fill them', () => {
  it('valid: a loop filling each element of a new array, and the helper that fills one element', () => {
    const code = src(
      'typedef struct { char *fmt; int len; } field_t;',
      'static int fill_field(field_t *f) { f->fmt = estrdup("%s"); return 0; }',
      'PHP_FUNCTION(make)',
      '{',
      '    int i, n = 4;',
      '    field_t *all = emalloc(n * sizeof(field_t)), *cur;',
      '    for (i = 0, cur = all; i < n; i++, cur++) {',
      '        cur->fmt = estrdup("%d");',
      '    }',
      '    for (cur = all + 0; cur < all + n; cur += 1) cur->fmt = estrdup("%x");',
      '    keep(all);',
      '}',
    );
    assert.deepStrictEqual(fieldFindings(code), []);
  });

  it('a plain function replacing a field it stored itself earlier on the path is still reported', () => {
    const code = src(
      'typedef struct { char *fmt; } field_t;',
      'static void refill(field_t *f, int twice)',
      '{',
      '    f->fmt = estrdup("%s");',
      '    if (twice) f->fmt = estrdup("%d");',
      '}',
    );
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('5: `f->fmt` is overwritten'), got[0]);
  });
});

describe('C struct fields: free handlers', () => {
  const struct = [
    'typedef struct _stm_t {',
    '    char *name;',
    '    char *query;',
    '    HashTable bound;',
    '    zend_object std;',
    '} stm_t;',
    'stm_t *stm_init(const char *name, const char *query)',
    '{',
    '    stm_t *stm = ecalloc(1, sizeof(*stm));',
    '    stm->name = estrdup(name);',
    '    stm->query = estrdup(query);',
    '    zend_hash_init(&stm->bound, 0, NULL, NULL, 0);',
    '    return stm;',
    '}',
  ];

  it('a free handler releasing the struct without a field init fills, reported at the release of the struct', () => {
    const code = src(
      ...struct,
      'static void stm_free(stm_t *stm)',
      '{',
      '    efree(stm->name);',
      '    zend_hash_destroy(&stm->bound);',
      '    efree(stm);',
      '}',
    );
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('19: `efree(stm)` releases the struct without releasing its field `stm->query`. `stm->query = estrdup(query)` (stm_init, line 11)'), got[0]);
    const f = runC(code, 'fpm', 'c-request-heap-leak').find((x) => x.message.includes('releases the struct'))!;
    assert.deepStrictEqual(f.related?.map((r) => r.range.start.line), [10]);
  });

  const valid: Array<[string, string[], string[]]> = [
    ['it frees the field', ['    efree(stm->name);', '    zend_hash_destroy(&stm->bound);', '    if (stm->query) efree(stm->query);', '    efree(stm);'], []],
    [
      'it frees the field through a helper it calls',
      ['    efree(stm->name);', '    zend_hash_destroy(&stm->bound);', '    stm_teardown(stm);', '    efree(stm);'],
      // Two levels down, and through a call the fact table does not list as a release.
      ['static void stm_forget(stm_t *s) { my_drop(s->query); }', 'static void stm_teardown(stm_t *s) { stm_forget(s); }'],
    ],
    [
      'another function (a close method) releases the field',
      ['    efree(stm->name);', '    zend_hash_destroy(&stm->bound);', '    efree(stm);'],
      ['static void stm_close(stm_t *s) { efree(s->query); s->query = NULL; }'],
    ],
    ['a call through a function pointer may release anything', ['    efree(stm->name);', '    zend_hash_destroy(&stm->bound);', '    stm->dtor(stm);', '    efree(stm);'], []],
    ['not a free handler: one field released', ['    zend_hash_destroy(&stm->bound);', '    efree(stm);'], []],
  ];
  for (const [name, body, extra] of valid) {
    it(`valid: ${name}`, () => {
      const code = src(...struct, ...extra, 'static void stm_free(stm_t *stm)', '{', ...body, '}');
      assert.deepStrictEqual(fieldFindings(code), []);
    });
  }

  it('a setter that frees the old value before replacing it is not the release the handler relies on', () => {
    // The handler forgets `label`; the setter frees and replaces it: still the handler's leak.
    const code = src(
      'typedef struct { char *a; char *b; char *label; } box_t;',
      'static void box_label(box_t *x, const char *s) { if (x->label) efree(x->label); x->label = estrdup(s); }',
      'static void box_free(box_t *x) { efree(x->a); efree(x->b); efree(x); }',
    );
    const got = fieldFindings(code);
    assert.strictEqual(got.length, 1, JSON.stringify(got));
    assert.ok(got[0].startsWith('3: `efree(x)` releases the struct without releasing its field `x->label`'), got[0]);
  });
});

describe('C struct fields across the files of an extension', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-fields-'));
    fs.writeFileSync(path.join(dir, 'config.m4'), 'PHP_ARG_ENABLE(demo)\n');
    fs.writeFileSync(
      path.join(dir, 'php_demo.h'),
      src('ZEND_BEGIN_MODULE_GLOBALS(demo)', '    long n;', 'ZEND_END_MODULE_GLOBALS(demo)', 'typedef struct _conn_t {', '    char *host;', '    zend_object std;', '} conn_t;'),
    );
    fs.writeFileSync(path.join(dir, 'conn.c'), src('void conn_init(conn_t *c, const char *h)', '{', '    c->host = estrdup(h);', '}'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const main = src('#include "php_demo.h"', 'PHP_METHOD(Conn, setHost)', '{', '    conn_t *c = Z_CONN_P(ZEND_THIS);', '    c->host = estrdup("h");', '}');

  it('sees the store of another .c file (its per-file fact), with the related location in that file', () => {
    const file = path.join(dir, 'main.c');
    fs.writeFileSync(file, main);
    const workspace = new DiskWorkspace({ roots: [dir], include: ['**/*.c', '**/*.h'], exclude: [], maxFileSize: 1_000_000 });
    const r = analyze({ path: file, text: main, language: 'c' }, { profile: 'fpm', workspace });
    assert.deepStrictEqual(r.failures, []);
    const got = r.findings.filter((f) => f.ruleId === 'c-request-heap-leak');
    assert.strictEqual(got.length, 1, JSON.stringify(got.map((f) => f.message)));
    assert.ok(got[0].message.includes('`c->host = estrdup(h)` (conn_init, conn.c:3)'), got[0].message);
    assert.strictEqual(got[0].related?.[0].path, path.join(dir, 'conn.c'));
  });

  it('single-file mode: the other file is not in view (no finding)', () => {
    assert.deepStrictEqual(fieldFindings(main), []);
  });
});
