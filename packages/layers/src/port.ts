/**
 * Ports: the typed inputs and outputs of a layer.
 *
 * Every value that flows between layers is batch-first. A port says what kind
 * of value it carries and its feature size; the number of rows is the batch
 * size times the number of time steps a context was created for
 * (`rows = batch · steps`):
 *
 * | kind       | value                            | example                   |
 * |------------|----------------------------------|---------------------------|
 * | `'float'`  | `Tensor` `[rows, size]`          | hidden state `[B, m]`     |
 * | `'ids'`    | `Int32Array` of length `rows`    | token ids `[B]`           |
 * | `'scalar'` | `Tensor` of shape `[]` (outputs) | a loss, summed over steps |
 */
import { formatShape, Tensor, type DType } from '@weft/tensor';
import { describeValue } from './describe.js';

/** What a port carries (see the module comment). */
export type PortKind = 'float' | 'ids' | 'scalar';

/** The kind and feature size of a port, without its name: what a graph input declares. */
export interface PortType {
  /** `'float'` rows of features, `'ids'` token ids, or a `'scalar'` (see {@link PortKind}). */
  readonly kind: PortKind;
  /** Features per row for `'float'`; 0 for `'ids'` and `'scalar'`. */
  readonly size: number;
}

/** A named input or output of a layer. */
export interface Port extends PortType {
  /** Names the port in messages and in graph edges; unique among a layer's inputs (or outputs). */
  readonly name: string;
  /**
   * Whether a gradient can flow through this port. Always false for `'ids'`
   * (token ids are integers: a one-hot embedding has no input gradient).
   */
  readonly grad: boolean;
}

/** A value on a port: a float tensor, or an Int32Array of token ids. */
export type Value = Tensor | Int32Array;

/** The port type of float rows with `size` features: `[rows, size]`. */
export function float(size: number): PortType {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`float: size must be a positive integer, got ${size}`);
  return { kind: 'float', size };
}

/** The port type of token ids: an Int32Array with one id per row. */
export function ids(): PortType {
  return { kind: 'ids', size: 0 };
}

/** The port type of a scalar output (shape `[]`), such as a loss. */
export function scalar(): PortType {
  return { kind: 'scalar', size: 0 };
}

/** A named port of `type`; gradients flow through float and scalar ports, never through ids. */
export function port(name: string, type: PortType): Port {
  return { name, kind: type.kind, size: type.size, grad: type.kind !== 'ids' };
}

/** `float [B,5]`, `ids [B]` or `scalar []`, for error messages. */
export function formatPortType(type: PortType): string {
  if (type.kind === 'float') return `float [B,${type.size}]`;
  if (type.kind === 'ids') return 'ids [B]';
  return 'scalar []';
}

/** True when a value of type `a` can feed a port of type `b`. */
export function sameType(a: PortType, b: PortType): boolean {
  return a.kind === b.kind && a.size === b.size;
}

/** The tensor shape of a float or scalar port at `rows` rows. */
export function portShape(type: PortType, rows: number): number[] {
  if (type.kind === 'float') return [rows, type.size];
  if (type.kind === 'scalar') return [];
  return [rows];
}

/** True when `value` fits `port` at `rows` rows (what {@link checkValue} accepts), without building any message. */
export function fitsPort(port: Port, value: Value | null | undefined, rows: number, dtype?: DType): boolean {
  if (port.kind === 'ids') return value instanceof Int32Array && value.length === rows;
  if (!(value instanceof Tensor) || !value.isContiguous || (dtype !== undefined && value.dtype !== dtype)) return false;
  return port.kind === 'scalar' ? value.shape.length === 0 : value.shape.length === 2 && value.shape[0] === rows && value.shape[1] === port.size;
}

/**
 * Throws unless `value` fits `port` at `rows` rows: a contiguous float64/32
 * tensor `[rows, size]` (or `[]` for a scalar), or an Int32Array of length `rows`;
 * with `dtype`, a tensor must also hold that dtype (a layer does not mix
 * float32 and float64). `who` names the caller in the message. Allocates
 * nothing unless it throws.
 */
export function checkValue(who: string, port: Port, value: Value | null | undefined, rows: number, dtype?: DType): void {
  if (port.kind === 'ids') {
    if (!(value instanceof Int32Array)) {
      throw new Error(`${who}: input '${port.name}' takes token ids as an Int32Array of length ${rows}, got ${describeValue(value)}`);
    }
    if (value.length !== rows) {
      throw new Error(`${who}: input '${port.name}' needs ${rows} token ids (one per row) but got ${value.length}`);
    }
    return;
  }
  if (!(value instanceof Tensor)) {
    throw new Error(`${who}: '${port.name}' takes a Tensor ${formatShape(portShape(port, rows))}, got ${describeValue(value)}`);
  }
  const ok =
    port.kind === 'scalar'
      ? value.shape.length === 0
      : value.shape.length === 2 && value.shape[0] === rows && value.shape[1] === port.size;
  if (!ok) {
    throw new Error(`${who}: '${port.name}' must be ${formatShape(portShape(port, rows))}, got ${formatShape(value.shape)}`);
  }
  if (!value.isContiguous) throw new Error(`${who}: '${port.name}' ${formatShape(value.shape)} is not contiguous; clone() it first`);
  if (dtype !== undefined && value.dtype !== dtype) throw new Error(`${who}: '${port.name}' is ${value.dtype} but the layer computes in ${dtype}`);
}
