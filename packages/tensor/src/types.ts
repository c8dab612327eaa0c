/**
 * The package's basic types, in a leaf module (no imports) so that dtype.ts,
 * the wasm heap and the wasm state can all use them without an import cycle.
 */

/** The element types a tensor can hold. float64 is the default: gradient checks need it. */
export type DType = 'float64' | 'float32';

/** The typed arrays behind a tensor. */
export type TypedArray = Float64Array | Float32Array;

/**
 * Where a tensor's storage lives, and so which kernels run on it: 'js' (an
 * ordinary typed array, the pure-JS kernels) or 'wasm' (a view on the
 * WebAssembly heap, the SIMD kernels when every operand is there).
 */
export type Backend = 'js' | 'wasm';
