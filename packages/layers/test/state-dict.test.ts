import * as tensorApi from '@weft/tensor';
import * as graphApi from '@weft/layers';
/**
 * stateDict / loadStateDict: round trips for a layer and a graph, every
 * error (listed together, nothing changed), non-strict loading, dtype
 * conversion and names that are Object.prototype keys.
 */
import { clone, fromData, randn, Rng, tensor, transpose, zeros, type Tensor } from '@weft/tensor';
import { float, graph, Linear, loadStateDict, Param, RNNCell, stateDict, Tanh } from '@weft/layers';

const values = (layer: { parameters(): readonly Param[] }): number[][] => layer.parameters().map((p) => p.value.toFlatArray());

function stackedNet(seed: number) {
  const rng = new Rng(seed);
  return graph('net')
    .input('x', float(3))
    .input('h', float(4))
    .node('cell', new RNNCell(4, { rng, std: 0.5, inputSize: 3 }), { x: 'x', h: 'h' })
    .node('act', new Tanh(4), { x: 'cell' })
    .node('head', new Linear(4, 2, { rng, std: 0.5 }), { x: 'act' })
    .output('y', 'head')
    .build();
}

describe('stateDict', () => {
  it('maps each parameter name to its value tensor, in parameters() order, in a prototype-less object', () => {
    const net = stackedNet(1);
    const dict = stateDict(net);
    expect(Object.getPrototypeOf(dict)).toBeNull();
    expect(Object.keys(dict)).toEqual(['cell.W', 'cell.Wx', 'cell.b', 'head.W', 'head.b']);
    // References, not copies (as PyTorch's state_dict).
    net.parameters().forEach((p) => expect(dict[p.name]).toBe(p.value));
    expect(stateDict(new Tanh(3))).toEqual(Object.create(null));
  });

  it('round trip: a second model loads the first one\'s parameters and computes the same', () => {
    const a = stackedNet(1);
    const b = stackedNet(2);
    expect(values(b)).not.toEqual(values(a));
    expect(loadStateDict(b, stateDict(a))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(values(b)).toEqual(values(a));
    // Copied, not shared: changing a afterwards leaves b alone.
    a.parameters()[0]!.value.data[0] = 123;
    expect(b.parameters()[0]!.value.data[0]).not.toBe(123);
    const rng = new Rng(3);
    const inputs = [randn([2, 3], rng), randn([2, 4], rng)];
    loadStateDict(a, stateDict(b));
    expect(b.forward(b.createContext(2), inputs)[0]!.toFlatArray()).toEqual(a.forward(a.createContext(2), inputs)[0]!.toFlatArray());
    // Loading a layer's own dict changes nothing.
    const before = values(a);
    loadStateDict(a, stateDict(a));
    expect(values(a)).toEqual(before);
  });

  it('works for a single layer and anything with parameters()', () => {
    const layer = new Linear(2, 3, { rng: new Rng(1) });
    loadStateDict(layer, { W: tensor([[1, 2], [3, 4], [5, 6]]), b: tensor([7, 8, 9]) });
    expect(layer.W.value.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(layer.b!.value.toArray()).toEqual([7, 8, 9]);
    const bag = { parameters: () => [new Param('x', zeros([2]))] };
    loadStateDict(bag, { x: tensor([1, 2]) });
    expect(Object.keys(stateDict(bag))).toEqual(['x']);
  });

  it('loads float32 into float64 exactly, and strided views', () => {
    const layer = new Linear(2, 2, { rng: new Rng(1) });
    const W32 = fromData([0.1, 0.2, 0.3, 0.4], [2, 2], 'float32');
    loadStateDict(layer, { W: transpose(W32), b: fromData([0.5, -0.5], [2], 'float32') });
    expect(layer.W.value.dtype).toBe('float64');
    expect(layer.W.value.toFlatArray()).toEqual([W32.data[0], W32.data[2], W32.data[1], W32.data[3]]);
    expect(layer.b!.value.toFlatArray()).toEqual([0.5, -0.5]);
  });
});

describe('loadStateDict errors', () => {
  it('lists every missing, unexpected and mis-shaped entry in one line, and changes nothing', () => {
    const net = stackedNet(1);
    const before = values(net);
    const dict = { ...stateDict(stackedNet(2)) } as Record<string, Tensor>;
    delete dict['cell.W'];
    dict['head.b'] = zeros([3]);
    dict.foo = zeros([1]);
    expect(() => loadStateDict(net, dict)).toThrow(
      "loadStateDict: missing 'cell.W' [4,4]; unexpected 'foo'; 'head.b' is [3] but the layer has [2]",
    );
    expect(values(net)).toEqual(before);
  });

  it('names entries that are not tensors', () => {
    const layer = new Linear(2, 1, { rng: new Rng(1) });
    expect(() => loadStateDict(layer, { W: [[1, 2]] as never, b: 3 as never })).toThrow(
      "loadStateDict: 'W' is an array, not a Tensor [1,2]; 'b' is a number, not a Tensor [1]",
    );
    expect(() => loadStateDict(layer, null as never)).toThrow('loadStateDict: dict must be a plain object of name → Tensor (as stateDict returns), got null');
    expect(() => loadStateDict(layer, new Map() as never)).toThrow('loadStateDict: dict must be a plain object of name → Tensor (as stateDict returns), got a Map');
    expect(() => loadStateDict(layer, {}, { strict: 'no' as never })).toThrow('loadStateDict: options.strict must be true or false, got no');
    expect(() => loadStateDict({} as never, {})).toThrow('loadStateDict: expected a layer (anything with parameters()), got an object');
    expect(() => stateDict({ parameters: () => [new Param('W', zeros([1])), new Param('W', zeros([2]))] })).toThrow(
      "stateDict: two parameters are named 'W'; names must be unique",
    );
  });

  it('strict: false skips and returns missing and unexpected names, but still rejects shapes', () => {
    const net = stackedNet(1);
    const source = stackedNet(2);
    const dict = { ...stateDict(source) } as Record<string, Tensor>;
    delete dict['head.W'];
    dict.extra = zeros([1]);
    const headW = net.parameters()[3]!.value.toFlatArray();
    expect(loadStateDict(net, dict, { strict: false })).toEqual({ missingKeys: ['head.W'], unexpectedKeys: ['extra'] });
    expect(net.parameters()[3]!.value.toFlatArray()).toEqual(headW);
    expect(net.parameters()[0]!.value.toFlatArray()).toEqual(source.parameters()[0]!.value.toFlatArray());
    dict['cell.b'] = zeros([5]);
    expect(() => loadStateDict(net, dict, { strict: false })).toThrow("loadStateDict: 'cell.b' is [5] but the layer has [4]");
  });

  it('treats __proto__, constructor and toString as ordinary names: own keys only, never inherited values', () => {
    const params = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map((n) => new Param(n, zeros([2])));
    const bag = { parameters: () => params };
    const dict = stateDict(bag);
    expect(Object.keys(dict)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(dict['__proto__']).toBe(params[0]!.value);
    // A dict built by JSON-like code: '__proto__' as an own key; the others missing, not read from Object.prototype.
    const plain = JSON.parse('{"__proto__": 0}') as Record<string, Tensor>;
    Object.defineProperty(plain, '__proto__', { value: tensor([1, 2]), enumerable: true });
    expect(() => loadStateDict(bag, plain)).toThrow("loadStateDict: missing 'constructor' [2]; missing 'toString' [2]; missing 'hasOwnProperty' [2]");
    expect(loadStateDict(bag, plain, { strict: false })).toEqual({ missingKeys: ['constructor', 'toString', 'hasOwnProperty'], unexpectedKeys: [] });
    expect(params[0]!.value.toFlatArray()).toEqual([1, 2]);
    // And an unexpected '__proto__' entry is reported, not swallowed.
    const layer = new Linear(1, 1, { rng: new Rng(1) });
    const extra = Object.assign(Object.create(null), stateDict(layer)) as Record<string, Tensor>;
    extra['__proto__'] = zeros([1]);
    expect(() => loadStateDict(layer, extra)).toThrow("loadStateDict: unexpected '__proto__'");
  });

  it('loads from tensors that share storage with the parameters without reading overwritten values', () => {
    // Swap two parameters of one shape: each source is the other's value.
    const p = new Param('p', tensor([1, 2]));
    const q = new Param('q', tensor([3, 4]));
    const bag = { parameters: () => [p, q] };
    loadStateDict(bag, { p: q.value, q: p.value });
    expect([p.value.toFlatArray(), q.value.toFlatArray()]).toEqual([[3, 4], [1, 2]]);
    const snapshot = clone(p.value);
    loadStateDict(bag, { p: p.value, q: snapshot });
    expect(q.value.toFlatArray()).toEqual([3, 4]);
  });
});

describe('stateDict through safetensors', () => {
  it('round-trips every parameter of a recurrent model bit for bit, by name', () => {
    const { Rng, encodeSafetensors, decodeSafetensors, randn } = tensorApi;
    const build = (seed: number) => {
      const rng = new Rng(seed);
      return graphApi
        .graph('m')
        .input('x', graphApi.ids())
        .input('h', graphApi.float(4))
        .node('embed', new graphApi.OneHotEmbedding(7, 4, { rng, std: 0.3 }), { ids: 'x' })
        .node('cell', new graphApi.RNNCell(4, { rng, std: 0.3 }), { x: 'embed', h: 'h' })
        .node('head', new graphApi.Linear(4, 7, { rng, std: 0.3 }), { x: 'cell' })
        .output('y', 'head')
        .output('h', 'cell')
        .build();
    };
    const source = build(1);
    // Biases non-zero and values with every bit used, so a lossy round trip would show.
    for (const p of source.parameters()) p.value.data.set(randn(p.value.shape, new Rng(p.value.size)).data);
    const bytes = encodeSafetensors(graphApi.stateDict(source), { note: 'weft' });
    const target = build(2);
    graphApi.loadStateDict(target, decodeSafetensors(bytes).tensors);
    source.parameters().forEach((p, i) => {
      const q = target.parameters()[i]!;
      expect(q.name).toBe(p.name);
      expect(Array.from(q.value.data)).toEqual(Array.from(p.value.data));
    });
  });
});
