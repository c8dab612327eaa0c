/**
 * Softmax, SoftmaxCrossEntropy and OneHotEmbedding honour every tensor's
 * offset, not only their inputs': the same layer with its buffers and
 * parameters moved into views at a non-zero offset (surrounded by junk) gives
 * the same results, bit for bit.
 */
import { Rng, Tensor } from '@weft/tensor';
import { OneHotEmbedding, Param, Softmax, SoftmaxCrossEntropy } from '@weft/layers';

/** A copy of `t` as a view at offset `pad` into larger storage whose other elements are junk. */
function shifted(t: Tensor, pad = 3): Tensor {
  const data = new Float64Array(t.size + 2 * pad).fill(7.5);
  data.set(t.data.subarray(t.offset, t.offset + t.size), pad);
  return new Tensor(data, t.shape, undefined, pad);
}

/** The elements of contiguous `t`, from its offset. */
function values(t: Tensor): number[] {
  return Array.from(t.data.subarray(t.offset, t.offset + t.size));
}

function matrix(rows: number, cols: number, f: (i: number) => number): Tensor {
  return new Tensor(Float64Array.from({ length: rows * cols }, (_, i) => f(i)), [rows, cols]);
}

const logits = matrix(2, 3, (i) => 0.3 * i - 0.4);
const dOut = matrix(2, 3, (i) => Math.sin(i + 1));

test('Softmax backward reads p and writes dx at their offsets', () => {
  const layer = new Softmax(3);
  const plain = layer.createContext(2);
  layer.forward(plain, [logits]);
  layer.backward(plain, [dOut]);

  const moved = layer.createContext(2);
  Object.assign(moved, { outputs: [shifted(moved.outputs[0]!)], gradInputs: [shifted(moved.gradInputs[0]!)] });
  layer.forward(moved, [shifted(logits)]);
  layer.backward(moved, [shifted(dOut)]);
  expect(values(moved.outputs[0]!)).toEqual(values(plain.outputs[0]!));
  expect(values(moved.gradInputs[0]!)).toEqual(values(plain.gradInputs[0]!));
});

test('SoftmaxCrossEntropy reads max and log Σ exp, and writes dlogits, at their offsets', () => {
  const layer = new SoftmaxCrossEntropy(3);
  const targets = new Int32Array([2, 0]);
  const dLoss = new Tensor(new Float64Array([1]), []);
  const plain = layer.createContext(2);
  layer.forward(plain, [logits, targets]);
  layer.backward(plain, [dLoss]);

  const moved = layer.createContext(2);
  Object.assign(moved, {
    outputs: [shifted(moved.outputs[0]!)],
    probs: shifted(moved.probs),
    lse: { max: shifted(moved.lse.max), logSum: shifted(moved.lse.logSum) },
    gradInputs: [shifted(moved.gradInputs[0]!), null],
  });
  layer.forward(moved, [shifted(logits), targets]);
  layer.backward(moved, [shifted(dLoss)]);
  expect(values(moved.outputs[0]!)).toEqual(values(plain.outputs[0]!));
  expect(values(moved.gradInputs[0]!)).toEqual(values(plain.gradInputs[0]!));
});

test('OneHotEmbedding reads U and b, and writes out and dU, at their offsets', () => {
  const make = (): OneHotEmbedding => new OneHotEmbedding(4, 3, { rng: new Rng(5), std: 0.5, bias: 'b' });
  const ids = new Int32Array([3, 1]);
  const plain = make();
  const moved = make();
  for (const layer of [plain, moved]) layer.bias!.value.data.set([0.25, -0.5, 1]); // a bias that shows
  const shiftParam = (p: Param): Param => new Param(p.name, shifted(p.value), shifted(p.grad));
  Object.assign(moved, { weight: shiftParam(moved.weight), bias: shiftParam(moved.bias!) });

  const plainCtx = plain.createContext(2);
  plain.forward(plainCtx, [ids]);
  plain.backward(plainCtx, [dOut]);
  const movedCtx = moved.createContext(2);
  Object.assign(movedCtx, { outputs: [shifted(movedCtx.outputs[0]!)] });
  moved.forward(movedCtx, [ids]);
  moved.backward(movedCtx, [shifted(dOut)]);
  expect(values(movedCtx.outputs[0]!)).toEqual(values(plainCtx.outputs[0]!));
  expect(values(moved.weight.grad)).toEqual(values(plain.weight.grad));
  expect(values(moved.bias!.grad)).toEqual(values(plain.bias!.grad));
});
