/**
 * The run directory: where `char-rnn train` writes its checkpoints, loss log,
 * plot, samples and report. We only ever write our own file names into it.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { describeIoError, FileWriteError, UserError } from './errors.js';

/** The files of a run, by role. */
export const RUN_FILES = {
  checkpoint: 'checkpoint.safetensors',
  best: 'best.safetensors',
  lossCsv: 'loss.csv',
  lossSvg: 'loss.svg',
  samples: 'samples.md',
  report: 'report.md',
} as const;

/** Absolute-or-relative paths of a run's files (`dir` joined with `RUN_FILES`). */
export type RunPaths = { dir: string } & { [K in keyof typeof RUN_FILES]: string };

/** The paths of the run files inside `dir` (creates nothing). */
export function runPaths(dir: string): RunPaths {
  const paths = { dir } as RunPaths;
  for (const [role, name] of Object.entries(RUN_FILES)) (paths as Record<string, string>)[role] = join(dir, name);
  return paths;
}

/**
 * Makes `dir` ready for a run: creates it (and its parents) if needed.
 * If it already holds any run file (checkpoint.safetensors, report.md, …) it
 * throws `UserError` unless `force`; with `force` those files will be
 * overwritten as the run writes them. Nothing is ever deleted, and other files
 * in `dir` are left alone. Throws `UserError` if `dir` is a file or cannot be created.
 */
export async function prepareRunDir(dir: string, options: { force?: boolean } = {}): Promise<RunPaths> {
  let existing: string[] | undefined;
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new UserError(`${dir} exists and is not a directory; choose another --out`);
    existing = await readdir(dir);
  } catch (error) {
    if (error instanceof UserError) throw error;
    if ((error as { code?: string }).code !== 'ENOENT') throw new UserError(`cannot use run directory ${dir}: ${(error as Error).message}`);
  }
  if (existing === undefined) await makeDirectories(dir); else if (!options.force) {
    const ours = new Set<string>(Object.values(RUN_FILES));
    const previous = existing.filter((name) => ours.has(name));
    if (previous.length > 0) {
      throw new UserError(`${dir} already holds a run (${previous.sort().join(', ')}); choose another --out, or pass --force to overwrite those files`);
    }
  }
  return runPaths(dir);
}

/**
 * Creates `dir` and its missing parents, one level at a time. Not
 * `mkdir(…, { recursive: true })`: in /proc, where mkdir fails with ENOENT
 * under a directory that exists, Node's recursive mkdir retries forever.
 * Throws `UserError` naming the directory and the cause.
 */
async function makeDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      await stat(at);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT' || dirname(at) === at) {
        throw new UserError(`cannot create run directory ${dir}: ${describeIoError(error)}`, { cause: error });
      }
      missing.push(at);
    }
  }
  for (const at of missing.reverse()) {
    try {
      await mkdir(at);
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') continue; // made meanwhile by someone else
      throw new UserError(`cannot create run directory ${dir}: ${describeIoError(error)}`, { cause: error });
    }
  }
}

/**
 * The default run directory for a run started at `now`: `runs/<local time>`,
 * e.g. `runs/2026-11-25T17-30-00` (colons replaced so the name is valid everywhere).
 */
