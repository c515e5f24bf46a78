/* memory extension: the seed article's three functions, plus the helpers a
 * real extension has. Open this file in VS Code with PHP Leak Diagnostics. */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "ext/standard/info.h"
#include "php_memory.h"

/* Leaks across requests: malloc'd memory survives the request, the worker
 * grows by 2 MB on every call (seen as RSS climbing under php -S / php-fpm). */
PHP_FUNCTION(leak_malloc)
{
	ZEND_PARSE_PARAMETERS_NONE();

	void *foo = malloc(2 * 1024 * 1024);
	memset(foo, 0, 2 * 1024 * 1024);

	RETURN_TRUE;
}

/* Request memory never efree()d: wiped at request end under php-fpm,
 * a leak under Swoole / webman / RoadRunner where the request never ends. */
PHP_FUNCTION(leak_emalloc)
{
	ZEND_PARSE_PARAMETERS_NONE();

	void *foo = emalloc(2 * 1024 * 1024);
	memset(foo, 0, 2 * 1024 * 1024);

	RETURN_TRUE;
}

/* Clean: allocated and released. */
PHP_FUNCTION(no_leak)
{
	ZEND_PARSE_PARAMETERS_NONE();

	void *foo = emalloc(2 * 1024 * 1024);
	memset(foo, 0, 2 * 1024 * 1024);
	efree(foo);

	RETURN_TRUE;
}

/* Leaks only on the early-return path. */
PHP_FUNCTION(greet)
{
	char *name;
	size_t name_len;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STRING(name, name_len)
	ZEND_PARSE_PARAMETERS_END();

	char *buf = emalloc(name_len + 7);
	if (name_len == 0) {
		RETURN_FALSE;
	}
	snprintf(buf, name_len + 7, "Hello %s", name);
	RETVAL_STRING(buf);
	efree(buf);
}

/* Clean: ownership of the zend_string moves to the return value. */
PHP_FUNCTION(make_greeting)
{
	zend_string *s = zend_string_init("hello", sizeof("hello") - 1, 0);
	RETURN_STR(s);
}

PHP_MINFO_FUNCTION(memory)
{
	php_info_print_table_start();
	php_info_print_table_header(2, "memory support", "enabled");
	php_info_print_table_end();
}

/* The module entry, so PHP loads the extension and the runtime proof can run on it
 * (see examples/README.md: build with phpize, then "PHP Leak: Measure" on handler.php). */
ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_memory_none, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_memory_greet, 0, 1, MAY_BE_STRING|MAY_BE_FALSE)
	ZEND_ARG_TYPE_INFO(0, name, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_memory_string, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

static const zend_function_entry memory_functions[] = {
	PHP_FE(leak_malloc, arginfo_memory_none)
	PHP_FE(leak_emalloc, arginfo_memory_none)
	PHP_FE(no_leak, arginfo_memory_none)
	PHP_FE(greet, arginfo_memory_greet)
	PHP_FE(make_greeting, arginfo_memory_string)
	PHP_FE_END
};

zend_module_entry memory_module_entry = {
	STANDARD_MODULE_HEADER,
	"memory",
	memory_functions,
	NULL, /* MINIT */
	NULL, /* MSHUTDOWN */
	NULL, /* RINIT */
	NULL, /* RSHUTDOWN */
	PHP_MINFO(memory),
	PHP_MEMORY_VERSION,
	STANDARD_MODULE_PROPERTIES
};

#ifdef COMPILE_DL_MEMORY
# ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
# endif
ZEND_GET_MODULE(memory)
#endif
