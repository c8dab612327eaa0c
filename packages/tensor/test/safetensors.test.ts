/**
 * safetensors encode/decode: round trips, bytes built by hand from the
 * specification, every kind of corruption (duplicate keys, sizes and counts
 * over the limits, names that are Object.prototype members), two fixed-seed
 * fuzz tests, and (when python3 with numpy is installed) a file read back by an
 * independent numpy reader.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  fromData,
  Rng,
  SAFETENSORS_MAX_ENTRIES,
  tensor,
  transpose,
  zeros,
} from '@weft/tensor';

/** A safetensors file from a header object (or raw header text) and data bytes, built without our encoder. */
function build(header: unknown, data: Uint8Array | number[] = [], options: { declared?: number; raw?: string } = {}): Uint8Array {
  let text = options.raw ?? JSON.stringify(header);
  while (Buffer.byteLength(text) % 8 !== 0) text += ' ';
  const json = Buffer.from(text, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(options.declared ?? json.length));
  return new Uint8Array(Buffer.concat([prefix, json, Buffer.from(data)]));
}

function f64(...values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return b;
}

function f32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}

const decodeError = (bytes: Uint8Array): string => {
  try {
    decodeSafetensors(bytes);
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^decodeSafetensors: /);
    return message;
  }
  throw new Error('expected decodeSafetensors to throw');
};

describe('round trip', () => {
  test('F64 and F32 tensors of several ranks, with metadata, come back bit for bit', () => {
    const a = fromData(Float64Array.from([1, -2.5, Math.PI, 1e-300, -0, Number.MAX_VALUE]), [2, 3]);
    const b = fromData(Float32Array.from([0.1, 7, -3]), [3]);
    const c = fromData(Float64Array.from([42]), []);
    const empty = zeros([0, 4]);
    const metadata = { format: 'test/1', note: 'Ünïcødé 🐋 "quoted"' };
    const bytes = encodeSafetensors({ b, a, c, empty }, metadata);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual(metadata);
    expect(Object.keys(back.tensors).sort()).toEqual(['a', 'b', 'c', 'empty']);
    expect(back.tensors.a!.dtype).toBe('float64');
    expect(back.tensors.a!.shape).toEqual([2, 3]);
    expect(Array.from(back.tensors.a!.data)).toEqual(Array.from(a.data));
    expect(Object.is(back.tensors.a!.data[4], -0)).toBe(true);
    expect(back.tensors.b!.dtype).toBe('float32');
    expect(Array.from(back.tensors.b!.data)).toEqual(Array.from(b.data));
    expect(back.tensors.c!.shape).toEqual([]);
    expect(back.tensors.c!.data[0]).toBe(42);
    expect(back.tensors.empty!.shape).toEqual([0, 4]);
  });

  test('layout follows the specification: u64 LE length, "{", space padding to 8, F64 before F32', () => {
    const bytes = encodeSafetensors({ small: fromData(Float32Array.from([1]), [1]), big: tensor([2, 3]) }, { k: 'v' });
    const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const headerText = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    expect(headerText[0]).toBe('{');
    expect(headerText.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    const header = JSON.parse(headerText);
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(header.big).toEqual({ dtype: 'F64', shape: [2], data_offsets: [0, 16] });
    expect(header.small).toEqual({ dtype: 'F32', shape: [1], data_offsets: [16, 20] });
    expect(bytes.length).toBe(8 + n + 20);
    expect(Buffer.from(bytes).readDoubleLE(8 + n + 8)).toBe(3);
    expect(Buffer.from(bytes).readFloatLE(8 + n + 16)).toBe(1);
  });

  test('a strided (transposed) tensor is written in row-major order of its view', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    const back = decodeSafetensors(encodeSafetensors({ t: transpose(m) })).tensors.t!;
    expect(back.shape).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  test('encode rejects names and metadata with lone surrogates, which would not come back', () => {
    expect(() => encodeSafetensors({ ['a\uD800']: tensor([1]) })).toThrow(/^encodeSafetensors: tensor name "a\\ud800" holds a lone UTF-16 surrogate/);
    expect(() => encodeSafetensors({ a: tensor([1]) }, { ['\uDC00']: 'v' })).toThrow(/metadata key "\\udc00" holds a lone UTF-16 surrogate/);
    expect(() => encodeSafetensors({ a: tensor([1]) }, { k: 'x\uDBFFy' })).toThrow(/metadata "k" "x\\udbffy" holds a lone UTF-16 surrogate/);
    // A whole pair is fine.
    const back = decodeSafetensors(encodeSafetensors({ ['\uD83D\uDC0B']: tensor([1]) }, { k: '\uD83D\uDC0B' }));
    expect(Object.keys(back.tensors)).toEqual(['🐋']);
    expect(back.metadata.k).toBe('🐋');
  });

  test('encode rejects the reserved name, empty names and non-string metadata', () => {
    expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(/cannot be named/);
    expect(() => encodeSafetensors({ '': tensor([1]) })).toThrow(/cannot be named/);
    expect(() => encodeSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string })).toThrow(/metadata "n" must be a string/);
  });
});

