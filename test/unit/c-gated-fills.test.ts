// Gating of session 7's lent strings and out-parameter fills after the at-rest review
// (/docs/accuracy.md, session 7): the consuming / releasing string calls the API table lists are
// not "lent", and a helper's out-parameter is an owned fill only when every return fills it.
import { initEngine } from '../../server/src/engine';
import { ruleTester, src } from './c-helpers';

before(async () => {
  await initEngine();
});

// zend_new_interned_string (a function-pointer variable), zend_string_safe_realloc,
// zend_tmp_string_release, zend_declare_typed_property's doc comment: handed over or released.
ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'zend_new_interned_string consumes its argument (zend_compile.c)',
      code: src(
        'static zend_string *intern(const char *s, size_t n)',
        '{',
        '    zend_string *str = zend_string_init(s, n, 0);',
        '    str = zend_new_interned_string(str);',
        '    return str;',
        '}',
      ),
    },
    {
      name: 'zend_string_safe_realloc consumes its argument and returns the new string (html.c)',
      code: src(
        'PHP_FUNCTION(f)',
        '{',
        '    zend_string *r = zend_string_alloc(8, 0);',
        '    r = zend_string_safe_realloc(r, 2, 8, 0, 0);',
        '    RETURN_NEW_STR(r);',
        '}',
      ),
    },
    {
      name: 'zend_tmp_string_release releases (zend_object_handlers.c)',
      code: src(
        'static void f(const char *s, size_t n)',
        '{',
        '    zend_string *tmp = zend_string_init(s, n, 0);',
        '    use_name(tmp);',
        '    zend_tmp_string_release(tmp);',
        '}',
      ),
    },
    {
      name: 'the doc comment given to zend_declare_typed_property is kept by the class',
      code: src(
        'static void decl(zend_class_entry *ce, zend_string *name, zval *def, const char *d, size_t n)',
        '{',
        '    zend_string *doc = zend_string_init(d, n, 0);',
        '    zend_declare_typed_property(ce, name, def, ZEND_ACC_PUBLIC, doc, (zend_type) ZEND_TYPE_INIT_NONE(0));',
        '}',
      ),
    },
  ],
  [],
);

// Out-parameter fills: only a helper filling on every return makes its caller own the output.
ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'a helper setting *error only on FAILURE: the caller is not told which (phar)',
      code: src(
        'static int open_it(const char *fn, char **error)',
        '{',
        '    if (!fn) {',
        '        spprintf(error, 0, "no file");',
        '        return FAILURE;',
        '    }',
        '    return SUCCESS;',
        '}',
        'PHP_FUNCTION(f)',
        '{',
        '    char *error = NULL;',
        '    open_it("x", &error);',
        '    RETURN_TRUE;',
        '}',
      ),
    },
    {
      name: 'a helper freeing and NULLing *data before failing (oci8)',
      code: src(
        'static int rd(size_t n, char **data)',
        '{',
        '    *data = emalloc(n);',
        '    if (n > 10) {',
        '        efree(*data);',
        '        *data = NULL;',
        '        return 1;',
        '    }',
        '    return 0;',
        '}',
        'PHP_FUNCTION(f)',
        '{',
        '    char *buf;',
        '    if (rd(4, &buf)) {',
        '        RETURN_FALSE;',
        '    }',
        '    efree(buf);',
        '}',
      ),
    },
    {
      name: 'an out-pointer into the object the helper returns (imagick *_object_new_ex)',
      code: src(
        'typedef struct { int x; zend_object zo; } obj_t;',
        'static zend_object *obj_new_ex(zend_class_entry *ce, obj_t **ptr)',
        '{',
        '    obj_t *intern = ecalloc(1, sizeof(obj_t));',
        '    if (ptr) {',
        '        *ptr = intern;',
        '    }',
        '    return &intern->zo;',
        '}',
        'static zend_object *clone_it(zend_class_entry *ce)',
        '{',
        '    obj_t *new_obj = NULL;',
        '    zend_object *o = obj_new_ex(ce, &new_obj);',
        '    return o;',
        '}',
      ),
    },
  ],
  [
    {
      name: 'a helper filling *out on every return: the caller owns it',
      code: src(
        'static void mk(size_t n, char **out)',
        '{',
        '    *out = emalloc(n);',
        '}',
        'PHP_FUNCTION(f)',
        '{',
        '    char *buf;',
        '    mk(4, &buf);',
        '    RETURN_TRUE;',
        '}',
      ),
      errors: [{ message: ['buf'] }],
    },
  ],
);
