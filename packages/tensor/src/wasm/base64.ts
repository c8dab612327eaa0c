/**
 * A small base64 decoder (RFC 4648, standard alphabet, optional '=' padding).
 * Used instead of `atob` (not in every worker-like runtime) or Node's Buffer
 * (not in browsers) to turn the embedded kernel module back into bytes.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

let table: Int16Array | null = null;

function decodeTable(): Int16Array {
  if (table === null) {
    table = new Int16Array(128).fill(-1);
    for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  }
  return table;
}

/** The bytes encoded by base64 `text`. Throws on a character outside the alphabet or a bad length. */
export function decodeBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* '=' */) end--;
  if (text.length % 4 === 1 || end % 4 === 1 || text.length - end > 2) {
    throw new Error(`decodeBase64: invalid length ${text.length}`);
  }
  const lookup = decodeTable();
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let count = 0;
  let k = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? lookup[code]! : -1;
    if (v < 0) throw new Error(`decodeBase64: invalid character ${JSON.stringify(text[i])} at ${i}`);
    bits = (bits << 6) | v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[k++] = (bits >> count) & 0xff;
    }
  }
  return out;
}
