// The shapes of real extension code the analysis follows (test/corpus/c-real.jsonl is measured
// with `npm run accuracy:c-real`; these pin each mechanism with a small case that fails when
// the mechanism is taken out): the macro pre-pass, one configuration of #if trees, zval locals,
// out-arguments unset on the failure edge, zvals known to hold scalars, helper results of PHP's
// string API, libc and library resources, ZEND_STRL arguments.
import * as assert from 'assert';
import { initEngine } from '../../server/src/engine';
import { evalCondition, preprocessC, resolveConditionals } from '../../server/src/engine/c/preprocess';
import { ruleTester, src } from './c-helpers';

before(async () => {
  await initEngine();
});

describe('C pre-pass (preprocess.ts)', () => {
  it('blanks PHP 5 thread-safety macros and attributes, keeping every offset and line', () => {
    const text = 'PHPAPI int f(int a TSRMLS_DC)\n{\n    TSRMLS_FETCH();\n    g(a TSRMLS_CC);\n}\n';
    const out = preprocessC(text);
    assert.strictEqual(out.length, text.length);
    assert.strictEqual(out.split('\n').length, text.split('\n').length);
    assert.ok(!/TSRMLS|PHPAPI/.test(out), out);
    assert.ok(out.includes('g(a          )'), out);
  });

  it('reads zend_try / zend_catch / zend_end_try as if / else', () => {
    const out = preprocessC('zend_try {\n a();\n} zend_catch {\n b();\n} zend_end_try();\n');
    assert.ok(out.startsWith('if (1)   {'), out);
    assert.ok(out.includes('} else       {'), out);
    assert.ok(out.includes('}               ;'), out);
  });

  it('leaves comments and strings alone', () => {
    const text = 'char *s = "TSRMLS_CC"; /* TSRMLS_CC */ // PHPAPI\n';
    assert.strictEqual(preprocessC(text), text);
  });

  it('evaluates #if conditions under a PHP 8.2 build without ZTS; unknown names stay undecided', () => {
    assert.strictEqual(evalCondition('PHP_VERSION_ID >= 70000'), 1);
    assert.strictEqual(evalCondition('PHP_MAJOR_VERSION < 7'), 0);
    assert.strictEqual(evalCondition('defined(ZTS)'), 0);
    assert.strictEqual(evalCondition('!defined(ZTS) && PHP_VERSION_ID >= 80000'), 1);
    assert.strictEqual(evalCondition('HAVE_LIBFOO'), undefined);
    assert.strictEqual(evalCondition('PHP_VERSION_ID < 70000 && HAVE_LIBFOO'), 0);
  });

  it('resolveConditionals keeps the active branch and blanks the rest, same length', () => {
    const text = ['#if PHP_VERSION_ID >= 70000', 'int a;', '#else', 'int b;', '#endif', ''].join('\n');
    const out = resolveConditionals(text);
    assert.strictEqual(out.length, text.length);
    assert.ok(out.includes('int a;') && !out.includes('int b;') && !out.includes('#'), out);
  });
});

ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'call_user_function: nothing to release on its FAILURE edge',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zval fn, retval;',
        '    if (call_user_function(NULL, NULL, &fn, &retval, 0, NULL) == FAILURE) {',
        '        RETURN_FALSE;',
        '    }',
        '    zval_ptr_dtor(&retval);',
        '}',
      ),
    },
    {
      name: 'the status kept in a variable, tested with && (either failure owns nothing)',
      code: src(
        'static void cb(zval *value, zval *fn)',
        '{',
        '    zval retval;',
        '    int status = call_user_function(NULL, NULL, fn, &retval, 0, NULL);',
        '    if (status == SUCCESS && !Z_ISUNDEF(retval)) {',
        '        zval_ptr_dtor(&retval);',
        '    }',
        '}',
      ),
    },
    {
      name: 'a zval known to hold a long owns nothing (switch on Z_TYPE)',
      code: src(
        'static long h(zval *obj)',
        '{',
        '    zval hash;',
        '    zend_call_method_with_0_params(Z_OBJ_P(obj), Z_OBJCE_P(obj), NULL, "hash", &hash);',
        '    switch (Z_TYPE(hash)) {',
        '        case IS_LONG:',
        '            return Z_LVAL(hash);',
        '        default:',
        '            zval_ptr_dtor(&hash);',
        '            return 0;',
        '    }',
        '}',
      ),
    },
    {
      name: 'array_init into a local zval handed to the return value',
      code: src('PHP_FUNCTION(a)', '{', '    zval arr;', '    array_init(&arr);', '    RETURN_ZVAL(&arr, 0, 1);', '}'),
    },
  ],
  [
    {
      name: 'array_init into a local zval dropped on an early return',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zval arr;',
        '    array_init(&arr);',
        '    if (ZEND_NUM_ARGS() > 1) {',
        '        RETURN_FALSE;',
        '    }',
        '    add_next_index_zval(return_value, &arr);',
        '}',
      ),
      errors: [{ message: ['array_init(&arr): the reference in `arr` is not released (zval_ptr_dtor) on the path through line 6'] }],
    },
    {
      name: "call_user_function's return value never released on success",
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zval fn, retval;',
        '    if (call_user_function(NULL, NULL, &fn, &retval, 0, NULL) == FAILURE) {',
        '        RETURN_FALSE;',
        '    }',
        '    RETURN_TRUE;',
        '}',
      ),
      errors: [{ message: ['call_user_function(…): the reference in `retval` is never released (zval_ptr_dtor)'] }],
    },
    {
      name: 'zval_get_string returns a reference to release',
      code: src('static void f(zval *zv)', '{', '    zend_string *s = zval_get_string(zv);', '    php_printf("%s", ZSTR_VAL(s));', '}'),
      errors: [{ message: ['zval_get_string(zv): the reference in `s` is never released (zend_string_release)'] }],
    },
  ],
);

ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'PHP 5: ZVAL_STRINGL(&z, buf, len, 0) takes ownership of buf',
      code: src('PHP_FUNCTION(a)', '{', '    zval z;', '    char *buf = estrndup("x", 1);', '    ZVAL_STRINGL(&z, buf, 1, 0);', '    RETURN_ZVAL(&z, 0, 1);', '}'),
    },
    {
      name: 'php_url_parse released with php_url_free',
      code: src('PHP_FUNCTION(a)', '{', '    php_url *u = php_url_parse("http://x");', '    if (!u) RETURN_FALSE;', '    php_url_free(u);', '}'),
    },
  ],
  [
    {
      name: 'zend_string_init(ZEND_STRL("k"), 0): the flag is the third argument after the expansion',
      code: src('PHP_FUNCTION(a)', '{', '    zend_string *k = zend_string_init(ZEND_STRL("key"), 0);', '    RETURN_TRUE;', '}'),
      errors: [{ message: ['`k` = zend_string_init(ZEND_STRL("key"), 0) is never released (zend_string_release)'] }],
    },
    {
      name: 'a persistent flag the file does not spell as a constant: the request family',
      code: src('static void f(int persistent)', '{', '    char *p = pemalloc(10, persistent);', '}'),
      errors: [{ message: ['`p` = pemalloc(10 bytes) is never efree()d'] }],
    },
    {
      name: 'php_url_parse not released on an early return names php_url_free',
      code: src('PHP_FUNCTION(a)', '{', '    php_url *u = php_url_parse("http://x");', '    if (ZEND_NUM_ARGS()) RETURN_FALSE;', '    php_url_free(u);', '}'),
      errors: [{ message: ['`u` = php_url_parse("http://x") is not released (php_url_free) on the path through line 4'] }],
    },
  ],
);

