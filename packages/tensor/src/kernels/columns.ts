/**
 * Columns of a matrix picked by index: what a one-hot input does to a weight
 * `[m, K]` (column k is token k's vector). `gatherColumns` is the forward
 * (PyTorch: `A.index_select(1, ids).T`), `scatterAddColumns` its gradient
 * (`A.index_add_(1, ids, src.T)`). Out-first, allocation-free; in
 * WebAssembly when every operand lives on the heap (the same copies and
 * additions in the same order).
 */
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { wasmGatherColumns, wasmScatterAddColumns } from '../wasm/dispatch.js';
import { checkMatrix, checkNoAlias, checkSameDtype } from './check.js';

/** Throws unless `ids` is an Int32Array of ids in [0, K) and `t` (named `tName`) is `[ids.length, m]`: one row per id. */
function checkIds(who: string, ids: Int32Array, K: number, t: Tensor, tName: string, m: number): void {
  if (!(ids instanceof Int32Array)) throw new Error(`${who}: ids must be an Int32Array, got ${ids === null ? 'null' : typeof ids}`);
  if (t.shape[0] !== ids.length || t.shape[1] !== m) {
    throw new Error(`${who}: ${tName} must be [${ids.length},${m}] (one row per id), got ${formatShape(t.shape)}`);
  }
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    if (!(id >= 0 && id < K)) throw new Error(`${who}: id ${id} at row ${r} is outside [0, ${K})`);
  }
}

/** The checks both column kernels make: A `[m, K]` and rows `[R, m]` matrices of one dtype, R ids in [0, K). Returns [m, K]. */
function checkColumnOperands(who: string, A: Tensor, ids: Int32Array, rows: Tensor, rowsName: string): [number, number] {
  checkMatrix(who, 'A', A);
  checkMatrix(who, rowsName, rows);
  const m = A.shape[0]!;
  const K = A.shape[1]!;
  checkIds(who, ids, K, rows, rowsName, m);
  checkSameDtype(who, 'A', A, rowsName, rows);
  return [m, K];
}

/**
 * out[r, :] = A[:, ids[r]] for every row r: A `[m, K]`, ids of length R with
 * every id in [0, K), out `[R, m]` apart from A. Returns out.
 */
export function gatherColumns(out: Tensor, A: Tensor, ids: Int32Array): Tensor {
  const [m, K] = checkColumnOperands('gatherColumns', A, ids, out, 'out');
  checkNoAlias('gatherColumns', 'A', out, A);
  if (wasmGatherColumns(out, A, ids, m, K)) return out;
  const a = A.data, o = out.data;
  const ao = A.offset;
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    for (let i = 0, at = out.offset + r * m; i < m; i++) o[at + i] = a[ao + i * K + id]!;
  }
  return out;
}

/**
 * A[:, ids[r]] += src[r, :] for r = 0, 1, … in order (ids may repeat): A
 * `[m, K]`, ids of length R with every id in [0, K), src `[R, m]` apart from
 * A. Returns A.
 */
export function scatterAddColumns(A: Tensor, ids: Int32Array, src: Tensor): Tensor {
  const [m, K] = checkColumnOperands('scatterAddColumns', A, ids, src, 'src');
  checkNoAlias('scatterAddColumns', 'src', A, src);
  if (wasmScatterAddColumns(A, ids, src, m, K)) return A;
  const a = A.data, s = src.data;
  const ao = A.offset;
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    for (let i = 0, at = src.offset + r * m; i < m; i++) a[ao + i * K + id]! += s[at + i]!;
  }
  return A;
}
