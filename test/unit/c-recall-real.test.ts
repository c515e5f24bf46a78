// Mechanisms added for the real leak-fix corpus (issue 16, session 7: test/corpus/c-real.jsonl,
// `npm run accuracy:c-real`): each pinned with a small case that fails when it is taken out,
// and a case showing what stays quiet.
import { initEngine } from '../../server/src/engine';
import { ruleTester, src } from './c-helpers';

before(async () => {
  await initEngine();
});

// zend_call_function(&fci, &fcc) fills the zval `fci.retval` points at (php-ds's user comparators).
ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'fci.retval released after zend_call_function; nothing on its FAILURE edge',
      code: src(
        'static int cmp(zend_fcall_info *f, zval *a)',
        '{',
        '    zend_fcall_info fci = *f;',
        '    zend_fcall_info_cache fcc;',
        '    zval retval;',
        '    long r;',
        '    fci.param_count = 1;',
        '    fci.params = a;',
        '    fci.retval = &retval;',
        '    if (zend_call_function(&fci, &fcc) == FAILURE) {',
        '        return 0;',
        '    }',
        '    r = zval_get_long(&retval);',
        '    zval_ptr_dtor(&retval);',
        '    return r;',
        '}',
      ),
    },
    {
      name: 'a retval the fcall info does not point at a local: not tracked',
      code: src(
        'static int cmp(zend_fcall_info *fci, zend_fcall_info_cache *fcc, zval *out)',
        '{',
        '    fci->retval = out;',
        '    return zend_call_function(fci, fcc);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'fci.retval never released after zend_call_function (a global fcall info)',
      code: src(
        'static int user_compare(const void *a, const void *b)',
        '{',
        '    zval params[2];',
        '    zval retval;',
        '    DSG(fci).param_count = 2;',
        '    DSG(fci).params = params;',
        '    DSG(fci).retval = &retval;',
        '    if (zend_call_function(&DSG(fci), &DSG(fcc)) == SUCCESS) {',
        '        return zval_get_long(&retval);',
        '    }',
        '    return 0;',
        '}',
      ),
      errors: [
        {
          message: ['zend_call_function(&DSG(fci), &DSG(fcc)): the reference in `retval` is never released (zval_ptr_dtor)'],
        },
      ],
    },
    {
      name: 'pfci->retval given to zend_call_function(pfci, …) and dropped',
      code: src(
        'static void run(zend_fcall_info *pfci, zend_fcall_info_cache *fcc)',
        '{',
        '    zval rv;',
        '    pfci->retval = &rv;',
        '    zend_call_function(pfci, fcc);',
        '}',
      ),
      errors: [{ message: ['zend_call_function(pfci, fcc): the reference in `rv` is never released (zval_ptr_dtor)'] }],
    },
  ],
);

