/**
 * `char-rnn train`: the report's training run, composed from @weft/layers
 * (the model), @weft/optim (the optimizer and clipping) and the example's IO
 * modules. `train-setup.ts` validates everything, this file picks and prepares
 * the run directory, and `training-run.ts` trains and writes the run's files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CliIO } from './cli-io.js';
import { withModelDefaults } from './config.js';
import { UserError } from './errors.js';
import { ConsoleReporter, JsonReporter, type TrainReporter } from './progress.js';
import { defaultRunDir, parseSamplesMarkdown, prepareRunDir, readLossCsv, runPaths, type LossRow, type SampleEntry } from './run-dir.js';
import { lockRunDir, removeStaleTempFiles } from './run-lock.js';
import { setUp, type TrainCommandOptions } from './train-setup.js';
import { TrainingRun } from './training-run.js';

export { FIXED_ON_RESUME, resolveConfig, type TrainCommandOptions } from './train-setup.js';
export { BEST_SAMPLE_LENGTH, samplingSeed } from './training-run.js';

/**
 * `char-rnn train`. Resolves to the exit code: 0 done, 1 diverged (loss NaN
 * or infinite: the last good checkpoint is kept), 130 interrupted (after a
 * checkpoint and the report). Bad input throws `UserError` before the run
 * directory is created or anything in it is written.
 */
export async function trainCommand(o: TrainCommandOptions, io: CliIO): Promise<number> {
  return train(o, io);
}

async function train(o: TrainCommandOptions, io: CliIO): Promise<number> {
  const setup = await setUp(o, io);
  // The run directory: a resumed run continues in its checkpoint's directory unless --out says otherwise.
  const outDir = o.out ?? (o.resume ? dirname(o.resume) : defaultRunDir());
  const continuing = o.resume !== undefined && resolve(outDir) === resolve(dirname(o.resume));
  const paths = await prepareRunDir(outDir, { force: o.force || continuing });
  // From here until the run ends, the directory is ours alone.
  const lock = lockRunDir(outDir);
  try {
    removeStaleTempFiles(outDir);
    const saved = withModelDefaults(setup.resumed?.ckpt.config ?? setup.config);
    const onSchedule = (u: number): boolean => u % saved.logEvery === 0 || (setup.valIds.length > 0 && u % saved.evalEvery === 0);
    const previousRows = continuing ? readPreviousRows(outDir, setup.update, onSchedule) : [];
    const previousSamples = continuing ? readPreviousSamples(outDir, setup.update) : [];
    const reporter: TrainReporter = o.json ? new JsonReporter(io.stdout) : new ConsoleReporter(io.stdout, io.stderr);
    const place = { outDir, paths, continuing, previousRows, previousSamples };
    return await new TrainingRun(setup, place, reporter, io).run();
  } finally {
    lock.release();
  }
}

/**
 * The loss.csv rows of the run being continued, up to `update` (rows of a
 * later, abandoned continuation are dropped so the curve stays one line), as
 * a straight run would have them.
 */
function readPreviousRows(dir: string, update: number, onSchedule: (update: number) => boolean): LossRow[] {
  const file = runPaths(dir).lossCsv;
  if (!existsSync(file)) return [];
  try {
    // A row cut short at the end is dropped: it was written after the checkpoint (a row comes before its update's checkpoint).
    const rows = readLossCsv(file, { dropPartialRow: true }).filter((r) => r.update <= update);
    // The row a segment adds at its last update is dropped: a straight run has no row there.
    if (rows.length > 0 && rows.at(-1)!.update === update && !onSchedule(update)) rows.pop();
    return rows;
  } catch (error) {
    // readLossCsv's message names the file and the line.
    throw new UserError(`cannot continue ${(error as Error).message}; repair that line, or move the file away to resume without the earlier rows`, { cause: error });
  }
}

/**
 * The samples of the run being continued that were drawn before `update`
 * (later ones belong to an abandoned continuation, or are drawn again).
 */
function readPreviousSamples(dir: string, update: number): SampleEntry[] {
  const file = runPaths(dir).samples;
  if (!existsSync(file)) return [];
  try {
    return parseSamplesMarkdown(readFileSync(file, 'utf8')).filter((e) => e.update < update);
  } catch (error) {
    throw new UserError(`cannot continue ${file}: ${(error as Error).message} (move it away to start the text evolution afresh)`, { cause: error });
  }
}