export function defaultRunDir(now: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}` +
    `T${two(now.getHours())}-${two(now.getMinutes())}-${two(now.getSeconds())}`;
  return join('runs', stamp);
}

/** One row of loss.csv. */
export interface LossRow {
  update: number;
  smoothLoss: number;
  loss: number;
  /** Training bits per character: smoothLoss / seq-length / ln 2 (absent in loss.csv files of older versions). */
  trainBpc?: number;
  /** Validation loss per window of seq-length characters, on rows where the validation text was evaluated. */
  valLoss?: number;
  /** Validation bits per character: loss per character / ln 2. */
  valBpc?: number;
}

/** The header line of loss.csv. */
export const LOSS_CSV_HEADER = 'update,smooth_loss,loss,train_bpc,val_loss,val_bpc';

/** The header of loss.csv files written before bits per character and validation (still read, on resume). */
export const LOSS_CSV_HEADER_V1 = 'update,smooth_loss,loss';

/**
 * The calls `LossCsv` appends with (node:fs by default). Part of `CliIO.fs`, the
 * run's file-system hook, so tests can inject a short write or ENOSPC mid-run.
 */
export interface LossCsvFs {
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => number;
  ftruncateSync: (fd: number, len: number) => void;
}

/**
 * Appends rows to loss.csv as training goes (`update,smooth_loss,loss,train_bpc,val_loss,val_bpc`;
 * the validation cells are empty on rows without an evaluation). Each row is
 * written to the file immediately (synchronously), so a crash or Ctrl-C keeps
 * every row logged so far. Numbers are written in full precision.
 */
export class LossCsv {
  private fd: number | undefined;
  /** Bytes in the file after the last complete row: a failed append is cut back to it. */
  private size: number;

  private constructor(
    fd: number,
    private readonly file: string,
    private readonly fs: LossCsvFs,
  ) {
    this.fd = fd;
    this.size = fstatSync(fd).size;
  }

  /**
   * Opens `file`: truncates it and writes the header, or with `append: true`
   * keeps its rows (writing the header only if the file is new or empty).
   * `options.fs` replaces node:fs's writeSync and ftruncateSync (tests).
   */
  static open(file: string, options: { append?: boolean; fs?: Partial<LossCsvFs> } = {}): LossCsv {
    let fd: number;
    try {
      fd = openSync(file, options.append ? 'a+' : 'w');
    } catch (error) {
      throw new FileWriteError(file, error);
    }
    const csv = new LossCsv(fd, file, { writeSync: options.fs?.writeSync ?? writeSync, ftruncateSync: options.fs?.ftruncateSync ?? ftruncateSync });
    if (csv.size === 0) csv.write(`${LOSS_CSV_HEADER}\n`);
    return csv;
  }

  /** Writes one row now. Throws after `close()`. */
  append(row: LossRow): void {
    if (this.fd === undefined) throw new Error('LossCsv.append: the file is closed');
    this.write(lossCsvRow(row));
  }

  /** Appends `text` whole, or cuts a partial write back and throws `FileWriteError`. */
  private write(text: string): void {
    const fd = this.fd!;
    try {
      const bytes = Buffer.from(text, 'utf8');
      let done = 0;
      while (done < bytes.length) done += this.fs.writeSync(fd, bytes, done, bytes.length - done, this.size + done);
      this.size += bytes.length;
    } catch (error) {
      try {
        this.fs.ftruncateSync(fd, this.size);
      } catch {
        // The row stays partial: a resume drops it (readLossCsv's dropPartialRow), as it comes after the last checkpoint.
      }
      throw new FileWriteError(this.file, error);
    }
  }

  /** Closes the file; later calls do nothing. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** One row of loss.csv as `LossCsv` appends it, with its newline (numbers in full precision). */
export function lossCsvRow(row: LossRow): string {
  const opt = (x: number | undefined): string => (x === undefined ? '' : String(x));
  return `${row.update},${row.smoothLoss},${row.loss},${opt(row.trainBpc)},${opt(row.valLoss)},${opt(row.valBpc)}\n`;
}

/** A whole loss.csv: the header and `rows`, as `LossCsv` would have appended them. */
export function lossCsvText(rows: readonly LossRow[]): string {
  return `${LOSS_CSV_HEADER}\n${rows.map(lossCsvRow).join('')}`;
}

/**
 * Reads the rows of a loss.csv written by `LossCsv` (e.g. to redraw the curve
 * after a resume): this version's six columns, or the three of older versions
 * (`update,smooth_loss,loss`). Throws an `Error` naming the file and the first
 * line it cannot read. A last line without its newline is a row cut short (the
 * process killed between two writes, or a failed append that could not be cut
 * back): its last number may be a prefix of the real one, so it is never read.
 * It is an error, or with `dropPartialRow` skipped (as a resume does: such a
 * row is written after the last checkpoint, see `TrainingRun.loop`).
 */
export function readLossCsv(file: string, options: { dropPartialRow?: boolean } = {}): LossRow[] {
  const text = readFileSync(file, 'utf8');
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length && !options.dropPartialRow) {
    throw new Error(`${file}: line ${text.slice(0, complete).split('\n').length} is incomplete (it has no newline: a row cut short)`);
  }
  const lines = text.slice(0, complete).split('\n').filter((line) => line.length > 0);
  if (lines.length === 0 && complete < text.length) return []; // even the header was cut short
  const columns = lines[0] === LOSS_CSV_HEADER ? 6 : lines[0] === LOSS_CSV_HEADER_V1 ? 3 : 0;
  if (columns === 0) throw new Error(`${file}: does not start with "${LOSS_CSV_HEADER}" (or an older version's "${LOSS_CSV_HEADER_V1}")`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    const fail = (): never => {
      throw new Error(`${file}: line ${i + 2} is not ${columns === 3 ? 'three numbers' : 'three numbers and three optional ones'}: ${line}`);
    };
    if (cells.length !== columns) fail();
    const num = (k: number, optional: boolean): number | undefined => {
      const text = cells[k]!;
      if (text === '' && optional) return undefined;
      const v = Number(text);
      if (text.trim() === '' || Number.isNaN(v)) fail();
      return v;
    };
    const row: LossRow = { update: num(0, false)!, smoothLoss: num(1, false)!, loss: num(2, false)! };
    if (columns === 6) {
      const trainBpc = num(3, true);
      const valLoss = num(4, true);
      const valBpc = num(5, true);
      if (trainBpc !== undefined) row.trainBpc = trainBpc;
      if (valLoss !== undefined) row.valLoss = valLoss;
      if (valBpc !== undefined) row.valBpc = valBpc;
    }
    return row;
  });
}

