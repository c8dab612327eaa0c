/**
 * A control for run-parallel.ts: a worker that burns a given number of loop
 * iterations of pure arithmetic per message, to measure how much a second
 * thread can get on this machine right now, independently of weft.
 */
import { parentPort } from 'node:worker_threads';

if (parentPort === null) throw new Error('spin-worker.js: expected to run in a worker_threads Worker');
const port = parentPort;
port.on('message', (n: number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i);
  port.postMessage(s);
});
