/**
 * LSTM and GRU training speed: weft's fused and composed cells, and PyTorch.
 *
 *   node bench/dist/run-cells.js [--quick] [--json] [--js] [--no-torch]
 *
 * m = 128, n = 128 inputs, T = 25, B = 1 and 32 (see cells.ts for the update
 * and the FLOP count). weft runs on the WebAssembly backend when it is
 * available (--js forces pure JS). The weft rows alternate within each round
 * and report the median; PyTorch (float64, one thread) runs in a child
 * process for about as long, after a warm-up.
 */
import { cpus, loadavg } from 'node:os';
import { loadWasm, wasmHeapStats, wasmSupported, type Backend } from '@weft/tensor';
import { cellUpdateFlops, runTorch, torchUnavailable, WeftCellTrainer, type CellConfig, type CellKind } from './cells.js';
import { median } from './median.js';

interface Row {
  name: string;
  kind: CellKind;
  batch: number;
  updatesPerSecond: number;
  /** Matrix GFLOP/s: cellUpdateFlops · updates/s. */
  gflops: number;
}

function seconds(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function main(): void {
  const argv = process.argv.slice(2);
  for (const a of argv) if (!['--quick', '--json', '--js', '--no-torch'].includes(a)) throw new Error(`bench cells: unknown argument ${a} (flags: --quick --json --js --no-torch)`);
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const backend: Backend = !argv.includes('--js') && wasmSupported() ? 'wasm' : 'js';
  // Every trainer of every configuration stays alive in this process: a heap large enough
  // for all of them, so that none falls back to ordinary arrays (and the JS kernels).
  if (backend === 'wasm') {
    loadWasm({ heapBytes: 1024 * 1024 * 1024 });
  }
  const rounds = quick ? 3 : 5;
  const roundSeconds = quick ? 0.2 : 0.5;
  const log = json ? (s: string): void => void process.stderr.write(s + '\n') : (s: string): void => console.log(s);
  const notes: string[] = [];
  const m = 128;
  const configs: CellConfig[] = [];
  for (const kind of ['lstm', 'gru'] as const) for (const batch of [1, 32]) configs.push({ kind, hidden: m, inputSize: m, steps: 25, batch });

  log(`weft cell benchmark: m=${m}, n=${m}, T=25, B=1 and 32, weft backend ${backend}; ${rounds} rounds of ~${roundSeconds}s`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const rows: Row[] = [];
  for (const config of configs) {
    const trainers = (['fused', 'composed'] as const).map((style) => new WeftCellTrainer(config, style, backend));
    // Warm up, and size each round to about roundSeconds.
    const sizes = trainers.map((t) => {
      let n = 1;
      while (seconds(() => t.run(n)) < roundSeconds / 4) n *= 2;
      return Math.max(1, Math.round((n * roundSeconds) / Math.max(seconds(() => t.run(n)), 1e-6)));
    });
    const rates: number[][] = trainers.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < trainers.length; k++) {
        const i = (k + r) % trainers.length;
        rates[i]!.push(sizes[i]! / seconds(() => trainers[i]!.run(sizes[i]!)));
      }
    }
    trainers.forEach((t, i) => {
      const ups = median(rates[i]!);
      rows.push({ name: `weft ${t.style} (${backend})`, kind: config.kind, batch: config.batch, updatesPerSecond: ups, gflops: (ups * cellUpdateFlops(config)) / 1e9 });
    });
    log(`  ${config.kind} B=${config.batch}: weft done`);
  }

  const whyNot = argv.includes('--no-torch') ? 'skipped (--no-torch)' : torchUnavailable();
  let torchVersion = '';
  let torchBlas = '';
  if (whyNot === null) {
    for (const config of configs) {
      const result = runTorch(config, rounds * roundSeconds);
      torchVersion = result.torch;
      torchBlas = result.blas;
      rows.push({ name: `PyTorch nn.${config.kind.toUpperCase()} (${result.threads} thread)`, kind: config.kind, batch: config.batch, updatesPerSecond: result.updatesPerSecond, gflops: (result.updatesPerSecond * cellUpdateFlops(config)) / 1e9 });
      log(`  ${config.kind} B=${config.batch}: PyTorch done`);
    }
    if (torchBlas === 'generic') notes.push('this PyTorch is built on the generic (reference) BLAS (BLAS_INFO=generic, e.g. Debian python3-torch): far slower than a wheel with MKL or OpenBLAS');
  } else notes.push(`PyTorch ${whyNot}`);

  const fallbacks = wasmHeapStats()?.fallbacks ?? 0;
  if (fallbacks > 0) notes.push(`${fallbacks} buffers did not fit on the WebAssembly heap and ran on the JS kernels: those rows are too slow`);
  rows.sort((a, b) => (a.kind === b.kind ? a.batch - b.batch : a.kind < b.kind ? 1 : -1));
  if (json) {
    console.log(JSON.stringify({ config: { hidden: m, inputSize: m, steps: 25, backend, rounds, roundSeconds }, torch: torchVersion ? { version: torchVersion, blas: torchBlas } : null, rows, notes }, null, 2));
    return;
  }
  const header = ['cell', 'B', 'implementation', 'updates/s', 'matrix GFLOP/s', 'MFLOP/update'];
  const cells = rows.map((r) => [r.kind.toUpperCase(), String(r.batch), r.name, r.updatesPerSecond.toFixed(1), r.gflops.toFixed(2), (cellUpdateFlops({ kind: r.kind, hidden: m, inputSize: m, steps: 25, batch: r.batch }) / 1e6).toFixed(1)]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c]!.length)));
  const line = (cs: string[]): string => cs.map((s, c) => (c === 2 || c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ');
  console.log('\n' + [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n'));
  if (torchVersion) console.log(`PyTorch ${torchVersion} (BLAS_INFO=${torchBlas}), float64, torch.set_num_threads(1)`);
  for (const n of notes) console.log(`note: ${n}`);
}

main();
