import { matvec, tensor, zeros } from '@weft/tensor';

test('matvec smoke', () => {
  const out = zeros([2]);
  matvec(out, tensor([[1, 2], [3, 4]]), tensor([1, 1]));
  expect(Array.from(out.data)).toEqual([3, 7]);
});
