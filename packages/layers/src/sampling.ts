/**
 * Drawing text from a recurrent model one token at a time: temperature,
 * top-k and top-p (nucleus) filtering, a context (prime text) fed first, and a
 * seeded `Rng`, so the same model, options and seed give the same tokens.
 *
 * Works with any model that exposes a one-step interface ({@link StepModel}),
 * e.g. `CharRnnModel.step(ids, probs)`.
 */
import { zeros, type Rng, type Tensor, type TypedArray } from '@weft/tensor';

/**
 * How the next token is drawn from the model's probabilities.
 * - `temperature` T > 0: P(i) ∝ p[i]^(1/T); 1 samples p itself, below 1 is
 *   more conservative, above 1 more random (default 1).
 * - `topK` K ≥ 1: only the K most likely tokens can be drawn (default: all).
 * - `topP` P in (0, 1]: nucleus sampling — only the smallest set of most likely
 *   tokens whose (tempered) probability reaches P can be drawn (default 1: all).
 * The filters apply in this order: temperature, top-k, top-p (as in Hugging Face
 * transformers), and the kept probabilities are renormalised.
 */
export interface SamplingOptions {
  /** T > 0: P(i) ∝ p[i]^(1/T); default 1. */
  temperature?: number;
  /** Draw only from the K most likely tokens; default all. */
  topK?: number;
  /** Draw only from the smallest most-likely set whose probability reaches P, in (0, 1]; default 1. */
  topP?: number;
}

/**
 * A model that can be run one step at a time with batch 1: `step` feeds one
 * token id per batch row, writes the next-token probabilities `[B, K]` into
 * `probs`, advances the model's state and returns `probs`.
 */
export interface StepModel {
  /** B: the rows `step` takes (generation needs 1). */
  readonly batch: number;
  /** Feeds `ids` `[B]`, writes the next-token probabilities into `probs` `[B, K]` and returns it. */
  step(ids: Int32Array, probs: Tensor): Tensor;
}

/**
 * Options of {@link generateIds} / {@link sampleIds}: the sampling filters,
 * plus the vocabulary size K. Give either `vocabSize`, or `probs`, a `[1, K]`
 * buffer that is reused (nothing is allocated per call then).
 */
export interface GenerateOptions extends SamplingOptions {
  /** K, the number of tokens (when `probs` is not given). */
  vocabSize?: number;
  /** A `[1, K]` buffer for the probabilities, reused by every step. */
  probs?: Tensor;
}

/** Working memory for `sampleToken`, allocated once per vocabulary size by `createSamplingScratch`. */
export interface SamplingScratch {
  /** Tempered, filtered weights, one per token. */
  readonly weights: Float64Array;
  /** Token indices, sorted by decreasing weight when a top-k/top-p filter is on. */
  readonly order: Int32Array;
}

/** Scratch buffers for a vocabulary of `size` tokens. */
export function createSamplingScratch(size: number): SamplingScratch {
  if (!Number.isInteger(size) || size < 1) throw new Error(`createSamplingScratch: size must be a positive integer, got ${size}`);
  return { weights: new Float64Array(size), order: new Int32Array(size) };
}

/**
 * Checks sampling options and throws an `Error` naming the bad one
 * (a CLI can report them as user errors).
 */
