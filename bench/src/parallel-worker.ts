/**
 * The worker_threads entry of the data-parallel benchmark (run-parallel.ts):
 * @weft/layers' worker loop on `parentPort` (which has the Web-Worker shape).
 * The same as examples/char-rnn/src/parallel-worker.ts; the bench does not
 * depend on the example package.
 */
import { parentPort } from 'node:worker_threads';
import { serveDataParallel, type WorkerScope } from '@weft/layers';

if (parentPort === null) throw new Error('parallel-worker.js: expected to run in a worker_threads Worker, but there is no parentPort');
serveDataParallel(parentPort as unknown as WorkerScope);
