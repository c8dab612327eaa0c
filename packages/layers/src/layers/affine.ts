/**
 * The products of an affine layer (Linear, RNNCell, the fused cells' hidden
 * side) over `rows` rows, in the
 * two forms they take: one row is a matrix–vector kernel (matvec beats gemm's
 * row-dot path there), more rows one gemm.
 */
import { addOuter, gemm, matvec, matvecT, type Tensor } from '@weft/tensor';

/** out = x Wᵀ (beta 0) or out += x Wᵀ (beta 1), for x `[rows, in]`, W `[out, in]`, out `[rows, out]`. */
export function timesWeightT(out: Tensor, x: Tensor, W: Tensor, rows: number, beta = 0): void {
  if (rows === 1) matvec(out, W, x, 1, beta);
  else gemm(out, x, W, false, true, 1, beta);
}

/** dx = dy W (beta 0) or dx += dy W (beta 1), an input gradient, for dy `[rows, out]`, W `[out, in]`, dx `[rows, in]`. */
export function timesWeight(dx: Tensor, dy: Tensor, W: Tensor, rows: number, beta = 0): void {
  if (rows === 1) matvecT(dx, W, dy, 1, beta);
  else gemm(dx, dy, W, false, false, 1, beta);
}

/** dW += dyᵀ x (a weight gradient), for dy `[rows, out]`, x `[rows, in]`, dW `[out, in]`. */
export function addWeightGrad(dW: Tensor, dy: Tensor, x: Tensor, rows: number): void {
  if (rows === 1) addOuter(dW, dy, x);
  else gemm(dW, dy, x, true, false, 1, 1);
}
