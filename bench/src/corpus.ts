/**
 * The benchmark's data, from examples/char-rnn itself (its corpus loader and
 * its `TextStreams` walker), so the bench trains on exactly what char-rnn
 * trains on: the default corpus (Moby Dick), its vocabulary, and training
 * windows that restart at the end of an epoch as char-rnn's do.
 */
import { loadCorpus, Vocabulary } from '@weft/char-rnn-example/corpus';
import { TextStreams } from '@weft/char-rnn-example/streams';

/** The encoded corpus. */
export interface BenchCorpus {
  /** Token ids of the text, one per code point. */
  ids: Int32Array;
  /** Number of distinct characters (K) in the WHOLE book, as char-rnn's vocabulary. */
  vocabSize: number;
  /** Characters in the whole book (for projecting a 10-epoch run). */
  bookLength: number;
  /** The whole book's text (for the whole-process runs, which train on all of it). */
  book: string;
}

/** The first `chars` code points of char-rnn's default corpus, encoded with its vocabulary of the whole book. */
export async function loadBenchCorpus(chars = 200_000): Promise<BenchCorpus> {
  const { text: book } = await loadCorpus();
  const vocab = Vocabulary.fromText(book);
  const ids = vocab.encode(book);
  return { ids: ids.slice(0, chars), vocabSize: vocab.size, bookLength: ids.length, book };
}

/**
 * char-rnn's `TextStreams` over `ids` for `batch` streams of `seqLength`-step
 * windows (time-major, as `lossAndGradients` takes them), rewound at the end
 * of each epoch. When `next()` rewinds, `wrapped` turns true and the caller
 * resets the hidden state, as char-rnn's training does at an epoch's start.
 */
export class SequenceReader {
  /** Input ids for the next update, length T·B. */
  readonly inputs: Int32Array;
  /** Target ids (inputs shifted by one), length T·B. */
  readonly targets: Int32Array;
  /** True when the last `next()` started a new epoch. */
  wrapped = false;
  private readonly streams: TextStreams;

  /** Reads `ids` in windows of `seqLength` steps for `batch` streams. */
  constructor(ids: Int32Array, seqLength: number, batch: number) {
    this.streams = new TextStreams(ids, batch, seqLength);
    this.inputs = new Int32Array(seqLength * batch);
    this.targets = new Int32Array(seqLength * batch);
  }

  /** Fills `inputs` and `targets` with the next window. Allocates nothing. */
  next(): void {
    this.wrapped = !this.streams.next(this.inputs, this.targets);
    if (this.wrapped) {
      this.streams.rewind();
      this.streams.next(this.inputs, this.targets);
    }
  }
}
