/**
 * LSTM and GRU training updates: weft's fused cells (LSTMCell / GRUCell) and
 * their composed versions (graphs of bricks), unrolled by `Recurrent`, and
 * PyTorch's nn.LSTM / nn.GRU through bench/src/torch_cells.py.
 *
 * One update: zero the gradients, forward over T steps of B dense inputs
 * `[T·B, n]` from the carried state, backward from a fixed random weight on
 * the h outputs (loss = Σ ⟨R, h⟩; x needs no gradient), one SGD step.
 *
 * FLOPs counted: the matrix products only (the elementwise gate math is
 * O(G·m) per row and left out), per row (T·B rows per update), G = 4 (LSTM)
 * or 3 (GRU), input size n:
 *   forward x W_ihᵀ and h W_hhᵀ:        2·G·m·n + 2·G·m·m
 *   backward dW_ih, dW_hh and dh:        2·G·m·n + 2·G·m·m + 2·G·m·m
 *   total                                4·G·m·n + 6·G·m·m
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composedGRUCell, composedLSTMCell, float, graph, GRUCell, LSTMCell, Recurrent, type Graph, type RecurrentContext } from '@weft/layers';
import { SGD } from '@weft/optim';
import { randn, Rng, withBackend, type Backend, type Tensor } from '@weft/tensor';

/** The cell kinds. */
export type CellKind = 'lstm' | 'gru';

/** One benchmarked configuration. */
export interface CellConfig {
  kind: CellKind;
  /** Hidden units m. */
  hidden: number;
  /** Input features n. */
  inputSize: number;
  /** Time steps per update. */
  steps: number;
  /** Sequences per update. */
  batch: number;
}

/** Gates per cell: 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n). */
export function gatesOf(kind: CellKind): number {
  return kind === 'lstm' ? 4 : 3;
}

/** Matrix FLOPs of one update (forward + backward over T·B rows); see the module comment. */
export function cellUpdateFlops(c: CellConfig): number {
  const G = gatesOf(c.kind);
  return c.steps * c.batch * (4 * G * c.hidden * c.inputSize + 6 * G * c.hidden * c.hidden);
}

/** weft's step graph for one cell: x and the state in, the next state out. */
export function cellStep(c: CellConfig, style: 'fused' | 'composed', rng: Rng): Graph {
  const m = c.hidden;
  const b = graph(`${c.kind}-${style}`).input('x', float(c.inputSize)).input('h', float(m));
  if (c.kind === 'lstm') {
    const cell = style === 'fused' ? new LSTMCell(c.inputSize, m, { rng }) : composedLSTMCell(c.inputSize, m, { rng });
    return b.input('c', float(m)).node('cell', cell, { x: 'x', h: 'h', c: 'c' }).output('h', 'cell.h').output('c', 'cell.c').build();
  }
  const cell = style === 'fused' ? new GRUCell(c.inputSize, m, { rng }) : composedGRUCell(c.inputSize, m, { rng });
  return b.node('cell', cell, { x: 'x', h: 'h' }).output('h', 'cell').build();
}

/** A weft cell, its unrolled context, data and optimizer, ready to run updates. */
export class WeftCellTrainer {
  readonly backend: Backend;
  private readonly recurrent: Recurrent;
  private readonly ctx: RecurrentContext;
  private readonly x: Tensor;
  private readonly gradOutputs: (Tensor | null)[];
  private readonly optimizer: SGD;
  /** Σ ⟨R, h⟩ of the last update (kept so the work cannot be optimised away). */
  lastLoss = 0;

  /** Builds everything on `backend` (the wasm backend puts the buffers on its heap). */
  constructor(readonly config: CellConfig, readonly style: 'fused' | 'composed', backend: Backend, seed = 1) {
    const built = withBackend(backend, (effective) => {
      const rng = new Rng(seed);
      const step = cellStep(config, style, rng);
      const state: Record<string, string> = config.kind === 'lstm' ? { h: 'h', c: 'c' } : { h: 'h' };
      const recurrent = new Recurrent(step, { state });
      const rows = config.steps * config.batch;
      return {
        backend: effective,
        recurrent,
        // x is data: no gradient wanted (propagateDown false), as in the FLOP count.
        ctx: recurrent.createContext(config.batch, config.steps, [false]),
        x: randn([rows, config.inputSize], rng),
        gradOutputs: recurrent.outputs.map((p) => (p.name === 'h' ? randn([rows, p.size], rng, 0, 0.1) : null)),
        optimizer: new SGD(step.parameters(), { lr: 1e-3 }),
      };
    });
    this.backend = built.backend;
    this.recurrent = built.recurrent;
    this.ctx = built.ctx;
    this.x = built.x;
    this.gradOutputs = built.gradOutputs;
    this.optimizer = built.optimizer;
  }

  /** Runs `n` updates (the kernels follow where the buffers live). */
  run(n: number): void {
    const { recurrent, ctx } = this;
    const R = this.gradOutputs[0]!;
    for (let i = 0; i < n; i++) {
      recurrent.zeroGrad();
      const h = recurrent.forward(ctx, [this.x])[0]!;
      let loss = 0;
      for (let j = 0; j < h.size; j++) loss += h.data[h.offset + j]! * R.data[R.offset + j]!;
      recurrent.backward(ctx, this.gradOutputs);
      this.optimizer.step();
      this.lastLoss = loss;
    }
    if (!Number.isFinite(this.lastLoss)) throw new Error(`bench cells: ${this.config.kind} ${this.style} loss is ${this.lastLoss}`);
  }
}

const TORCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'torch_cells.py');
const PYTHON = '/usr/bin/python3';

/** PyTorch's result for one configuration. */
export interface TorchResult {
  updatesPerSecond: number;
  torch: string;
  threads: number;
  /** torch's BLAS_INFO build setting ('generic' = the reference BLAS, e.g. Debian's build). */
  blas: string;
}

/** Null when /usr/bin/python3 can import torch, else why not. */
export function torchUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} cannot import torch: ${probe.stderr.trim().split('\n').pop()}`;
  return null;
}

/** Runs PyTorch's nn.LSTM / nn.GRU update for about `seconds` (after a warm-up) in a child process; one thread. */
export function runTorch(c: CellConfig, seconds: number): TorchResult {
  const args = [TORCH_SCRIPT, c.kind, String(c.hidden), String(c.inputSize), String(c.steps), String(c.batch), String(seconds)];
  const out = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`torch_cells.py ${args.slice(1).join(' ')} failed: ${out.stderr.trim().split('\n').pop()}`);
  return JSON.parse(out.stdout) as TorchResult;
}
