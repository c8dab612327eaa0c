/**
 * Argument checks shared by the kernels. Each throws an Error that names the
 * kernel, the argument, what was expected and what came.
 */
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Throws unless `t` is a contiguous Tensor. */
export function checkContiguous(who: string, name: string, t: Tensor): void {
  if (!(t instanceof Tensor)) throw new Error(`${who}: ${name} must be a Tensor, got ${describe(t)}`);
  if (!t.isContiguous) throw new Error(`${who}: ${name} ${formatShape(t.shape)} is not contiguous; clone() it first`);
}

/** Throws unless `t` is a contiguous 2-D tensor. */
export function checkMatrix(who: string, name: string, t: Tensor): void {
  checkContiguous(who, name, t);
  if (t.shape.length !== 2) throw new Error(`${who}: ${name} must be 2-D, got shape ${formatShape(t.shape)}`);
}

/** True when `t` is a contiguous Tensor of `n` elements: the cheap test before {@link checkLength} builds its message. */
export function fitsLength(t: Tensor, n: number): boolean {
  return t instanceof Tensor && t.size === n && t.isContiguous;
}

/** Throws unless contiguous `t` has `n` elements (any shape, e.g. [n] or [1, n]). */
export function checkLength(who: string, name: string, t: Tensor, n: number, context: string): void {
  checkContiguous(who, name, t);
  if (t.size !== n) throw new Error(`${who}: ${context} but ${name} has length ${t.size}`);
}

/** Throws unless `a` and `b` have the same shape. */
export function checkSameShape(who: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  checkContiguous(who, bName, b);
  if (!shapesEqual(a.shape, b.shape)) {
    throw new Error(`${who}: ${aName} is ${formatShape(a.shape)} but ${bName} is ${formatShape(b.shape)}`);
  }
}

/**
 * Throws unless Tensors `a` and `b` hold the same element type (`add: a is
 * float64 but b is float32`): mixing would silently round one operand or the
 * result. Compares the element sizes only, so it is cheap enough for
 * every kernel call.
 */
export function checkSameDtype(who: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (a.itemsize !== b.itemsize) throw new Error(`${who}: ${aName} is ${a.dtype} but ${bName} is ${b.dtype}`);
}

/** True when contiguous tensors `a` and `b` share any element of storage. */
export function overlaps(a: Tensor, b: Tensor): boolean {
  // the fields kept on the tensor: the typed array's own getters cost more than the whole test
  if (a.buffer !== b.buffer || a.size === 0 || b.size === 0) return false;
  return a.byteStart < b.byteEnd && b.byteStart < a.byteEnd;
}

/** Throws if `out` shares storage with `input` (kernels that read an input after writing out). */
export function checkNoAlias(who: string, input: string, out: Tensor, t: Tensor): void {
  if (overlaps(out, t)) throw new Error(`${who}: out must not share memory with ${input}`);
}

/**
 * Elementwise kernels allow `out` to be exactly an input (`add(a, a, b)`), but
 * not a partial overlap, which would read elements already overwritten.
 */
export function checkExactOrNoAlias(who: string, input: string, out: Tensor, t: Tensor): void {
  if (!overlaps(out, t)) return;
  // Compare bytes, not typed-array objects: two arrays over the same bytes are the same storage.
  const exact = out.byteStart === t.byteStart && out.itemsize === t.itemsize;
  if (!exact) {
    throw new Error(`${who}: out partially overlaps ${input}; use the same tensor or separate storage`);
  }
}

/**
 * The checks of a unary elementwise kernel: contiguous `a`, `out` of a's shape
 * and exactly `a` or apart from it; with `sameDtype`, also of a's dtype.
 */
export function checkUnary(who: string, out: Tensor, a: Tensor, sameDtype: boolean): void {
  checkContiguous(who, 'a', a);
  checkSameShape(who, 'a', a, 'out', out);
  if (sameDtype) checkSameDtype(who, 'a', a, 'out', out);
  checkExactOrNoAlias(who, 'a', out, a);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  return ctor?.name ?? typeof v;
}
