import { ScaleShift } from './scale-shift.js';

/**
 * y = 1 − x elementwise: a {@link ScaleShift} with scale −1 and shift 1, as a
 * GRU's (1 − z) needs.
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - backward: dx = −dy.
 */
export class OneMinus extends ScaleShift {
  /** 1 − x over `size` features. */
  constructor(size: number) {
    super(size, -1, 1, 'OneMinus');
  }
}
