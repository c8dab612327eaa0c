/**
 * char-rnn checkpoint files: one safetensors file holding the weights, the
 * hidden state, the optimizer's state and the training position, so that a
 * resumed run continues bit for bit. This module does the Node file IO; the
 * encoding and the checks are in checkpoint-codec.ts (browser-safe).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { decodeCheckpoint, encodeCheckpoint, type CharRnnCheckpoint, type DecodeOptions } from './checkpoint-codec.js';
import { UserError } from './errors.js';

export * from './checkpoint-codec.js';

/** Writes `ckpt` to `file` atomically (temporary file, fsync, rename): a crash leaves the old file intact. */
export async function saveCheckpoint(file: string, ckpt: CharRnnCheckpoint): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(ckpt));
}

/**
 * Reads and validates a checkpoint. Throws `UserError` with one line naming
 * `file` and the problem: missing file, a directory, not safetensors (truncated,
 * corrupted header), foreign file (format tag missing or different), missing or
 * unexpected tensors, shapes that disagree with config and vocabulary, bad JSON
 * or non-finite numbers in the metadata, an invalid config.
 */
export async function loadCheckpoint(file: string, options: DecodeOptions = {}): Promise<CharRnnCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UserError(`cannot read checkpoint ${file}: ${why}`, { cause: error });
  }
  return decodeCheckpoint(bytes, file, options);
}