export function checkSamplingOptions(options: SamplingOptions): void {
  const { temperature, topK, topP } = options;
  if (temperature !== undefined && !(temperature > 0 && Number.isFinite(temperature))) {
    throw new Error(`temperature must be a positive number, got ${temperature}`);
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    throw new Error(`top-k must be a positive integer, got ${topK}`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new Error(`top-p must be in (0, 1], got ${topP}`);
}

/**
 * Draws the index of the next token from the probability row `probs`
 * (length K, non-negative; e.g. row 0 of the `[1, K]` output of a
 * {@link StepModel}) with `rng`. Without top-k/top-p this is exactly
 * `rng.categorical(probs, temperature)`; with them, the tempered weights are
 * filtered in `scratch` first. Allocates nothing; `probs` is not modified.
 */
export function sampleToken(probs: TypedArray, rng: Rng, options: SamplingOptions, scratch: SamplingScratch): number {
  const K = probs.length;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? K;
  const topP = options.topP ?? 1;
  if (topK >= K && topP >= 1) return rng.categorical(probs, temperature);
  const { weights, order } = scratch;
  if (weights.length !== K || order.length !== K) {
    throw new Error(`sampleToken: scratch is for ${weights.length} tokens but probs has length ${K}`);
  }

  // Temper (as categorical would), normalise, and sort indices by weight.
  const inv = 1 / temperature;
  let total = 0;
  for (let i = 0; i < K; i++) {
    const w = inv === 1 ? probs[i]! : Math.pow(probs[i]!, inv);
    weights[i] = w;
    total += w;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    // Extreme temperatures under- or overflow every weight: the limit is argmax, which categorical handles.
    return rng.categorical(probs, temperature);
  }
  for (let i = 0; i < K; i++) weights[i] = weights[i]! / total;
  sortByWeightDescending(order, weights);

  // Keep the first `keep` indices of the order: at most topK, and just enough to reach topP.
  let keep = Math.min(topK, K);
  if (topP < 1) {
    let keptMass = 0;
    for (let i = 0; i < keep; i++) keptMass += weights[order[i]!]!;
    let mass = 0;
    for (let i = 0; i < keep; i++) {
      mass += weights[order[i]!]!;
      // Compare against the mass that survives top-k, so top-p acts on the renormalised distribution.
      if (mass >= topP * keptMass) {
        keep = i + 1;
        break;
      }
    }
  }
  for (let i = keep; i < K; i++) weights[order[i]!] = 0;
  return rng.categorical(weights, 1);
}

/**
 * Fills `order` with 0..K−1 sorted by decreasing `weights` (ties: lower index
 * first). Insertion sort: K is a vocabulary size (~100) and it allocates nothing.
 */
function sortByWeightDescending(order: Int32Array, weights: Float64Array): void {
  const K = order.length;
  for (let i = 0; i < K; i++) {
    const w = weights[i]!;
    let j = i - 1;
    while (j >= 0 && weights[order[j]!]! < w) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = i;
  }
}

/** The `[1, K]` probability buffer named by `options` (given, or new for `vocabSize`). */
function probsBuffer(who: string, options: GenerateOptions): Tensor {
  const { probs, vocabSize } = options;
  if (probs !== undefined) {
    if (probs.shape.length !== 2 || probs.shape[0] !== 1 || !probs.isContiguous) {
      throw new Error(`${who}: probs must be a contiguous [1, K] tensor, got [${probs.shape.join(',')}]`);
    }
    if (vocabSize !== undefined && probs.shape[1] !== vocabSize) {
      throw new Error(`${who}: probs is [1,${probs.shape[1]}] but vocabSize is ${vocabSize}`);
    }
    return probs;
  }
  if (vocabSize === undefined) throw new Error(`${who}: pass the vocabulary size, as options.vocabSize or a [1, K] options.probs buffer`);
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`${who}: vocabSize must be a positive integer, got ${vocabSize}`);
  return zeros([1, vocabSize]);
}

/**
 * Yields `length` token ids drawn from `model` (batch 1), one at a time, so a
 * caller can show them as they are drawn: feeds the ids of `context` (at least
 * one; e.g. the prime text, or the next character of the text) one by one
 * from the model's current state, then draws each next id from the output and
 * feeds it back. Advances `model`'s state; the ids of `context` are not yielded.
 * Checks its arguments when called, before the first id is asked for.
 */
export function sampleIds(
  model: StepModel,
  context: ArrayLike<number>,
  length: number,
  rng: Rng,
  options: GenerateOptions,
): Generator<number, void, undefined> {
  const who = 'sampleIds';
  if (model.batch !== 1) throw new Error(`${who}: the model must have batch 1, got ${model.batch} (e.g. model.withBatch(1))`);
  if (context.length < 1) throw new Error(`${who}: context must hold at least one id`);
  if (!Number.isInteger(length) || length < 0) throw new Error(`${who}: length must be a non-negative integer, got ${length}`);
  checkSamplingOptions(options);
  const probs = probsBuffer(who, options);
  return drawIds(model, context, length, rng, options, probs);
}

function* drawIds(
  model: StepModel,
  context: ArrayLike<number>,
  length: number,
  rng: Rng,
  options: SamplingOptions,
  probs: Tensor,
): Generator<number, void, undefined> {
  const scratch = createSamplingScratch(probs.shape[1]!);
  // The row as a typed array: sampleToken reads probabilities by index.
  const row = probs.data.subarray(probs.offset, probs.offset + probs.shape[1]!) as TypedArray;
  const input = new Int32Array(1);
  for (let i = 0; i < context.length; i++) {
    input[0] = context[i]!;
    model.step(input, probs);
  }
  for (let i = 0; i < length; i++) {
    const next = sampleToken(row, rng, options, scratch);
    yield next;
    // The last id is not fed back: the state ends after the last input, as before.
    if (i + 1 < length) {
      input[0] = next;
      model.step(input, probs);
    }
  }
}

/**
 * Generates `length` token ids with `model` (batch 1); {@link sampleIds}
 * collected into an array. The returned ids do not include `context`.
 */
export function generateIds(
  model: StepModel,
  context: ArrayLike<number>,
  length: number,
  rng: Rng,
  options: GenerateOptions,
): Int32Array {
  const out = new Int32Array(length);
  let i = 0;
  for (const id of sampleIds(model, context, length, rng, options)) out[i++] = id;
  return out;
}
