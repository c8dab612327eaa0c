/**
 * LSTM and GRU cells composed from elementwise bricks (Add, Mul, Sigmoid,
 * Tanh, OneMinus, Split) and two Linear layers, with the same parameter names
 * as the fused {@link LSTMCell} and {@link GRUCell}: copying the parameters by
 * name makes the two identical models. They get their gradients from the
 * bricks' — the reference the fused cells are tested against, and the pattern
 * for a new cell (DESIGN principle 10).
 */
import type { Graph } from '../graph/graph.js';
import { Add } from '../layers/add.js';
import { Mul } from '../layers/mul.js';
import { OneMinus } from '../layers/one-minus.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { Split } from '../layers/split.js';
import { Tanh } from '../layers/tanh.js';
import { cellGraph, cellLinear, type CellOptions } from './cell-input.js';

/**
 * An LSTM cell as a Graph of bricks: the same ports, parameters and math as
 * {@link LSTMCell} (PyTorch's `nn.LSTMCell`).
 *
 * - inputs: `x` `[B, inputSize]` (or ids `[B]` with `input: 'ids'`), `h`, `c` `[B, m]`.
 * - outputs: `h`, `c` `[B, m]`.
 * - parameters: `weight_ih` `[4m, inputSize]`, `bias_ih` `[4m]`, `weight_hh` `[4m, m]`, `bias_hh` `[4m]`.
 * - nodes: ih, hh (Linear) → sum (Add) → gates (Split into i, f, g, o) →
 *   σ(i), σ(f), tanh(g), σ(o) → c' = f⊙c + i⊙g → h' = o⊙tanh(c').
 */
export function composedLSTMCell(inputSize: number, hiddenSize: number, options: CellOptions): Graph {
  const who = 'composedLSTMCell';
  const m = hiddenSize;
  const builder = cellGraph(who, inputSize, m, 4, options, ['h', 'c']);
  const hh = cellLinear(who, m, 4 * m, m, 'hh', options);
  return builder
    .node('hh', hh, { x: 'h' }, { prefix: '' })
    .node('sum', new Add(4 * m), { a: 'ih', b: 'hh' })
    .node('gates', new Split(4 * m, 4, { names: ['i', 'f', 'g', 'o'] }), { x: 'sum' })
    .node('input_gate', new Sigmoid(m), { x: 'gates.i' })
    .node('forget_gate', new Sigmoid(m), { x: 'gates.f' })
    .node('candidate', new Tanh(m), { x: 'gates.g' })
    .node('output_gate', new Sigmoid(m), { x: 'gates.o' })
    .node('kept', new Mul(m), { a: 'forget_gate', b: 'c' })
    .node('written', new Mul(m), { a: 'input_gate', b: 'candidate' })
    .node('c_new', new Add(m), { a: 'kept', b: 'written' })
    .node('squashed', new Tanh(m), { x: 'c_new' })
    .node('h_new', new Mul(m), { a: 'output_gate', b: 'squashed' })
    .output('h', 'h_new')
    .output('c', 'c_new')
    .build();
}

/**
 * A GRU cell as a Graph of bricks: the same ports, parameters and math as
 * {@link GRUCell} (PyTorch's `nn.GRUCell`).
 *
 * - inputs: `x` `[B, inputSize]` (or ids `[B]` with `input: 'ids'`), `h` `[B, m]`.
 * - output: `h` `[B, m]`.
 * - parameters: `weight_ih` `[3m, inputSize]`, `bias_ih` `[3m]`, `weight_hh` `[3m, m]`, `bias_hh` `[3m]`.
 * - nodes: ih, hh (Linear), each split into r, z, n; r = σ(gi_r + gh_r),
 *   z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n); h' = (1 − z) ⊙ n + z ⊙ h.
 */
export function composedGRUCell(inputSize: number, hiddenSize: number, options: CellOptions): Graph {
  const who = 'composedGRUCell';
  const m = hiddenSize;
  const builder = cellGraph(who, inputSize, m, 3, options, ['h']);
  const hh = cellLinear(who, m, 3 * m, m, 'hh', options);
  const names = { names: ['r', 'z', 'n'] };
  return builder
    .node('hh', hh, { x: 'h' }, { prefix: '' })
    .node('gi', new Split(3 * m, 3, names), { x: 'ih' })
    .node('gh', new Split(3 * m, 3, names), { x: 'hh' })
    .node('r_pre', new Add(m), { a: 'gi.r', b: 'gh.r' })
    .node('r', new Sigmoid(m), { x: 'r_pre' })
    .node('z_pre', new Add(m), { a: 'gi.z', b: 'gh.z' })
    .node('z', new Sigmoid(m), { x: 'z_pre' })
    .node('reset', new Mul(m), { a: 'r', b: 'gh.n' })
    .node('n_pre', new Add(m), { a: 'gi.n', b: 'reset' })
    .node('n', new Tanh(m), { x: 'n_pre' })
    .node('one_minus_z', new OneMinus(m), { x: 'z' })
    .node('new_part', new Mul(m), { a: 'one_minus_z', b: 'n' })
    .node('kept', new Mul(m), { a: 'z', b: 'h' })
    .node('h_new', new Add(m), { a: 'new_part', b: 'kept' })
    .output('h', 'h_new')
    .build();
}