describe('hand-built files', () => {
  test('reads a file built from the specification, offsets in any header order, no metadata', () => {
    const bytes = build(
      { y: { dtype: 'F32', shape: [2], data_offsets: [16, 24] }, x: { dtype: 'F64', shape: [1, 2], data_offsets: [0, 16] } },
      Buffer.concat([f64(0.5, -8), f32(1.5, 2.25)]),
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(tensors.x!.shape).toEqual([1, 2]);
    expect(Array.from(tensors.x!.data)).toEqual([0.5, -8]);
    expect(Array.from(tensors.y!.data)).toEqual([1.5, 2.25]);
  });

  test('reads data that is not 8-byte aligned in memory', () => {
    const bytes = build({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, f64(3, 4));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Array.from(decodeSafetensors(shifted.subarray(3)).tensors.x!.data)).toEqual([3, 4]);
  });

  test('an empty header {} is a valid file with no tensors', () => {
    expect(decodeSafetensors(build({}))).toEqual({ tensors: {}, metadata: {} });
  });
});

describe('corruption: one-line errors', () => {
  const good = { x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } };
  const data = f64(1, 2);

  test('not a Uint8Array', () => {
    expect(decodeError('{"x": 1}' as never)).toMatch(/expected a Uint8Array, got string/);
    expect(decodeError(null as never)).toMatch(/expected a Uint8Array, got null/);
  });
  test('more dimensions than numpy allows', () => {
    const shape = new Array<number>(65).fill(1);
    expect(decodeError(build({ x: { dtype: 'F64', shape, data_offsets: [0, 8] } }, f64(1)))).toMatch(/tensor "x" has 65 dimensions, more than the 64 supported/);
    shape.pop();
    expect(decodeSafetensors(build({ x: { dtype: 'F64', shape, data_offsets: [0, 8] } }, f64(1))).tensors.x!.rank).toBe(64);
  });
  test('shorter than 8 bytes', () => {
    expect(decodeError(new Uint8Array(5))).toMatch(/5 bytes long, too short/);
  });
  test('header length beyond the file (truncated header)', () => {
    const bytes = build(good, data);
    expect(decodeError(bytes.subarray(0, 20))).toMatch(/header length \d+ runs past the end of the file \(20 bytes\)/);
  });
  test('header length beyond the 100 MB limit, refused before looking further', () => {
    expect(decodeError(build(good, data, { declared: 2 ** 40 }))).toMatch(/header length 1099511627776 is more than the 100000000-byte limit/);
    expect(decodeError(build(good, data, { declared: 100_000_001 }))).toMatch(/more than the 100000000-byte limit/);
  });
  test('truncated data', () => {
    const bytes = build(good, data);
    expect(decodeError(bytes.subarray(0, bytes.length - 3))).toMatch(/reach past the end of the data \(13 bytes\)/);
  });
  test('trailing bytes after the last tensor', () => {
    expect(decodeError(build(good, Buffer.concat([data, Buffer.alloc(8)])))).toMatch(/8 bytes after the last tensor/);
  });
  test('header not starting with "{" (e.g. a text file)', () => {
    expect(decodeError(new TextEncoder().encode('hello world, not a tensor file'))).toMatch(/more than the 100000000-byte limit; the file is damaged or not safetensors/);
    expect(decodeError(build(null, [], { raw: '[1, 2, 3]' }))).toMatch(/does not start with "\{"/);
  });
  test('header that is not JSON', () => {
    expect(decodeError(build(null, [], { raw: '{"x": ' }))).toMatch(/not valid JSON/);
  });
  test('header that is not UTF-8', () => {
    const bytes = build(null, [], { raw: '{"a":"xx"}' });
    bytes[14] = 0xff;
    expect(decodeError(bytes)).toMatch(/not valid UTF-8/);
  });
  test('a tensor entry that is not an object', () => {
    expect(decodeError(build(null, [], { raw: '{"x": 1}' }))).toMatch(/tensor "x" is not an object/);
  });
  test('unknown and unsupported dtypes', () => {
    expect(decodeError(build({ x: { ...good.x, dtype: 'Q7' } }, data))).toMatch(/unknown dtype "Q7"; supported dtypes are F64 and F32/);
    expect(decodeError(build({ x: { dtype: 'I32', shape: [4], data_offsets: [0, 16] } }, data))).toMatch(/dtype I32, which is not supported; supported dtypes are F64 and F32/);
    expect(decodeError(build({ x: { ...good.x, dtype: 7 } }, data))).toMatch(/no dtype string/);
  });
  test('bad shapes and offsets', () => {
    expect(decodeError(build({ x: { dtype: 'F64', data_offsets: [0, 16] } }, data))).toMatch(/shape undefined; expected an array/);
    expect(decodeError(build({ x: { dtype: 'F64', shape: [2] } }, data))).toMatch(/data_offsets undefined; expected \[begin, end\]/);
    expect(decodeError(build({ x: { ...good.x, shape: [-2] } }, data))).toMatch(/shape \[-2\]/);
    expect(decodeError(build({ x: { ...good.x, shape: 'two' } }, data))).toMatch(/shape "two"/);
    expect(decodeError(build({ x: { ...good.x, data_offsets: [0] } }, data))).toMatch(/data_offsets \[0\]/);
    expect(decodeError(build({ x: { ...good.x, data_offsets: [16, 0] } }, data))).toMatch(/begin <= end/);
  });
  test('shape and offsets disagree', () => {
    expect(decodeError(build({ x: { ...good.x, shape: [3] } }, data))).toMatch(/shape \[3\] of F64 needs 24 bytes but data_offsets \[0, 16\] span 16/);
  });
  test('overlapping tensors', () => {
    const header = { x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, y: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } };
    expect(decodeError(build(header, data))).toMatch(/"x" and "y" overlap/);
  });
  test('a gap between tensors', () => {
    const header = { x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, y: { dtype: 'F64', shape: [1], data_offsets: [16, 24] } };
    expect(decodeError(build(header, f64(1, 2, 3)))).toMatch(/gap: bytes \[8, 16\)/);
  });
  test('metadata that is not an object of strings', () => {
    expect(decodeError(build({ __metadata__: { n: 3 } }))).toMatch(/__metadata__\["n"\] is number; metadata values must be strings/);
    expect(decodeError(build({ __metadata__: ['a'] }))).toMatch(/__metadata__ is not an object/);
    expect(decodeError(build({ __metadata__: { n: null } }))).toMatch(/is null/);
  });
});