/** One sample of the text evolution. */
export interface SampleEntry {
  /** Updates done when it was drawn; 0 = before the first update. */
  update: number;
  text: string;
  epoch?: number;
  smoothLoss?: number;
}

/**
 * `text` in a fenced code block that cannot be closed early: the fence is one
 * backtick longer than the longest run of backticks in the text (at least 3).
 */
export function fenced(text: string, info = 'text'): string {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}`;
}

/** The heading of a sample: "Before the first update" or "After update 10,000 (epoch 1, smooth loss 55.20)". */
export function sampleHeading(entry: SampleEntry): string {
  const base = entry.update === 0 ? 'Before the first update' : `After update ${entry.update.toLocaleString('en-US')}`;
  const details: string[] = [];
  if (entry.epoch !== undefined) details.push(`epoch ${entry.epoch}`);
  if (entry.smoothLoss !== undefined) details.push(`smooth loss ${entry.smoothLoss.toFixed(2)}`);
  return details.length > 0 ? `${base} (${details.join(', ')})` : base;
}

/** The text evolution as Markdown: one section per sample, text in fenced blocks. */
export function samplesMarkdown(entries: readonly SampleEntry[]): string {
  const parts = ['# Text evolution', ''];
  for (const entry of entries) parts.push(`## ${sampleHeading(entry)}`, '', fenced(entry.text), '');
  return parts.join('\n');
}

/**
 * Reads back the entries of a samples.md written by `samplesMarkdown` (to
 * continue it after a resume). Throws an `Error` naming the first line it
 * cannot read.
 */
