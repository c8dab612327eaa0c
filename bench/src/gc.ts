/**
 * Garbage collection on demand for the heap checks: node's --expose-gc is
 * switched on at run time, so the benches need no flag on their command line.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Collects garbage on this thread (twice: the second pass frees what finalizers released), so heap numbers are live data. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc === 'function') {
    gc();
    gc();
  }
}
