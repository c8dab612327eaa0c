import type { Tensor } from '@weft/tensor';
import { copyColumns } from './concat.js';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/** Options of {@link Split}. */
export interface SplitOptions {
  /** Output port names, one per part (default `y0`, `y1`, …), e.g. `['i', 'f', 'g', 'o']` for LSTM gates. */
  names?: readonly string[];
}

/**
 * Splits each row into consecutive column blocks: torch.split(x, sizes, dim=1)
 * for a list of sizes, torch.chunk(x, parts, dim=1) for a number of equal parts.
 * The inverse of {@link Concat}.
 *
 * - input `x`: `[B, size]`.
 * - outputs `y0`, `y1`, … (or `options.names`): `[B, sizes[k]]`, contiguous
 *   copies of columns `offset_k .. offset_k + sizes[k]` of x.
 * - backward: dx = [dy0 | dy1 | …], with 0 in the columns of a part that
 *   received no gradient (null). No parameters.
 */
export class Split extends ParameterlessLayer {
  /** Features of each part. */
  readonly sizes: readonly number[];
  /** Column of x where each part starts. */
  readonly offsets: readonly number[];

  /**
   * `size` features split into `parts`: a number of equal parts (which must
   * divide `size`; note torch.split's number is the part size instead), or the
   * part sizes, which must sum to `size`.
   */
  constructor(
    /** Features of the input x `[rows, size]`. */
    readonly size: number, parts: number | readonly number[], options: SplitOptions = {}) {
    const sizes = splitSizes(size, parts);
    const names = options?.names ?? sizes.map((_, k) => `y${k}`);
    if (!Array.isArray(names) || names.length !== sizes.length || !names.every((n) => typeof n === 'string' && n !== '')) {
      throw new Error(`Split: options.names needs ${sizes.length} non-empty name(s), one per part, got ${JSON.stringify(names)}`);
    }
    if (new Set(names).size !== names.length) throw new Error(`Split: output names must be unique, got ${JSON.stringify(names)}`);
    super('Split', [['x', size]], names.map((n, k) => [n, sizes[k]!] as const));
    this.sizes = sizes;
    this.offsets = sizes.map((_, k) => sizes.slice(0, k).reduce((s, n) => s + n, 0));
  }

  /** Copies each column block of x into its output. */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    const x = inputs[0]!;
    for (let k = 0; k < ctx.outputs.length; k++) {
      const y = ctx.outputs[k]!;
      copyColumns(y.data, y.offset, this.sizes[k]!, 0, x.data, x.offset, this.size, this.offsets[k]!, this.sizes[k]!, ctx.rows);
    }
  }

  /** dx = the parts' gradients side by side; 0 where a part got none. */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (!dx) return;
    for (let k = 0; k < gradOutputs.length; k++) {
      const dy = gradOutputs[k];
      if (dy) copyColumns(dx.data, dx.offset, this.size, this.offsets[k]!, dy.data, dy.offset, this.sizes[k]!, 0, this.sizes[k]!, ctx.rows);
      else zeroColumns(dx, this.offsets[k]!, this.sizes[k]!, ctx.rows);
    }
  }
}

/** Sets `width` columns from column `col` of each of the `rows` rows of contiguous `t` to 0. */
function zeroColumns(t: Tensor, col: number, width: number, rows: number): void {
  const n = t.shape[1]!;
  for (let r = 0; r < rows; r++) t.data.fill(0, t.offset + r * n + col, t.offset + r * n + col + width);
}

/** The part sizes of a Split of `size` features into `parts` (a count of equal parts, or the sizes). */
function splitSizes(size: number, parts: number | readonly number[]): number[] {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`Split: size must be a positive integer, got ${size}`);
  if (typeof parts === 'number') {
    if (!Number.isInteger(parts) || parts < 1 || size % parts !== 0) {
      throw new Error(`Split: parts must be a positive integer that divides size ${size}, got ${parts}`);
    }
    return Array.from({ length: parts }, () => size / parts);
  }
  if (!Array.isArray(parts) || parts.length === 0 || !parts.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`Split: parts must be a number of equal parts or an array of positive part sizes, got ${JSON.stringify(parts)}`);
  }
  const total = parts.reduce((s, n) => s + n, 0);
  if (total !== size) throw new Error(`Split: part sizes ${JSON.stringify(parts)} sum to ${total} but size is ${size}`);
  return parts.slice();
}
