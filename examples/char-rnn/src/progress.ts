import type cliProgress from 'cli-progress';
import { createRequire } from 'node:module';

/** Where the CLI writes: `process.stdout`/`process.stderr`, or a test's collector. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** True for a terminal; the progress bar is only drawn on one. */
  isTTY?: boolean;
}

/** The state of a training run after an update, as reporters show it. */
export interface ProgressSnapshot {
  /** Updates done so far in the whole run (also counting those before a resume). */
  update: number;
  /** Updates the run will have done when it ends (min of --updates and the --epochs budget). */
  totalUpdates: number;
  /** The epoch the last update belongs to, 1-based. */
  epoch: number;
  /** --epochs. */
  epochs: number;
  /** Loss of the last update (summed over the window, averaged over the batch). */
  loss: number;
  /** Smooth loss after the last update. */
  smoothLoss: number;
  /** Smooth loss / seq-length / ln 2: training bits per character. */
  trainBpc: number;
  /** Updates per second in this process so far. */
  updatesPerSec: number;
  /** Estimated seconds until the run ends. */
  etaSeconds: number;
}

/** A text sample taken during training. */
export interface SampleEvent {
  /** Updates done when the sample was drawn (0: before update 1). */
  update: number;
  /** The current epoch, 1-based. */
  epoch: number;
  text: string;
}

/** One evaluation of the validation text. */
export interface ValidationEvent {
  update: number;
  epoch: number;
  /** Loss per window of seq-length characters (comparable with the smooth loss). */
  valLoss: number;
  /** Bits per character: loss per character / ln 2. */
  valBpc: number;
  /** Training bits per character at that update: smooth loss / seq-length / ln 2. */
  trainBpc: number;
}

/** Why a checkpoint was written. */
export type CheckpointReason = 'every' | 'best' | 'end' | 'interrupt';

/** A checkpoint file written during training. */
export interface CheckpointEvent {
  update: number;
  file: string;
  reason: CheckpointReason;
}

/** How a run ended and where its files are. */
export interface TrainSummary {
  /** 'updates' or 'epochs' (the budget that ended it), 'interrupted' (Ctrl-C) or 'diverged' (NaN/Infinity loss). */
  stoppedBy: 'updates' | 'epochs' | 'interrupted' | 'diverged';
  update: number;
  /** Completed epochs. */
  epochsDone: number;
  smoothLoss: number;
  bestSmoothLoss: number;
  /** Training bits per character: smooth loss / seq-length / ln 2. */
  trainBpc?: number;
  /** With a validation set: the last validation loss (per window of seq-length characters) and its bits per character. */
  valLoss?: number;
  valBpc?: number;
  /** With a validation set: the lowest validation loss (the best model's). */
  bestValLoss?: number;
  /** Wall-clock seconds of this process's training loop. */
  seconds: number;
  updatesPerSec: number;
  outDir: string;
  /** File role (checkpoint, best, lossCsv, lossSvg, samples, report) → path. */
  files: Record<string, string>;
}

/**
 * Receives the events of a training run. `ConsoleReporter` draws them for a
 * person, `JsonReporter` writes them as JSON lines for scripts.
 */
export interface TrainReporter {
  /** The loop starts at `startUpdate` (non-zero after a resume). */
  start(info: { startUpdate: number; totalUpdates: number; epochs: number; outDir: string; resumedFrom?: string }): void;
  /** Called after every update; cheap (reporters throttle their own output). */
  progress(snapshot: ProgressSnapshot): void;
  /** Called every --log-every updates. */
  logPoint(snapshot: ProgressSnapshot): void;
  sample(event: SampleEvent): void;
  /** A validation of the held-out text (only with --val-fraction). */
  validation(event: ValidationEvent): void;
  checkpoint(event: CheckpointEvent): void;
  /** A human-readable remark (e.g. "interrupted"); JSON mode reports it as a `note` event. */
  note(message: string): void;
  /** The run is over; stops any bar and prints the summary. */
  finish(summary: TrainSummary): void;
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/**
 * The console view: a cli-progress bar on stderr (epoch, update, smooth loss,
 * updates/s, ETA) when stderr is a terminal, samples and the final summary on
 * stdout. The bar is cleared while a sample is printed, then redrawn.
 */
export class ConsoleReporter implements TrainReporter {
  private readonly bar: cliProgress.SingleBar | null;
  private active = false;
  private total = 0;
  private epochs = 0;
  private lastDraw = 0;
  private last: ProgressSnapshot | null = null;