ruleTester(
  'c-process-heap-leak',
  [
    {
      name: 'getaddrinfo: a failed call returns nothing to free',
      code: src(
        'static int f(const char *h)',
        '{',
        '    struct addrinfo hints, *res;',
        '    if (getaddrinfo(h, "80", &hints, &res) != 0) {',
        '        return -1;',
        '    }',
        '    freeaddrinfo(res);',
        '    return 0;',
        '}',
      ),
    },
    {
      name: 'a zstd dictionary freed with its library function',
      code: src('PHP_FUNCTION(a)', '{', '    ZSTD_CDict *d = ZSTD_createCDict(buf, len, 3);', '    use(d);', '    ZSTD_freeCDict(d);', '}'),
    },
    {
      name: 'czmq: a message only read by zmsg_popstr, destroyed by address on every exit',
      code: src(
        'PHP_METHOD(z, recv)',
        '{',
        '    zmsg_t *msg = zyre_recv(node);',
        '    if (msg == NULL) RETURN_NULL();',
        '    char *cmd = zmsg_popstr(msg);',
        '    if (cmd == NULL) { zmsg_destroy(&msg); RETURN_NULL(); }',
        '    zstr_free(&cmd);',
        '    zmsg_destroy(&msg);',
        '}',
      ),
    },
    {
      name: 'zookeeper: a vector filled through the out-argument is unset when the status is not ZOK',
      code: src(
        'PHP_METHOD(zk, children)',
        '{',
        '    struct String_vector v;',
        '    int status = zoo_get_children(zh, path, 0, &v);',
        '    if (status != ZOK) RETURN_FALSE;',
        '    deallocate_String_vector(&v);',
        '}',
      ),
    },
    {
      name: 'librabbitmq only reads the connect timeout',
      code: src('static int f(amqp_socket_t *s, double t)', '{', '    struct timeval *tv = malloc(sizeof(*tv));', '    int r = amqp_socket_open_noblock(s, "h", 1, tv);', '    free(tv);', '    return r;', '}'),
    },
  ],
  [
    {
      name: 'getaddrinfo result not released on a later exit',
      code: src(
        'static int f(const char *h)',
        '{',
        '    struct addrinfo hints, *res;',
        '    if (getaddrinfo(h, "80", &hints, &res) != 0) {',
        '        return -1;',
        '    }',
        '    if (res->ai_family != AF_INET) return -2;',
        '    freeaddrinfo(res);',
        '    return 0;',
        '}',
      ),
      errors: [{ message: ['`res` = getaddrinfo(h, "80", &hints, &res) is not released (freeaddrinfo) on the path through line 7'] }],
    },
    {
      name: 'a zstd dictionary (library table) never released',
      code: src('PHP_FUNCTION(a)', '{', '    ZSTD_CDict *d = ZSTD_createCDict(buf, len, 3);', '    RETURN_TRUE;', '}'),
      errors: [{ message: ['`d` = ZSTD_createCDict(buf, len, 3) is never released (ZSTD_freeCDict)'], fixes: { 'Insert ZSTD_freeCDict(d) before the function\'s exits': src('PHP_FUNCTION(a)', '{', '    ZSTD_CDict *d = ZSTD_createCDict(buf, len, 3);', '    ZSTD_freeCDict(d);', '    RETURN_TRUE;', '}') } }],
    },
    {
      name: 'czmq: the message is lost when popping a string fails (zmsg_popstr only reads it)',
      code: src('PHP_METHOD(z, recv)', '{', '    zmsg_t *msg = zyre_recv(node);', '    if (msg == NULL) RETURN_NULL();', '    char *cmd = zmsg_popstr(msg);', '    if (cmd == NULL) RETURN_NULL();', '    zstr_free(&cmd);', '    zmsg_destroy(&msg);', '}'),
      errors: [{ message: ['`msg` = zyre_recv(node) is not released (zmsg_destroy) on the path through line 6'] }],
    },
    {
      name: 'zookeeper: the children vector is never deallocated; libvips: the written buffer is never g_free()d',
      code: src(
        'PHP_METHOD(zk, children)',
        '{',
        '    struct String_vector v;',
        '    if (zoo_get_children(zh, path, 0, &v) != ZOK) RETURN_FALSE;',
        '    RETVAL_LONG(v.count);',
        '}',
        'PHP_FUNCTION(write)',
        '{',
        '    size_t n;',
        '    void *buf = vips_image_write_to_memory(im, &n);',
        '    if (!buf) RETURN_FALSE;',
        '    RETVAL_STRINGL(buf, n);',
        '}',
      ),
      errors: [{ message: ['never released (deallocate_String_vector)'] }, { message: ['`buf` = vips_image_write_to_memory(im, &n) is never released (g_free)'] }],
    },
    {
      name: 'librabbitmq only reads the connect timeout, so a timeout never freed leaks',
      code: src('static int f(amqp_socket_t *s, double t)', '{', '    struct timeval *tv = malloc(sizeof(*tv));', '    return amqp_socket_open_noblock(s, "h", 1, tv);', '}'),
      errors: [{ message: ['`tv` = malloc(sizeof(*tv)) is never freed'] }],
    },
  ],
);

