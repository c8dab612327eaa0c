/** TrainConfig validation and its one-line, flag-named error messages. */
import { defaultTrainConfig, flagName, parseTrainConfig, validateTrainConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';

const messageFor = (patch: Record<string, unknown>): string => {
  const input = { ...defaultTrainConfig, ...patch };
  const result = validateTrainConfig(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(patch)} to be rejected`);
  return result.message;
};

test('the defaults are the report settings and valid', () => {
  expect(parseTrainConfig(defaultTrainConfig)).toEqual(defaultTrainConfig);
  expect(defaultTrainConfig).toMatchObject({ hidden: 100, seqLength: 25, lr: 0.1, optimizer: 'adagrad', clip: 5, epochs: 10 });
});

test('flag names are the kebab-case of the field', () => {
  expect(flagName('seqLength')).toBe('--seq-length');
  expect(flagName('checkpointEvery')).toBe('--checkpoint-every');
  expect(flagName('lr')).toBe('--lr');
});

test.each([
  [{ hidden: 0 }, '--hidden must be a positive integer, got 0'],
  [{ hidden: 2.5 }, '--hidden must be a positive integer, got 2.5'],
  [{ seqLength: 0 }, '--seq-length must be a positive integer, got 0'],
  [{ lr: -1 }, '--lr must be a positive finite number, got -1'],
  [{ lr: 0 }, '--lr must be a positive finite number, got 0'],
  [{ lr: Number.POSITIVE_INFINITY }, '--lr must be a positive finite number, got Infinity'],
  [{ lr: Number.NaN }, '--lr must be a positive finite number, got NaN'],
  [{ optimizer: 'lbfgs' }, '--optimizer must be one of adagrad, sgd, rmsprop, adam, got "lbfgs"'],
  [{ clip: -1 }, '--clip must be a finite number >= 0 (0 turns clipping off), got -1'],
  [{ clip: Number.POSITIVE_INFINITY }, '--clip must be a finite number >= 0 (0 turns clipping off), got Infinity'],
  [{ batch: 0 }, '--batch must be a positive integer, got 0'],
  [{ updates: -5 }, '--updates must be a positive integer, got -5'],
  [{ checkpointEvery: 0 }, '--checkpoint-every must be a positive integer, got 0'],
  [{ seed: 1.5 }, '--seed must be an integer, got 1.5'],
  [{ sampleLength: '200' }, '--sample-length must be a positive integer up to 1000000, got "200"'],
  [{ epochs: undefined }, '--epochs is missing; it must be a positive integer'],
])('%j → %s', (patch, expected) => {
  expect(messageFor(patch)).toBe(expected);
});

test('clip 0 (off) and optional fields are accepted; unknown keys are dropped', () => {
  const parsed = parseTrainConfig({ ...defaultTrainConfig, clip: 0, updates: 2000, checkpointEvery: 500, extra: true });
  expect(parsed.clip).toBe(0);
  expect(parsed.updates).toBe(2000);
  expect('extra' in parsed).toBe(false);
});

test('parseTrainConfig throws a UserError with the one-line message; a non-object is named', () => {
  expect(() => parseTrainConfig({ ...defaultTrainConfig, hidden: 0 })).toThrow(UserError);
  expect(() => parseTrainConfig({ ...defaultTrainConfig, hidden: 0 })).toThrow('--hidden must be a positive integer, got 0');
  expect(() => parseTrainConfig('nope')).toThrow('the configuration must be an object, got "nope"');
});
