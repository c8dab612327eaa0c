/** The run directory: refusing to clobber a previous run, loss.csv, samples.md and report.md. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import {
  defaultRunDir,
  fenced,
  LossCsv,
  prepareRunDir,
  readLossCsv,
  reportMarkdown,
  RUN_FILES,
  samplesMarkdown,
  writeReportMarkdown,
  writeSamplesMarkdown,
  type RunReport,
} from '../src/run-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'char-rnn-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareRunDir', () => {
  test('creates a missing directory with its parents and returns the file paths', async () => {
    const out = join(dir, 'runs', 'a', 'b');
    const paths = await prepareRunDir(out, { force: false });
    expect((await readdir(join(dir, 'runs', 'a'))).includes('b')).toBe(true);
    expect(paths.dir).toBe(out);
    expect(paths.checkpoint).toBe(join(out, 'checkpoint.safetensors'));
    expect(paths.report).toBe(join(out, 'report.md'));
  });

  test('accepts an existing directory with no run files, touching nothing', async () => {
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await prepareRunDir(dir, {});
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  test('refuses a directory holding a previous run unless force, and never deletes anything', async () => {
    await writeFile(join(dir, RUN_FILES.checkpoint), 'old weights');
    await writeFile(join(dir, RUN_FILES.report), 'old report');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const error = await prepareRunDir(dir, { force: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `${dir} already holds a run (checkpoint.safetensors, report.md); choose another --out, or pass --force to overwrite those files`,
    );
    await prepareRunDir(dir, { force: true });
    expect((await readdir(dir)).sort()).toEqual(['checkpoint.safetensors', 'notes.txt', 'report.md']);
    expect(await readFile(join(dir, RUN_FILES.checkpoint), 'utf8')).toBe('old weights');
  });

  test('refuses a path that is a file', async () => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    await expect(prepareRunDir(file, { force: true })).rejects.toThrow(UserError);
    await expect(prepareRunDir(file, { force: true })).rejects.toThrow(/exists and is not a directory/);
    expect(await readFile(file, 'utf8')).toBe('x');
  });

  test('a directory that cannot be created is a UserError', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(prepareRunDir(join(dir, 'file', 'sub'), {})).rejects.toThrow(UserError);
  });
});

test('defaultRunDir is runs/<local timestamp> without colons', () => {
  expect(defaultRunDir(new Date(2026, 10, 25, 17, 30, 5))).toBe(join('runs', '2026-11-25T17-30-05'));
  expect(defaultRunDir(new Date(2026, 0, 2, 3, 4, 5))).toBe(join('runs', '2026-01-02T03-04-05'));
});

describe('LossCsv', () => {
  test('writes the header and each row immediately, in full precision', () => {
    const file = join(dir, 'loss.csv');
    const csv = LossCsv.open(file);
    csv.append({ update: 100, smoothLoss: 109.86122886681098, loss: 108.5 });
    // Readable before close: a crash keeps every row written so far.
    expect(readLossCsv(file)).toEqual([{ update: 100, smoothLoss: 109.86122886681098, loss: 108.5 }]);
    csv.append({ update: 200, smoothLoss: 109.5, loss: 101.25 });
    csv.close();
    csv.close();
    expect(() => csv.append({ update: 300, smoothLoss: 1, loss: 1 })).toThrow(/closed/);
    return readFile(file, 'utf8').then((text) => {
      expect(text).toBe('update,smooth_loss,loss,train_bpc,val_loss,val_bpc\n100,109.86122886681098,108.5,,,\n200,109.5,101.25,,,\n');
    });
  });

  test('append mode keeps earlier rows; plain open starts over', async () => {
    const file = join(dir, 'loss.csv');
    const first = LossCsv.open(file);
    first.append({ update: 1, smoothLoss: 2, loss: 3 });
    first.close();
    const resumed = LossCsv.open(file, { append: true });
    resumed.append({ update: 4, smoothLoss: 5, loss: 6 });
    resumed.close();
    expect(readLossCsv(file).map((r) => r.update)).toEqual([1, 4]);
    LossCsv.open(file).close();
    expect(await readFile(file, 'utf8')).toBe('update,smooth_loss,loss,train_bpc,val_loss,val_bpc\n');
  });

  test('bits per character and validation columns round-trip; rows without validation leave them empty', () => {
    const file = join(dir, 'loss.csv');
    const csv = LossCsv.open(file);
    csv.append({ update: 10, smoothLoss: 50, loss: 49, trainBpc: 2.885 });
    csv.append({ update: 20, smoothLoss: 49, loss: 48, trainBpc: 2.827, valLoss: 47.5, valBpc: 2.74 });
    csv.close();
    expect(readLossCsv(file)).toEqual([
      { update: 10, smoothLoss: 50, loss: 49, trainBpc: 2.885 },
      { update: 20, smoothLoss: 49, loss: 48, trainBpc: 2.827, valLoss: 47.5, valBpc: 2.74 },
    ]);
  });

  test('readLossCsv still reads the three columns of older versions', async () => {
    const file = join(dir, 'old.csv');
    await writeFile(file, 'update,smooth_loss,loss\n100,109.5,108.5\n200,109,101.25\n');
    expect(readLossCsv(file)).toEqual([
      { update: 100, smoothLoss: 109.5, loss: 108.5 },
      { update: 200, smoothLoss: 109, loss: 101.25 },
    ]);
    await writeFile(file, 'update,smooth_loss,loss\n100,109.5\n');
    expect(() => readLossCsv(file)).toThrow(/line 2 is not three numbers/);
  });

  test('readLossCsv never reads a last row cut short (no newline), which could parse as a wrong number', async () => {
    const file = join(dir, 'cut.csv');
    const whole = 'update,smooth_loss,loss,train_bpc,val_loss,val_bpc\n10,50,49,2.885,,\n20,49,48,2.827,47.5,2.7456\n';
    await writeFile(file, whole.slice(0, -3)); // "…,2.74": six cells, a valid number, the wrong one
    expect(() => readLossCsv(file)).toThrow(/cut\.csv: line 3 is incomplete/);
    expect(readLossCsv(file, { dropPartialRow: true })).toEqual([{ update: 10, smoothLoss: 50, loss: 49, trainBpc: 2.885 }]);
    await writeFile(file, 'update,smooth_l'); // killed while writing the header
    expect(() => readLossCsv(file)).toThrow(/line 1 is incomplete/);
    expect(readLossCsv(file, { dropPartialRow: true })).toEqual([]);
    await writeFile(file, whole);
    expect(readLossCsv(file).map((r) => r.valBpc)).toEqual([undefined, 2.7456]);
  });

  test('readLossCsv rejects a file of another shape', async () => {
    const file = join(dir, 'other.csv');
    await writeFile(file, 'a,b\n1,2\n');
    expect(() => readLossCsv(file)).toThrow(/does not start with/);
  });
});

describe('fenced', () => {
  test('uses a fence longer than any backtick run in the text', () => {
    expect(fenced('plain')).toBe('```text\nplain\n```');
    const tricky = 'a ``` b\n````\nc';
    const block = fenced(tricky);
    expect(block.startsWith('`````text\n')).toBe(true);
    expect(block.endsWith('\n`````')).toBe(true);
    // The body between the fences is the text itself.
    expect(block.slice('`````text\n'.length, -'\n`````'.length)).toBe(tricky);
  });
});

describe('samples.md', () => {
  test('one section per sample; update 0 is "Before the first update"; text kept verbatim', async () => {
    const entries = [
      { update: 0, text: 'xq#`z' },
      { update: 10000, text: 'the whale ```\nand', epoch: 1, smoothLoss: 55.234 },
    ];
    const md = samplesMarkdown(entries);
    expect(md).toContain('## Before the first update\n\n```text\nxq#`z\n```');
    expect(md).toContain('## After update 10,000 (epoch 1, smooth loss 55.23)\n\n````text\nthe whale ```\nand\n````');
    const file = join(dir, 'samples.md');
    await writeSamplesMarkdown(file, entries);
    expect(await readFile(file, 'utf8')).toBe(md);
    expect(await readdir(dir)).toEqual(['samples.md']);
  });
});

describe('report.md', () => {
  const report: RunReport = {
    settings: { hidden: 100, seqLength: 25, optimizer: 'adagrad', updates: undefined },
    corpus: { source: 'a|b.txt', characters: 1217396, vocabularySize: 89 },
    timing: { seconds: 125, updates: 5000 },
    finalSmoothLoss: 48.1234,
    bestSmoothLoss: 47.5,
    bestUpdate: 4900,
    milestones: [{ epoch: 1, update: 48695, smoothLoss: 52.25 }],
    evolution: [{ update: 0, text: 'random' }],
    bestSample: 'Call me ```Ishmael```',
    gradcheck: [{ stencil: 'central', h: 1e-4, threshold: 1e-6, params: [{ name: 'W', checked: 25, count: 7, max: 2.5e-5 }] }],
    notes: ['Stopped early: the loss became NaN at update 4901; the last good checkpoint was kept.'],
  };

  test('holds the settings, corpus, timing, losses, plot link, gradcheck, evolution and best text', () => {
    const md = reportMarkdown(report);
    expect(md.startsWith('# char-rnn training run\n')).toBe(true);
    expect(md).toContain('> Stopped early: the loss became NaN');
    expect(md).toContain('| `seq-length` | 25 |');
    expect(md).toContain('| `optimizer` | adagrad |');
    expect(md).not.toContain('`updates`');
    expect(md).toContain('a\\|b.txt, 1,217,396 characters, 89 distinct');
    expect(md).toContain('5,000 updates in 2 min 5 s (40.0 updates/s)');
    expect(md).toContain('Final smooth loss: 48.12');
    expect(md).toContain('Best smooth loss: 47.50 (update 4,900)');
    expect(md).toContain('| 1 | 48695 | 52.25 |');
    expect(md).toContain('![Smooth loss by update](loss.svg)');
    expect(md).toContain('| W | 25 | 7 | 2.5e-5 |');
    expect(md).toContain('### Before the first update\n\n```text\nrandom\n```');
    expect(md).toContain('## Text from the best model\n\n````text\nCall me ```Ishmael```\n````');
  });

  test('is written atomically to the file', async () => {
    const file = join(dir, 'report.md');
    await mkdir(join(dir, 'x'));
    await writeReportMarkdown(file, report);
    expect(await readFile(file, 'utf8')).toBe(reportMarkdown(report));
    expect((await readdir(dir)).sort()).toEqual(['report.md', 'x']);
  });
});
