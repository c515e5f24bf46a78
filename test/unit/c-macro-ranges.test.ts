// Findings about code inside the expansion of a same-file macro (macros.ts, cfg.ts) point at
// the macro's invocation in the function (the whole `FREE_BUF(buf)`), never at offsets of
// the macro's parsed body (which are not the document's): the message says which macro, a
// related location points at its #define. Two uses of one macro (or two macros with the same
// body) are two calls, not one.
import * as assert from 'assert';
import { analyze, initEngine, type Finding, type Profile } from '../../server/src/engine';
import { cacheStats } from '../../server/src/engine/c/cache';
import { applyFix, rangeOf, runC, src } from './c-helpers';

before(async () => {
  await initEngine();
});

function only(text: string, ruleId: string, profile: Profile = 'long-running'): Finding {
  const found = runC(text, profile, ruleId);
  assert.strictEqual(found.length, 1, `${ruleId}: ${JSON.stringify(found.map((f) => f.message), null, 1)}`);
  return found[0];
}

function relatedOf(f: Finding): Array<[number, number, number, number, string]> {
  return (f.related ?? []).map((r) => [...rangeOf(r), r.message] as [number, number, number, number, string]);
}

function fixTitles(f: Finding): string[] {
  return (f.fixes ?? []).map((x) => x.title);
}