// Out-parameter summaries: a helper that fills `*out` (or a caller's zval) hands the block to the
// caller, on every path or only where its result says success (`build_cmd(&cmd, …) == FAILURE`).
const helpers = [
  'static int build_cmd(char **out, int n)',
  '{',
  '    if (n < 0) {',
  '        return FAILURE;',
  '    }',
  '    spprintf(out, 0, "cmd %d", n);',
  '    return SUCCESS;',
  '}',
  'static char *parse(const char *p, char **msg)',
  '{',
  '    char *h = emalloc(10);',
  '    if (!p) {',
  '        efree(h);',
  '        *msg = estrdup("bad");',
  '        return NULL;',
  '    }',
  '    return h;',
  '}',
];
ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'the out-parameter released; nothing on the FAILURE edge',
      code: src(...helpers, 'PHP_FUNCTION(a)', '{', '    char *cmd;', '    if (build_cmd(&cmd, 3) == FAILURE) {', '        RETURN_FALSE;', '    }', '    php_printf("%s", cmd);', '    efree(cmd);', '}'),
    },
    {
      name: 'an error message filled on failure only, released there',
      code: src(
        ...helpers,
        'PHP_FUNCTION(b)',
        '{',
        '    char *msg = NULL, *h;',
        '    if (!(h = parse("x", &msg))) {',
        '        php_error_docref(NULL, E_WARNING, "%s", msg);',
        '        efree(msg);',
        '        RETURN_FALSE;',
        '    }',
        '    efree(h);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'gated (result-conditioned fills off, CONDITIONED_FILLS): the out-parameter of a helper never released is silent',
      code: src(...helpers, 'PHP_FUNCTION(a)', '{', '    char *cmd;', '    if (build_cmd(&cmd, 3) == FAILURE) {', '        RETURN_FALSE;', '    }', '    php_printf("%s", cmd);', '}'),
      errors: [], // was: [{ message: ['`cmd` = build_cmd(&cmd, 3) is never efree()d'] }],
    },
    {
      name: 'gated (result-conditioned fills off, CONDITIONED_FILLS): an error message filled on failure, dropped on that path is silent',
      code: src(
        ...helpers,
        'PHP_FUNCTION(b)',
        '{',
        '    char *msg = NULL, *h;',
        '    if (!(h = parse("x", &msg))) {',
        '        php_error_docref(NULL, E_WARNING, "%s", msg);',
        '        RETURN_FALSE;',
        '    }',
        '    efree(h);',
        '}',
      ),
      errors: [], // was: [{ message: ['`msg` = parse("x", &msg) is never efree()d'] }],
    },
  ],
);

ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'a zval a helper fills, released by the caller',
      code: src(
        'static void to_zval(zval *z, int n)',
        '{',
        '    if (n) {',
        '        array_init(z);',
        '        return;',
        '    }',
        '    ZVAL_LONG(z, 0);',
        '}',
        'PHP_FUNCTION(c)',
        '{',
        '    zval v;',
        '    to_zval(&v, 1);',
        '    php_var_dump(&v, 1);',
        '    zval_ptr_dtor(&v);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'gated (result-conditioned fills off, CONDITIONED_FILLS): a zval a helper fills on some paths, dropped by the caller is silent',
      code: src(
        'static void to_zval(zval *z, int n)',
        '{',
        '    if (n) {',
        '        array_init(z);',
        '        return;',
        '    }',
        '    ZVAL_LONG(z, 0);',
        '}',
        'PHP_FUNCTION(c)',
        '{',
        '    zval v;',
        '    to_zval(&v, 1);',
        '    php_var_dump(&v, 1);',
        '}',
      ),
      errors: [], // was: [{ message: ['to_zval(&v, 1): the reference in `v` is never released (zval_ptr_dtor)'] }],
    },
  ],
);

// `va_arg(ap, T *)`: the type argument is blanked by the pre-pass, so the function is analysed.
ruleTester(
  'c-request-heap-leak',
  [],
  [
    {
      name: 'a function reading va_arg(argv, unsigned *) is analysed',
      code: src(
        'static int apply(void *p, int argc, va_list argv, zend_hash_key *key)',
        '{',
        '    unsigned *i = va_arg(argv, unsigned *);',
        '    char *tmp = estrdup("x");',
        '    if (*i > 1) {',
        '        return 0;',
        '    }',
        '    efree(tmp);',
        '    return 1;',
        '}',
      ),
      errors: [{ message: ['`tmp` = estrdup("x") is not efree()d on the path through line 6'] }],
    },
  ],
);

// A helper filling `*key` only when `key` is not NULL (and returning a status not tied to it):
// the caller passing `&key` owns what it may hold (pecl pq's has_dimension).
ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'the maybe-filled out-parameter tested and released',
      code: src(
        'static int has_dim(HashTable *ht, zval *member, char **key)',
        '{',
        '    int exists = zend_hash_exists(ht, Z_STRVAL_P(member), Z_STRLEN_P(member));',
        '    if (key) {',
        '        *key = estrndup(Z_STRVAL_P(member), Z_STRLEN_P(member));',
        '    }',
        '    return exists;',
        '}',
        'static int read_dim(HashTable *ht, zval *member)',
        '{',
        '    char *key = NULL;',
        '    if (has_dim(ht, member, &key)) {',
        '        if (key) efree(key);',
        '        return 1;',
        '    }',
        '    if (key) efree(key);',
        '    return 0;',
        '}',
      ),
    },
    {
      name: 'a path where the out-parameter itself is NULL says nothing of the FAILURE result',
      code: src(
        'static int get(char **key, int bad)',
        '{',
        '    if (!key) return SUCCESS;',
        '    if (bad) return FAILURE;',
        '    *key = estrdup("x");',
        '    return SUCCESS;',
        '}',
        'PHP_FUNCTION(g)',
        '{',
        '    char *k;',
        '    if (get(&k, 1) == FAILURE) {',
        '        RETURN_FALSE;',
        '    }',
        '    efree(k);',
        '}',
      ),
    },
  ],
  [
    {
      name: 'the maybe-filled out-parameter dropped when the helper answers no',
      code: src(
        'static int has_dim(HashTable *ht, zval *member, char **key)',
        '{',
        '    int exists = zend_hash_exists(ht, Z_STRVAL_P(member), Z_STRLEN_P(member));',
        '    if (key) {',
        '        *key = estrndup(Z_STRVAL_P(member), Z_STRLEN_P(member));',
        '    }',
        '    return exists;',
        '}',
        'static int read_dim(HashTable *ht, zval *member)',
        '{',
        '    char *key = NULL;',
        '    if (has_dim(ht, member, &key)) {',
        '        if (key) efree(key);',
        '        return 1;',
        '    }',
        '    return 0;',
        '}',
      ),
      errors: [{ message: ['`key` = has_dim(ht, member, &key) is not efree()d on the path through line 16'] }],
    },
  ],
);

