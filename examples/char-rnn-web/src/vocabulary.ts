/**
 * The characters a model reads and writes, as the char-rnn CLI defines them:
 * the distinct Unicode code points of the text, sorted by code point value
 * (so a text gives the same vocabulary, and the same ids, on the page and in
 * the CLI, and checkpoints move between the two).
 */
export class Vocabulary {
  /** The characters in index order; each is one code point. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(chars: readonly string[]) {
    this.chars = Object.freeze(chars.slice());
    this.ids = new Map(chars.map((c, i) => [c, i]));
  }

  /** The distinct code points of `text`, sorted by value. Throws on an empty text. */
  static fromText(text: string): Vocabulary {
    if (text.length === 0) throw new Error('the text is empty');
    const seen = new Set<number>();
    for (const char of text) seen.add(char.codePointAt(0)!);
    return new Vocabulary(Array.from(seen, (cp) => cp).sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp)));
  }

  /** Exactly these characters in this order (e.g. a checkpoint's). */
  static fromChars(chars: readonly string[]): Vocabulary {
    return new Vocabulary(chars);
  }

  /** K, the number of characters. */
  get size(): number {
    return this.chars.length;
  }

  has(char: string): boolean {
    return this.ids.has(char);
  }

  /** True when both hold the same characters in the same order (then their ids agree). */
  equals(other: Vocabulary): boolean {
    return this.size === other.size && this.chars.every((c, i) => c === other.chars[i]);
  }

  /** The ids of `text`'s code points; throws naming the first character outside the vocabulary. */
  encode(text: string): Int32Array {
    const chars = Array.from(text);
    const out = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new Error(`the character ${JSON.stringify(c)} is not in the model's vocabulary (${this.size} characters)`);
      out[i] = id;
    });
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.chars[ids[i]!];
    return s;
  }
}
