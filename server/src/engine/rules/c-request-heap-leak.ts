import type { Rule } from '../types';
import { leakFindings } from '../c/report';

/**
 * emalloc & co. (and fresh zend_strings) in request code not released on some
 * path. Wiped at request end under php-fpm (information), a real leak in
 * long-running runtimes (error). The analysis lives in ../c/ (ownership.ts).
 */
const rule: Rule = {
  meta: {
    id: 'c-request-heap-leak',
    title: 'Request-heap allocation never released',
    description:
      'Memory from emalloc, ecalloc, erealloc, estrdup, estrndup, safe_emalloc, pemalloc(..., 0) or a fresh zend_string (zend_string_alloc/init(..., 0)) that is not efree()d, released, returned or handed over on some path. Under php-fpm the Zend memory manager wipes it at the end of the request (debug builds report it); under a long-running runtime (Swoole, webman, RoadRunner, Octane) the request never ends and it leaks on every call.',
    languages: ['c'],
    defaultSeverity: { fpm: 'information', 'long-running': 'error' },
    category: 'c-extension',
  },
  check: (ctx) => leakFindings(ctx, 'request'),
};
export default rule;
