import { initEngine } from '../../server/src/engine';
import { ruleTester, src } from './c-helpers';

before(async () => {
  await initEngine();
});

ruleTester(
  'c-refcount-leak',
  [
    { name: 'zend_string_copy returned with RETURN_STR', code: src('PHP_FUNCTION(a)', '{', '    zend_string *s = zend_string_copy(get_name());', '    RETURN_STR(s);', '}') },
    {
      name: 'zend_string_copy released',
      code: src('PHP_FUNCTION(a)', '{', '    zend_string *s = zend_string_copy(get_name());', '    php_printf("%s", ZSTR_VAL(s));', '    zend_string_release(s);', '    RETURN_TRUE;', '}'),
    },
    { name: 'ZVAL_COPY into an array (add_next_index_zval takes it)', code: src('PHP_FUNCTION(a)', '{', '    zval tmp;', '    ZVAL_COPY(&tmp, get_zv());', '    add_next_index_zval(return_value, &tmp);', '}') },
    { name: 'ZVAL_COPY into a hash (zend_hash_update takes it)', code: src('PHP_FUNCTION(a)', '{', '    zval tmp;', '    ZVAL_COPY(&tmp, get_zv());', '    zend_hash_update(ht, key, &tmp);', '    RETURN_TRUE;', '}') },
    { name: 'ZVAL_COPY then zval_ptr_dtor(&tmp)', code: src('PHP_FUNCTION(a)', '{', '    zval tmp;', '    ZVAL_COPY(&tmp, get_zv());', '    php_var_dump(&tmp, 1);', '    zval_ptr_dtor(&tmp);', '    RETURN_TRUE;', '}') },
    { name: 'Z_ADDREF_P then RETURN_ZVAL(zv, 0, 1) moves it', code: src('PHP_FUNCTION(a)', '{', '    zval *zv = get_zv();', '    Z_ADDREF_P(zv);', '    RETURN_ZVAL(zv, 0, 1);', '}') },
    { name: 'Z_ADDREF_P then ZVAL_OBJ(return_value, Z_OBJ_P(zv))', code: src('PHP_FUNCTION(a)', '{', '    zval *zv = get_zv();', '    Z_ADDREF_P(zv);', '    ZVAL_OBJ(return_value, Z_OBJ_P(zv));', '}') },
    { name: 'strpprintf into RETVAL_STR', code: src('PHP_FUNCTION(a)', '{', '    zend_string *s = strpprintf(0, "%d", 1);', '    RETVAL_STR(s);', '}') },
    { name: 'Z_ADDREF_P then stored in a struct', code: src('PHP_FUNCTION(a)', '{', '    zval *cb = get_zv();', '    Z_ADDREF_P(cb);', '    obj->cb = *cb;', '    RETURN_TRUE;', '}') },
  ],
  [
    {
      name: 'zend_string_copy never released',
      code: src('PHP_FUNCTION(a)', '{', '    zend_string *s = zend_string_copy(get_name());', '    php_printf("%s", ZSTR_VAL(s));', '    RETURN_TRUE;', '}'),
      errors: [
        {
          message: ['zend_string_copy(get_name()): the reference in `s` is never released (zend_string_release)'],
          range: [2, 21, 2, 49],
          severity: 'information',
          fixes: {
            'Insert zend_string_release(s)': src(
              'PHP_FUNCTION(a)',
              '{',
              '    zend_string *s = zend_string_copy(get_name());',
              '    php_printf("%s", ZSTR_VAL(s));',
              '    zend_string_release(s);',
              '    RETURN_TRUE;',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'long-running: error',
      profile: 'long-running',
      code: src('PHP_FUNCTION(a)', '{', '    zend_string *s = zend_string_concat2("a", 1, "b", 1);', '    RETURN_TRUE;', '}'),
      errors: [{ message: ['zend_string_concat2', 'never released', 'long-running runtime'], severity: 'error' }],
    },
    {
      name: 'ZVAL_COPY then RETURN_ZVAL(&tmp, 1, 0) copies again',
      code: src('PHP_FUNCTION(a)', '{', '    zval tmp;', '    ZVAL_COPY(&tmp, get_zv());', '    RETURN_ZVAL(&tmp, 1, 0);', '}'),
      errors: [{ message: ['ZVAL_COPY(&tmp, get_zv()): the reference', '`tmp`', 'zval_ptr_dtor'], relatedLines: [4] }],
    },
    {
      name: 'zend_string_dup not released on an early return',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_long n;',
        '    zend_string *s = zend_string_dup(get_name(), 0);',
        '    if (n) {',
        '        RETURN_FALSE;',
        '    }',
        '    RETURN_STR(s);',
        '}',
      ),
      errors: [
        {
          message: ['is not released (zend_string_release) on the path through line 6'],
          fixes: {
            'Insert zend_string_release(s)': src(
              'PHP_FUNCTION(a)',
              '{',
              '    zend_long n;',
              '    zend_string *s = zend_string_dup(get_name(), 0);',
              '    if (n) {',
              '        zend_string_release(s);',
              '        RETURN_FALSE;',
              '    }',
              '    RETURN_STR(s);',
              '}',
            ),
          },
        },
      ],
    },
    {
      name: 'Z_ADDREF_P then RETURN_ZVAL(zv, 1, 0) (one reference too many)',
      code: src('PHP_FUNCTION(a)', '{', '    zval *zv = get_zv();', '    Z_ADDREF_P(zv);', '    RETURN_ZVAL(zv, 1, 0);', '}'),
      errors: [{ message: ['Z_ADDREF_P(zv): the reference in `zv`'] }],
    },
  ],
);

ruleTester(
  'c-mismatched-free',
  [],
  [
    {
      name: 'efree on a pemalloc(…, 1) block: the fix is pefree(p, 1)',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = pemalloc(8, 1);', '    efree(p);', '}'),
      errors: [
        {
          message: ['released with efree(): use pefree()'],
          fixes: { 'Release it with pefree()': src('PHP_FUNCTION(a)', '{', '    char *p = pemalloc(8, 1);', '    pefree(p, 1);', '}') },
        },
      ],
    },
    {
      name: 'pefree(p, 0) on a malloc block: the fix is free(p)',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(8);', '    pefree(p, 0);', '}'),
      errors: [
        {
          message: ['released with pefree(): use free()'],
          fixes: { 'Release it with free()': src('PHP_FUNCTION(a)', '{', '    char *p = malloc(8);', '    free(p);', '}') },
        },
      ],
    },
    {
      name: 'a same-file helper releasing with efree given a malloc block: reported, no fix (the helper is not an API deallocator)',
      code: src('static void drop(char *s)', '{', '    efree(s);', '}', 'PHP_FUNCTION(a)', '{', '    char *p = malloc(8);', '    drop(p);', '}'),
      errors: [{ message: ['released with drop(): use free()'], noFixes: ['Release it with'] }],
    },
  ],
);
