/**
 * @weft/tensor — storage, shapes, seeded randomness and allocation-free kernels.
 *
 * Kernels are out-first (`fn(out, ...inputs)` writes into and returns `out`),
 * on contiguous row-major tensors, and check their arguments.
 *
 * @module @weft/tensor
 */
export { allocate, checkDtype, dtypeOf, getDefaultDtype, withDtype } from './dtype.js';
export type { DType, TypedArray } from './types.js';
export { checkShape, formatShape, rowMajorStrides, shapeSize, shapesEqual } from './shape.js';
export { forEachIndex, Tensor, type NestedArray } from './tensor.js';
export { clone, eye, fromData, full, ones, rand, randn, tensor, zeros, zerosLike } from './create.js';
export { reshape, row, transpose } from './views.js';
export { Rng, type RngState } from './rng.js';
export { fromNdarray, toNdarray, type NdarrayFactory, type NdarrayLike } from './ndarray.js';
export { addOuter, gemm, matmul, matvec, matvecT } from './kernels/blas.js';
export { add, addRowVector, axpy, clip, copy, fill, mul, scale, scaleShift, sub } from './kernels/elementwise.js';
export { exp, logSoftmax, relu, reluBackward, sigmoid, sigmoidBackward, softmax, tanh, tanhBackward, type LogSumExp } from './kernels/activations.js';
export { allFinite, argmax, colSums, dot, max, norm, rowSums, sum } from './kernels/reductions.js';
export { gatherColumns, scatterAddColumns } from './kernels/columns.js';
export { allClose } from './kernels/compare.js';
export { overlaps } from './kernels/check.js';
export { decodeSafetensors, encodeSafetensors, SAFETENSORS_MAX_ENTRIES, SAFETENSORS_MAX_HEADER_BYTES, SAFETENSORS_MAX_RANK, SAFETENSORS_METADATA_KEY, type DecodeSafetensorsOptions, type EncodeSafetensorsOptions, type Safetensors } from './safetensors.js';
export { backendOf, getBackend, initWasm, isWasmTensor, loadWasm, setBackend, withBackend, wasmHeapStats, wasmSupported, wasmUnavailableReason, wasmZeros, wasmKernelCalls, wasmKernelFallbacks, wasmFree, DEFAULT_HEAP_BYTES, type Backend, type WasmOptions } from './wasm/backend.js';
export { type WasmHeapStats } from './wasm/heap.js';
export { adamStep, clipAdagradStep, rmspropStep } from './kernels/optim-steps.js';