export function parseSamplesMarkdown(markdown: string): SampleEntry[] {
  const lines = markdown.split('\n');
  const entries: SampleEntry[] = [];
  const fail = (i: number, why: string): never => {
    throw new Error(`line ${i + 1}: ${why}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('## ')) continue;
    const heading = /^## (?:Before the first update|After update ([\d,]+))(?: \((.*)\))?$/.exec(line) ?? fail(i, `not a sample heading: ${line.slice(0, 60)}`);
    const entry: SampleEntry = { update: heading[1] === undefined ? 0 : Number(heading[1].replace(/,/g, '')), text: '' };
    for (const detail of (heading[2] ?? '').split(', ').filter(Boolean)) {
      const epoch = /^epoch (\d+)$/.exec(detail);
      const smooth = /^smooth loss (-?[\d.]+)$/.exec(detail);
      if (epoch) entry.epoch = Number(epoch[1]);
      else if (smooth) entry.smoothLoss = Number(smooth[1]);
      else fail(i, `unknown detail "${detail}" in a sample heading`);
    }
    let j = i + 1;
    while (j < lines.length && lines[j] === '') j++;
    const fence = /^(`{3,})text$/.exec(lines[j] ?? '') ?? fail(j, 'expected a ```text block after the heading');
    const body: string[] = [];
    for (j += 1; j < lines.length && lines[j] !== fence[1]; j++) body.push(lines[j]!);
    if (j >= lines.length) fail(i, 'the text block is not closed');
    entry.text = body.join('\n');
    entries.push(entry);
    i = j;
  }
  return entries;
}

/** Writes `samplesMarkdown(entries)` to `file` atomically. */
export async function writeSamplesMarkdown(file: string, entries: readonly SampleEntry[]): Promise<void> {
  await writeFileAtomic(file, samplesMarkdown(entries));
}

/** A gradient-check result for the report (a `GradcheckReport` from @weft/gradcheck fits). */
export interface GradcheckSummary {
  stencil: string;
  h: number;
  threshold: number;
  params: { name: string; checked?: number; count: number; max: number }[];
}

/** Everything report.md shows. */
export interface RunReport {
  /** Page title; default "char-rnn training run". */
  title?: string;
  /** The settings, e.g. the TrainConfig; shown as a flag/value table. */
  settings: Record<string, unknown>;
  corpus: { source: string; characters: number; vocabularySize: number };
  /** Wall-clock training time and the updates done in it (updates/s is derived). */
  timing: { seconds: number; updates: number };
  finalSmoothLoss: number;
  bestSmoothLoss: number;
  /** Update at which the best model (lowest smooth loss, or validation loss with a validation set) was reached. */
  bestUpdate?: number;
  /** Characters per window (for bits per character). */
  seqLength?: number;
  /** With a validation set: its size, the last and the lowest validation loss (per window of seq-length characters). */
  validation?: { characters: number; finalLoss?: number; finalUpdate?: number; bestLoss?: number };
  /** Smooth loss at the end of each epoch (or any other milestones). */
  milestones?: { epoch: number; update: number; smoothLoss: number }[];
  /** Link to the plot, relative to report.md; default "loss.svg". */
  lossSvg?: string;
  /** The text evolution. */
  evolution: readonly SampleEntry[];
  /** Text sampled from the best model (1000 characters in the report). */
  bestSample: string;
  gradcheck?: readonly GradcheckSummary[];
  /** Extra lines, e.g. why training stopped. */
  notes?: readonly string[];
}