// Same-file macros whose body is one call, used inside an expression, and macros defined once per
// PHP version (`#if PHP_VERSION_ID >= 70000`): the PHP 8.2 definition is the one expanded.
const versioned = [
  '#if PHP_VERSION_ID < 70000',
  '#define MY_ZVAL_STRING(z, s) ZVAL_STRING(z, s, 0)',
  '#define MY_CALL(t, o, f, rv) call_user_function_ex(t, &o, f, &rv, 0, NULL, 1, NULL)',
  '#define MY_DTOR(v) zval_ptr_dtor(&v)',
  '#else',
  '#define MY_ZVAL_STRING(z, s) ZVAL_STRING(z, s)',
  '#define MY_CALL(t, o, f, rv) call_user_function_ex(t, o, f, rv, 0, NULL, 1, NULL)',
  '#define MY_DTOR(v) zval_ptr_dtor(v)',
  '#endif',
];
ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'the function-name zval released after a macro call in a condition',
      code: src(
        ...versioned,
        'long cb(zval *object)',
        '{',
        '    zval fname, rv;',
        '    long idx = 0;',
        '    MY_ZVAL_STRING(&fname, "getName");',
        '    if (SUCCESS == MY_CALL(EG(function_table), object, &fname, &rv)) {',
        '        MY_DTOR(&rv);',
        '    }',
        '    zval_ptr_dtor(&fname);',
        '    return idx;',
        '}',
      ),
    },
  ],
  [
    {
      name: 'the function-name zval of a macro call never released',
      code: src(
        ...versioned,
        'long cb(zval *object)',
        '{',
        '    zval fname, rv;',
        '    long idx = 0;',
        '    MY_ZVAL_STRING(&fname, "getName");',
        '    if (SUCCESS == MY_CALL(EG(function_table), object, &fname, &rv)) {',
        '        MY_DTOR(&rv);',
        '    }',
        '    return idx;',
        '}',
      ),
      errors: [{ message: ['the reference in `fname` is never released (zval_ptr_dtor). Made through the macro MY_ZVAL_STRING.'], range: [13, 4, 13, 37] }],
    },
  ],
);

// A refcounted string given to an unknown function is lent, not handed over: a callee keeping it
// takes its own reference (ext-http's read_prop gave member_name to php_property_proxy_init).
ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'a string lent to an unknown function, released afterwards',
      code: src(
        'static zval *read_prop(zval *object, zval *member, zval *tmp)',
        '{',
        '    zend_string *name = zval_get_string(member);',
        '    proxy_init(object, name);',
        '    zend_string_release(name);',
        '    return tmp;',
        '}',
      ),
    },
    {
      name: 'a string given to an unknown macro still counts as kept',
      code: src(
        'static zval *read_prop(zval *object, zval *member, zval *tmp)',
        '{',
        '    zend_string *name = zval_get_string(member);',
        '    STORE_NAME(object, name);',
        '    return tmp;',
        '}',
      ),
    },
  ],
  [
    {
      name: 'a string lent to an unknown function and dropped on one return',
      code: src(
        'static zval *read_prop(zval *object, zval *member, zval *tmp)',
        '{',
        '    zend_string *name = zval_get_string(member);',
        '    if (Z_TYPE_P(object) == IS_NULL) {',
        '        proxy_init(object, name);',
        '        return tmp;',
        '    }',
        '    zend_string_release(name);',
        '    return tmp;',
        '}',
      ),
      errors: [{ message: ['zval_get_string(member): the reference in `name` is not released (zend_string_release) on the path through line 6'] }],
    },
  ],
);

