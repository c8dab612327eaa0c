/**
 * Float32 models (`dtype: 'float32'`): every parameter, gradient, buffer,
 * state and optimizer accumulator is float32; the loss and gradients agree
 * with the same model in float64 (same weights, rounded to float32) to a
 * float32 tolerance; AdaGrad tracks float64; the model trains; on the wasm
 * heap every kernel with a wasm version runs the f32 kernels (no JS fallback);
 * wrong-dtype inputs and float32 gradient checks are refused clearly.
 */
import { checkBackward } from '@weft/gradcheck';
import { charRnn, CELLS, float, gradcheckTarget, graph, ids, Linear, OneHotEmbedding, Recurrent, RNNCell, SoftmaxCrossEntropy, type CellName, type CharRnnModel, type Graph } from '@weft/layers';
import { AdaGrad } from '@weft/optim';
import { getDefaultDtype, isWasmTensor, Rng, wasmKernelCalls, wasmKernelFallbacks, withBackend, withDtype, zeros, type Backend, type Tensor } from '@weft/tensor';
import { randomIds } from './helpers.js';

const K = 11;
const HIDDEN = 12;
const T = 6;

/** The float64 and float32 models of one seed; the float64 one gets the float32 weights (exactly representable). */
function pair(cell: CellName, batch: number, layers = 1, backend: Backend = 'js'): { m64: CharRnnModel; m32: CharRnnModel } {
  const options = { vocabSize: K, hidden: HIDDEN, cell, layers, batch, std: 0.3 };
  const m64 = withBackend(backend, () => charRnn({ ...options, rng: new Rng(5) }));
  const m32 = withBackend(backend, () => charRnn({ ...options, rng: new Rng(5), dtype: 'float32' }));
  m32.parameters().forEach((p, i) => m64.parameters()[i]!.value.data.set(p.value.data));
  return { m64, m32 };
}

/** max |a − b| over the elements, and max |b|. */
function maxDiff(a: Tensor, b: Tensor): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  return { diff, scale };
}

/**
 * Float32 rounds every product and sum to 2⁻²⁴ ≈ 6e-8 relative. A gradient
 * entry sums T·B·max(m, K) ≈ 200 rounded terms through T steps of BPTT and two
 * layers, so its error is a few 1e-7 of the gradient's scale (measured: at
 * most 4.4e-7 of the largest entry of the parameter's gradient, JS and wasm
 * kernels alike). 1e-5 of that scale leaves a 20× margin for other platforms'
 * rounding, while a wrong formula (a dropped term, a wrong transpose, a value
 * left in float64 and rounded late) misses it by orders of magnitude.
 */
const GRAD_TOL = 1e-5;

