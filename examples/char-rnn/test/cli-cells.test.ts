/**
 * char-rnn for every cell (issue 11): `--cell rnn|lstm|gru --layers N
 * --dropout P`, checkpoint format 2, validation with `--val-fraction`, and bits
 * per character — end to end on a small text, for each cell: training, a
 * bit-exact resume (straight vs interrupted: the files byte for byte), seeded
 * sampling from the saved states, the gradient check, the validation loss.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { charRnn, loadStateDict } from '@weft/layers';
import { decodeSafetensors, encodeSafetensors, Rng, row, withBackend } from '@weft/tensor';
import { checkpointChecksum, loadCheckpoint } from '../src/checkpoint.js';
import { Vocabulary } from '../src/corpus.js';
import { memoryBudget, trainingBytes } from '../src/limits.js';
import { readLossCsv } from '../src/run-dir.js';
import { modelFromCheckpoint } from '../src/model-checkpoint.js';
import { jsonLines, makeText, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(120_000); // the machine is shared: wall time varies

let dir: string;
let data: string;
let text: string;

beforeAll(() => {
  dir = tempDir();
  text = makeText(2000, 5);
  data = writeText(dir, 'text.txt', text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = ['--hidden', '8', '--seq-length', '10', '--log-every', '25', '--sample-every', '100', '--sample-length', '20', '--seed', '4'];

function train(out: string, ...extra: string[]): ReturnType<typeof run> {
  return run(['train', '--data', data, ...SMALL, '--out', join(dir, out), '--json', ...extra]);
}

const CELLS: [string, string[]][] = [
  ['rnn, 2 layers', ['--cell', 'rnn', '--layers', '2']],
  ['lstm, 2 layers, dropout 0.25', ['--cell', 'lstm', '--layers', '2', '--dropout', '0.25']],
  ['gru, 1 layer', ['--cell', 'gru']],
];

describe.each(CELLS)('%s', (name, flags) => {
  const tag = name.replace(/[^a-z0-9]+/g, '-');
  const val = ['--val-fraction', '0.1', '--eval-every', '50'];

  it('trains with validation; straight 300 updates == 150 + resume to 300, byte for byte', async () => {
    const straight = await train(`${tag}-straight`, ...flags, ...val, '--updates', '300');
    expect(straight.stderr).toBe('');
    expect(straight.code).toBe(0);
    const first = await train(`${tag}-split`, ...flags, ...val, '--updates', '150');
    expect(first.code).toBe(0);
    const resumed = await run(['train', '--resume', join(dir, `${tag}-split`, 'checkpoint.safetensors'), '--data', data, '--updates', '300', '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    for (const file of ['checkpoint.safetensors', 'best.safetensors', 'loss.csv', 'samples.md']) {
      expect(readFileSync(join(dir, `${tag}-split`, file)).equals(readFileSync(join(dir, `${tag}-straight`, file)))).toBe(true);
    }

    // Validation events every 50 updates, with bits per character; the summary has them too.
    const events = jsonLines(straight.stdout);
    const validations = events.filter((e) => e.event === 'validation');
    expect(validations.map((e) => e.update)).toEqual([50, 100, 150, 200, 250, 300]);
    for (const v of validations) expect(v.valBpc).toBeCloseTo((v.valLoss as number) / 10 / Math.LN2, 12);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', update: 300, valLoss: validations.at(-1)!.valLoss });
    expect(summary.bestValLoss).toBe(Math.min(...validations.map((v) => v.valLoss as number)));
    expect(summary.trainBpc).toBeCloseTo((summary.smoothLoss as number) / 10 / Math.LN2, 12);
    const progress = events.find((e) => e.event === 'progress')!;
    expect(progress.trainBpc).toBeCloseTo((progress.smoothLoss as number) / 10 / Math.LN2, 12);

    // The architecture is in the checkpoint, and the best model is the one with the lowest validation loss.
    const ckpt = await loadCheckpoint(join(dir, `${tag}-straight`, 'checkpoint.safetensors'));
    expect(ckpt.formatVersion).toBe(2);
    const best = await loadCheckpoint(join(dir, `${tag}-straight`, 'best.safetensors'));
    expect(best.bestValLoss).toBe(summary.bestValLoss);
    expect(best.update).toBe(validations.find((v) => v.valLoss === summary.bestValLoss)!.update);

    // loss.csv: validation on the eval rows only; report.md shows bits per character.
    const rows = readLossCsv(join(dir, `${tag}-straight`, 'loss.csv'));
    expect(rows.filter((r) => r.valLoss !== undefined).map((r) => r.update)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(rows.every((r) => r.trainBpc === r.smoothLoss / 10 / Math.LN2)).toBe(true);
    const report = readFileSync(join(dir, `${tag}-straight`, 'report.md'), 'utf8');
    expect(report).toMatch(/Final validation loss: [\d.]+ \(update 300\), [\d.]+ bits\/char/);
    expect(report).toMatch(/Best model \(lowest validation loss\)/);
    expect(readFileSync(join(dir, `${tag}-straight`, 'loss.svg'), 'utf8')).toContain('validation loss');
  });

  it('the validation loss is the model\'s loss on the held-out tenth, from zero state, in windows of seq-length', async () => {
    const ckpt = await loadCheckpoint(join(dir, `${tag}-straight`, 'checkpoint.safetensors'));
    const vocab = Vocabulary.fromChars(ckpt.vocab);
    const ids = vocab.encode(text);
    const held = ids.subarray(ids.length - Math.floor(0.1 * ids.length));
    const arch = { cell: ckpt.config.cell!, layers: ckpt.config.layers!, dropout: ckpt.config.dropout! };
    // allocated on the run's backend, so the run's kernels: the same sums in the same order
    const model = withBackend(ckpt.config.backend, () => charRnn({ vocabSize: vocab.size, hidden: 8, rng: new Rng(0), ...arch }));
    loadStateDict(model, ckpt.params);
    let total = 0;
    for (let s = 0; s < held.length - 1; s += 10) {
      const n = Math.min(10, held.length - 1 - s);
      total += model.loss(held.subarray(s, s + n), held.subarray(s + 1, s + n + 1));
    }
    const rows = readLossCsv(join(dir, `${tag}-straight`, 'loss.csv'));
    expect(rows.at(-1)!.valLoss).toBe((total / (held.length - 1)) * 10);
    expect(ckpt.lastVal).toEqual({ update: 300, loss: rows.at(-1)!.valLoss });
  });

  it('samples with a seed, continuing stream 0 from every saved state', async () => {
    const file = join(dir, `${tag}-straight`, 'checkpoint.safetensors');
    const a = await run(['sample', '--checkpoint', file, '--length', '60', '--seed', '3', '--top-k', '5']);
    const b = await run(['sample', '--checkpoint', file, '--length', '60', '--seed', '3', '--top-k', '5']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(Array.from(a.stdout.replace(/\n$/, '')).length).toBe(61);
    expect(b.stdout).toBe(a.stdout);
    const ckpt = await loadCheckpoint(file);
    const model = modelFromCheckpoint(ckpt);
    expect(Object.keys(ckpt.states!)).toEqual([...model.stateNames]);
    for (const state of model.stateNames) expect(Array.from(model.states[state]!.data)).toEqual(Array.from(row(ckpt.states![state]!, 0).data));
  });
});

describe('the architecture flags', () => {
  it('an LSTM checkpoint holds every parameter by name and every state per stream', async () => {
    const res = await train('lstm-b2', '--cell', 'lstm', '--layers', '2', '--batch', '2', '--updates', '20');
    expect(res.code).toBe(0);
    const ckpt = await loadCheckpoint(join(dir, 'lstm-b2', 'checkpoint.safetensors'));
    expect(Object.keys(ckpt.params)).toEqual([
      'l0.weight_ih', 'l0.bias_ih', 'l0.weight_hh', 'l0.bias_hh',
      'l1.weight_ih', 'l1.bias_ih', 'l1.weight_hh', 'l1.bias_hh',
      'head.weight', 'head.bias',
    ]);
    expect(Object.keys(ckpt.states!)).toEqual(['l0.h', 'l0.c', 'l1.h', 'l1.c']);
    for (const t of Object.values(ckpt.states!)) expect(t.shape).toEqual([2, 8]);
    expect(ckpt.params['l0.weight_ih']!.shape).toEqual([32, ckpt.vocab.length]);
    expect(Object.keys(ckpt.optimizer)).toContain('adagrad.l1.weight_hh');
  });

  it('are fixed on resume', async () => {
    const ckpt = join(dir, 'lstm-b2', 'checkpoint.safetensors');
    for (const [flag, value] of [['--cell', 'gru'], ['--layers', '3'], ['--dropout', '0.5'], ['--val-fraction', '0.2']] as const) {
      const res = await run(['train', '--resume', ckpt, '--data', data, '--updates', '40', flag, value]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`^char-rnn: ${flag} ${value} conflicts with the checkpoint`));
    }
    // The same values are fine.
    const same = await run(['train', '--resume', ckpt, '--data', data, '--updates', '40', '--cell', 'lstm', '--layers', '2', '--json']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
  });

  it('gradcheck --cell/--layers checks every parameter by name', async () => {
    for (const cell of ['lstm', 'gru', 'rnn']) {
      const res = await run(['gradcheck', '--data', data, '--cell', cell, '--layers', '2', '--hidden', '4', '--seq-length', '6', '--stencil', 'five-point', '--h', '1e-3', '--json']);
      expect(res.code).toBe(0);
      const out = JSON.parse(res.stdout) as { params: Record<string, { max: number; checked: number }>; cell: string; layers: number };
      expect(out).toMatchObject({ cell, layers: 2 });
      expect(Object.keys(out.params)).toContain('l1.weight_hh');
      expect(Object.keys(out.params)).toContain('head.weight');
      // A wrong gradient is off by O(1); rounding on tiny gradients stays below ~1e-4.
      for (const p of Object.values(out.params)) expect(p.max).toBeLessThan(1e-3);
    }
    // With the report's flags the gated cells' near-zero gradients (1e-9) have large relative errors from
    // rounding alone: the re-check sees their absolute error is rounding, not a wrong gradient.
    for (const cell of ['lstm', 'gru']) {
      const res = await run(['gradcheck', '--data', data, '--cell', cell, '--layers', '2', '--json']);
      const out = JSON.parse(res.stdout) as { verdict: string; recheck: { entries: unknown[] } };
      expect(out.verdict).not.toBe('wrong gradients');
      expect(res.code).toBe(0);
    }
    const table = await run(['gradcheck', '--data', data, '--cell', 'gru', '--hidden', '3', '--seq-length', '5']);
    expect(table.stdout).toMatch(/^cell gru, 1 layer\(s\), m = 3/);
    expect(table.stdout).toContain('l0.weight_ih');
  });
});

describe('the default model is unchanged (the report\'s rnn)', () => {
  const fixtures = new URL('./fixtures/', import.meta.url).pathname;
  const golden = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
  const firstThree = (csv: string): string => csv.trim().split('\n').map((line) => line.split(',').slice(0, 3).join(',')).join('\n');
  const args = ['--data', join(fixtures, 'tiny.txt'), '--hidden', '16', '--seq-length', '10', '--updates', '200', '--log-every', '25', '--sample-every', '100', '--sample-length', '30', '--seed', '3', '--json'];

  it.each([
    ['default-b2-wasm.loss.csv', ['--batch', '2']],
    ['default-b1-js.loss.csv', ['--backend', 'js']],
    ['default-b1-wasm.loss.csv', []],
  ])('loss.csv has the committed golden losses, to the last digit (%s)', async (file, extra) => {
    const out = join(dir, `golden-${file}`);
    const res = await run(['train', ...args, ...extra, '--out', out]);
    expect(res.code).toBe(0);
    expect(firstThree(readFileSync(join(out, 'loss.csv'), 'utf8'))).toBe(firstThree(golden(file)));
  });
});

describe('format-1 checkpoints (written before format 2)', () => {
  const fixtures = new URL('./fixtures/', import.meta.url).pathname;
  const tiny = join(fixtures, 'tiny.txt');
  const args = ['--hidden', '8', '--seq-length', '10', '--log-every', '10', '--sample-every', '20', '--sample-length', '20', '--seed', '7'];

  it.each(['v1-no-checksum', 'v1-checksum'])('%s: sample works, and a resume continues exactly as a straight run', async (name) => {
    const file = join(fixtures, `${name}.safetensors`);
    const ckpt = await loadCheckpoint(file);
    expect(ckpt.formatVersion).toBe(1);
    expect(ckpt.config).toMatchObject({ cell: 'rnn', layers: 1, dropout: 0, valFraction: 0 });
    const a = await run(['sample', '--checkpoint', file, '--length', '40', '--seed', '2']);
    expect(a.code).toBe(0);
    expect(Array.from(a.stdout.replace(/\n$/, '')).length).toBe(41);
    expect((await run(['sample', '--checkpoint', file, '--length', '40', '--seed', '2'])).stdout).toBe(a.stdout);

    // Resume the fixture (at update 30) into a new directory, to update 60.
    const out = join(dir, `${name}-resumed`);
    const resumed = await run(['train', '--resume', file, '--data', tiny, '--updates', '60', '--out', out, '--json']);
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({ event: 'summary', update: 60 });
    const straight = join(dir, `${name}-straight`);
    expect((await run(['train', '--data', tiny, ...args, '--updates', '60', '--out', straight, '--json'])).code).toBe(0);
    // The fixture's first 30 updates ran on the kernels of its day (tanh, exp and the
    // cross-entropy have since changed in the last bits), so the resumed run equals
    // today's straight run to rounding, not bit for bit.
    const after = (f: string) => readLossCsv(join(f, 'loss.csv')).filter((r) => r.update > 30);
    const a1 = after(out);
    const a2 = after(straight);
    expect(a1.map((r) => r.update)).toEqual(a2.map((r) => r.update));
    a1.forEach((r, i) => expect(Math.abs(r.loss - a2[i]!.loss)).toBeLessThan(1e-9 * Math.abs(a2[i]!.loss)));
    // The resumed run writes format 2, with (to rounding) the same weights as the straight run.
    const x = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    const y = await loadCheckpoint(join(straight, 'checkpoint.safetensors'));
    expect(x.formatVersion).toBe(2);
    const close = (u: ArrayLike<number>, v: ArrayLike<number>): void => {
      expect(u.length).toBe(v.length);
      for (let i = 0; i < u.length; i++) expect(Math.abs(u[i]! - v[i]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(v[i]!)));
    };
    for (const p of ['U', 'W', 'V', 'b', 'c']) close(x.params[p]!.data, y.params[p]!.data);
    close(x.h.data, y.h.data);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  async function expectUserError(args: string[], message: RegExp): Promise<void> {
    const before = snapshotTree(dir);
    const res = await run(args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^char-rnn: /);
    expect(lines[0]).toMatch(message);
    expect(snapshotTree(dir)).toEqual(before);
  }
  const fresh = (...extra: string[]): string[] => ['train', '--data', data, '--out', join(dir, 'never'), ...extra];

  it('rejects an unknown cell, --layers 0, a dropout outside [0, 1)', async () => {
    await expectUserError(fresh('--cell', 'transformer'), /--cell must be one of rnn, lstm, gru, got "transformer"/);
    await expectUserError(fresh('--layers', '0'), /--layers must be a positive integer, got 0/);
    await expectUserError(fresh('--dropout', '1'), /--dropout must be a number in \[0, 1\), got 1/);
    await expectUserError(fresh('--dropout', '-0.1'), /--dropout must be a number in \[0, 1\), got -0.1/);
    await expectUserError(['gradcheck', '--data', data, '--cell', 'cnn'], /--cell must be one of rnn, lstm, gru, got "cnn"/);
    await expectUserError(['gradcheck', '--data', data, '--layers', '0'], /--layers must be a positive integer, got 0/);
  });

  it('rejects a val-fraction that leaves no training text or no validation text', async () => {
    await expectUserError(fresh('--val-fraction', '1'), /--val-fraction must be a number in \[0, 1\), got 1/);
    await expectUserError(fresh('--val-fraction', '0.999'), /--val-fraction 0.999 leaves 2 of the text's 2000 characters for training; .* need at least 26/);
    await expectUserError(fresh('--val-fraction', '0.0001'), /--val-fraction 0.0001 holds out 0 of the text's 2000 characters; validation needs at least 2/);
    await expectUserError(fresh('--eval-every', '0'), /--eval-every must be a positive integer, got 0/);
  });

  it('rejects a format-2 checkpoint whose architecture disagrees with its tensors, for sample and resume', async () => {
    const source = readFileSync(join(dir, 'lstm-b2', 'checkpoint.safetensors'));
    const file = decodeSafetensors(new Uint8Array(source));
    // Says gru, holds an LSTM's tensors (re-signed: the architecture check is what fails).
    for (const key of ['config', 'architecture']) file.metadata[key] = JSON.stringify({ ...JSON.parse(file.metadata[key]!), cell: 'gru' });
    file.metadata.checksum = checkpointChecksum(file.tensors, file.metadata);
    const bad = writeText(dir, 'gru-says.safetensors', encodeSafetensors(file.tensors, file.metadata));
    const pattern = /gru-says\.safetensors is not a usable char-rnn checkpoint: the tensor "l0\.weight_ih" is \[32,\d+\] but its architecture \(gru, 2 layers of 8, vocabulary \d+, dropout 0\) and batch 2 need \[24,\d+\]/;
    await expectUserError(['sample', '--checkpoint', bad], pattern);
    await expectUserError(['train', '--resume', bad, '--data', data], pattern);
    // And one whose architecture entry disagrees with its own config.
    const file2 = decodeSafetensors(new Uint8Array(source));
    file2.metadata.architecture = JSON.stringify({ ...JSON.parse(file2.metadata.architecture!), layers: 3 });
    file2.metadata.checksum = checkpointChecksum(file2.tensors, file2.metadata);
    const bad2 = writeText(dir, 'three-layers.safetensors', encodeSafetensors(file2.tensors, file2.metadata));
    await expectUserError(['sample', '--checkpoint', bad2], /its architecture says layers 3 but its config and vocabulary say 2/);
  });
});

describe('the memory limit counts the cell and the layers', () => {
  it('an LSTM of 3 layers needs more than 4 times the report\'s RNN; a size that fits as an rnn is refused as such an LSTM', async () => {
    const base = { vocabSize: 40, batch: 1, seqLength: 25, optimizer: 'adagrad' as const };
    const m = 100;
    expect(trainingBytes({ ...base, hidden: m, cell: 'rnn', layers: 1 })).toBe(trainingBytes({ ...base, hidden: m }));
    expect(trainingBytes({ ...base, hidden: m, cell: 'lstm', layers: 3 })).toBeGreaterThan(4 * 3 * trainingBytes({ ...base, hidden: m }) * 0.9);

    // A hidden size the report's RNN may use here but a 3-layer LSTM may not.
    const budget = memoryBudget();
    let hidden = 1000;
    while (trainingBytes({ ...base, hidden: hidden * 2, cell: 'lstm', layers: 3 }) <= budget) hidden *= 2;
    while (trainingBytes({ ...base, hidden, cell: 'lstm', layers: 3 }) <= budget) hidden = Math.ceil(hidden * 1.1);
    expect(trainingBytes({ ...base, hidden })).toBeLessThan(budget);
    const text = writeText(dir, 'forty.txt', Array.from({ length: 40 }, (_, i) => String.fromCharCode(48 + i)).join('').repeat(3));
    const res = await run(['train', '--data', text, '--cell', 'lstm', '--layers', '3', '--hidden', String(hidden), '--seq-length', '25', '--out', join(dir, 'too-big')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`^char-rnn: --hidden ${hidden} with 40 characters needs about .* of memory`));
  });
});