describe('C findings inside expanded same-file macros: ranges', () => {
  it('double free via a macro: at the second invocation, the first one related', () => {
    const code = src(
      '#define FREE_BUF(p) do { efree(p); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    FREE_BUF(buf);',
      '    FREE_BUF(buf);',
      '}',
    );
    const f = only(code, 'c-double-free');
    assert.deepStrictEqual(rangeOf(f), [5, 4, 5, 17]);
    assert.ok(f.message.includes('`buf` (emalloc(8 bytes)) is released twice'), f.message);
    assert.ok(f.message.includes('(through the macro FREE_BUF)'), f.message);
    assert.deepStrictEqual(relatedOf(f), [
      [4, 4, 4, 17, 'first released here'],
      [0, 0, 0, 46, 'the second efree() is in the body of the macro FREE_BUF, defined here'],
    ]);
    assert.ok(f.hover?.includes('`FREE_BUF` (defined on line 1)'), f.hover);
    assert.ok(f.hover?.includes('`FREE_BUF(buf)`'), f.hover);
    assert.deepStrictEqual(runC(code, 'long-running', 'c-mismatched-free'), []);
    assert.deepStrictEqual(runC(code, 'long-running', 'c-request-heap-leak'), []);
  });

  it('double free: a direct efree(), then the macro', () => {
    const code = src(
      '#define FREE_BUF(p) do { efree(p); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    efree(buf);',
      '    FREE_BUF(buf);',
      '}',
    );
    const f = only(code, 'c-double-free');
    assert.deepStrictEqual(rangeOf(f), [5, 4, 5, 17]);
    assert.deepStrictEqual(relatedOf(f)[0], [4, 4, 4, 14, 'first released here']);
  });

  it('double free: the macro, then a direct efree() (no macro in the message)', () => {
    const code = src(
      '#define FREE_BUF(p) do { efree(p); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    FREE_BUF(buf);',
      '    efree(buf);',
      '}',
    );
    const f = only(code, 'c-double-free');
    assert.deepStrictEqual(rangeOf(f), [5, 4, 5, 14]);
    assert.ok(!f.message.includes('through the macro'), f.message);
    assert.deepStrictEqual(relatedOf(f), [[4, 4, 4, 17, 'first released here']]);
  });

  it('double free through two macros with the same body (their parsed nodes share offsets)', () => {
    const code = src(
      '#define FREE_A(p) efree(p)',
      '#define FREE_B(p) efree(p)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *x = emalloc(8);',
      '    FREE_A(x);',
      '    FREE_B(x);',
      '}',
    );
    const f = only(code, 'c-double-free');
    assert.deepStrictEqual(rangeOf(f), [6, 4, 6, 13]);
    assert.ok(f.message.includes('(through the macro FREE_B)'), f.message);
    assert.deepStrictEqual(relatedOf(f), [
      [5, 4, 5, 13, 'first released here'],
      [1, 0, 1, 26, 'the second efree() is in the body of the macro FREE_B, defined here'],
    ]);
  });

  it('double free through a macro expanded inside another one', () => {
    const code = src(
      '#define FREE_BUF(p) do { efree(p); } while (0)',
      '#define CLEAN(p, q) do { FREE_BUF(p); efree(q); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    char *o = emalloc(8);',
      '    char *o2 = emalloc(8);',
      '    CLEAN(buf, o);',
      '    CLEAN(buf, o2);',
      '}',
    );
    const f = only(code, 'c-double-free');
    assert.deepStrictEqual(rangeOf(f), [8, 4, 8, 18]);
    assert.ok(f.message.includes('(through the macro CLEAN, then FREE_BUF)'), f.message);
    assert.deepStrictEqual(relatedOf(f), [
      [7, 4, 7, 17, 'first released here'],
      [0, 0, 0, 46, 'the second efree() is in the body of the macro FREE_BUF, defined here'],
      [1, 0, 1, 59, 'the macro CLEAN, defined here, uses FREE_BUF'],
    ]);
  });

  it('mismatched free via a macro: emalloc() released by a macro calling free()', () => {
    const code = src(
      '#define FREE_BUF(p) do { free(p); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    FREE_BUF(buf);',
      '}',
    );
    const f = only(code, 'c-mismatched-free');
    assert.deepStrictEqual(rangeOf(f), [4, 4, 4, 17]);
    assert.ok(f.message.includes('`buf` comes from emalloc(8 bytes) on line 4'), f.message);
    assert.ok(f.message.includes('released with free() (through the macro FREE_BUF): use efree()'), f.message);
    assert.deepStrictEqual(relatedOf(f), [
      [3, 16, 3, 26, 'allocated here by emalloc()'],
      [0, 0, 0, 45, 'the free() call is in the body of the macro FREE_BUF, defined here'],
    ]);
    assert.ok(f.hover?.includes('**Through a macro:**'), f.hover);
    // The call is written in the #define: replacing the invocation would drop the rest of the macro.
    assert.ok(!fixTitles(f).some((t) => t.startsWith('Release it with')), JSON.stringify(fixTitles(f)));
    assert.deepStrictEqual(runC(code, 'long-running', 'c-double-free'), []);
  });

  it('mismatched free: malloc() released by a macro calling efree()', () => {
    const code = src('#define DROP(p) efree(p)', 'PHP_FUNCTION(a)', '{', '    char *t = malloc(4);', '    DROP(t);', '}');
    const f = only(code, 'c-mismatched-free');
    assert.deepStrictEqual(rangeOf(f), [4, 4, 4, 11]);
    assert.ok(f.message.includes('released with efree() (through the macro DROP): use free()'), f.message);
  });

  it('request-heap leak whose allocation is inside a macro: at the invocation', () => {
    const code = src(
      '#define DUP_OR_FAIL(dst, src) do { if (!(src)) RETURN_FALSE; (dst) = estrdup(src); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *name = "x";',
      '    char *copy;',
      '    DUP_OR_FAIL(copy, name);',
      '    php_printf("%s", copy);',
      '}',
    );
    const f = only(code, 'c-request-heap-leak');
    assert.deepStrictEqual(rangeOf(f), [5, 4, 5, 27]);
    assert.ok(f.message.includes('`copy` = estrdup(name) (through the macro DUP_OR_FAIL) is never efree()d'), f.message);
    assert.deepStrictEqual(relatedOf(f), [
      [7, 0, 7, 1, 'leaks here when this path is taken (the function ends)'],
      [0, 0, 0, 94, 'the estrdup() call is in the body of the macro DUP_OR_FAIL, defined here'],
    ]);
    assert.ok(f.hover?.includes('`DUP_OR_FAIL` (defined on line 1)'), f.hover);
    const fix = (f.fixes ?? []).find((x) => x.title === "Insert efree(copy) before the function's exits");
    assert.ok(fix, JSON.stringify(fixTitles(f)));
    assert.strictEqual(
      applyFix(code, fix),
      src(
        '#define DUP_OR_FAIL(dst, src) do { if (!(src)) RETURN_FALSE; (dst) = estrdup(src); } while (0)',
        'PHP_FUNCTION(a)',
        '{',
        '    char *name = "x";',
        '    char *copy;',
        '    DUP_OR_FAIL(copy, name);',
        '    php_printf("%s", copy);',
        '    efree(copy);',
        '}',
      ),
    );
  });

  it('process-heap leak whose allocation is inside a macro: no allocator switch (it would edit the #define)', () => {
    const code = src(
      '#define DUP_OR_FAIL(dst, src) do { if (!(src)) RETURN_FALSE; (dst) = strdup(src); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    char *name = "x";',
      '    char *copy;',
      '    DUP_OR_FAIL(copy, name);',
      '    php_printf("%s", copy);',
      '}',
    );
    const f = only(code, 'c-process-heap-leak');
    assert.deepStrictEqual(rangeOf(f), [5, 4, 5, 27]);
    assert.ok(f.message.includes('`copy` = strdup(name) (through the macro DUP_OR_FAIL)'), f.message);
    assert.ok(!fixTitles(f).some((t) => t.startsWith('Switch to the Zend allocator')), JSON.stringify(fixTitles(f)));
  });

  it('refcount leak whose reference is taken inside a macro', () => {
    const code = src(
      '#define COPY_OR_FAIL(dst, s) do { if (!(s)) RETURN_FALSE; (dst) = zend_string_copy(s); } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    zend_string *name = find_name();',
      '    zend_string *copy;',
      '    COPY_OR_FAIL(copy, name);',
      '    php_printf("%s", ZSTR_VAL(copy));',
      '}',
    );
    const f = only(code, 'c-refcount-leak');
    assert.deepStrictEqual(rangeOf(f), [5, 4, 5, 28]);
    assert.ok(f.message.startsWith('zend_string_copy(name): the reference'), f.message);
    assert.ok(f.message.includes('. Made through the macro COPY_OR_FAIL.'), f.message);
  });

  it('a leak at an exit inside a macro: the related location is the invocation', () => {
    const code = src(
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
    );
    const f = only(code, 'c-request-heap-leak');
    assert.deepStrictEqual(rangeOf(f), [4, 14, 4, 26]);
    assert.deepStrictEqual(relatedOf(f), [[6, 8, 6, 27, 'leaks here when this path is taken (through the macro FAIL_RETURN)']]);
    // The macro always returns and does not use `t`: releasing before it is right.
    const fix = (f.fixes ?? []).find((x) => x.title === "Insert efree(t) before the function's exits");
    assert.ok(fix, JSON.stringify(fixTitles(f)));
    assert.ok(applyFix(code, fix).includes('    if (n) {\n        efree(t);\n        FAIL_RETURN("bad");\n'), applyFix(code, fix));
  });

  it('no release inserted before a macro that returns only sometimes, or uses the block first', () => {
    const conditional = src(
      '#define RET_IF(c) if (c) RETURN_FALSE',
      'PHP_FUNCTION(a)',
      '{',
      '    zend_long n;',
      '    char *t = estrdup("x");',
      '    RET_IF(n);',
      '    efree(t);',
      '    RETURN_TRUE;',
      '}',
    );
    const usesIt = src(
      '#define BAIL() do { php_printf("%s", t); RETURN_FALSE; } while (0)',
      'PHP_FUNCTION(a)',
      '{',
      '    zend_long n;',
      '    char *t = estrdup("x");',
      '    if (n) {',
      '        BAIL();',
      '    }',
      '    efree(t);',
      '    RETURN_TRUE;',
      '}',
    );
    for (const [code, line, end] of [[conditional, 5, 14], [usesIt, 6, 15]] as const) {
      const f = only(code, 'c-request-heap-leak');
      assert.deepStrictEqual(relatedOf(f).map((r) => r.slice(0, 4)), [[line, line === 5 ? 4 : 8, line, end]]);
      assert.ok(!fixTitles(f).some((t) => t.startsWith('Insert efree(t)')), JSON.stringify(fixTitles(f)));
    }
  });

  it('the per-function cache keeps the invocation (an edit above the function shifts the finding)', () => {
    const body = [
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    FREE_BUF(buf);',
      '    FREE_BUF(buf);',
      '}',
    ];
    const path = '/tmp/c-macro-ranges-cache.c';
    const run = (text: string) => {
      const r = analyze({ path, text, language: 'c' }, { profile: 'fpm' });
      assert.deepStrictEqual(r.failures, []);
      return r.findings.filter((f) => f.ruleId === 'c-double-free');
    };
    const v1 = src('#define FREE_BUF(p) do { efree(p); } while (0)', ...body);
    const v2 = src('#define FREE_BUF(p) do { efree(p); } while (0)', '', '/* moved */', ...body);
    const first = run(v1);
    const again = run(v1); // the document's second analysis: results stored in the cache
    assert.deepStrictEqual(again.map(rangeOf), first.map(rangeOf));
    assert.deepStrictEqual(again.map(rangeOf), [[5, 4, 5, 17]]);
    assert.deepStrictEqual(again.map((f) => f.message), first.map((f) => f.message));
    const hits = cacheStats.hits;
    const shifted = run(v2); // the function is unchanged, two lines lower: served from the cache
    assert.ok(cacheStats.hits > hits, 'the function result is reused');
    assert.deepStrictEqual(shifted.map(rangeOf), [[7, 4, 7, 17]]);
    assert.deepStrictEqual(relatedOf(shifted[0]).map((r) => r.slice(0, 4)), [
      [6, 4, 6, 17],
      [0, 0, 0, 46],
    ]);
  });
});

