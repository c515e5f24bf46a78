#ifndef PHP_MEMORY_H
#define PHP_MEMORY_H

extern zend_module_entry memory_module_entry;
#define phpext_memory_ptr &memory_module_entry

#define PHP_MEMORY_VERSION "0.1.0"

#endif
