import type { TokenIds } from './corpus.js';
import { UserError } from './errors.js';

/**
 * Walks an encoded text in training windows, as the report does, for B
 * streams side by side.
 *
 * The text (N token ids) is cut into B contiguous streams of L = ⌊N / B⌋ ids
 * each (the last N − B·L ids are not used when B does not divide N). Stream b
 * covers `ids[b·L .. (b+1)·L)`. Each stream keeps a position e (an index into
 * the whole text); a window is
 *
 *     X = ids[e .. e+T),  Y = ids[e+1 .. e+T],  then e += T
 *
 * and an epoch ends when a stream cannot fill a window any more, i.e. when
 * e + T + 1 > the stream's end. All streams have the same length, so they run
 * out together; every epoch has ⌊(L − 1) / T⌋ windows. With B = 1 this is the
 * report's walk over the whole book.
 *
 * Windows are written time-major, as `CharRnnModel.lossAndGradients` takes
 * them: element t·B + b is step t of stream b.
 */
export class TextStreams {
  /** Number of streams (the model's batch size B). */
  readonly batch: number;
  /** Window length T (the sequence length). */
  readonly seqLength: number;
  /** Ids per stream, L. */
  readonly streamLength: number;
  /** Windows in one epoch, ⌊(L − 1) / T⌋. */
  readonly windowsPerEpoch: number;

  private readonly ids: TokenIds;
  private readonly starts: Int32Array;
  private readonly positions: Int32Array;

  /**
   * `ids` is the encoded text (length N); `batch` B ≥ 1 and `seqLength` T ≥ 1
   * are integers. Throws a `UserError` when a stream is shorter than T + 1 ids,
   * since not even one window would fit.
   */
  constructor(ids: TokenIds, batch: number, seqLength: number) {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`TextStreams: batch must be a positive integer, got ${batch}`);
    if (!Number.isInteger(seqLength) || seqLength < 1) {
      throw new Error(`TextStreams: seqLength must be a positive integer, got ${seqLength}`);
    }
    const streamLength = Math.floor(ids.length / batch);
    if (streamLength < seqLength + 1) {
      const need = batch * (seqLength + 1);
      throw new UserError(
        batch === 1
          ? `the text has ${ids.length} characters but --seq-length ${seqLength} needs at least ${need}`
          : `the text has ${ids.length} characters but --batch ${batch} with --seq-length ${seqLength} needs at least ${need} (${seqLength + 1} per stream)`,
      );
    }
    this.ids = ids;
    this.batch = batch;
    this.seqLength = seqLength;
    this.streamLength = streamLength;
    this.windowsPerEpoch = Math.floor((streamLength - 1) / seqLength);
    this.starts = new Int32Array(batch);
    this.positions = new Int32Array(batch);
    for (let b = 0; b < batch; b++) this.starts[b] = b * streamLength;
    this.rewind();
  }

  /** Moves every stream back to its start (the beginning of an epoch). */
  rewind(): void {
    this.positions.set(this.starts);
  }

  /** True when every stream can fill one more window. */
  hasNext(): boolean {
    // All streams have the same length and advance together, so stream 0 decides.
    return this.positions[0]! + this.seqLength + 1 <= this.starts[0]! + this.streamLength;
  }

  /**
   * Writes the next window of every stream into `inputs` and `targets`
   * (each of length T·B, time-major) and advances the positions by T.
   * Returns false, writing nothing, when the epoch is over. Allocates nothing.
   */
  next(inputs: Int32Array, targets: Int32Array): boolean {
    const { batch: B, seqLength: T, ids } = this;
    if (inputs.length !== T * B || targets.length !== T * B) {
      throw new Error(
        `TextStreams.next: inputs and targets must have length T·B = ${T * B}, got ${inputs.length} and ${targets.length}`,
      );
    }
    if (!this.hasNext()) return false;
    for (let b = 0; b < B; b++) {
      const e = this.positions[b]!;
      for (let t = 0; t < T; t++) {
        inputs[t * B + b] = ids[e + t]!;
        targets[t * B + b] = ids[e + t + 1]!;
      }
      this.positions[b] = e + T;
    }
    return true;
  }

  /** Number of windows already taken in the current epoch. */
  get windowIndex(): number {
    return (this.positions[0]! - this.starts[0]!) / this.seqLength;
  }

  /** The id the next window of stream `b` starts with (what a sample from that stream's state should be fed first). */
  nextInput(b = 0): number {
    return this.ids[this.positions[b]!]!;
  }

  /**
   * The position of every stream: the index in the text of its next window
   * (a copy, one entry per stream). This is what a checkpoint stores.
   */
  getPositions(): number[] {
    return Array.from(this.positions);
  }

  /**
   * Restores positions saved by `getPositions()` (a number is accepted for
   * B = 1). Throws a `UserError` when they do not belong to this text split
   * (wrong count, outside its stream, or not on a window boundary).
   */
  setPositions(positions: number | readonly number[]): void {
    const list = typeof positions === 'number' ? [positions] : positions;
    if (list.length !== this.batch) {
      throw new UserError(`the checkpoint has ${list.length} stream position(s) but the run uses --batch ${this.batch}`);
    }
    const steps: number[] = [];
    for (let b = 0; b < this.batch; b++) {
      const p = list[b]!;
      const offset = p - this.starts[b]!;
      if (!Number.isInteger(p) || offset < 0 || offset > this.streamLength || offset % this.seqLength !== 0) {
        throw new UserError(
          `the checkpoint's position ${JSON.stringify(positions)} does not fit this text (${this.ids.length} characters, ` +
            `${this.batch} stream(s) of ${this.streamLength}, windows of ${this.seqLength}); was it trained on another --data?`,
        );
      }
      steps.push(offset / this.seqLength);
    }
    if (steps.some((s) => s !== steps[0])) {
      throw new UserError(`the checkpoint's stream positions ${JSON.stringify(positions)} are not in step with each other`);
    }
    for (let b = 0; b < this.batch; b++) this.positions[b] = list[b]!;
  }
}
