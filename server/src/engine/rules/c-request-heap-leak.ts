import type { Rule } from '../types';

// PLACEHOLDER: replaced by the C analysis (see server/src/engine/c/).
const rule: Rule = {
  meta: {
    id: 'c-request-heap-leak',
    title: 'Request-heap allocation never released',
    description:
      'Memory from emalloc, ecalloc, erealloc, estrdup, estrndup or safe_emalloc that is not efree()d on some path. Under php-fpm the Zend memory manager wipes it at the end of the request (debug builds report it); under a long-running runtime the request never ends and it leaks on every call.',
    languages: ['c'],
    defaultSeverity: { fpm: 'information', 'long-running': 'error' },
    category: 'c-extension',
  },
  check: () => [],
};
export default rule;
