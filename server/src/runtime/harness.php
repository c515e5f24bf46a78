<?php
// php-leak measure --script: runs a handler many times inside ONE long-running PHP process
// (one request that never ends, as under Swoole, webman/workerman, RoadRunner, Octane) and
// reports memory after every few calls. Shipped as dist/harness.php; started by the tool as
//   php [php args] harness.php FILE ITERATIONS SAMPLE_EVERY MAX_SECONDS [FUNCTION]
// Samples go to file descriptor 3 (stdout/stderr stay the handler's), one line each:
//   @@php-leak {"i":N,"usage":B,"rss":B,"gc":RUNS}
// Without FUNCTION the file itself is the handler and is included on every iteration (it
// must not declare functions or classes); with FUNCTION the file is required once and
// FUNCTION (a function name or "Class::method") is called on every iteration.
declare(strict_types=1);

if ($argc < 5) {
    fwrite(STDERR, "usage: php harness.php FILE ITERATIONS SAMPLE_EVERY MAX_SECONDS [FUNCTION]\n");
    exit(2);
}
$phpLeakFile = $argv[1];
$phpLeakIterations = max(1, (int) $argv[2]);
$phpLeakEvery = max(1, (int) $argv[3]);
$phpLeakMaxNs = (int) ((float) $argv[4] * 1e9);
$phpLeakCall = $argv[5] ?? '';

$phpLeakOut = @fopen('php://fd/3', 'w');
if ($phpLeakOut === false) {
    $phpLeakOut = STDERR;
}

function php_leak_rss(): int
{
    $status = @file_get_contents('/proc/self/status');
    if ($status !== false && preg_match('/^VmRSS:\s+(\d+)\s+kB$/m', $status, $m)) {
        return (int) $m[1] * 1024;
    }
    return -1;
}

function php_leak_sample($out, int $i, string $event = 'sample'): void
{
    $gc = function_exists('gc_status') ? gc_status()['runs'] : 0;
    fwrite($out, '@@php-leak ' . json_encode([
        'event' => $event,
        'i' => $i,
        'usage' => memory_get_usage(),
        'rss' => php_leak_rss(),
        'gc' => $gc,
    ]) . "\n");
}

if (!is_file($phpLeakFile)) {
    fwrite($phpLeakOut, '@@php-leak ' . json_encode(['event' => 'error', 'message' => "no such file: $phpLeakFile"]) . "\n");
    exit(2);
}

$phpLeakHandler = null;
if ($phpLeakCall !== '') {
    require_once $phpLeakFile;
    if (!is_callable($phpLeakCall)) {
        fwrite($phpLeakOut, '@@php-leak ' . json_encode(['event' => 'error', 'message' => "not callable after loading $phpLeakFile: $phpLeakCall"]) . "\n");
        exit(2);
    }
    $phpLeakHandler = $phpLeakCall;
}

$phpLeakStart = hrtime(true);
php_leak_sample($phpLeakOut, 0, 'start');
for ($phpLeakI = 1; $phpLeakI <= $phpLeakIterations; $phpLeakI++) {
    // Output of the handler is discarded (a long-running server would send it to a client).
    ob_start();
    if ($phpLeakHandler !== null) {
        ($phpLeakHandler)();
    } else {
        (static function (string $file): void {
            include $file;
        })($phpLeakFile);
    }
    ob_end_clean();
    if ($phpLeakI % $phpLeakEvery === 0 || $phpLeakI === $phpLeakIterations) {
        php_leak_sample($phpLeakOut, $phpLeakI);
    }
    if ($phpLeakMaxNs > 0 && hrtime(true) - $phpLeakStart > $phpLeakMaxNs) {
        php_leak_sample($phpLeakOut, $phpLeakI, 'timeout');
        exit(0);
    }
}
php_leak_sample($phpLeakOut, $phpLeakIterations, 'done');
