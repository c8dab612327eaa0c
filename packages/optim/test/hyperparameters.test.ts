/**
 * Hyperparameters: defaults, getters and setters, and every invalid value
 * rejected (at construction and in setters) with a message naming it.
 */
import { AdaGrad, Adam, AdamW, createOptimizer, OPTIMIZER_NAMES, RMSProp, SGD, type Optimizer } from '@weft/optim';
import { Tensor, transpose, zeros } from '@weft/tensor';
import { Quadratic } from './problems.js';

type Make = (options: Record<string, unknown>) => Optimizer;
const sgd: Make = (o) => new SGD(Quadratic.start(), { lr: 0.1, ...o } as never);
const adagrad: Make = (o) => new AdaGrad(Quadratic.start(), o as never);
const rmsprop: Make = (o) => new RMSProp(Quadratic.start(), o as never);
const adam: Make = (o) => new Adam(Quadratic.start(), o as never);
const adamw: Make = (o) => new AdamW(Quadratic.start(), o as never);

describe('defaults', () => {
  it('are the documented ones', () => {
    expect(adagrad({}).hyperparameters()).toEqual({ lr: 0.1, clipValue: Infinity, eps: 1e-8, initialAccumulator: 0 });
    expect(sgd({}).hyperparameters()).toEqual({ lr: 0.1, clipValue: Infinity, momentum: 0, nesterov: false, weightDecay: 0 });
    expect(rmsprop({}).hyperparameters()).toEqual({ lr: 0.01, clipValue: Infinity, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 });
    expect(adam({}).hyperparameters()).toEqual({ lr: 1e-3, clipValue: Infinity, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(adamw({}).hyperparameters()).toEqual({ lr: 1e-3, clipValue: Infinity, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  });
});

describe('invalid hyperparameters at construction', () => {
  const cases: [string, Make, Record<string, unknown>, string][] = [
    ['SGD lr 0', sgd, { lr: 0 }, 'SGD: lr must be a finite number > 0, got 0'],
    ['SGD lr < 0', sgd, { lr: -0.1 }, 'SGD: lr must be a finite number > 0, got -0.1'],
    ['SGD lr NaN', sgd, { lr: NaN }, 'SGD: lr must be a finite number > 0, got NaN'],
    ['SGD lr Infinity', sgd, { lr: Infinity }, 'SGD: lr must be a finite number > 0, got Infinity'],
    ['SGD lr string', sgd, { lr: '0.1' }, 'SGD: lr must be a finite number > 0, got "0.1"'],
    ['SGD lr missing', (o) => new SGD(Quadratic.start(), o as never), {}, 'SGD: lr is required'],
    ['SGD momentum 1', sgd, { momentum: 1 }, 'SGD: momentum must be a number in [0, 1), got 1'],
    ['SGD momentum < 0', sgd, { momentum: -0.5 }, 'SGD: momentum must be a number in [0, 1), got -0.5'],
    ['SGD momentum NaN', sgd, { momentum: NaN }, 'SGD: momentum must be a number in [0, 1), got NaN'],
    ['SGD nesterov without momentum', sgd, { nesterov: true }, 'SGD: nesterov needs momentum > 0, got momentum 0'],
    ['SGD nesterov not boolean', sgd, { nesterov: 1, momentum: 0.9 }, 'SGD: nesterov must be true or false, got 1'],
    ['SGD weightDecay < 0', sgd, { weightDecay: -1 }, 'SGD: weightDecay must be a finite number >= 0, got -1'],
    ['SGD unknown option', sgd, { learningRate: 0.1 }, "SGD: unknown option 'learningRate'; valid options are lr, clipValue, nonFinite, momentum, nesterov, weightDecay"],
    ['AdaGrad lr 0', adagrad, { lr: 0 }, 'AdaGrad: lr must be a finite number > 0, got 0'],
    ['AdaGrad eps < 0', adagrad, { eps: -1e-8 }, 'AdaGrad: eps must be a finite number >= 0, got -1e-8'],
    ['AdaGrad eps NaN', adagrad, { eps: NaN }, 'AdaGrad: eps must be a finite number >= 0, got NaN'],
    ['AdaGrad initialAccumulator < 0', adagrad, { initialAccumulator: -0.1 }, 'AdaGrad: initialAccumulator must be a finite number >= 0, got -0.1'],
    ['AdaGrad momentum', adagrad, { momentum: 0.9 }, "AdaGrad: unknown option 'momentum'; valid options are lr, clipValue, nonFinite, eps, initialAccumulator"],
    ['RMSProp alpha 1', rmsprop, { alpha: 1 }, 'RMSProp: alpha must be a number in [0, 1), got 1'],
    ['RMSProp alpha NaN', rmsprop, { alpha: NaN }, 'RMSProp: alpha must be a number in [0, 1), got NaN'],
    ['RMSProp eps < 0', rmsprop, { eps: -1 }, 'RMSProp: eps must be a finite number >= 0, got -1'],
    ['RMSProp momentum 1.5', rmsprop, { momentum: 1.5 }, 'RMSProp: momentum must be a number in [0, 1), got 1.5'],
    ['RMSProp weightDecay NaN', rmsprop, { weightDecay: NaN }, 'RMSProp: weightDecay must be a finite number >= 0, got NaN'],
    ['RMSProp lr NaN', rmsprop, { lr: NaN }, 'RMSProp: lr must be a finite number > 0, got NaN'],
    ['Adam beta1 1', adam, { beta1: 1 }, 'Adam: beta1 must be a number in [0, 1), got 1'],
    ['Adam beta1 < 0', adam, { beta1: -0.1 }, 'Adam: beta1 must be a number in [0, 1), got -0.1'],
    ['Adam beta2 1', adam, { beta2: 1 }, 'Adam: beta2 must be a number in [0, 1), got 1'],
    ['Adam beta2 NaN', adam, { beta2: NaN }, 'Adam: beta2 must be a number in [0, 1), got NaN'],
    ['Adam eps < 0', adam, { eps: -1e-8 }, 'Adam: eps must be a finite number >= 0, got -1e-8'],
    ['Adam lr < 0', adam, { lr: -1 }, 'Adam: lr must be a finite number > 0, got -1'],
    ['Adam betas', adam, { betas: [0.9, 0.99] }, "Adam: unknown option 'betas'; valid options are lr, clipValue, nonFinite, beta1, beta2, eps, weightDecay"],
    ['AdamW weightDecay < 0', adamw, { weightDecay: -0.01 }, 'AdamW: weightDecay must be a finite number >= 0, got -0.01'],
    ['AdamW beta1 NaN', adamw, { beta1: NaN }, 'AdamW: beta1 must be a number in [0, 1), got NaN'],
  ];
  it.each(cases)('%s', (_label, make, options, message) => {
    expect(() => make(options)).toThrow(message);
  });

  it('boundary values are accepted: momentum/betas/alpha 0, eps 0', () => {
    expect(() => sgd({ momentum: 0 })).not.toThrow();
    expect(() => adam({ beta1: 0, beta2: 0, eps: 0 })).not.toThrow();
    expect(() => rmsprop({ alpha: 0, eps: 0 })).not.toThrow();
    expect(() => adagrad({ eps: 0 })).not.toThrow();
  });
});

describe('setters', () => {
  it('change the hyperparameters used by the next step (a schedule sets lr)', () => {
    const params = Quadratic.start();
    const opt = new SGD(params, { lr: 0.1 });
    opt.lr = 0.05;
    expect(opt.lr).toBe(0.05);
    Quadratic.lossAndGradients(params);
    const g = params[1]!.grad.data[0]!;
    opt.step();
    expect(params[1]!.value.data[0]).toBe(0 - 0.05 * g);
  });

  it('round-trip every hyperparameter', () => {
    const s = new SGD(Quadratic.start(), { lr: 0.1 });
    s.momentum = 0.5;
    s.nesterov = true;
    s.weightDecay = 0.1;
    expect(s.hyperparameters()).toEqual({ lr: 0.1, clipValue: Infinity, momentum: 0.5, nesterov: true, weightDecay: 0.1 });
    const r = new RMSProp(Quadratic.start());
    r.alpha = 0.5;
    r.eps = 1e-6;
    r.momentum = 0.3;
    r.weightDecay = 0.2;
    expect(r.hyperparameters()).toEqual({ lr: 0.01, clipValue: Infinity, alpha: 0.5, eps: 1e-6, momentum: 0.3, weightDecay: 0.2 });
    expect(r.stateKeys()).toContain('rmsprop.momentum.x');
    const a = new AdamW(Quadratic.start());
    a.beta1 = 0.8;
    a.beta2 = 0.95;
    a.eps = 1e-6;
    a.weightDecay = 0;
    expect(a.hyperparameters()).toEqual({ lr: 1e-3, clipValue: Infinity, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0 });
    const g = new AdaGrad(Quadratic.start(), { initialAccumulator: 0.1 });
    g.eps = 1e-7;
    expect(g.hyperparameters()).toEqual({ lr: 0.1, clipValue: Infinity, eps: 1e-7, initialAccumulator: 0.1 });
  });

  it('reject invalid values with the same messages and keep the old value', () => {
    const s = new SGD(Quadratic.start(), { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(() => (s.lr = 0)).toThrow('SGD: lr must be a finite number > 0, got 0');
    expect(() => (s.lr = NaN)).toThrow('SGD: lr must be a finite number > 0, got NaN');
    expect(() => (s.momentum = 0)).toThrow('SGD: nesterov needs momentum > 0, got momentum 0');
    expect(() => (s.momentum = 1)).toThrow('SGD: momentum must be a number in [0, 1), got 1');
    expect(() => (s.weightDecay = -1)).toThrow('SGD: weightDecay must be a finite number >= 0, got -1');
    expect(s.hyperparameters()).toEqual({ lr: 0.1, clipValue: Infinity, momentum: 0.9, nesterov: true, weightDecay: 0 });
    const plain = new SGD(Quadratic.start(), { lr: 0.1 });
    expect(() => (plain.nesterov = true)).toThrow('SGD: nesterov needs momentum > 0, got momentum 0');
    expect(() => (new AdaGrad(Quadratic.start()).eps = -1)).toThrow('AdaGrad: eps must be a finite number >= 0, got -1');
    expect(() => (new RMSProp(Quadratic.start()).alpha = 1)).toThrow('RMSProp: alpha must be a number in [0, 1), got 1');
    expect(() => (new Adam(Quadratic.start()).beta2 = NaN)).toThrow('Adam: beta2 must be a number in [0, 1), got NaN');
    expect(() => (new Adam(Quadratic.start()).beta1 = 1)).toThrow('Adam: beta1 must be a number in [0, 1), got 1');
  });
});

describe('parameter validation', () => {
  const p = (name: string, shape: number[], gradShape = shape) => ({ name, value: zeros(shape), grad: zeros(gradShape) });

  it('rejects duplicate names, shape mismatches and other malformed params', () => {
    expect(() => new AdaGrad([p('W', [2, 2]), p('W', [3])])).toThrow("AdaGrad: duplicate parameter name 'W' (params[0] and params[1])");
    expect(() => new AdaGrad([p('W', [2, 3], [3, 2])])).toThrow("AdaGrad: parameter 'W': value is [2,3] but grad is [3,2]");
    expect(() => new Adam([])).toThrow('Adam: params is empty; give the optimizer at least one parameter');
    expect(() => new Adam({} as never)).toThrow('Adam: params must be an array of { name, value, grad }, got object');
    expect(() => new Adam([{ name: '', value: zeros([1]), grad: zeros([1]) }])).toThrow('Adam: params[0].name must be a non-empty string, got ""');
    expect(() => new Adam([{ name: 'W', value: [1, 2], grad: zeros([2]) } as never])).toThrow(
      "Adam: parameter 'W': value must be a Tensor, got an array",
    );
    expect(() => new Adam([{ name: 'W', value: zeros([2]) } as never])).toThrow("Adam: parameter 'W': grad must be a Tensor, got undefined");
    const W = zeros([2, 3]);
    expect(() => new SGD([{ name: 'W', value: transpose(W), grad: zeros([3, 2]) }], { lr: 1 })).toThrow(
      "SGD: parameter 'W': value [3,2] is not contiguous",
    );
    expect(() => new SGD([{ name: 'W', value: W, grad: W }], { lr: 1 })).toThrow("SGD: parameter 'W': value and grad share storage");
    const shared = p('a', [2]);
    expect(() => new SGD([shared, { name: 'b', value: shared.value, grad: zeros([2]) }], { lr: 1 })).toThrow(
      "SGD: parameters 'a' and 'b' share storage: the value of 'a' is also the value of 'b'",
    );
  });

  describe('parameters that share storage would be updated twice per step', () => {
    /** A [n] view at element `offset` of `data`. */
    const view = (data: Float64Array, offset: number, n: number) => new Tensor(data, [n], [1], offset);

    it('refuses two values that overlap in one buffer, naming both', () => {
      const data = new Float64Array(6);
      const a = { name: 'a', value: view(data, 0, 4), grad: zeros([4]) };
      const b = { name: 'b', value: view(data, 3, 3), grad: zeros([3]) };
      for (const make of [(ps: never) => new SGD(ps, { lr: 1 }), (ps: never) => new AdaGrad(ps), (ps: never) => new Adam(ps)]) {
        expect(() => make([a, b] as never)).toThrow(/^(SGD|AdaGrad|Adam): parameters 'a' and 'b' share storage: the value of 'a' overlaps the value of 'b'$/);
      }
    });
    it('refuses a value overlapping another parameter\'s grad, and overlapping grads', () => {
      const data = new Float64Array(8);
      const a = { name: 'a', value: zeros([4]), grad: view(data, 0, 4) };
      const b = { name: 'b', value: view(data, 2, 2), grad: zeros([2]) };
      expect(() => new AdamW([a, b])).toThrow("AdamW: parameters 'a' and 'b' share storage: the grad of 'a' overlaps the value of 'b'");
      const c = { name: 'c', value: zeros([4]), grad: view(data, 4, 4) };
      const d = { name: 'd', value: zeros([1]), grad: view(data, 7, 1) };
      expect(() => new RMSProp([a, c, d])).toThrow("RMSProp: parameters 'c' and 'd' share storage: the grad of 'c' overlaps the grad of 'd'");
    });
    it('refuses the same grad tensor given to two parameters', () => {
      const g = zeros([2]);
      expect(() => new SGD([{ name: 'a', value: zeros([2]), grad: g }, { name: 'b', value: zeros([2]), grad: g }], { lr: 1 })).toThrow(
        "SGD: parameters 'a' and 'b' share storage: the grad of 'a' is also the grad of 'b'",
      );
    });
    it('accepts adjacent, disjoint views of one buffer (a flat parameter buffer)', () => {
      const values = new Float64Array(6);
      const grads = new Float64Array(6);
      const params = [
        { name: 'a', value: view(values, 0, 4), grad: view(grads, 0, 4) },
        { name: 'b', value: view(values, 4, 2), grad: view(grads, 4, 2) },
      ];
      expect(() => new SGD(params, { lr: 1 })).not.toThrow();
    });
  });

  it('step() notices a parameter tensor replaced by one of another size', () => {
    const param = { name: 'W', value: zeros([2]), grad: zeros([2]) };
    const opt = new AdaGrad([param]);
    param.value = zeros([3]);
    expect(() => opt.step()).toThrow("AdaGrad.step: parameter 'W' had 2 elements at construction but now value is [3] and grad is [2]");
  });

  it('zeroGrad zeroes every grad', () => {
    const params = Quadratic.start();
    Quadratic.lossAndGradients(params);
    expect(params[0]!.grad.data.some((v) => v !== 0)).toBe(true);
    new Adam(params).zeroGrad();
    for (const q of params) expect(Array.from(q.grad.data).every((v) => v === 0)).toBe(true);
  });
});

describe('createOptimizer', () => {
  it('builds each optimizer by name with its options', () => {
    const params = Quadratic.start();
    expect(createOptimizer('sgd', params, { lr: 0.3, momentum: 0.5 })).toBeInstanceOf(SGD);
    expect(createOptimizer('sgd', params, { lr: 0.3, momentum: 0.5 }).hyperparameters()).toMatchObject({ lr: 0.3, momentum: 0.5 });
    expect(createOptimizer('adagrad', params)).toBeInstanceOf(AdaGrad);
    expect(createOptimizer('adagrad', params, { lr: 0.2 }).lr).toBe(0.2);
    expect(createOptimizer('rmsprop', params)).toBeInstanceOf(RMSProp);
    expect(createOptimizer('adam', params)).toBeInstanceOf(Adam);
    expect(createOptimizer('adamw', params)).toBeInstanceOf(AdamW);
    expect(OPTIMIZER_NAMES).toEqual(['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw']);
  });

  it('rejects an unknown name listing the valid ones, and options of another optimizer', () => {
    expect(() => createOptimizer('adadelta', Quadratic.start())).toThrow(
      'createOptimizer: unknown optimizer "adadelta"; valid names are sgd, adagrad, rmsprop, adam, adamw',
    );
    expect(() => createOptimizer('sgd', Quadratic.start(), {} as never)).toThrow('SGD: lr is required');
    expect(() => createOptimizer('adagrad', Quadratic.start(), { momentum: 0.9 } as never)).toThrow("AdaGrad: unknown option 'momentum'");
  });
});
