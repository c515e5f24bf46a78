// Entry point of a scan worker thread (bundled as dist/scan-worker.js; from
// out/ when the compiled tests run). Loads the parsers once, then analyses the
// files the pool sends, one at a time, and answers each with its result.
import { basename } from 'path';
import { parentPort, workerData } from 'worker_threads';
import { initEngine } from '../engine/engine';
import { SCAN_PREPARED_CHARS, SCAN_PREPARED_FILES, clearPrepared, enablePreparedFiles, preparedKeys } from '../engine/c/prepared';
import { JobRunner } from './analyzeJob';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
if (port) {
  const runner = new JobRunner();
  // A sibling's parse and summary pass wait for its own analysis in this worker (bounded).
  enablePreparedFiles(SCAN_PREPARED_FILES, SCAN_PREPARED_CHARS);
  const post = (m: FromWorker) => port.postMessage(m);
  const ready = initEngine({ wasmDir: (workerData as { wasmDir?: string } | undefined)?.wasmDir }).then(
    () => post({ type: 'ready' }),
    (e) => post({ type: 'initError', error: e instanceof Error ? e.message : String(e) }),
  );
  // Test hook (PHP_LEAK_TEST_KILL_WORKER=<file basename>): the worker exits on that file, so the
  // CLI tests can check that a worker death reaches the report, SARIF and the exit code.
  const killOn = process.env.PHP_LEAK_TEST_KILL_WORKER || undefined;
  port.on('message', (m: ToWorker) => {
    void ready.then(() => {
      if (m.type === 'reset') {
        clearPrepared();
        return runner.reset();
      }
      if (killOn && basename(m.job.file) === killOn) process.exit(70);
      const res = runner.run(m.job);
      const mem = process.memoryUsage();
      post({ type: 'result', res, memMb: Math.round((mem.heapUsed + mem.external) / 1048576), prepared: preparedKeys() });
    });
  });
}