ruleTester(
  'c-process-heap-leak',
  [
    {
      name: 'vasprintf: a negative result leaves the buffer unset',
      code: src('static void f(const char *fmt, va_list ap)', '{', '    char *buf;', '    if (vasprintf(&buf, fmt, ap) < 0) return;', '    puts(buf);', '    free(buf);', '}'),
    },
    {
      name: 'vasprintf: the status in a variable, compared with -1',
      code: src('static void f(const char *fmt, va_list ap)', '{', '    char *buf;', '    int n = vasprintf(&buf, fmt, ap);', '    if (n == -1) return;', '    free(buf);', '}'),
    },
  ],
  [],
);

ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'object_init_ex == FAILURE: nothing was created',
      code: src('PHP_FUNCTION(a)', '{', '    zval obj;', '    if (object_init_ex(&obj, ce) == FAILURE) {', '        RETURN_FALSE;', '    }', '    RETURN_ZVAL(&obj, 0, 1);', '}'),
    },
    {
      name: 'zend_call_method returning NULL: nothing to release',
      code: src('PHP_FUNCTION(a)', '{', '    zval rv;', '    if (!zend_call_method_with_0_params(obj, ce, NULL, "x", &rv)) {', '        RETURN_FALSE;', '    }', '    zval_ptr_dtor(&rv);', '}'),
    },
  ],
  [],
);

