import type { Rule } from '../types';
import { leakFindings } from '../c/report';

/**
 * Counted references to zend_strings and zvals taken in request code and never
 * released: zend_string_copy(s) / zend_string_dup / zend_string_concat* /
 * strpprintf results, ZVAL_COPY(&dst, src), Z_ADDREF_P(zv), zval_copy_ctor(…)
 * not released (zend_string_release, zval_ptr_dtor) nor handed over (RETURN_STR,
 * RETVAL_ZVAL(zv, 0, 1), add_assoc_zval, zend_hash_update…) on some path. The
 * API rows are in ../c/api.ts (families zend-string-ref and zval-ref); the
 * analysis is the shared ownership analysis.
 */
const rule: Rule = {
  meta: {
    id: 'c-refcount-leak',
    title: 'zend_string / zval reference never released',
    description:
      'A reference counted copy taken in request code (zend_string_copy, zend_string_dup, zend_string_concat2/3, strpprintf, ZVAL_COPY, ZVAL_DUP, Z_ADDREF_P, zval_copy_ctor) that is not released with zend_string_release / zval_ptr_dtor nor handed over (RETURN_STR, RETVAL_ZVAL, add_assoc_zval, zend_hash_update…) on some path: the refcount never drops to zero, so the string, array or object is never freed. Refcounted values live on the request heap: php-fpm wipes them at request end (information), a long-running runtime (Swoole, webman, RoadRunner, Octane) never does (error).',
    languages: ['c'],
    defaultSeverity: { fpm: 'information', 'long-running': 'error' },
    category: 'c-extension',
  },
  check: (ctx) => leakFindings(ctx, 'refcount'),
};
export default rule;
