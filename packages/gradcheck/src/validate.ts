/** Option checks shared by the public functions; each error names the caller. */

/** The finite-difference formulas on offer. */
export type Stencil = 'central' | 'five-point';

/** Default step h = 1e-4. */
export const DEFAULT_H = 1e-4;

/** Throws unless `value` is a positive finite number; returns it. */
export function positive(who: string, name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new Error(`${who}: ${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is 'central' or 'five-point'; returns it. */
export function stencilOption(who: string, value: unknown): Stencil {
  if (value !== 'central' && value !== 'five-point') {
    throw new Error(`${who}: stencil must be 'central' or 'five-point', got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws unless `value` is a safe integer; returns it. */
export function seedOption(who: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${who}: seed must be a safe integer, got ${String(value)}`);
  return value;
}

/** Throws unless `f` is a function. */
export function functionArg(who: string, name: string, f: unknown): void {
  if (typeof f !== 'function') throw new Error(`${who}: ${name} must be a function returning a number, got ${typeof f}`);
}

/** Throws unless `loss` is a finite number (what a loss function returned at the unperturbed parameters). */
export function finiteLoss(who: string, name: string, loss: unknown): number {
  if (typeof loss !== 'number' || !Number.isFinite(loss)) {
    throw new Error(`${who}: ${name}() must return a finite number at the current parameters, got ${String(loss)}`);
  }
  return loss;
}
