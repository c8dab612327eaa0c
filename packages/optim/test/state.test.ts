/**
 * Optimizer state as named tensors: the names the contract promises, copies
 * that later steps leave alone, an exact resume, and loadStateDict's errors.
 */
import { AdaGrad, Adam, AdamW, RMSProp, SGD, type Optimizer } from '@weft/optim';
import { fromData, zeros } from '@weft/tensor';
import { copyParams, Quadratic, type TestParam } from './problems.js';

const configs: { label: string; make: (params: TestParam[]) => Optimizer }[] = [
  { label: 'SGD + Nesterov + decay', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }) },
  { label: 'AdaGrad', make: (p) => new AdaGrad(p, { lr: 0.3 }) },
  { label: 'RMSProp + momentum', make: (p) => new RMSProp(p, { lr: 0.01, momentum: 0.5, weightDecay: 0.01 }) },
  { label: 'Adam', make: (p) => new Adam(p, { lr: 0.05, weightDecay: 0.01 }) },
  { label: 'AdamW', make: (p) => new AdamW(p, { lr: 0.05 }) },
];

function steps(params: TestParam[], opt: Optimizer, n: number): void {
  for (let t = 0; t < n; t++) {
    opt.zeroGrad();
    Quadratic.lossAndGradients(params);
    opt.step();
  }
}

describe('state names', () => {
  it('follow the contract for every optimizer', () => {
    expect(new SGD(Quadratic.start(), { lr: 0.1 }).stateKeys()).toEqual([]);
    expect(new SGD(Quadratic.start(), { lr: 0.1, momentum: 0.5 }).stateKeys()).toEqual(['sgd.momentum.x', 'sgd.momentum.y']);
    expect(new AdaGrad(Quadratic.start()).stateKeys()).toEqual(['adagrad.x', 'adagrad.y']);
    expect(new RMSProp(Quadratic.start()).stateKeys()).toEqual(['rmsprop.square.x', 'rmsprop.square.y']);
    expect(new RMSProp(Quadratic.start(), { momentum: 0.9 }).stateKeys()).toEqual([
      'rmsprop.square.x',
      'rmsprop.square.y',
      'rmsprop.momentum.x',
      'rmsprop.momentum.y',
    ]);
    for (const opt of [new Adam(Quadratic.start()), new AdamW(Quadratic.start())]) {
      expect(opt.stateKeys()).toEqual(['adam.m.x', 'adam.m.y', 'adam.v.x', 'adam.v.y', 'adam.step']);
    }
  });

  it('have the parameters\' shapes; adam.step is [1] and counts steps', () => {
    const params = Quadratic.start();
    const opt = new Adam(params);
    steps(params, opt, 3);
    const state = opt.stateDict();
    expect(state['adam.m.x']!.shape).toEqual([2, 3]);
    expect(state['adam.v.y']!.shape).toEqual([2]);
    expect(state['adam.step']!.shape).toEqual([1]);
    expect(state['adam.step']!.data[0]).toBe(3);
    expect(opt.stepsTaken).toBe(3);
  });

  it('AdaGrad accumulators start at initialAccumulator and hold Σg²', () => {
    const params = Quadratic.start();
    const opt = new AdaGrad(params, { initialAccumulator: 0.1 });
    expect(Array.from(opt.stateDict()['adagrad.y']!.data)).toEqual([0.1, 0.1]);
    Quadratic.lossAndGradients(params);
    const g = Array.from(params[1]!.grad.data);
    opt.step();
    expect(Array.from(opt.stateDict()['adagrad.y']!.data)).toEqual(g.map((v) => 0.1 + v * v));
  });

  it('SGD momentum switched on later allocates zeroed buffers', () => {
    const params = Quadratic.start();
    const opt = new SGD(params, { lr: 0.1 });
    steps(params, opt, 2);
    opt.momentum = 0.9;
    expect(opt.stateKeys()).toEqual(['sgd.momentum.x', 'sgd.momentum.y']);
    expect(Array.from(opt.stateDict()['sgd.momentum.y']!.data)).toEqual([0, 0]);
  });
});

