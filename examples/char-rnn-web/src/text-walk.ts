/**
 * The report's walk over a text, as the char-rnn CLI does it with one stream:
 * windows X = ids[e .. e+T), Y = ids[e+1 .. e+T], then e += T; an epoch ends
 * when the next window does not fit (e + T + 1 > N). The position e is what a
 * checkpoint stores, so a run moves between the page and the CLI.
 */
export class TextWalk {
  private e = 0;

  constructor(
    readonly ids: Int32Array,
    readonly seqLength: number,
  ) {
    if (!Number.isInteger(seqLength) || seqLength < 1) throw new Error(`sequence length must be a positive integer, got ${seqLength}`);
    if (ids.length < seqLength + 1) {
      throw new Error(`the text has ${ids.length} characters; a window of ${seqLength} needs at least ${seqLength + 1}`);
    }
  }

  /** Index of the next window's first character. */
  get position(): number {
    return this.e;
  }

  set position(e: number) {
    if (!Number.isInteger(e) || e < 0 || e > this.ids.length) throw new Error(`position ${e} is outside the text (${this.ids.length} characters)`);
    this.e = e;
  }

  /** Back to the start of the text (a new epoch). */
  rewind(): void {
    this.e = 0;
  }

  hasNext(): boolean {
    return this.e + this.seqLength + 1 <= this.ids.length;
  }

  /** Writes the next window into `inputs` and `targets` (length T each) and advances. */
  next(inputs: Int32Array, targets: Int32Array): void {
    const T = this.seqLength;
    inputs.set(this.ids.subarray(this.e, this.e + T));
    targets.set(this.ids.subarray(this.e + 1, this.e + T + 1));
    this.e += T;
  }

  /** The character the model reads next (what a sample continues from). */
  nextInput(): number {
    return this.ids[Math.min(this.e, this.ids.length - 1)]!;
  }
}
