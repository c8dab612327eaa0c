/**
 * Row blocks over time: the storage that lets a layer inside a recurrence
 * defer its weight gradient. Over T steps a weight used as y_t = x_t Wᵀ gets
 * dW = Σ_t dy_tᵀ x_t; with the per-step rows stacked as X, dY `[T·B, n]` that
 * is ONE matrix product dYᵀ X after the backward loop instead of T outer
 * products inside it (the same for biases: one column sum).
 */
import { copy, getBackend, getDefaultDtype, Tensor, withBackend, zeros, type Backend, type DType } from '@weft/tensor';

/** Row block t of a stacked `[T·B, n]` tensor, as a `[B, n]` view of the same storage. */
export function rowBlock(stack: Tensor, t: number, batch: number): Tensor {
  const n = stack.shape[1]!;
  return new Tensor(stack.data, [batch, n], undefined, stack.offset + t * batch * n);
}

/**
 * The `[T·B, n]` tensor whose row blocks are `views` (`[B, n]` each, in
 * order), when they are consecutive blocks of one contiguous storage (as the
 * per-step outputs of a layer with sequence contexts are); else null.
 */
export function stackedView(views: readonly Tensor[]): Tensor | null {
  const first = views[0];
  if (first === undefined || first.shape.length !== 2 || !first.isContiguous) return null;
  const B = first.shape[0]!;
  const n = first.shape[1]!;
  for (let t = 0; t < views.length; t++) {
    const v = views[t]!;
    const fits = v.shape.length === 2 && v.shape[0] === B && v.shape[1] === n && v.isContiguous;
    if (!fits || v.data !== first.data || v.offset !== first.offset + t * B * n) return null;
  }
  return new Tensor(first.data, [views.length * B, n], undefined, first.offset);
}

/**
 * T row blocks of B rows and n features for a layer's per-step values (its
 * inputs x_t or output gradients dy_t). Steps record a reference to their
 * value; `stacked()` then hands back all of them as one `[T·B, n]` tensor —
 * without a copy when the references already are consecutive blocks of one
 * storage (the outputs of a layer before it in the loop usually are),
 * otherwise gathered into storage of its own, allocated on first need.
 */
export class StepRows {
  /** The value each step recorded (null until it does). */
  readonly refs: (Tensor | null)[];
  private own: Tensor | null = null;
  private ownBlocks: Tensor[] = [];
  /** Where the owning context was allocated (see allocatingWith): the lazy storage goes there too. */
  private readonly backend: Backend = getBackend();
  /** The dtype the context was allocated in (see allocatingWith). */
  private readonly dtype: DType = getDefaultDtype();

  /** Rows for `steps` steps of `batch` rows and `size` features. */
  constructor(
    /** B, rows per step. */ readonly batch: number,
    /** T, the number of steps. */ readonly steps: number,
    /** n, features per row. */ readonly size: number,
  ) {
    this.refs = new Array<Tensor | null>(steps).fill(null);
  }

  /** Storage of our own `[T·B, n]`, zero-filled, with its row blocks. */
  storage(): {
    /** The whole `[T·B, n]` buffer. */
    all: Tensor;
    /** Its T row blocks `[B, n]`. */
    blocks: readonly Tensor[];
  } {
    if (this.own === null) {
      this.own = withBackend(this.backend, () => zeros([this.batch * this.steps, this.size], this.dtype));
      for (let t = 0; t < this.steps; t++) this.ownBlocks.push(rowBlock(this.own, t, this.batch));
    }
    return { all: this.own, blocks: this.ownBlocks };
  }

  /**
   * Every step's value as one `[T·B, n]` tensor; a step that recorded nothing
   * counts as zeros. Allocates only the first time a gather is needed.
   */
  stacked(): Tensor {
    const refs = this.refs;
    let complete = true;
    for (let t = 0; t < refs.length; t++) if (refs[t] === null) complete = false;
    if (complete) {
      const view = stackedView(refs as Tensor[]);
      if (view) return view;
    }
    const { all, blocks } = this.storage();
    for (let t = 0; t < refs.length; t++) {
      const r = refs[t]!;
      if (r === null) blocks[t]!.data.fill(0, blocks[t]!.offset, blocks[t]!.offset + blocks[t]!.size);
      else copy(blocks[t]!, r);
    }
    return all;
  }

  /** Forgets every recorded value (after the deferred gradients were added). */
  clear(): void {
    this.refs.fill(null);
  }
}
