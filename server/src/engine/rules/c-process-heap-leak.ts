import type { Rule } from '../types';

// PLACEHOLDER: replaced by the C analysis (see server/src/engine/c/).
const rule: Rule = {
  meta: {
    id: 'c-process-heap-leak',
    title: 'Process-heap allocation in request code never freed',
    description:
      'Memory from malloc, calloc, realloc, strdup or pemalloc(..., 1) inside a PHP_FUNCTION or PHP_METHOD that is not freed on some path survives the end of the request: the worker process grows on every call until it is recycled or killed.',
    languages: ['c'],
    defaultSeverity: { fpm: 'error', 'long-running': 'error' },
    category: 'c-extension',
  },
  check: () => [],
};
export default rule;
