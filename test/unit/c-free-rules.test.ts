import { initEngine } from '../../server/src/engine';
import { ruleTester, src } from './c-helpers';

before(async () => {
  await initEngine();
});

ruleTester(
  'c-mismatched-free',
  [
    { name: 'matching pairs', code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(1);', '    free(p);', '    char *q = emalloc(1);', '    efree(q);', '    zend_string *s = zend_string_alloc(3, 0);', '    zend_string_release(s);', '}') },
    { name: 'pefree with the same flag', code: src('PHP_FUNCTION(a)', '{', '    char *p = pemalloc(1, 1);', '    pefree(p, 1);', '}') },
    { name: 'unknown origin is not judged', code: src('PHP_FUNCTION(a)', '{', '    char *p = get_buffer();', '    efree(p);', '}') },
  ],
  [
    {
      name: 'malloc + efree',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(8);', '    efree(p);', '}'),
      errors: [
        {
          message: ['`p` comes from malloc(8 bytes) on line 3', 'released with efree(): use free()'],
          range: [3, 4, 3, 12],
          severity: 'error',
          fixes: { 'Release it with free()': src('PHP_FUNCTION(a)', '{', '    char *p = malloc(8);', '    free(p);', '}') },
        },
      ],
    },
    {
      name: 'emalloc + free (also in MINIT: not a leak question)',
      code: src('PHP_MINIT_FUNCTION(m)', '{', '    char *p = emalloc(8);', '    free(p);', '    return SUCCESS;', '}'),
      errors: [{ message: ['released with free(): use efree()'], range: [3, 4, 3, 11] }],
    },
  ],
);

ruleTester(
  'c-double-free',
  [
    { name: 'released once on each path', code: src('PHP_FUNCTION(a)', '{', '    zend_long n;', '    char *p = emalloc(1);', '    if (n) {', '        efree(p);', '        RETURN_FALSE;', '    }', '    efree(p);', '}') },
    { name: 'released in a loop that reallocates', code: src('PHP_FUNCTION(a)', '{', '    int i;', '    for (i = 0; i < 2; i++) {', '        char *p = emalloc(1);', '        efree(p);', '    }', '}') },
    { name: 'realloc failure path frees the old block', code: src('PHP_FUNCTION(a)', '{', '    char *p = malloc(1);', '    char *t = realloc(p, 2);', '    if (!t) {', '        free(p);', '        RETURN_FALSE;', '    }', '    free(t);', '}') },
    { name: 'may have been released (one path only): not reported', code: src('PHP_FUNCTION(a)', '{', '    zend_long n;', '    char *p = emalloc(1);', '    if (n) efree(p);', '    efree(p);', '}') },
  ],
  [
    {
      name: 'efree twice',
      code: src('PHP_FUNCTION(a)', '{', '    char *p = emalloc(1);', '    efree(p);', '    efree(p);', '}'),
      errors: [{ message: ['`p` (emalloc(1 byte)) is released twice'], range: [4, 4, 4, 12], relatedLines: [3] }],
    },
  ],
);
