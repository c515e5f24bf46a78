PHP_ARG_ENABLE(memory, whether to enable memory support,
[  --enable-memory         Enable memory support])

if test "$PHP_MEMORY" != "no"; then
  PHP_NEW_EXTENSION(memory, memory.c, $ext_shared)
fi
