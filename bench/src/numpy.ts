/**
 * Drives bench/numpy_rnn.py as a child process, so numpy's rounds alternate
 * with the JavaScript implementations in the same run.
 *
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the child's
 * environment (only there): on this machine they are set to work around old
 * OpenBLAS builds and pin a current numpy to a slow kernel. The child reports
 * which BLAS and which OpenBLAS core it then runs.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'numpy_rnn.py');

/** What numpy runs on. */
export interface NumpyInfo {
  numpy: string;
  blas: string;
  core: string;
  threads: number | null;
}

/** The environment for numpy's processes: this one's, without the two OpenBLAS pins (see above). */
export function numpyEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Null when python3 with numpy can run here, else why not. */
export function numpyUnavailable(): string | null {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { env: numpyEnv(), encoding: 'utf8' });
  if (probe.error) return `python3 not found (${probe.error.message})`;
  if (probe.status !== 0) return `python3 cannot import numpy: ${probe.stderr.trim().split('\n').pop()}`;
  return null;
}

/** One numpy_rnn.py process with a model set up; `run(n)` times n updates inside Python. */
export class NumpyRnn {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];

  private constructor() {
    this.child = spawn('python3', [SCRIPT], { env: numpyEnv() });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let at: number;
      while ((at = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => process.stderr.write(`numpy_rnn.py: ${chunk}`));
  }

  private ask(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => (line.startsWith('error') ? reject(new Error(`numpy_rnn.py: ${line}`)) : resolve(line)));
      this.child.stdin.write(command + '\n');
    });
  }

  /** Starts the process and builds the model ('batched' or 'loop' style) on `ids`. */
  static async start(ids: Int32Array, vocabSize: number, hidden: number, seqLength: number, style: 'batched' | 'loop'): Promise<NumpyRnn> {
    const file = join(tmpdir(), `weft-bench-ids-${process.pid}.bin`);
    writeFileSync(file, new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
    const rnn = new NumpyRnn();
    await rnn.ask(`setup ${file} ${vocabSize} ${hidden} ${seqLength} 1 ${style}`);
    return rnn;
  }

  /** Seconds that `n` updates took, measured inside Python. */
  async run(n: number): Promise<number> {
    return Number(await this.ask(`run ${n}`));
  }

  /** numpy's version, BLAS and OpenBLAS core. */
  async info(): Promise<NumpyInfo> {
    return JSON.parse(await this.ask('info')) as NumpyInfo;
  }

  /** Ends the process. */
  close(): void {
    this.child.stdin.end('quit\n');
  }
}
