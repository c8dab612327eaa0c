/**
 * The worker_threads entry of data-parallel training (see parallel.ts): it
 * serves @weft/layers' worker loop on `parentPort`, which already has the
 * Web-Worker shape (postMessage, addEventListener, close).
 */
import { parentPort } from 'node:worker_threads';
import { serveDataParallel, type WorkerScope } from '@weft/layers';

if (parentPort === null) throw new Error('parallel-worker.js: expected to run in a worker_threads Worker, but there is no parentPort');
serveDataParallel(parentPort as unknown as WorkerScope);
