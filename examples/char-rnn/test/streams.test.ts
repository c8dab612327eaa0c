import { describe, expect, it } from '@jest/globals';
import { isUserError } from '../src/errors.js';
import { TextStreams } from '../src/streams.js';

/** ids 0..n-1, so every id names its own position in the text. */
function iota(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** All windows of one epoch, read through `next`. */
function epochWindows(streams: TextStreams): { x: number[]; y: number[] }[] {
  const T = streams.seqLength;
  const B = streams.batch;
  const x = new Int32Array(T * B);
  const y = new Int32Array(T * B);
  const out: { x: number[]; y: number[] }[] = [];
  while (streams.next(x, y)) out.push({ x: Array.from(x), y: Array.from(y) });
  return out;
}

describe('TextStreams', () => {
  it('walks one stream as the report does: X = c[e..e+T), Y = c[e+1..e+T], e += T', () => {
    const ids = Int32Array.from([5, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]); // N = 12
    const T = 3;
    const streams = new TextStreams(ids, 1, T);
    // Independent statement of the rule: windows while e + T + 1 <= N.
    const expected: { x: number[]; y: number[] }[] = [];
    for (let e = 0; e + T + 1 <= ids.length; e += T) {
      expected.push({ x: Array.from(ids.slice(e, e + T)), y: Array.from(ids.slice(e + 1, e + T + 1)) });
    }
    expect(expected).toHaveLength(3); // e = 0, 3, 6; e = 9 would need c[12]
    expect(epochWindows(streams)).toEqual(expected);
    expect(streams.windowsPerEpoch).toBe(3);
    expect(streams.hasNext()).toBe(false);
  });

  it('uses the last character as a target when the text fits exactly', () => {
    const streams = new TextStreams(iota(7), 1, 3); // e = 0 → Y ends at 3; e = 3 → Y ends at 6 = last
    const windows = epochWindows(streams);
    expect(windows.map((w) => w.y)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('splits the text into B contiguous streams and writes windows time-major (t·B + b)', () => {
    const N = 23;
    const B = 3;
    const T = 2;
    const streams = new TextStreams(iota(N), B, T);
    const L = Math.floor(N / B); // 7: streams [0,7), [7,14), [14,21); ids 21, 22 unused
    expect(streams.streamLength).toBe(L);
    expect(streams.windowsPerEpoch).toBe(Math.floor((L - 1) / T)); // 3
    const windows = epochWindows(streams);
    expect(windows).toHaveLength(3);
    windows.forEach((w, k) => {
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const e = b * L + k * T;
          expect(w.x[t * B + b]).toBe(e + t);
          expect(w.y[t * B + b]).toBe(e + t + 1);
        }
      }
    });
    // No window crosses into the next stream: the largest target of stream b is below its end.
    for (let b = 0; b < B; b++) {
      const targets = windows.flatMap((w) => w.y.filter((_, i) => i % B === b));
      expect(Math.max(...targets)).toBeLessThan((b + 1) * L);
    }
  });

  it('rewinds to the start of every stream for a new epoch', () => {
    const streams = new TextStreams(iota(40), 2, 4);
    const first = epochWindows(streams);
    streams.rewind();
    expect(epochWindows(streams)).toEqual(first);
  });

  it('reports positions and the next input, and restores positions exactly', () => {
    const ids = iota(40);
    const streams = new TextStreams(ids, 2, 4); // L = 20
    const x = new Int32Array(8);
    const y = new Int32Array(8);
    streams.next(x, y);
    streams.next(x, y);
    expect(streams.getPositions()).toEqual([8, 28]);
    expect(streams.windowIndex).toBe(2);
    expect(streams.nextInput(0)).toBe(8);
    expect(streams.nextInput(1)).toBe(28);
    const rest = epochWindows(streams);

    const restored = new TextStreams(ids, 2, 4);
    restored.setPositions([8, 28]);
    expect(epochWindows(restored)).toEqual(rest);
  });

  it('accepts a plain number as the position of a single stream', () => {
    const streams = new TextStreams(iota(30), 1, 5);
    streams.setPositions(10);
    expect(streams.getPositions()).toEqual([10]);
  });

  it('rejects positions that do not belong to the split with a UserError', () => {
    const streams = new TextStreams(iota(40), 2, 4);
    const bad: (number | number[])[] = [[8], [8, 28, 0], [9, 29], [8, 32], [-4, 16], [8, 44], 8];
    for (const p of bad) {
      let caught: unknown;
      try {
        streams.setPositions(p);
      } catch (error) {
        caught = error;
      }
      expect(isUserError(caught)).toBe(true);
    }
    expect(streams.getPositions()).toEqual([0, 20]); // unchanged by the failed attempts
  });

  it('refuses a text too short for one window per stream (UserError naming the sizes)', () => {
    expect(() => new TextStreams(iota(25), 1, 25)).toThrow(/25 characters .*--seq-length 25 needs at least 26/);
    expect(() => new TextStreams(iota(50), 2, 25)).toThrow(/--batch 2 .*needs at least 52/);
    let caught: unknown;
    try {
      new TextStreams(iota(3), 1, 3);
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught)).toBe(true);
    expect(() => new TextStreams(iota(26), 1, 25)).not.toThrow();
  });

  it('checks buffer lengths and constructor arguments', () => {
    const streams = new TextStreams(iota(40), 2, 4);
    expect(() => streams.next(new Int32Array(7), new Int32Array(8))).toThrow(/length T·B = 8, got 7 and 8/);
    expect(() => new TextStreams(iota(40), 0, 4)).toThrow(/batch must be a positive integer/);
    expect(() => new TextStreams(iota(40), 1, 0)).toThrow(/seqLength must be a positive integer/);
  });
});
