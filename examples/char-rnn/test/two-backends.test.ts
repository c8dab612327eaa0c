/**
 * Issue 15.1: the backend is explicit, not ambient. A model built in
 * `withBackend('wasm', …)` keeps running its kernels in WebAssembly and a
 * model built in plain arrays keeps running JavaScript, whatever the
 * allocation default when they train, so two models on two backends can live
 * in one process and train alternately with no save/restore of any switch.
 */
import { describe, expect, it } from '@jest/globals';
import { AdaGrad, Adam } from '@weft/optim';
import { charRnn, type CellName, type CharRnnModel } from '@weft/layers';
import { backendOf, getBackend, Rng, wasmKernelCalls, withBackend, type Backend } from '@weft/tensor';

interface Trainer {
  model: CharRnnModel;
  step(): number;
}

const K = 7;
const B = 2;
const T = 5;

/** A model and optimizer allocated on `backend`; step() runs one update on fixed-seed data. */
function build(backend: Backend, cell: CellName, seed: number): Trainer {
  return withBackend(backend, (effective) => {
    expect(effective).toBe(backend);
    const model = charRnn({ vocabSize: K, hidden: 12, rng: new Rng(seed), batch: B, cell, layers: cell === 'rnn' ? 1 : 2 });
    const optimizer = cell === 'rnn' ? new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 }) : new Adam(model.parameters(), { lr: 0.01 });
    const data = new Rng(seed + 1000);
    const inputs = new Int32Array(T * B);
    const targets = new Int32Array(T * B);
    return {
      model,
      step(): number {
        for (let i = 0; i < inputs.length; i++) {
          inputs[i] = Math.floor(data.uniform() * K);
          targets[i] = Math.floor(data.uniform() * K);
        }
        model.zeroGrad();
        const loss = model.lossAndGradients(inputs, targets);
        optimizer.step();
        return loss;
      },
    };
  });
}

/** Every parameter's values and every state, as plain numbers. */
function snapshot(model: CharRnnModel): number[][] {
  return [...model.parameters().map((p) => Array.from(p.value.data)), ...Object.values(model.states).map((s) => Array.from(s.data))];
}

describe('two models on two backends in one process', () => {
  it.each(['rnn', 'lstm'] as const)('%s: a JS model and a wasm model train alternately, each bit for bit as when alone', (cell) => {
    const updates = 6;
    // Solo runs, one after the other.
    const soloJs = build('js', cell, 11);
    const soloJsLosses = Array.from({ length: updates }, () => soloJs.step());
    const soloWasm = build('wasm', cell, 11);
    const soloWasmLosses = Array.from({ length: updates }, () => soloWasm.step());

    // Both alive at once, updates interleaved, no backend switch anywhere.
    const js = build('js', cell, 11);
    const wasm = build('wasm', cell, 11);
    expect(getBackend()).toBe('js'); // the scopes are gone
    for (const p of js.model.parameters()) expect(backendOf(p.value)).toBe('js');
    for (const p of wasm.model.parameters()) expect(backendOf(p.value)).toBe('wasm');
    const jsLosses: number[] = [];
    const wasmLosses: number[] = [];
    for (let u = 0; u < updates; u++) {
      const before = wasmKernelCalls();
      jsLosses.push(js.step());
      expect(wasmKernelCalls()).toBe(before); // the JS model never touches wasm
      wasmLosses.push(wasm.step());
      expect(wasmKernelCalls()).toBeGreaterThan(before); // the wasm model runs there outside any scope
    }
    expect(jsLosses).toEqual(soloJsLosses);
    expect(wasmLosses).toEqual(soloWasmLosses);
    expect(snapshot(js.model)).toEqual(snapshot(soloJs.model));
    expect(snapshot(wasm.model)).toEqual(snapshot(soloWasm.model));
    // and the backends really differ in their arithmetic only by rounding
    for (let u = 0; u < updates; u++) expect(Math.abs(jsLosses[u]! - wasmLosses[u]!)).toBeLessThan(1e-9 * Math.abs(jsLosses[u]!));
  });

  it('buffers created lazily while training (new sequence lengths, other batch) follow the parameters', () => {
    const wasm = build('wasm', 'lstm', 3);
    wasm.step();
    const other = wasm.model.withBatch(1);
    for (const s of Object.values(other.states)) expect(backendOf(s)).toBe('wasm');
    const before = wasmKernelCalls();
    other.lossAndGradients(new Int32Array([1, 2, 3]), new Int32Array([2, 3, 4])); // T = 3: a new context, outside any scope
    expect(wasmKernelCalls()).toBeGreaterThan(before);
  });
});
