/**
 * charRnn for every cell: LSTM and GRU, stacked layers, dropout between
 * layers. Gradient checks of the whole model (BPTT through stacked Recurrent
 * layers), the state carried across calls, sampling, parameter names.
 */
import { checkGradients } from '@weft/gradcheck';
import { Rng, zeros } from '@weft/tensor';
import { charRnn, CELLS, type CellName } from '@weft/layers';
import { expectClose, expectPassed, randomIds } from './helpers.js';

const K = 7;

describe('charRnn with cell and layers', () => {
  it.each([
    ['rnn', 2, 'l0.weight_ih l0.weight_hh l0.bias_hh l1.weight_hh l1.weight_ih l1.bias_hh head.weight head.bias', ['l0.h', 'l1.h']],
    ['lstm', 2, 'l0.weight_ih l0.bias_ih l0.weight_hh l0.bias_hh l1.weight_ih l1.bias_ih l1.weight_hh l1.bias_hh head.weight head.bias', ['l0.h', 'l0.c', 'l1.h', 'l1.c']],
    ['gru', 1, 'l0.weight_ih l0.bias_ih l0.weight_hh l0.bias_hh head.weight head.bias', ['l0.h']],
  ] as const)('%s × %i: PyTorch-style names and one state per layer (and c for LSTM)', (cell, layers, names, states) => {
    const model = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), cell, layers, batch: 2 });
    expect(model.parameters().map((p) => p.name).join(' ')).toBe(names);
    expect(model.stateNames).toEqual(states);
    for (const s of states) expect(model.states[s]!.shape).toEqual([2, 4]);
    expect(model.architecture).toEqual({ cell, layers, hidden: 4, vocabSize: K, dropout: 0 });
  });

  it('keeps the report model exactly for rnn × 1: U, W, V, b, c and state h', () => {
    const model = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1) });
    expect(model.parameters().map((p) => p.name)).toEqual(['U', 'W', 'V', 'b', 'c']);
    expect(model.stateNames).toEqual(['h']);
  });

  describe.each(CELLS.map((c) => [c] as [CellName]))('%s', (cell) => {
    it.each([1, 2])('two stacked layers pass the gradient check through BPTT (T = 4), B = %i', (B) => {
      const rng = new Rng(3);
      const model = charRnn({ vocabSize: K, hidden: 3, rng, cell, layers: 2, batch: B, std: 0.4 });
      for (const p of model.parameters()) if (p.value.shape.length === 1) rng.fillNormal(p.value, 0, 0.2);
      const x = randomIds(4 * B, K, rng);
      const y = randomIds(4 * B, K, rng);
      const h0 = model.stateNames.map((n) => rng.fillNormal(zeros(model.states[n]!.shape), 0, 0.3));
      const report = checkGradients(
        model.parameters(),
        () => {
          model.stateNames.forEach((n, i) => model.states[n]!.data.set(h0[i]!.data));
          return model.lossAndGradients(x, y);
        },
        { stencil: 'five-point', maxEntries: 12, seed: B },
      );
      expectPassed(report);
    });

    it('carries every state across calls: two calls of T equal one call of 2T; step() samples from the same state', () => {
      const rng = new Rng(4);
      const a = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(9), cell, layers: 2 });
      const b = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(9), cell, layers: 2 });
      const x = randomIds(10, K, rng);
      const y = randomIds(10, K, rng);
      const whole = a.loss(x, y);
      const halves = b.loss(x.subarray(0, 5), y.subarray(0, 5)) + b.loss(x.subarray(5), y.subarray(5));
      expectClose([halves], [whole]);
      for (const n of a.stateNames) expectClose(b.states[n]!.data, a.states[n]!.data);
      // step() continues from the carried states: the same probabilities as a forward over one more character.
      const probs = zeros([1, K]);
      a.step(Int32Array.of(3), probs);
      const c = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(9), cell, layers: 2 });
      c.loss(x, y);
      const next = c.loss(Int32Array.of(3), Int32Array.of(0)); // −log p[0]
      expectClose([-Math.log(probs.data[0]!)], [next]);
    });
  });

  it('dropout between layers: training draws masks from the rng, loss() (evaluation) does not', () => {
    const rng = new Rng(5);
    const x = randomIds(12, K, rng);
    const y = randomIds(12, K, rng);
    const plain = charRnn({ vocabSize: K, hidden: 6, rng: new Rng(2), cell: 'lstm', layers: 2, std: 0.5 });
    const dropped = charRnn({ vocabSize: K, hidden: 6, rng: new Rng(2), cell: 'lstm', layers: 2, std: 0.5, dropout: 0.5 });
    expectClose([dropped.loss(x, y)], [plain.loss(x, y)]);
    dropped.resetState();
    plain.resetState();
    const trained = dropped.lossAndGradients(x, y);
    expect(Math.abs(trained - plain.lossAndGradients(x, y))).toBeGreaterThan(1e-6);
    // Same seed, same masks.
    const again = charRnn({ vocabSize: K, hidden: 6, rng: new Rng(2), cell: 'lstm', layers: 2, std: 0.5, dropout: 0.5 });
    expect(again.lossAndGradients(x, y)).toBe(trained);
  });

  it('withBatch shares the parameters; bad options are one-line errors', () => {
    const model = charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), cell: 'gru', layers: 2 });
    const wide = model.withBatch(3);
    wide.parameters().forEach((p, i) => expect(p.value).toBe(model.parameters()[i]!.value));
    expect(wide.states['l1.h']!.shape).toEqual([3, 4]);
    expect(() => charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), cell: 'tree' as CellName })).toThrow('charRnn: cell must be one of rnn, lstm, gru, got "tree"');
    expect(() => charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), layers: 0 })).toThrow('charRnn: layers must be a positive integer, got 0');
    expect(() => charRnn({ vocabSize: K, hidden: 4, rng: new Rng(1), dropout: 1 })).toThrow('charRnn: dropout must be in [0, 1), got 1');
  });
});