ruleTester(
  'c-process-heap-leak',
  [
    {
      name: 'a chained store into a structure (`ce->table = table = pemalloc(…, 1)`) hands the block over',
      code: src('static void f(zend_class_entry *ce, size_t size)', '{', '    void **table;', '    ce->table = table = pemalloc(size, 1);', '    memset(table, 0, size);', '}'),
    },
  ],
  [
    {
      name: 'a chain of locals (`a = b = malloc(…)`) still owns the block',
      code: src('static void f(size_t size)', '{', '    char *a, *b;', '    a = b = malloc(size);', '    if (!a) return;', '    a[0] = 0;', '}'),
      errors: [{ message: ['`b` = malloc(size) is never freed'] }],
    },
  ],
);

// A zval's address given to a callee that only reads it (a summarised helper, the function name
// and arguments of call_user_function, a property update, which adds a reference of its own):
// the caller still owns its value.
ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'the function-name zval released after call_user_function',
      code: src(
        'static void f(zval *obj)',
        '{',
        '    zval fname, rv;',
        '    ZVAL_STRING(&fname, "name");',
        '    if (call_user_function(NULL, obj, &fname, &rv, 0, NULL) == SUCCESS) {',
        '        zval_ptr_dtor(&rv);',
        '    }',
        '    zval_ptr_dtor(&fname);',
        '}',
      ),
    },
    {
      name: 'a helper reading the zval, then the zval released',
      code: src(
        'static long peek(zval *v)',
        '{',
        '    return Z_LVAL_P(v);',
        '}',
        'static long f(zval *obj)',
        '{',
        '    zval rv;',
        '    long n;',
        '    zend_call_method_with_0_params(Z_OBJ_P(obj), Z_OBJCE_P(obj), NULL, "n", &rv);',
        '    n = peek(&rv);',
        '    zval_ptr_dtor(&rv);',
        '    return n;',
        '}',
      ),
    },
    {
      name: 'an array given to zend_update_property, then released',
      code: src(
        'static void f(zval *obj)',
        '{',
        '    zval arr;',
        '    array_init(&arr);',
        '    zend_update_property(NULL, obj, ZEND_STRL("items"), &arr);',
        '    zval_ptr_dtor(&arr);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'the function-name zval of call_user_function never released',
      code: src(
        'static void f(zval *obj)',
        '{',
        '    zval fname, rv;',
        '    ZVAL_STRING(&fname, "name");',
        '    if (call_user_function(NULL, obj, &fname, &rv, 0, NULL) == SUCCESS) {',
        '        zval_ptr_dtor(&rv);',
        '    }',
        '}',
      ),
      errors: [{ message: ['ZVAL_STRING(&fname, "name"): the reference in `fname` is never released (zval_ptr_dtor)'] }],
    },
    {
      name: 'a helper reading the zval does not take it',
      code: src(
        'static long peek(zval *v)',
        '{',
        '    return Z_LVAL_P(v);',
        '}',
        'static long f(zval *obj)',
        '{',
        '    zval rv;',
        '    zend_call_method_with_0_params(Z_OBJ_P(obj), Z_OBJCE_P(obj), NULL, "n", &rv);',
        '    return peek(&rv);',
        '}',
      ),
      errors: [{ message: ['the reference in `rv` is never released (zval_ptr_dtor)'] }],
    },
    {
      name: 'zend_update_property adds its own reference: the local one is still to drop',
      code: src(
        'static void f(zval *obj)',
        '{',
        '    zval arr;',
        '    array_init(&arr);',
        '    zend_update_property(NULL, obj, ZEND_STRL("items"), &arr);',
        '}',
      ),
      errors: [{ message: ['array_init(&arr): the reference in `arr` is never released (zval_ptr_dtor)'] }],
    },
    {
      name: 'add_property_zval adds its own reference too',
      code: src('PHP_FUNCTION(a)', '{', '    zval arr;', '    array_init(&arr);', '    add_property_zval(return_value, "items", &arr);', '}'),
      errors: [{ message: ['the reference in `arr` is never released (zval_ptr_dtor)'] }],
    },
  ],
);

ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'zend_update_property_str keeps the caller\'s string: released after',
      code: src(
        'static void f(zval *obj, double d)',
        '{',
        '    zend_string *s = _php_math_number_format_ex(d, 0, "", 0, "", 0);',
        '    zend_update_property_str(NULL, obj, ZEND_STRL("v"), s);',
        '    zend_string_release(s);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'zend_update_property_str does not take the string',
      code: src(
        'static void f(zval *obj, double d)',
        '{',
        '    zend_string *s = _php_math_number_format_ex(d, 0, "", 0, "", 0);',
        '    zend_update_property_str(NULL, obj, ZEND_STRL("v"), s);',
        '}',
      ),
      errors: [{ message: ['`s` = _php_math_number_format_ex(d, 0, "", 0, "", 0) is never released (zend_string_release)'] }],
    },
  ],
);

