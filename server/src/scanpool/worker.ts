// Entry point of a scan worker thread (bundled as dist/scan-worker.js; from
// out/ when the compiled tests run). Loads the parsers once, then analyses the
// files the pool sends, one at a time, and answers each with its result.
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
  port.on('message', (m: ToWorker) => {
    void ready.then(() => {
      if (m.type === 'reset') {
        clearPrepared();
        return runner.reset();
      }
      const res = runner.run(m.job);
      const mem = process.memoryUsage();
      post({ type: 'result', res, memMb: Math.round((mem.heapUsed + mem.external) / 1048576), prepared: preparedKeys() });
    });
  });
}
