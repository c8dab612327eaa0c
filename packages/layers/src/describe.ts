import { formatShape, Tensor } from '@weft/tensor';

/** A short description of any value for an error message: `a Tensor [2,3]`, `an array`, `a number`, `a Float64Array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Tensor) return `a Tensor ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