// A zval the caller passed (return_value, a `zval *` parameter) filled here: handed over at the
// exits, lost when a scalar is stored over it first (RETURN_FALSE, ZVAL_UNDEF).
ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'array_init(return_value) returned normally',
      code: src('PHP_FUNCTION(a)', '{', '    array_init(return_value);', '    add_next_index_long(return_value, 1);', '}'),
    },
    {
      name: 'return_value released before RETURN_FALSE',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    array_init(return_value);',
        '    if (ZEND_NUM_ARGS()) {',
        '        zval_ptr_dtor(return_value);',
        '        RETURN_FALSE;',
        '    }',
        '}',
      ),
    },
    {
      name: 'a zval parameter released before ZVAL_UNDEF',
      code: src('static void fill(zval *out, int bad)', '{', '    array_init(out);', '    if (bad) {', '        zval_ptr_dtor(out);', '        ZVAL_UNDEF(out);', '    }', '}'),
    },
    {
      name: 'PHP 5: ZVAL_STRING(&z, "literal", 0) points at the literal (no reference to release)',
      code: src(
        'static void f(zval *obj)',
        '{',
        '    zval fname, *rv = NULL;',
        '    ZVAL_STRING(&fname, "name", 0);',
        '    if (call_user_function_ex(NULL, &obj, &fname, &rv, 0, NULL, 1, NULL) == SUCCESS && rv) {',
        '        zval_ptr_dtor(&rv);',
        '    }',
        '}',
      ),
    },
    {
      name: 'a call\'s result in return_value may be a scalar: RETVAL_TRUE over it is not reported',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zval fn;',
        '    ZVAL_STRING(&fn, "f");',
        '    call_user_function(NULL, NULL, &fn, return_value, 0, NULL);',
        '    zval_ptr_dtor(&fn);',
        '    RETVAL_TRUE;',
        '}',
      ),
    },
    {
      name: 'a call\'s return value (maybe a scalar) cleared with ZVAL_UNDEF is not reported as overwritten',
      code: src('static void f(zval *fn)', '{', '    zval rv;', '    call_user_function(NULL, NULL, fn, &rv, 0, NULL);', '    ZVAL_UNDEF(&rv);', '}'),
    },
    {
      name: 'a local zval handed over before ZVAL_UNDEF',
      code: src('static void f(zval *arr)', '{', '    zval v;', '    ZVAL_STRING(&v, "x");', '    add_next_index_zval(arr, &v);', '    ZVAL_UNDEF(&v);', '}'),
    },
  ],
  [
    {
      name: 'RETURN_FALSE over an array made in return_value',
      code: src('PHP_FUNCTION(a)', '{', '    array_init(return_value);', '    if (ZEND_NUM_ARGS()) {', '        RETURN_FALSE;', '    }', '}'),
      errors: [{ message: ['array_init(return_value): the reference in `return_value` is not released (zval_ptr_dtor) before line 5 overwrites it'] }],
    },
    {
      name: 'ZVAL_UNDEF over an array made in a zval parameter',
      code: src('static void fill(zval *out, int bad)', '{', '    array_init(out);', '    if (bad) {', '        ZVAL_UNDEF(out);', '    }', '}'),
      errors: [{ message: ['the reference in `out` is not released (zval_ptr_dtor) before line 5 overwrites it'] }],
    },
    {
      name: 'ZVAL_NULL over a string in a local zval',
      code: src('static void f(void)', '{', '    zval v;', '    ZVAL_STRING(&v, "x");', '    ZVAL_NULL(&v);', '}'),
      errors: [{ message: ['the reference in `v` is not released (zval_ptr_dtor) before line 5 overwrites it'] }],
    },
  ],
);

// zend_error(E_ERROR, …) bails out of the request: nothing after it runs. Other types return.
ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'the path through zend_error(E_ERROR) ends there',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_string *s = zend_string_alloc(8, 0);',
        '    if (ZEND_NUM_ARGS()) {',
        '        zend_error(E_ERROR, "overflow");',
        '        return;',
        '    }',
        '    RETURN_STR(s);',
        '}',
      ),
    },
    {
      name: 'php_error_docref(NULL, E_ERROR, …) too',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_string *s = zend_string_alloc(8, 0);',
        '    if (ZEND_NUM_ARGS()) {',
        '        php_error_docref(NULL, E_ERROR, "overflow");',
        '        return;',
        '    }',
        '    RETURN_STR(s);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'zend_error(E_WARNING) returns: the early return leaks',
      code: src(
        'PHP_FUNCTION(a)',
        '{',
        '    zend_string *s = zend_string_alloc(8, 0);',
        '    if (ZEND_NUM_ARGS()) {',
        '        zend_error(E_WARNING, "overflow");',
        '        return;',
        '    }',
        '    RETURN_STR(s);',
        '}',
      ),
      errors: [{ message: ['is not released (zend_string_release) on the path through line 6'] }],
    },
  ],
);
