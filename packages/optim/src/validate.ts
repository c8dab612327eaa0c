/**
 * Argument checks shared by the optimizers, clipping and schedules. Each throws
 * an Error naming the caller (`who`), the argument, what was expected and what came.
 */
import { formatShape, overlaps, shapesEqual, Tensor } from '@weft/tensor';
import type { GradHolder, OptimParam } from './param.js';

/** A short description of any value for an error message: numbers as written, else their type. */
export function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Tensor) return `a Tensor ${formatShape(value.shape)}`;
  return typeof value;
}

/**
 * Throws unless `options` is undefined or a plain object whose keys are all in
 * `allowed` (so a typo such as `{ learningRate: 0.1 }` is not silently ignored).
 */
export function checkOptions(who: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${who}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new Error(`${who}: unknown option '${key}'; valid options are ${allowed.join(', ')}`);
    }
  }
}

/** Returns `value` if it is a finite number > 0; otherwise throws (`lr`, `maxNorm`, …). */
export function checkPositive(who: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${who}: ${name} must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` if it is a finite number >= 0; otherwise throws (`eps`, `weightDecay`, …). */
export function checkNonNegative(who: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${who}: ${name} must be a finite number >= 0, got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` if it is a number in [0, 1); otherwise throws (`beta1`, `alpha`, `momentum`, …). */
export function checkUnitInterval(who: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new Error(`${who}: ${name} must be a number in [0, 1), got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` if it is a boolean; otherwise throws. */
export function checkBoolean(who: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${who}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** Returns `value` if it is an integer >= 1; otherwise throws (`every`, `total`). */
export function checkPositiveInteger(who: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${who}: ${name} must be an integer >= 1, got ${describe(value)}`);
  }
  return value;
}

/** A check of one hyperparameter: returns the value if it is valid, else throws naming `who` and `name`. */
export type Check = (who: string, name: string, value: unknown) => number;

/**
 * Defines validated hyperparameters on an optimizer class, each once: for
 * `{ eps: ['epsilon', checkNonNegative] }`, reading `opt.eps` returns the
 * private field `epsilon`, and assigning runs `checkNonNegative(opt.name,
 * 'eps', value)` first (so a bad value throws and changes nothing). The class
 * declares each property (`declare eps: number`, with its doc comment) and its
 * constructor assigns the starting values through these setters.
 */
export function defineHyperparameters(cls: { prototype: object }, props: Readonly<Record<string, readonly [field: string, check: Check]>>): void {
  for (const [name, [field, check]] of Object.entries(props)) {
    Object.defineProperty(cls.prototype, name, {
      configurable: true,
      get(this: Record<string, unknown>): unknown {
        return this[field];
      },
      set(this: Record<string, unknown> & { name: string }, value: unknown): void {
        this[field] = check(this.name, name, value);
      },
    });
  }
}

/**
 * Checks an optimizer's parameter list: a non-empty array of `{ name, value, grad }`
 * with unique non-empty names, contiguous `value` and `grad` of equal shape that
 * do not share storage, and no two parameters sharing storage (the same tensor
 * twice, or views overlapping in one buffer, naming both). Returns a frozen copy.
 */
export function validateParams(who: string, params: unknown): readonly OptimParam[] {
  if (!Array.isArray(params)) throw new Error(`${who}: params must be an array of { name, value, grad }, got ${describe(params)}`);
  if (params.length === 0) throw new Error(`${who}: params is empty; give the optimizer at least one parameter`);
  const seen = new Map<string, number>();
  for (let i = 0; i < params.length; i++) {
    const p: unknown = params[i];
    if (p === null || typeof p !== 'object') throw new Error(`${who}: params[${i}] must be { name, value, grad }, got ${describe(p)}`);
    const { name, value, grad } = p as { name?: unknown; value?: unknown; grad?: unknown };
    if (typeof name !== 'string' || name === '') {
      throw new Error(`${who}: params[${i}].name must be a non-empty string, got ${describe(name)}`);
    }
    const label = `parameter '${name}'`;
    if (seen.has(name)) throw new Error(`${who}: duplicate parameter name '${name}' (params[${seen.get(name)}] and params[${i}])`);
    seen.set(name, i);
    if (!(value instanceof Tensor)) throw new Error(`${who}: ${label}: value must be a Tensor, got ${describe(value)}`);
    if (!(grad instanceof Tensor)) throw new Error(`${who}: ${label}: grad must be a Tensor, got ${describe(grad)}`);
    if (!value.isContiguous) throw new Error(`${who}: ${label}: value ${formatShape(value.shape)} is not contiguous`);
    if (!grad.isContiguous) throw new Error(`${who}: ${label}: grad ${formatShape(grad.shape)} is not contiguous`);
    if (!shapesEqual(value.shape, grad.shape)) {
      throw new Error(`${who}: ${label}: value is ${formatShape(value.shape)} but grad is ${formatShape(grad.shape)}`);
    }
    if (overlaps(value, grad)) throw new Error(`${who}: ${label}: value and grad share storage`);
  }
  checkDisjoint(who, params as OptimParam[]);
  return Object.freeze((params as OptimParam[]).slice());
}

/** A parameter tensor's span of bytes in its buffer, for {@link checkDisjoint}. */
interface Span {
  start: number;
  end: number;
  tensor: Tensor;
  role: 'value' | 'grad';
  param: string;
}

/**
 * Throws if two parameters' tensors share any storage (the same tensor given
 * twice, or views that overlap in one buffer): a step would update the shared
 * elements twice. Sorts the spans of each buffer, so O(n log n) in the tensors.
 */
function checkDisjoint(who: string, params: readonly OptimParam[]): void {
  const byBuffer = new Map<unknown, Span[]>();
  for (const p of params) {
    for (const role of ['value', 'grad'] as const) {
      const t = p[role];
      if (t.size === 0) continue; // no elements, nothing to update twice
      const start = t.byteStart;
      const span = { start, end: start + t.size * t.data.BYTES_PER_ELEMENT, tensor: t, role, param: p.name };
      const spans = byBuffer.get(t.data.buffer);
      if (spans === undefined) byBuffer.set(t.data.buffer, [span]);
      else spans.push(span);
    }
  }
  for (const spans of byBuffer.values()) {
    if (spans.length < 2) continue;
    spans.sort((a, b) => a.start - b.start);
    let reach = spans[0]!; // the span reaching furthest so far
    for (let k = 1; k < spans.length; k++) {
      const next = spans[k]!;
      if (next.start < reach.end) {
        const how = next.tensor === reach.tensor ? 'is also' : 'overlaps';
        // A parameter's own value and grad were checked already, with their own message.
        throw new Error(`${who}: parameters '${reach.param}' and '${next.param}' share storage: the ${reach.role} of '${reach.param}' ${how} the ${next.role} of '${next.param}'`);
      }
      if (next.end > reach.end) reach = next;
    }
  }
}

/** Throws unless `params` is an array of objects holding a contiguous Tensor `grad`. */
export function checkGradHolders(who: string, params: unknown): asserts params is readonly GradHolder[] {
  if (!Array.isArray(params)) throw new Error(`${who}: params must be an array of { grad }, got ${describe(params)}`);
  for (let i = 0; i < params.length; i++) {
    const g: unknown = (params[i] as { grad?: unknown } | null)?.grad;
    if (!(g instanceof Tensor)) throw new Error(`${who}: params[${i}].grad must be a Tensor, got ${describe(g)}`);
    if (!g.isContiguous) throw new Error(`${who}: params[${i}].grad ${formatShape(g.shape)} is not contiguous`);
  }
}