describe('float32 char-rnn', () => {
  describe.each(CELLS.map((c) => [c] as [CellName]))('%s', (cell) => {
    it('draws the float64 weights of the same seed, rounded once to float32', () => {
      const a = charRnn({ vocabSize: K, hidden: HIDDEN, cell, rng: new Rng(5) });
      const b = charRnn({ vocabSize: K, hidden: HIDDEN, cell, rng: new Rng(5), dtype: 'float32' });
      expect(b.dtype).toBe('float32');
      b.parameters().forEach((p, i) => {
        expect(p.value.dtype).toBe('float32');
        expect(p.grad.dtype).toBe('float32');
        const want = a.parameters()[i]!.value.data;
        for (let k = 0; k < p.value.size; k++) expect(p.value.data[k]).toBe(Math.fround(want[k]!));
      });
      for (const name of b.stateNames) expect(b.states[name]!.dtype).toBe('float32');
    });

    it.each([
      [1, 'js'],
      [3, 'js'],
      [1, 'wasm'],
      [3, 'wasm'],
    ] as const)('loss and gradients agree with float64, B = %i (two layers, %s kernels)', (B, backend) => {
      const { m64, m32 } = pair(cell, B, 2, backend);
      const rng = new Rng(9);
      const x = randomIds(T * B, K, rng);
      const y = randomIds(T * B, K, rng);
      for (let call = 0; call < 2; call++) {
        // Twice: the second call starts from the carried (float32) state.
        m64.zeroGrad();
        m32.zeroGrad();
        const l64 = m64.lossAndGradients(x, y);
        const l32 = m32.lossAndGradients(x, y);
        expect(Math.abs(l32 - l64) / l64).toBeLessThan(1e-4);
        m32.parameters().forEach((p, i) => {
          const { diff, scale } = maxDiff(p.grad, m64.parameters()[i]!.grad);
          expect(scale).toBeGreaterThan(0);
          if (diff > GRAD_TOL * scale) throw new Error(`${p.name}: max |g32 − g64| = ${diff} > ${GRAD_TOL} · ${scale}`);
        });
      }
    });
  });

  it.each([1, 3])('a few AdaGrad steps (clip 5) track float64, B = %i', (B) => {
    for (const cell of CELLS) {
      const { m64, m32 } = pair(cell, B);
      const o64 = new AdaGrad(m64.parameters(), { lr: 0.1, clipValue: 5 });
      const o32 = new AdaGrad(m32.parameters(), { lr: 0.1, clipValue: 5 });
      expect(o32.stateDict()[`adagrad.${m32.parameters()[0]!.name}`]!.dtype).toBe('float32');
      const rng = new Rng(2);
      for (let step = 0; step < 5; step++) {
        const x = randomIds(T * B, K, rng);
        const y = randomIds(T * B, K, rng);
        for (const [m, o] of [[m64, o64], [m32, o32]] as const) {
          m.zeroGrad();
          m.lossAndGradients(x, y);
          o.step();
        }
      }
      // Each step moves a weight by at most lr = 0.1; AdaGrad's g/√G is
      // scale-free, so entries with tiny gradients amplify float32's relative
      // error. 1e-3 absolute after 5 steps (of up to 0.5 in total) still
      // catches any step that went elsewhere.
      m32.parameters().forEach((p, i) => {
        const { diff } = maxDiff(p.value, m64.parameters()[i]!.value);
        if (diff > 1e-3) throw new Error(`${cell} ${p.name}: max |θ32 − θ64| = ${diff}`);
      });
    }
  });

  it('trains: the loss falls on a small text', () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(20);
    const chars = [...new Set(text)];
    const ids = Int32Array.from([...text].map((c) => chars.indexOf(c)));
    const model = charRnn({ vocabSize: chars.length, hidden: 24, rng: new Rng(1), dtype: 'float32' });
    const opt = new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 });
    const losses: number[] = [];
    for (let u = 0, p = 0; u < 300; u++, p += 25) {
      if (p + 26 > ids.length) {
        p = 0;
        model.resetState();
      }
      model.zeroGrad();
      losses.push(model.lossAndGradients(ids.subarray(p, p + 25), ids.subarray(p + 1, p + 26)) / 25);
      opt.step();
    }
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(losses[0]).toBeCloseTo(Math.log(chars.length), 1); // uniform guesses at first
    expect(mean(losses.slice(-20))).toBeLessThan(0.5 * losses[0]!);
  });

  it('a loss summed over the steps inside a Recurrent is summed in float64 and rounded once', () => {
    // batchOverTime: false keeps the loss in the loop: one scalar per step, added up by the unroller.
    const step = (dtype: 'float32' | 'float64'): Graph => {
      const rng = new Rng(3);
      return graph('char')
        .input('x', ids())
        .input('y', ids())
        .input('h', float(8))
        .node('embed', new OneHotEmbedding(K, 8, { rng, std: 0.3, dtype }), { ids: 'x' })
        .node('cell', new RNNCell(8, { rng, std: 0.3, dtype }), { x: 'embed', h: 'h' })
        .node('out', new Linear(8, K, { rng, std: 0.3, dtype }), { x: 'cell' })
        .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
        .output('loss', 'loss')
        .output('h', 'cell')
        .build();
    };
    const steps = 3000;
    const r32 = new Recurrent(step('float32'), { state: { h: 'h' }, batchOverTime: false });
    const r64 = new Recurrent(step('float64'), { state: { h: 'h' }, batchOverTime: false });
    r32.parameters().forEach((p, i) => r64.parameters()[i]!.value.data.set(p.value.data));
    const rng = new Rng(8);
    const x = randomIds(steps, K, rng);
    const y = randomIds(steps, K, rng);
    const l32 = r32.forward(r32.createContext(1, steps), [x, y])[0]!.data[0]!;
    const l64 = r64.forward(r64.createContext(1, steps), [x, y])[0]!.data[0]!;
    // Σ of 3000 step losses ≈ 7000: float32 partial sums round each of 3000
    // additions to ulp(4096) = 4.9e-4 (measured: off by 7.3e-3); summed in float64,
    // only the float32 step losses (1e-7 relative) and the final rounding remain
    // (measured: 4.5e-5).
    expect(l64).toBeGreaterThan(4096);
    expect(Math.abs(l32 - l64)).toBeLessThan(3e-4);
  });

  it('samples: step writes float32 probabilities into a float64 buffer exactly', () => {
    const { m64, m32 } = pair('lstm', 1);
    const p64 = zeros([1, K]);
    const p32 = zeros([1, K]);
    m64.step(Int32Array.of(3), p64);
    m32.step(Int32Array.of(3), p32);
    let total = 0;
    for (let k = 0; k < K; k++) {
      expect(p32.data[k]).toBe(Math.fround(p32.data[k]!));
      expect(Math.abs(p32.data[k]! - p64.data[k]!)).toBeLessThan(1e-6);
      total += p32.data[k]!;
    }
    expect(total).toBeCloseTo(1, 5);
  });
});

