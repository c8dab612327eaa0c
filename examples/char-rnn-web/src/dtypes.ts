/**
 * The dtypes the page trains in: those of @weft/layers' charRnn (the CLI's
 * `--dtype`). The page builds its <select> from this list; the worker checks
 * what a message asks for against it.
 */
import type { DType } from '@weft/tensor';

export interface DtypeChoice {
  /** The value stored in settings and checkpoints (`--dtype` of the CLI). */
  id: DType;
  /** What the page shows. */
  label: string;
}

export const DTYPES: readonly DtypeChoice[] = [
  { id: 'float64', label: 'float64' },
  // float32 runs the f32x4 WebAssembly kernels: four lanes per vector instead of two.
  { id: 'float32', label: 'float32 (faster)' },
];

/** The dtype named `id`; throws one line listing the known ones. */
export function dtypeChoice(id: unknown): DtypeChoice {
  const choice = DTYPES.find((d) => d.id === id);
  if (!choice) throw new Error(`dtype must be one of ${DTYPES.map((d) => d.id).join(', ')}, got ${typeof id === 'string' ? JSON.stringify(id) : String(id)}`);
  return choice;
}