  /** `stdout` receives samples and the summary, `stderr` the bar. */
  constructor(
    private readonly stdout: OutputStream,
    private readonly stderr: OutputStream,
  ) {
    this.bar =
      stderr.isTTY === true
        ? // Loaded only for a terminal: --json runs and piped output never draw the bar.
          new (createRequire(import.meta.url)('cli-progress') as typeof cliProgress).SingleBar({
            stream: stderr as NodeJS.WritableStream,
            format:
              'epoch {epochText} {bar} {value}/{total} updates | smooth loss {smooth} | {rate} upd/s | ETA {etaText}',
            barsize: 24,
            hideCursor: true,
            clearOnComplete: true,
            gracefulExit: false, // the CLI handles Ctrl-C itself (finish the update, checkpoint, report)
            linewrap: false,
          })
        : null;
  }

  start(info: { startUpdate: number; totalUpdates: number; epochs: number; outDir: string; resumedFrom?: string }): void {
    this.total = info.totalUpdates;
    this.epochs = info.epochs;
    if (info.resumedFrom) this.stdout.write(`Resuming ${info.resumedFrom} at update ${info.startUpdate}\n`);
    this.stdout.write(`Training for ${info.totalUpdates - info.startUpdate} updates (at most ${info.epochs} epochs); run directory ${info.outDir}\n`);
    this.drawStart(info.startUpdate, { epochText: `?/${info.epochs}`, smooth: '--', rate: '--', etaText: '--' });
  }

  progress(snapshot: ProgressSnapshot): void {
    this.last = snapshot;
    if (!this.bar || !this.active) return;
    // The bar itself throttles drawing; throttling the payload building too keeps the hot loop lean.
    const now = Date.now();
    if (now - this.lastDraw < 100 && snapshot.update < snapshot.totalUpdates) return;
    this.lastDraw = now;
    this.bar.update(snapshot.update, this.payload(snapshot));
  }

  logPoint(snapshot: ProgressSnapshot): void {
    this.last = snapshot;
  }

  sample(event: SampleEvent): void {
    this.printAboveBar(
      `\n----- sample ${event.update === 0 ? 'before update 1' : `after ${event.update} updates`} (epoch ${event.epoch}) -----\n${event.text}\n-----\n`,
    );
  }

  validation(event: ValidationEvent): void {
    this.printAboveBar(`validation at update ${event.update}: loss ${event.valLoss.toFixed(3)}, ${event.valBpc.toFixed(3)} bits/char (training ${event.trainBpc.toFixed(3)})\n`);
  }

  checkpoint(event: CheckpointEvent): void {
    if (event.reason === 'every') this.printAboveBar(`checkpoint at update ${event.update}: ${event.file}\n`);
  }

  note(message: string): void {
    this.printAboveBar(`${message}\n`);
  }

  finish(summary: TrainSummary): void {
    this.stopBar();
    const verb = { updates: 'Done', epochs: 'Done', interrupted: 'Interrupted', diverged: 'Diverged' }[summary.stoppedBy];
    const best =
      summary.bestValLoss !== undefined
        ? `, validation ${summary.valBpc?.toFixed(3) ?? '--'} bits/char (best loss ${summary.bestValLoss.toFixed(3)})`
        : Number.isFinite(summary.bestSmoothLoss)
          ? `, best ${summary.bestSmoothLoss.toFixed(3)}`
          : '';
    const lines = [
      '',
      `${verb} after ${summary.update} updates (${summary.epochsDone} full epochs): smooth loss ${summary.smoothLoss.toFixed(3)}` +
        `${summary.trainBpc === undefined ? '' : ` (${summary.trainBpc.toFixed(3)} bits/char)`}${best}, ` +
        `${summary.updatesPerSec.toFixed(1)} updates/s, ${formatDuration(summary.seconds)}`,
      `Wrote ${summary.outDir}:`,
      ...Object.entries(summary.files).map(([role, file]) => `  ${role.padEnd(10)} ${file}`),
      '',
    ];
    this.stdout.write(lines.join('\n'));
  }

