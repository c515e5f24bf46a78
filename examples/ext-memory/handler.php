<?php
// One "request" for the runtime proof: `PHP Leak: Measure` (or the CLI) calls handle()
// thousands of times in one PHP process, the way a long-running runtime does, and charts
// memory per request. With the extension built (see ../README.md):
//
//   php-leak measure --script handler.php --call handle --iterations 2000 -- -d extension=$PWD/modules/memory.so
//
// leak_emalloc() grows memory_get_usage() by 2 MB a call; leak_malloc() grows the RSS;
// no_leak() stays flat. Change the call below to compare.
function handle(): void
{
    leak_emalloc();
}
