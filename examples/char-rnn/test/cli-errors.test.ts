/**
 * Every bad input of issue 6: exit code 2, exactly one line `char-rnn: …` on
 * stderr (no stack trace), and nothing on disk changed — byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, fromData } from '@weft/tensor';
import { checkpointChecksum } from '../src/checkpoint.js';
import { makeText, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

let dir: string;
let data: string;
let ckpt: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(2000, 4));
  const res = await run(['train', '--data', data, '--hidden', '8', '--updates', '30', '--out', join(dir, 'run'), '--json']);
  expect(res.code).toBe(0);
  ckpt = join(dir, 'run', 'checkpoint.safetensors');
  const bytes = readFileSync(ckpt);

  files.empty = writeText(dir, 'empty.txt', '');
  files.short = writeText(dir, 'short.txt', 'The whale.');
  files.badUtf8 = writeText(dir, 'bad-utf8.txt', Uint8Array.from([0x54, 0x68, 0x65, 0x20, 0xc3, 0x28, 0x0a]));
  files.otherVocab = writeText(dir, 'other.txt', `${makeText(2000, 4)}Zqx!`);
  mkdirSync(join(dir, 'a-directory'));
  files.directory = join(dir, 'a-directory');
  files.garbage = writeText(dir, 'garbage.safetensors', 'this is not a checkpoint at all, just some text\n');
  files.truncated = writeText(dir, 'truncated.safetensors', bytes.subarray(0, Math.floor(bytes.length / 2)));
  files.foreign = writeText(dir, 'foreign.safetensors', encodeSafetensors({ weight: fromData([1, 2, 3, 4], [2, 2]) }, { framework: 'pt' }));
  // A checkpoint whose config says hidden 9 while its tensors are 8 wide.
  const decoded = decodeSafetensors(new Uint8Array(bytes));
  const config = JSON.parse(decoded.metadata.config!) as Record<string, unknown>;
  const metadata: Record<string, string> = { ...decoded.metadata, config: JSON.stringify({ ...config, hidden: 9 }) };
  metadata.checksum = checkpointChecksum(decoded.tensors, metadata); // signed: the shape check is what fails
  files.shapes = writeText(dir, 'shapes.safetensors', encodeSafetensors(decoded.tensors, metadata));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command, checks the one-line message and exit code 2, and that the temp tree did not change. */
async function expectUserError(args: string[], message: RegExp): Promise<void> {
  const before = snapshotTree(dir);
  const res = await run(args);
  expect(res.code).toBe(2);
  expect(res.stdout).toBe('');
  const lines = res.stderr.split('\n');
  expect(lines).toHaveLength(2); // one line and its newline
  expect(lines[1]).toBe('');
  expect(lines[0]).toMatch(/^char-rnn: /);
  expect(lines[0]).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack frames
  expect(lines[0]).toMatch(message);
  expect(snapshotTree(dir)).toEqual(before);
}

const train = (...args: string[]) => ['train', '--out', join(dir, 'new-run'), ...args];

describe('bad input: one line, exit code 2, nothing written', () => {
  it('rejects unusable --data files', async () => {
    await expectUserError(train('--data', join(dir, 'missing.txt')), /cannot read .*missing\.txt: no such file/);
    await expectUserError(train('--data', files.directory!), /a-directory is a directory/);
    await expectUserError(train('--data', files.empty!), /empty\.txt is empty/);
    await expectUserError(train('--data', files.short!), /10 characters but --seq-length 25 needs at least 26/);
    await expectUserError(train('--data', files.badUtf8!), /bad-utf8\.txt is not valid UTF-8 at byte 4/);
    expect(existsSync(join(dir, 'new-run'))).toBe(false);
  });

  it('rejects invalid flag values, unknown flags and unknown commands', async () => {
    await expectUserError(train('--data', data, '--hidden', '0'), /--hidden must be a positive integer, got 0/);
    await expectUserError(train('--data', data, '--lr', '-1'), /--lr must be a positive finite number, got -1/);
    await expectUserError(train('--data', data, '--seq-length', '0'), /--seq-length must be a positive integer, got 0/);
    await expectUserError(train('--data', data, '--optimizer', 'lbfgs'), /--optimizer.*lbfgs.*adagrad, sgd, rmsprop, adam/);
    await expectUserError(train('--data', data, '--hidden', 'many'), /--hidden.*'many' is invalid\. It must be a number/);
    await expectUserError(train('--data', data, '--hidden', '2.5'), /--hidden.*'2\.5' is invalid\. It must be an integer/);
    await expectUserError(train('--data', data, '--clip', '-1'), /--clip must be a finite number >= 0/);
    await expectUserError(train('--data', data, '--batch', '0'), /--batch must be a positive integer/);
    await expectUserError(train('--data', data, '--bogus'), /unknown option '--bogus'/);
    await expectUserError(['fly'], /unknown command 'fly'/);
    await expectUserError(['gradcheck', '--stencil', 'seven-point'], /--stencil.*seven-point/);
    await expectUserError(['gradcheck', '--data', files.short!], /needs at least 26/);
    await expectUserError(['gradcheck', '--data', data, '--h', '0'], /--h must be a positive number/);
  });

  it('refuses an --out that already holds a run unless --force', async () => {
    await expectUserError(['train', '--data', data, '--out', join(dir, 'run')], /already holds a run .*--force/);
  });

  it('rejects corrupted, truncated, foreign and inconsistent checkpoints, for resume and for sample', async () => {
    for (const command of [(f: string) => train('--data', data, '--resume', f), (f: string) => ['sample', '--checkpoint', f]]) {
      await expectUserError(command(join(dir, 'missing.safetensors')), /cannot read checkpoint .*no such file/);
      await expectUserError(command(files.directory!), /directory/);
      await expectUserError(command(files.garbage!), /garbage\.safetensors is not a valid safetensors file/);
      await expectUserError(command(files.truncated!), /truncated\.safetensors is not a valid safetensors file/);
      await expectUserError(command(files.foreign!), /not a weft char-rnn checkpoint/);
      await expectUserError(command(files.shapes!), /its architecture says hidden 8 but its config and vocabulary say 9/);
    }
  });

  it('rejects resuming with another vocabulary or with settings that contradict the checkpoint', async () => {
    await expectUserError(train('--data', files.otherVocab!, '--resume', ckpt), /different vocabulary .*4 new/);
    await expectUserError(train('--data', data, '--resume', ckpt, '--hidden', '16'), /--hidden 16 conflicts with the checkpoint, which was trained with --hidden 8/);
    await expectUserError(train('--data', data, '--resume', ckpt, '--optimizer', 'adam'), /--optimizer adam conflicts/);
    // The run being resumed is untouched too (checked by expectUserError's snapshot).
  });

  it('rejects bad sampling flags and a prime with unknown characters', async () => {
    await expectUserError(['sample', '--checkpoint', ckpt, '--prime', 'Zed'], /--prime has a character the model does not know: "Z"/);
    await expectUserError(['sample', '--checkpoint', ckpt, '--temperature', '0'], /--temperature must be a positive number, got 0/);
    await expectUserError(['sample', '--checkpoint', ckpt, '--top-p', '1.5'], /--top-p must be in \(0, 1\]/);
    await expectUserError(['sample', '--checkpoint', ckpt, '--top-k', '0'], /--top-k must be a positive integer/);
    await expectUserError(['sample', '--checkpoint', ckpt, '--length', '0'], /--length must be a positive integer/);
    await expectUserError(['sample'], /required option '--checkpoint <file>' not specified/);
  });

  it('writes a usage message for no command at all', async () => {
    const res = await run([]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Usage: char-rnn/);
  });
});