describe('float32 on the wasm heap', () => {
  it.each(CELLS.map((c) => [c] as [CellName]))('%s: every kernel with a wasm version runs the f32 kernels, none falls back', (cell) => {
    const build = (dtype: 'float32' | 'float64'): { model: CharRnnModel; opt: AdaGrad } =>
      withBackend('wasm', () => {
        const model = charRnn({ vocabSize: K, hidden: 16, cell, layers: 2, batch: 2, rng: new Rng(1), dtype });
        return { model, opt: new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 }) };
      });
    const f32 = build('float32');
    const f64 = build('float64');
    if (!isWasmTensor(f32.model.parameters()[0]!.value)) return; // no WebAssembly SIMD here: nothing to check
    for (const p of f32.model.parameters()) expect(isWasmTensor(p.value) && isWasmTensor(p.grad)).toBe(true);
    for (const t of Object.values(f32.opt.stateDict())) expect([t.dtype, isWasmTensor(t)]).toEqual(['float32', true]);
    const rng = new Rng(4);
    const x = randomIds(T * 2, K, rng);
    const y = randomIds(T * 2, K, rng);
    const update = ({ model, opt }: { model: CharRnnModel; opt: AdaGrad }): { f32: number; f64: number; fallbacks: number } => {
      const before = { f32: wasmKernelCalls('float32'), f64: wasmKernelCalls('float64'), fallbacks: wasmKernelFallbacks() };
      model.zeroGrad();
      model.lossAndGradients(x, y);
      opt.step();
      return { f32: wasmKernelCalls('float32') - before.f32, f64: wasmKernelCalls('float64') - before.f64, fallbacks: wasmKernelFallbacks() - before.fallbacks };
    };
    update(f32); // the first call creates the contexts
    update(f64);
    const c32 = update(f32);
    const c64 = update(f64);
    expect(c32.fallbacks).toBe(0);
    expect(c32.f64).toBe(0);
    expect(c32.f32).toBeGreaterThan(0);
    // The same kernel calls as the float64 model: each one in its f32 version.
    expect(c32.f32).toBe(c64.f64);
    expect(c64.fallbacks).toBe(0);
  });

  it('counts a kernel whose operands left the heap as a fallback', () => {
    const a = withBackend('wasm', () => zeros([4, 4], 'float32'));
    if (!isWasmTensor(a)) return;
    const model = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), dtype: 'float32' }); // ordinary arrays
    const before = wasmKernelFallbacks();
    model.lossAndGradients(Int32Array.of(1, 2), Int32Array.of(2, 3));
    expect(wasmKernelFallbacks()).toBeGreaterThan(before);
  });
});

describe('dtype option and errors', () => {
  it('a float32 layer allocates its contexts in float32 outside any scope; withDtype sets the default', () => {
    const lin = new Linear(3, 2, { rng: new Rng(1), dtype: 'float32' });
    expect(getDefaultDtype()).toBe('float64');
    const ctx = lin.createContext(2);
    expect(ctx.outputs[0]!.dtype).toBe('float32');
    expect(ctx.gradInputs[0]!.dtype).toBe('float32');
    const scoped = withDtype('float32', () => new Linear(3, 2, { rng: new Rng(1) }));
    expect(scoped.parameters().map((p) => p.value.dtype)).toEqual(['float32', 'float32']);
    expect(new Linear(3, 2, { rng: new Rng(1) }).W.value.dtype).toBe('float64');
  });

  it('refuses an input of the other dtype with one line naming both', () => {
    const lin = new Linear(3, 2, { rng: new Rng(1), dtype: 'float32' });
    expect(() => lin.forward(lin.createContext(1), [zeros([1, 3])])).toThrow(/^Linear: 'x' is float64 but the layer computes in float32$/);
    const lin64 = new Linear(3, 2, { rng: new Rng(1) });
    expect(() => lin64.forward(lin64.createContext(1), [zeros([1, 3], 'float32')])).toThrow(/^Linear: 'x' is float32 but the layer computes in float64$/);
    const ctx = lin.createContext(1);
    lin.forward(ctx, [zeros([1, 3], 'float32')]);
    expect(() => lin.backward(ctx, [zeros([1, 2])])).toThrow(/gradient of output\): 'y' is float64 but the layer computes in float32/);
  });

  it('refuses a dtype that is not float32 or float64', () => {
    expect(() => new Linear(3, 2, { rng: new Rng(1), dtype: 'float16' as never })).toThrow(/^Linear: dtype must be 'float64' or 'float32', got "float16"$/);
    expect(() => charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), dtype: 'int32' as never })).toThrow(/^charRnn: dtype must be 'float64' or 'float32', got "int32"$/);
  });

  it('gradient checks stay float64: gradcheckTarget and checkBackward refuse a float32 layer', () => {
    const lin = new Linear(3, 2, { rng: new Rng(1), dtype: 'float32' });
    expect(() => gradcheckTarget(lin, [zeros([1, 3], 'float32')], { batch: 1 })).toThrow(
      /^gradcheckTarget: parameter 'W' is float32; gradient checks run in float64 \(build the layer with dtype 'float64'\)$/,
    );
    expect(() => checkBackward({ params: lin.parameters(), forward: () => [], backward: () => {} })).toThrow(/'W': value is float32; gradient checks need float64/);
  });
});