/** report.md's Markdown. */
export function reportMarkdown(report: RunReport): string {
  const lines: string[] = [`# ${report.title ?? 'char-rnn training run'}`, ''];
  for (const note of report.notes ?? []) lines.push(`> ${note}`, '');

  lines.push('## Settings', '', '| setting | value |', '| --- | --- |');
  for (const [key, value] of Object.entries(report.settings)) {
    if (value === undefined) continue;
    lines.push(`| \`${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\` | ${cell(typeof value === 'string' ? value : JSON.stringify(value))} |`);
  }
  lines.push('');

  const { corpus, timing } = report;
  const rate = timing.seconds > 0 ? timing.updates / timing.seconds : 0;
  lines.push(
    '## Corpus and timing',
    '',
    `- Corpus: ${cell(corpus.source)}, ${corpus.characters.toLocaleString('en-US')} characters, ${corpus.vocabularySize} distinct.`,
    `- Training: ${timing.updates.toLocaleString('en-US')} updates in ${formatDuration(timing.seconds)} (${rate.toFixed(1)} updates/s).`,
    '',
    '## Loss',
    '',
    `- Final smooth loss: ${report.finalSmoothLoss.toFixed(2)}${bpc(report.finalSmoothLoss, report.seqLength)}`,
  );
  const at = report.bestUpdate === undefined ? '' : ` (update ${report.bestUpdate.toLocaleString('en-US')})`;
  const v = report.validation;
  if (v === undefined) {
    lines.push(`- Best smooth loss: ${report.bestSmoothLoss.toFixed(2)}${at}${bpc(report.bestSmoothLoss, report.seqLength)}`);
  } else {
    lines.push(`- Validation text: the last ${v.characters.toLocaleString('en-US')} characters, held out`);
    if (v.finalLoss !== undefined) {
      lines.push(`- Final validation loss: ${v.finalLoss.toFixed(2)}${v.finalUpdate === undefined ? '' : ` (update ${v.finalUpdate.toLocaleString('en-US')})`}${bpc(v.finalLoss, report.seqLength)}`);
    }
    if (v.bestLoss !== undefined) lines.push(`- Best model (lowest validation loss): ${v.bestLoss.toFixed(2)}${at}${bpc(v.bestLoss, report.seqLength)}`);
  }
  lines.push(
    '',
    report.seqLength === undefined ? '' : `Losses are per window of ${report.seqLength} characters; bits per character = loss / ${report.seqLength} / ln 2.`,
    '',
  );
  if (report.milestones && report.milestones.length > 0) {
    lines.push('| epoch | update | smooth loss |', '| ---: | ---: | ---: |');
    for (const m of report.milestones) lines.push(`| ${m.epoch} | ${m.update} | ${m.smoothLoss.toFixed(2)} |`);
    lines.push('');
  }
  lines.push(`![Smooth loss by update](${report.lossSvg ?? RUN_FILES.lossSvg})`, '');

  if (report.gradcheck && report.gradcheck.length > 0) {
    lines.push('## Gradient check', '');
    for (const g of report.gradcheck) {
      lines.push(`${g.stencil} differences, h = ${g.h}; relative errors above ${g.threshold}:`, '');
      lines.push('| parameter | checked | errors > threshold | maximum |', '| --- | ---: | ---: | ---: |');
      for (const p of g.params) lines.push(`| ${p.name} | ${p.checked ?? ''} | ${p.count} | ${p.max.toExponential(1)} |`);
      lines.push('');
    }
  }

  lines.push('## Text evolution', '');
  for (const entry of report.evolution) lines.push(`### ${sampleHeading(entry)}`, '', fenced(entry.text), '');
  lines.push('## Text from the best model', '', fenced(report.bestSample), '');
  return lines.join('\n');
}

/** Writes `reportMarkdown(report)` to `file` atomically. */
export async function writeReportMarkdown(file: string, report: RunReport): Promise<void> {
  await writeFileAtomic(file, reportMarkdown(report));
}

/** ", 1.234 bits/char" for a loss per window of `seqLength` characters; "" without it. */
function bpc(loss: number, seqLength: number | undefined): string {
  return seqLength === undefined || !Number.isFinite(loss) ? '' : `, ${(loss / seqLength / Math.LN2).toFixed(3)} bits/char`;
}

/** A table cell: pipes escaped, newlines folded. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h} h ${m} min ${s} s` : `${m} min ${s} s`;
}
