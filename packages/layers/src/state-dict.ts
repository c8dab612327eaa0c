/**
 * Saved parameters for any layer, as PyTorch's `module.state_dict()` and
 * `module.load_state_dict(dict, strict)`: a plain record from parameter name
 * (`cell.W` inside a graph) to its value tensor.
 */
import { clone, copy, formatShape, shapesEqual, Tensor } from '@weft/tensor';
import { describeValue } from './describe.js';
import type { Param } from './param.js';

/** Anything with parameters: a layer, a graph, a model. */
export interface HasParameters {
  /** The named parameters, each `{ name, value, grad }`. */
  parameters(): readonly Param[];
}

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * True (default): every parameter must be in the dict and every dict entry
   * must be a parameter. False: missing and unexpected names are allowed and
   * returned (PyTorch's `strict=False`); shapes must still match.
   */
  strict?: boolean;
}

/** What {@link loadStateDict} returns: the names it did not match (both empty when strict). */
export interface LoadStateDictResult {
  /** Parameters the dict has no entry for (left unchanged). */
  missingKeys: string[];
  /** Dict entries no parameter has (ignored). */
  unexpectedKeys: string[];
}

/**
 * The parameters of `layer` by name: `{ [param.name]: param.value }`, in
 * `parameters()` order, in an object without a prototype (so any name, even
 * `__proto__`, is an own key).
 *
 * The values are the parameters' own tensors, not copies (as PyTorch's
 * state_dict): they change when the layer trains. `clone()` them to keep a
 * snapshot.
 *
 * @throws if two parameters share a name
 */
export function stateDict(layer: HasParameters): Record<string, Tensor> {
  const out = Object.create(null) as Record<string, Tensor>;
  for (const p of uniqueParameters('stateDict', layer)) out[p.name] = p.value;
  return out;
}

/**
 * Copies `dict[name]` into the value of each parameter of `layer`. Either
 * everything loads or nothing changes: every problem is found first and
 * reported in one line, e.g.
 * `loadStateDict: missing 'cell.W' [5,5]; unexpected 'foo'; 'b' is [3] but the layer has [5]`.
 *
 * - Entries must be Tensors of the parameter's shape, any layout.
 * - The copy converts the dtype: a float32 tensor loads into a float64
 *   parameter (exactly), a float64 one into float32 (rounded).
 * - With `strict` (default) a missing parameter or an unexpected entry is an
 *   error; with `strict: false` they are skipped and returned.
 * - Names are looked up as own keys only (`Object.hasOwn`), so `__proto__`,
 *   `constructor` or `toString` are ordinary names, never inherited values.
 *
 * @returns the missing and unexpected names (empty when strict)
 */
export function loadStateDict(layer: HasParameters, dict: Readonly<Record<string, Tensor>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
  const who = 'loadStateDict';
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict) || dict instanceof Tensor || dict instanceof Map) {
    throw new Error(`${who}: dict must be a plain object of name → Tensor (as stateDict returns), got ${describeValue(dict)}`);
  }
  const strict = options?.strict ?? true;
  if (typeof strict !== 'boolean') throw new Error(`${who}: options.strict must be true or false, got ${String(strict)}`);
  const params = uniqueParameters(who, layer);
  const names = new Set(params.map((p) => p.name));
  const missingKeys: string[] = [];
  const problems: string[] = [];
  const wrong: string[] = [];
  const loads: { param: Param; from: Tensor }[] = [];
  for (const p of params) {
    if (!Object.hasOwn(dict, p.name)) {
      missingKeys.push(p.name);
      if (strict) problems.push(`missing '${p.name}' ${formatShape(p.value.shape)}`);
      continue;
    }
    const v: unknown = dict[p.name];
    if (!(v instanceof Tensor)) wrong.push(`'${p.name}' is ${describeValue(v)}, not a Tensor ${formatShape(p.value.shape)}`);
    else if (!shapesEqual(v.shape, p.value.shape)) wrong.push(`'${p.name}' is ${formatShape(v.shape)} but the layer has ${formatShape(p.value.shape)}`);
    else loads.push({ param: p, from: v });
  }
  const unexpectedKeys = Object.keys(dict).filter((k) => !names.has(k));
  if (strict) for (const k of unexpectedKeys) problems.push(`unexpected '${k}'`);
  problems.push(...wrong);
  if (problems.length > 0) throw new Error(`${who}: ${problems.join('; ')}`);
  // Snapshot every source that shares storage with a parameter, so that the
  // copies below cannot read a value this load has already overwritten.
  const buffers = new Set(params.map((p) => p.value.data.buffer));
  const sources = loads.map(({ param, from }) => (from === param.value || !buffers.has(from.data.buffer) ? from : clone(from)));
  loads.forEach(({ param }, i) => copy(param.value, sources[i]!));
  return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
}

/** `layer.parameters()`, checking that no name occurs twice. */
function uniqueParameters(who: string, layer: HasParameters): readonly Param[] {
  if (layer === null || typeof layer !== 'object' || typeof layer.parameters !== 'function') {
    throw new Error(`${who}: expected a layer (anything with parameters()), got ${describeValue(layer)}`);
  }
  const params = layer.parameters();
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new Error(`${who}: two parameters are named '${p.name}'; names must be unique`);
    seen.add(p.name);
  }
  return params;
}