describe('duplicate keys (JSON.parse would silently keep the last one)', () => {
  const x = '{"dtype":"F64","shape":[1],"data_offsets":[0,8]}';
  const y = '{"dtype":"F64","shape":[1],"data_offsets":[8,16]}';
  const data = f64(1, 2);

  test('a tensor name twice at the top level', () => {
    expect(decodeError(build(null, data, { raw: `{"x":${x},"x":${y}}` }))).toMatch(/duplicate tensor name "x"$/);
  });
  test('the same name spelled with an escape', () => {
    expect(decodeError(build(null, data, { raw: `{"x":${x}, "\\u0078" : ${y}}` }))).toMatch(/duplicate tensor name "x"/);
  });
  test('a duplicate after names and values holding quotes, braces, commas and backslashes', () => {
    const odd = '"a\\"{,}[\\\\"';
    const raw = `{${odd}:${x},"__metadata__":{"k":"v}\\",{"},"b":${y},${odd}:${y}}`;
    expect(decodeError(build(null, data, { raw }))).toMatch(/^decodeSafetensors: duplicate tensor name "a\\"\{,\}\[\\\\"$/);
  });
  test('a key twice inside __metadata__, and __metadata__ twice', () => {
    expect(decodeError(build(null, [], { raw: '{"__metadata__":{"k":"a","k":"b"}}' }))).toMatch(/__metadata__ has the key "k" twice/);
    expect(decodeError(build(null, [], { raw: '{"__metadata__":{"k":"a"},"__metadata__":{}}' }))).toMatch(/the header has __metadata__ twice/);
  });
  test('a field twice inside a tensor entry', () => {
    const raw = '{"x":{"dtype":"F32","shape":[2],"dtype":"F64","data_offsets":[0,16]}}';
    expect(decodeError(build(null, data, { raw }))).toMatch(/tensor "x" has the field "dtype" twice/);
  });
  test('equal names in different scopes are fine', () => {
    const raw = `{"__metadata__":{"x":"1","dtype":"2"},"x":${x},"y":${y}}`;
    const { tensors, metadata } = decodeSafetensors(build(null, data, { raw }));
    expect(Object.keys(tensors)).toEqual(['x', 'y']);
    expect({ ...metadata }).toEqual({ x: '1', dtype: '2' });
  });
});

describe('sizes refused from the header alone', () => {
  test('a shape whose byte size is not a safe integer', () => {
    expect(decodeError(build({ x: { dtype: 'F64', shape: [1e9, 1e9], data_offsets: [0, 16] } }, f64(1, 2)))).toMatch(
      /tensor "x": shape \[1000000000,1000000000\] of F64 is too large \(more than 2\^53 bytes\)/,
    );
    expect(decodeError(build({ x: { dtype: 'F32', shape: [2 ** 52, 2], data_offsets: [0, 16] } }, f64(1, 2)))).toMatch(/too large/);
    expect(decodeError(build({ x: { dtype: 'F64', shape: [1e300], data_offsets: [0, 16] } }, f64(1, 2)))).toMatch(/shape \[1e\+300\]/);
  });
  test('a consistent but huge declared size is refused against the file length, without allocating it', () => {
    const bytes = 8e12; // 1e12 float64 elements: far more memory than the machine has
    const header = { x: { dtype: 'F64', shape: [1e6, 1e6], data_offsets: [0, bytes] } };
    expect(decodeError(build(header, f64(1, 2)))).toMatch(/data_offsets \[0, 8000000000000\] reach past the end of the data \(16 bytes\)/);
  });
  test('an empty dimension makes an empty tensor', () => {
    const back = decodeSafetensors(build({ x: { dtype: 'F64', shape: [0, 1e9], data_offsets: [0, 0] } }));
    expect(back.tensors.x!.shape).toEqual([0, 1e9]);
    expect(back.tensors.x!.size).toBe(0);
  });
});

describe('too many entries', () => {
  /** A header of `n` empty tensors (all at [0, 0]: a valid tiling), as raw text. */
  function emptyTensors(n: number): string {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F64","shape":[0],"data_offsets":[0,0]}`);
    return `{${parts.join(',')}}`;
  }

  test(`a header of a million empty tensors is refused from its first ${SAFETENSORS_MAX_ENTRIES + 1} keys`, () => {
    const bytes = build(null, [], { raw: emptyTensors(1_000_000) });
    expect(decodeError(bytes)).toMatch(new RegExp(`the header declares more than ${SAFETENSORS_MAX_ENTRIES} tensors, the limit$`));
  });
  test('the limit itself is allowed; one more is not', () => {
    expect(SAFETENSORS_MAX_ENTRIES).toBe(65_536);
    const atLimit = decodeSafetensors(build(null, [], { raw: emptyTensors(SAFETENSORS_MAX_ENTRIES) }));
    expect(Object.keys(atLimit.tensors).length).toBe(SAFETENSORS_MAX_ENTRIES);
    expect(decodeError(build(null, [], { raw: emptyTensors(SAFETENSORS_MAX_ENTRIES + 1) }))).toMatch(/more than 65536 tensors/);
  });
  test('metadata entries have the same limit', () => {
    const parts: string[] = [];
    for (let i = 0; i <= SAFETENSORS_MAX_ENTRIES; i++) parts.push(`"k${i}":""`);
    expect(decodeError(build(null, [], { raw: `{"__metadata__":{${parts.join(',')}}}` }))).toMatch(/__metadata__ has more than 65536 entries/);
  });
  test('encode refuses to write what decode would refuse', () => {
    const many: Record<string, ReturnType<typeof zeros>> = {};
    const empty = zeros([0]);
    for (let i = 0; i <= SAFETENSORS_MAX_ENTRIES; i++) many[`t${i}`] = empty;
    expect(() => encodeSafetensors(many)).toThrow(/^encodeSafetensors: 65537 tensors, more than the 65536 a file may hold$/);
  });
});

describe('names that are also Object.prototype members', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

  test('round trip as ordinary tensors and metadata keys, in null-prototype records', () => {
    const tensors: Record<string, ReturnType<typeof tensor>> = {};
    const metadata: Record<string, string> = {};
    names.forEach((name, i) => {
      Object.defineProperty(tensors, name, { value: tensor([i, -i]), enumerable: true });
      Object.defineProperty(metadata, name, { value: `m${i}`, enumerable: true });
    });
    const back = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(Object.getPrototypeOf(back.tensors)).toBeNull();
    expect(Object.getPrototypeOf(back.metadata)).toBeNull();
    expect(Object.keys(back.tensors).sort()).toEqual([...names].sort());
    expect(Object.keys(back.metadata).sort()).toEqual([...names].sort());
    names.forEach((name, i) => {
      expect(Object.prototype.hasOwnProperty.call(back.tensors, name)).toBe(true);
      expect(Array.from(back.tensors[name]!.data)).toEqual([i, -i]);
      expect(back.metadata[name]).toBe(`m${i}`);
    });
  });
  test('a file without them shows nothing inherited', () => {
    const back = decodeSafetensors(encodeSafetensors({ a: tensor([1]) }, { k: 'v' }));
    for (const name of names) {
      expect(back.tensors[name]).toBeUndefined();
      expect(back.metadata[name]).toBeUndefined();
      expect(name in back.tensors).toBe(false);
    }
  });
  test('a hand-built header with "__proto__" as a tensor name and as metadata key', () => {
    const raw = '{"__metadata__":{"__proto__":"p"},"__proto__":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}';
    const back = decodeSafetensors(build(null, f64(7), { raw }));
    expect(Object.keys(back.tensors)).toEqual(['__proto__']);
    expect(back.tensors['__proto__']!.data[0]).toBe(7);
    expect(back.metadata['__proto__']).toBe('p');
  });
});

describe('fuzz: damaged files decode or throw a one-line decodeSafetensors error', () => {
  // Fixed seed: the same few thousand cases every run.
  const rng = new Rng(20261130);
  const valid = encodeSafetensors(
    {
      weight: fromData(Float64Array.from([1, -2, 3.5, 4, 5, 6]), [2, 3]),
      bias: fromData(Float32Array.from([0.5, -0.25]), [2]),
      scalar: fromData(Float64Array.from([9]), []),
      empty: zeros([0, 3]),
    },
    { format: 'fuzz/1', note: 'a "quoted" {brace}' },
  );
  const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
  // Bytes that JSON and the scanner care about, and bytes that break UTF-8.
  const special = Array.from('"{}[],:\\0123456789-e. \n', (c) => c.charCodeAt(0)).concat([0x00, 0x80, 0xc3, 0xff]);

  function damage(): Uint8Array {
    const bytes = valid.slice();
    const flips = 1 + rng.int(3);
    for (let f = 0; f < flips; f++) {
      // Mostly in the length prefix and header, where the parsing happens.
      const at = rng.uniform() < 0.85 ? rng.int(headerEnd) : rng.int(bytes.length);
      bytes[at] = rng.uniform() < 0.5 ? special[rng.int(special.length)]! : rng.int(256);
    }
    return rng.uniform() < 0.3 ? bytes.subarray(0, rng.int(bytes.length + 1)) : bytes;
  }

  test('3000 damaged files', () => {
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = i % 10 === 0 ? valid.subarray(0, rng.int(valid.length)) : damage();
      let result;
      try {
        result = decodeSafetensors(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        const message = (error as Error).message;
        if (!/^decodeSafetensors: [^\n]*$/.test(message)) throw new Error(`case ${i}: unexpected error ${JSON.stringify(message)}`);
        refused++;
        continue;
      }
      decoded++;
      let total = 0;
      for (const t of Object.values(result.tensors)) total += t.data.byteLength;
      expect(total).toBeLessThanOrEqual(bytes.length);
    }
    // Both outcomes happen, so the cases reach past the first checks.
    expect(decoded).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('fuzz: headers with one field replaced by an odd JSON value decode or throw a one-line error', () => {
  const rng = new Rng(7);
  const header: Record<string, Record<string, unknown>> = {
    a: { dtype: 'F64', shape: [2, 1], data_offsets: [0, 16] },
    b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] },
  };
  const data = Buffer.concat([f64(1, 2), f32(3, 4)]);
  const odd: unknown[] = [
    null, true, 0, -1, 0.5, 1e300, -0, 2 ** 53, 2 ** 53 - 1, '', 'F16', 'F64', 'F32', 'f64', [], [0], [0, 0], [16, 0],
    [0, 2 ** 60], [1e9, 1e9], [2, -1], [[2]], ['2'], {}, { dtype: 'F64' }, new Array(70).fill(1),
  ];

  test('1000 mutated headers', () => {
    const names = ['a', 'b', '__metadata__'];
    const fields = ['dtype', 'shape', 'data_offsets', 'extra'];
    for (let i = 0; i < 1000; i++) {
      const h: Record<string, unknown> = JSON.parse(JSON.stringify(header));
      const name = names[rng.int(names.length)]!;
      const value = odd[rng.int(odd.length)];
      if (name === '__metadata__' || rng.uniform() < 0.2) h[name] = value;
      else (h[name] as Record<string, unknown>)[fields[rng.int(fields.length)]!] = value;
      const bytes = build(h, data);
      try {
        const { tensors } = decodeSafetensors(bytes);
        for (const t of Object.values(tensors)) expect(t.size * t.data.BYTES_PER_ELEMENT).toBeLessThanOrEqual(data.length);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        const message = (error as Error).message;
        if (!/^decodeSafetensors: [^\n]*$/.test(message)) throw new Error(`case ${i}: unexpected error ${JSON.stringify(message)}`);
      }
    }
  });
});

function hasNumpy(): boolean {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  return probe.status === 0;
}

// Proves that any safetensors reader can read our files, without needing the
// Python safetensors package: the reader below follows the specification only.
const NUMPY_READER = `
import json, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
n = int.from_bytes(raw[:8], 'little')
header = json.loads(raw[8:8 + n].decode('utf-8'))
meta = header.pop('__metadata__', {})
out = {'metadata': meta, 'tensors': {}}
for name, info in header.items():
    begin, end = info['data_offsets']
    dtype = {'F64': '<f8', 'F32': '<f4'}[info['dtype']]
    a = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype=dtype).reshape(info['shape'])
    out['tensors'][name] = {'shape': list(a.shape), 'values': [float(v) for v in a.ravel()]}
print(json.dumps(out))
`;

(hasNumpy() ? test : test.skip)('numpy reads our file and sees the same values (needs python3 + numpy)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-st-'));
  try {
    const w = fromData(Float64Array.from([0.1, -1 / 3, 1e-310, 12345.678, 2 ** 52 + 1, -7]), [2, 3]);
    const v = fromData(Float32Array.from([0.1, 2.5]), [2]);
    const file = join(dir, 'x.safetensors');
    await writeFile(file, encodeSafetensors({ w, v }, { vocab: '["a","🐋"]' }));
    const run = spawnSync('python3', ['-c', NUMPY_READER, file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout);
    expect(seen.metadata).toEqual({ vocab: '["a","🐋"]' });
    expect(seen.tensors.w.shape).toEqual([2, 3]);
    // Python's float repr round-trips doubles, so equality is exact.
    expect(seen.tensors.w.values).toEqual(Array.from(w.data));
    expect(seen.tensors.v.shape).toEqual([2]);
    expect(seen.tensors.v.values).toEqual(Array.from(v.data));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('options.allocate: the file is written into the view it returns (at any offset), the same bytes as a new array', () => {
  const tensors = { a: fromData(Float64Array.from({ length: 12 }, (_, i) => i / 7 - 1), [3, 4]), b: transpose(fromData(Float64Array.from({ length: 10 }, (_, i) => i * 1.5), [2, 5])), c: fromData(new Float32Array([1.5, -2, 3]), [3]) };
  const metadata = { note: 'x' };
  const plain = encodeSafetensors(tensors, metadata);
  const buffer = new Uint8Array(plain.length + 16).fill(0xaa);
  let asked = -1;
  const into = encodeSafetensors(tensors, metadata, {
    allocate: (n) => {
      asked = n;
      return buffer.subarray(8, 8 + n);
    },
  });
  expect(asked).toBe(plain.length);
  expect(into.buffer).toBe(buffer.buffer);
  expect(into.byteOffset).toBe(8);
  expect(Array.from(into)).toEqual(Array.from(plain));
  // Nothing outside the view is touched.
  expect(Array.from(buffer.subarray(0, 8))).toEqual(new Array(8).fill(0xaa));
  expect(Array.from(buffer.subarray(8 + plain.length))).toEqual(new Array(8).fill(0xaa));
  expect(() => encodeSafetensors(tensors, metadata, { allocate: (n) => new Uint8Array(n - 1) })).toThrow(/must return a Uint8Array of \d+ bytes, got \d+ bytes/);
});

test('options.copy false: aligned tensors are views of the bytes (same values), unaligned ones still copies', () => {
  const tensors = { w: fromData(Float64Array.from([1.25, -2, 3e-300, 4]), [2, 2]), f: fromData(Float32Array.from([0.5, -1.5]), [2]) };
  const bytes = encodeSafetensors(tensors);
  const viewed = decodeSafetensors(bytes, { copy: false });
  const copied = decodeSafetensors(bytes);
  for (const name of ['w', 'f']) {
    expect(Array.from(viewed.tensors[name]!.data)).toEqual(Array.from(copied.tensors[name]!.data));
    expect(viewed.tensors[name]!.shape).toEqual(copied.tensors[name]!.shape);
    expect(viewed.tensors[name]!.data.buffer).toBe(bytes.buffer);
    expect(copied.tensors[name]!.data.buffer).not.toBe(bytes.buffer);
  }
  // The same file one byte into a buffer: nothing is aligned, so nothing is a view.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const unaligned = decodeSafetensors(shifted.subarray(1), { copy: false });
  expect(Array.from(unaligned.tensors.w!.data)).toEqual([1.25, -2, 3e-300, 4]);
  expect(unaligned.tensors.w!.data.buffer).not.toBe(shifted.buffer);
  expect(unaligned.tensors.f!.data.buffer).not.toBe(shifted.buffer);
});
