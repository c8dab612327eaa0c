import type { Tensor, TypedArray } from '@weft/tensor';
import { letterNames, ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Row-wise concatenation, torch.cat(dim=1): y = [a | b | …].
 *
 * - inputs `a`, `b`, …: `[B, sizes[i]]`, one per entry of `sizes` (1 to 26).
 * - output `y`: `[B, Σ sizes]`; columns `offset_i .. offset_i + sizes[i]` hold input i.
 * - backward: d(input i) = the same columns of dy. No parameters.
 */
export class Concat extends ParameterlessLayer {
  /** Column where each input starts in y. */
  readonly offsets: readonly number[];
  /** Features of y: Σ sizes. */
  readonly size: number;

  /** The concatenation of inputs of `sizes` features. */
  constructor(
    /** Features of each input, in input order; the output has their sum. */
    readonly sizes: readonly number[],
  ) {
    if (!Array.isArray(sizes)) throw new Error(`Concat: sizes must be an array of positive integers, got ${String(sizes)}`);
    const total = sizes.reduce((s, n) => s + n, 0);
    super('Concat', letterNames('Concat', sizes.length).map((n, i) => [n, sizes[i]!] as const), [['y', total]]);
    this.size = total;
    this.offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((s, n) => s + n, 0));
  }

  /** Copies each input row into its columns of y. */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    const y = ctx.outputs[0]!;
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i]!;
      copyColumns(y.data, y.offset, this.size, this.offsets[i]!, x.data, x.offset, this.sizes[i]!, 0, this.sizes[i]!, ctx.rows);
    }
  }

  /** Each requested input gradient is its columns of dy. */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dy = gradOutputs[0]!;
    for (let i = 0; i < ctx.gradInputs.length; i++) {
      const dx = ctx.gradInputs[i];
      const n = this.sizes[i]!;
      if (dx) copyColumns(dx.data, dx.offset, n, 0, dy.data, dy.offset, this.size, this.offsets[i]!, n, ctx.rows);
    }
  }
}

/**
 * @internal For each of `rows` rows: `width` values from column `fromCol` of a row-major
 * source with `fromStride` columns into column `toCol` of a target with
 * `toStride` columns (Concat and Split move column blocks with it).
 */
export function copyColumns(
  to: TypedArray,
  toOffset: number,
  toStride: number,
  toCol: number,
  from: TypedArray,
  fromOffset: number,
  fromStride: number,
  fromCol: number,
  width: number,
  rows: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = toOffset + r * toStride + toCol;
    const i = fromOffset + r * fromStride + fromCol;
    for (let j = 0; j < width; j++) to[o + j] = from[i + j]!;
  }
}