describe('C findings without macros: ranges (control)', () => {
  it('double free, mismatched free and a leak written out in the function', () => {
    const code = src(
      'PHP_FUNCTION(a)',
      '{',
      '    char *buf = emalloc(8);',
      '    char *raw = emalloc(8);',
      '    char *copy = estrdup("x");',
      '    efree(buf);',
      '    efree(buf);',
      '    free(raw);',
      '    php_printf("%s", copy);',
      '}',
    );
    const d = only(code, 'c-double-free');
    assert.deepStrictEqual(rangeOf(d), [6, 4, 6, 14]);
    assert.deepStrictEqual(relatedOf(d), [[5, 4, 5, 14, 'first released here']]);
    assert.ok(!d.message.includes('through the macro'), d.message);
    assert.ok(!d.hover?.includes('Through a macro'), d.hover);
    const m = only(code, 'c-mismatched-free');
    assert.deepStrictEqual(rangeOf(m), [7, 4, 7, 13]);
    assert.deepStrictEqual(relatedOf(m), [[3, 16, 3, 26, 'allocated here by emalloc()']]);
    assert.ok(fixTitles(m).includes('Release it with efree()'), JSON.stringify(fixTitles(m)));
    const l = only(code, 'c-request-heap-leak');
    assert.deepStrictEqual(rangeOf(l), [4, 17, 4, 29]);
    assert.ok(l.message.startsWith('`copy` = estrdup("x") is never efree()d'), l.message);
    assert.deepStrictEqual(relatedOf(l), [[9, 0, 9, 1, 'leaks here when this path is taken (the function ends)']]);
  });
});

describe('C path states: blocks nothing holds any more do not multiply the states', () => {
  it('a leak after 10 guarded expansions of an allocate-use-free macro is still found (the imap_mail_compose shape)', () => {
    const uses = Array.from({ length: 10 }, (_, i) => `    if (z${i}) { PARSE_LIST(&out[${i}], z${i}); }`);
    const code = src(
      '#define PARSE_LIST(target, value) \\',
      '    copy = estrndup(value, 8); \\',
      '    parse_list(target, copy); \\',
      '    efree(copy);',
      'PHP_FUNCTION(compose)',
      '{',
      '    char *copy, *s;',
      '    char *out[10];',
      '    char *z0, *z1, *z2, *z3, *z4, *z5, *z6, *z7, *z8, *z9;',
      '    fill(&z0, &z1, &z2, &z3, &z4, &z5, &z6, &z7, &z8, &z9);',
      ...uses,
      '    s = estrdup("x");',
      '    if (strlen(s) > 4) {',
      '        RETURN_FALSE;',
      '    }',
      '    efree(s);',
      '    RETURN_TRUE;',
      '}',
    );
    const f = only(code, 'c-request-heap-leak');
    assert.match(f.message, /`s` = estrdup\("x"\) is not efree\(\)d/);
  });
});
