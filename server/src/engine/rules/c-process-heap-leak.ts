import type { Rule } from '../types';
import { leakFindings } from '../c/report';

/**
 * malloc & co. in request code (PHP_FUNCTION, PHP_METHOD and the helpers they
 * call) not freed on some path: process memory outlives the request.
 * The analysis lives in ../c/ (ownership.ts); this rule keeps the
 * process-lifetime families (libc, pemalloc(…, 1), persistent zend_string).
 */
const rule: Rule = {
  meta: {
    id: 'c-process-heap-leak',
    title: 'Process-heap allocation in request code never freed',
    description:
      'Memory from malloc, calloc, realloc, strdup, strndup, pemalloc(..., 1) or zend_string_init/alloc(..., 1) inside a PHP_FUNCTION or PHP_METHOD (or a helper they call) that is not freed, returned or handed over on some path survives the end of the request: the worker process grows on every call until it is recycled or killed, and memory_limit does not see it.',
    languages: ['c'],
    defaultSeverity: { fpm: 'error', 'long-running': 'error' },
    category: 'c-extension',
  },
  check: (ctx) => leakFindings(ctx, 'process'),
};
export default rule;