  private payload(s: ProgressSnapshot): Record<string, string> {
    return {
      epochText: `${s.epoch}/${s.epochs}`,
      smooth: s.smoothLoss.toFixed(3),
      rate: s.updatesPerSec.toFixed(1),
      etaText: formatDuration(s.etaSeconds),
    };
  }

  private drawStart(value: number, payload: Record<string, string>): void {
    if (!this.bar) return;
    this.bar.start(this.total, value, payload);
    this.active = true;
  }

  private stopBar(): void {
    if (this.bar && this.active) {
      this.bar.stop();
      this.active = false;
    }
  }

  /** Clears the bar, writes `text` to stdout and draws the bar again below it. */
  private printAboveBar(text: string): void {
    const wasActive = this.active;
    this.stopBar();
    this.stdout.write(text);
    if (wasActive && this.last) this.drawStart(this.last.update, this.payload(this.last));
    else if (wasActive) this.drawStart(0, { epochText: `?/${this.epochs}`, smooth: '--', rate: '--', etaText: '--' });
  }
}

/**
 * The `--json` view: one JSON object per line on stdout, nothing else
 * anywhere (no bar). Events, each with an `event` field:
 * - `start`: startUpdate, totalUpdates, epochs, outDir, resumedFrom?
 * - `progress` (every --log-every updates): update, epoch, loss, smoothLoss, trainBpc, updatesPerSec, etaSeconds
 * - `sample`: update, epoch, text
 * - `validation` (every --eval-every updates and at the end, with --val-fraction): update, epoch, valLoss, valBpc, trainBpc
 * - `checkpoint`: update, file, reason ('every' | 'best' | 'end' | 'interrupt')
 * - `note`: message
 * - `summary` (last): stoppedBy, update, epochsDone, smoothLoss, bestSmoothLoss, trainBpc, valLoss?, valBpc?, bestValLoss?, seconds, updatesPerSec, outDir, files
 * Non-finite numbers are written as null (JSON has no NaN).
 */
export class JsonReporter implements TrainReporter {
  /** Lines go to `stdout`. */
  constructor(private readonly stdout: OutputStream) {}

  start(info: { startUpdate: number; totalUpdates: number; epochs: number; outDir: string; resumedFrom?: string }): void {
    this.emit({ event: 'start', ...info });
  }

  progress(): void {
    // Only the log-every points are emitted, to keep the stream small.
  }

  logPoint(s: ProgressSnapshot): void {
    this.emit({
      event: 'progress',
      update: s.update,
      epoch: s.epoch,
      loss: s.loss,
      smoothLoss: s.smoothLoss,
      trainBpc: s.trainBpc,
      updatesPerSec: s.updatesPerSec,
      etaSeconds: s.etaSeconds,
    });
  }

  sample(event: SampleEvent): void {
    this.emit({ event: 'sample', ...event });
  }

  validation(event: ValidationEvent): void {
    this.emit({ event: 'validation', ...event });
  }

  checkpoint(event: CheckpointEvent): void {
    this.emit({ event: 'checkpoint', ...event });
  }

  note(message: string): void {
    this.emit({ event: 'note', message });
  }

  finish(summary: TrainSummary): void {
    this.emit({ event: 'summary', ...summary });
  }

  private emit(event: Record<string, unknown>): void {
    this.stdout.write(`${JSON.stringify(event)}\n`);
  }
}
