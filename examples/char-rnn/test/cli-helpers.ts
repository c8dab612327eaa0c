/**
 * Shared by the cli-*.test.ts files: run `main` in-process with collected
 * output, make temporary directories and small generated training texts.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@weft/tensor';
import { main } from '../src/main.js';

/** What a CLI run produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `char-rnn <args>` in-process. */
export async function run(args: string[], signal?: AbortSignal): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...(signal ? { signal } : {}),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** A fresh directory under the OS temp dir. */
export function tempDir(prefix = 'char-rnn-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const WORDS = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'and', 'of', 'a', 'to', 'in', 'his', 'harpoon', 'deck', 'night', 'wind'];

/**
 * About `length` characters of English-like text: words from a small list,
 * picked by a seeded LCG, sentences ending in ". " and a newline every few sentences.
 */
export function makeText(length: number, seed = 1): string {
  let state = seed >>> 0;
  const next = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  let text = '';
  let sentence = 0;
  while (text.length < length) {
    const words = 3 + next(6);
    const parts: string[] = [];
    for (let i = 0; i < words; i++) parts.push(WORDS[next(WORDS.length)]!);
    parts[0] = parts[0]!.charAt(0).toUpperCase() + parts[0]!.slice(1);
    text += `${parts.join(' ')}.${++sentence % 4 === 0 ? '\n' : ' '}`;
  }
  return text.slice(0, length);
}

/** Writes `text` to `dir/name` and returns the path. */
export function writeText(dir: string, name: string, text: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Every file under `dir` (relative path → bytes, hex), to show that nothing changed. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub ? join(sub, name) : name;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(rel);
      } else {
        out[rel] = readFileSync(full).toString('hex');
      }
    }
  };
  walk('');
  return out;
}

/** The JSON objects of a --json run's stdout, one per line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A checkpoint's parameter `name`, with a clear failure when the checkpoint has none. */
export function param(checkpoint: { params: Record<string, Tensor> }, name: string): Tensor {
  const tensor = checkpoint.params[name];
  if (tensor === undefined) throw new Error(`the checkpoint has no parameter "${name}" (it has ${Object.keys(checkpoint.params).join(', ')})`);
  return tensor;
}
