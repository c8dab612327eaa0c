/** Minimal types for the two ndarray-ops functions the interop test uses (the package ships none). */
declare module 'ndarray-ops' {
  import type { NdArray } from 'ndarray';
  const ops: {
    /** a += b, elementwise. */
    addeq(a: NdArray, b: NdArray): void;
    /** a *= s. */
    mulseq(a: NdArray, s: number): void;
  };
  export default ops;
}