// Precision of the mechanisms above, from the at-rest scan of php8.2 (session 7).
ruleTester(
  'c-refcount-leak',
  [
    {
      name: 'a status flag holding `call(…) == FAILURE || Z_TYPE(rv) == IS_UNDEF`, assigned twice (array.c)',
      code: src(
        'static int cmp(Bucket *f, int again)',
        '{',
        '    zval retval;',
        '    bool call_failed;',
        '    BG(fci).retval = &retval;',
        '    call_failed = zend_call_function(&BG(fci), &BG(fcc)) == FAILURE || Z_TYPE(retval) == IS_UNDEF;',
        '    if (UNEXPECTED(call_failed)) {',
        '        return 0;',
        '    }',
        '    if (again) {',
        '        zval_ptr_dtor(&retval);',
        '        call_failed = zend_call_function(&BG(fci), &BG(fcc)) == FAILURE || Z_TYPE(retval) == IS_UNDEF;',
        '        if (call_failed) {',
        '            return 0;',
        '        }',
        '    }',
        '    zval_ptr_dtor(&retval);',
        '    return 1;',
        '}',
      ),
    },
    {
      name: 'releases between the call and the EG(exception) test keep what the test says (fiber.c)',
      code: src(
        'static void run(zend_fcall_info *fci, zend_fcall_info_cache *fcc, zval *args, zval *out)',
        '{',
        '    zval retval;',
        '    fci->retval = &retval;',
        '    zend_call_function(fci, fcc);',
        '    zval_ptr_dtor(&args[0]);',
        '    if (EG(exception)) {',
        '        return;',
        '    }',
        '    ZVAL_COPY_VALUE(out, &retval);',
        '}',
      ),
    },
    {
      name: '`s = Z_STR(retval)` names the reference it returns (php_pcre_replace_func_impl)',
      code: src(
        'static zend_string *repl(zend_fcall_info *fci, zend_fcall_info_cache *fcc)',
        '{',
        '    zval retval;',
        '    zend_string *result;',
        '    fci->retval = &retval;',
        '    if (zend_call_function(fci, fcc) == SUCCESS && Z_TYPE(retval) == IS_STRING) {',
        '        result = Z_STR(retval);',
        '    } else {',
        '        if (!Z_ISUNDEF(retval)) zval_ptr_dtor(&retval);',
        '        result = ZSTR_EMPTY_ALLOC();',
        '    }',
        '    return result;',
        '}',
      ),
    },
    {
      name: 'a release under `#if PHP_VERSION_ID >= 70000` is compiled in the configuration (tideways)',
      code: src(
        'long cb(zval *object, zval *rv)',
        '{',
        '    zval fname;',
        '    ZVAL_STRING(&fname, "getName");',
        '    if (SUCCESS == call_user_function(EG(function_table), object, &fname, rv, 0, NULL)) {',
        '        zval_ptr_dtor(rv);',
        '    }',
        '#if PHP_VERSION_ID >= 70000',
        '    zend_string_release(Z_STR(fname));',
        '#endif',
        '    return 0;',
        '}',
      ),
    },
  ],
  [],
);

ruleTester(
  'c-request-heap-leak',
  [
    {
      name: 'an out-parameter stored twice on the success path, not on the FAILURE ones (phar_split_fname)',
      code: src(
        'static int split(const char *f, size_t n, char **arch, char **entry)',
        '{',
        '    if (n < 3) {',
        '        return FAILURE;',
        '    }',
        '    *arch = estrndup(f, 2);',
        '    if (n > 10) {',
        '        *entry = estrndup(f + 2, n - 2);',
        '        *entry = fix_path(*entry);',
        '    } else {',
        '        *entry = estrndup("/", 1);',
        '    }',
        '    return SUCCESS;',
        '}',
        'static char *open_entry(const char *f, size_t n)',
        '{',
        '    char *arch, *entry;',
        '    if (n < 7 || SUCCESS != split(f, n, &arch, &entry)) {',
        '        return NULL;',
        '    }',
        '    efree(entry);',
        '    return arch;',
        '}',
      ),
    },
  ],
  [
    {
      name: 'gated (result-conditioned fills off, CONDITIONED_FILLS): that out-parameter dropped on the success path is silent',
      code: src(
        'static int split(const char *f, size_t n, char **arch, char **entry)',
        '{',
        '    if (n < 3) {',
        '        return FAILURE;',
        '    }',
        '    *arch = estrndup(f, 2);',
        '    if (n > 10) {',
        '        *entry = estrndup(f + 2, n - 2);',
        '        *entry = fix_path(*entry);',
        '    } else {',
        '        *entry = estrndup("/", 1);',
        '    }',
        '    return SUCCESS;',
        '}',
        'static char *open_entry(const char *f, size_t n)',
        '{',
        '    char *arch, *entry;',
        '    if (n < 7 || SUCCESS != split(f, n, &arch, &entry)) {',
        '        return NULL;',
        '    }',
        '    return arch;',
        '}',
      ),
      errors: [], // was: [{ message: ['`entry` = split(f, n, &arch, &entry) is never efree()d'] }],
    },
  ],
);