describe.each(configs)('$label state round trip', ({ make }) => {
  it('save after 10 steps, load into a fresh optimizer, 10 more: bit-identical to 20 uninterrupted steps', () => {
    const straight = Quadratic.start();
    steps(straight, make(straight), 20);

    const first = Quadratic.start();
    const opt = make(first);
    steps(first, opt, 10);
    const saved = opt.stateDict();
    const resumed = copyParams(first);
    const fresh = make(resumed);
    fresh.loadStateDict(saved);
    steps(resumed, fresh, 10);

    for (let i = 0; i < 2; i++) expect(resumed[i]!.value.data).toEqual(straight[i]!.value.data);

    // Without the state the resumed run differs, so the comparison above can fail.
    const stateless = copyParams(first);
    steps(stateless, make(stateless), 10);
    expect(stateless[0]!.value.data).not.toEqual(straight[0]!.value.data);
  });

  it('stateDict returns copies: later steps do not change a saved dict, and loading copies in', () => {
    const params = Quadratic.start();
    const opt = make(params);
    steps(params, opt, 3);
    const saved = opt.stateDict();
    const snapshot = Object.fromEntries(Object.entries(saved).map(([k, t]) => [k, Float64Array.from(t.data)]));
    steps(params, opt, 3);
    for (const [k, t] of Object.entries(saved)) expect(t.data).toEqual(snapshot[k]);
    expect(opt.stateDict()[opt.stateKeys()[0]!]!.data).not.toEqual(snapshot[opt.stateKeys()[0]!]);

    opt.loadStateDict(saved);
    steps(params, opt, 1);
    for (const [k, t] of Object.entries(saved)) expect(t.data).toEqual(snapshot[k]);
  });
});

describe('loadStateDict errors', () => {
  const make = (): AdaGrad => new AdaGrad(Quadratic.start());
  const valid = (): Record<string, ReturnType<typeof zeros>> => make().stateDict();

  it('names a missing key and lists the expected ones', () => {
    const state = valid();
    delete state['adagrad.y'];
    expect(() => make().loadStateDict(state)).toThrow(
      "AdaGrad.loadStateDict: missing state 'adagrad.y'; expected 'adagrad.x', 'adagrad.y'",
    );
  });

  it('names an unknown key', () => {
    expect(() => make().loadStateDict({ ...valid(), 'adagrad.z': zeros([2]) })).toThrow(
      "AdaGrad.loadStateDict: unknown state 'adagrad.z'; expected 'adagrad.x', 'adagrad.y'",
    );
    expect(() => new SGD(Quadratic.start(), { lr: 0.1 }).loadStateDict({ 'sgd.momentum.x': zeros([2, 3]) })).toThrow(
      "SGD.loadStateDict: unknown state 'sgd.momentum.x'; expected no state at all",
    );
  });

  it('names a wrong shape', () => {
    expect(() => make().loadStateDict({ ...valid(), 'adagrad.x': zeros([3, 2]) })).toThrow(
      "AdaGrad.loadStateDict: 'adagrad.x' has shape [3,2] but [2,3] is expected",
    );
  });

  it('rejects a wrong dtype, a non-tensor, a non-object', () => {
    expect(() => make().loadStateDict({ ...valid(), 'adagrad.y': zeros([2], 'float32') })).toThrow(
      "AdaGrad.loadStateDict: 'adagrad.y' is float32 but float64 is expected",
    );
    expect(() => make().loadStateDict({ ...valid(), 'adagrad.y': [0, 0] as never })).toThrow(
      "AdaGrad.loadStateDict: 'adagrad.y' must be a Tensor, got an array",
    );
    expect(() => make().loadStateDict(null as never)).toThrow('AdaGrad.loadStateDict: state must be an object of named tensors, got null');
  });

  it('rejects values the optimizer could never have produced', () => {
    expect(() => make().loadStateDict({ ...valid(), 'adagrad.y': fromData([1, -1], [2]) })).toThrow(
      "AdaGrad.loadStateDict: 'adagrad.y' must be finite and >= 0, but holds -1",
    );
    expect(() => make().loadStateDict({ ...valid(), 'adagrad.y': fromData([NaN, 1], [2]) })).toThrow(/must be finite and >= 0, but holds NaN/);
    const adam = new Adam(Quadratic.start());
    expect(() => adam.loadStateDict({ ...adam.stateDict(), 'adam.step': fromData([2.5], [1]) })).toThrow(
      "Adam.loadStateDict: 'adam.step' must be a whole number >= 0, but holds 2.5",
    );
    expect(() => adam.loadStateDict({ ...adam.stateDict(), 'adam.m.x': fromData([0, 0, Infinity, 0, 0, 0], [2, 3]) })).toThrow(
      "Adam.loadStateDict: 'adam.m.x' must be finite, but holds Infinity",
    );
  });

  it('changes nothing when any entry is bad', () => {
    const params = Quadratic.start();
    const opt = new AdaGrad(params);
    steps(params, opt, 2);
    const before = opt.stateDict();
    const bad = { 'adagrad.x': zeros([2, 3]), 'adagrad.y': zeros([5]) };
    expect(() => opt.loadStateDict(bad)).toThrow(/shape \[5\]/);
    expect(opt.stateDict()['adagrad.x']!.data).toEqual(before['adagrad.x']!.data);
  });
});
