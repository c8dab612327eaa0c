/**
 * Kernels refuse to mix float64 and float32 operands: each operand in turn
 * gets the other dtype, and the kernel must throw naming both, before writing.
 */
import {
  add,
  addOuter,
  addRowVector,
  axpy,
  clip,
  gemm,
  matmul,
  matvec,
  matvecT,
  mul,
  scale,
  scaleShift,
  sub,
  Tensor,
  zeros,
  type DType,
} from '@weft/tensor';

/**
 * A kernel call on operands of the given shapes; `names[i]` is what its error
 * calls operand i, and `pairs` the comparisons it makes, in order.
 */
interface Case {
  label: string;
  who: string;
  names: string[];
  shapes: number[][];
  pairs: Array<[number, number]>;
  run: (ops: Tensor[]) => unknown;
}

// Operand order as in the call; the first input (a, A; y for axpy) is compared with each other one.
const OUT_A_B: Array<[number, number]> = [[1, 2], [1, 0]];
const cases: Case[] = [
  { label: 'add', who: 'add', names: ['out', 'a', 'b'], shapes: [[2, 3], [2, 3], [2, 3]], pairs: OUT_A_B, run: ([o, a, b]) => add(o!, a!, b!) },
  { label: 'sub', who: 'sub', names: ['out', 'a', 'b'], shapes: [[2, 3], [2, 3], [2, 3]], pairs: OUT_A_B, run: ([o, a, b]) => sub(o!, a!, b!) },
  { label: 'mul', who: 'mul', names: ['out', 'a', 'b'], shapes: [[4], [4], [4]], pairs: OUT_A_B, run: ([o, a, b]) => mul(o!, a!, b!) },
  { label: 'scale', who: 'scale', names: ['out', 'a'], shapes: [[3], [3]], pairs: [[1, 0]], run: ([o, a]) => scale(o!, a!, 2) },
  { label: 'scaleShift', who: 'scaleShift', names: ['out', 'a'], shapes: [[3], [3]], pairs: [[1, 0]], run: ([o, a]) => scaleShift(o!, a!, -1, 1) },
  { label: 'clip', who: 'clip', names: ['out', 'a'], shapes: [[3], [3]], pairs: [[1, 0]], run: ([o, a]) => clip(o!, a!, -1, 1) },
  { label: 'axpy', who: 'axpy', names: ['y', 'x'], shapes: [[5], [5]], pairs: [[0, 1]], run: ([y, x]) => axpy(y!, 0.5, x!) },
  { label: 'addRowVector', who: 'addRowVector', names: ['out', 'A', 'v'], shapes: [[2, 3], [2, 3], [3]], pairs: OUT_A_B, run: ([o, A, v]) => addRowVector(o!, A!, v!) },
  { label: 'matvec', who: 'matvec', names: ['out', 'A', 'x'], shapes: [[2], [2, 3], [3]], pairs: OUT_A_B, run: ([o, A, x]) => matvec(o!, A!, x!) },
  { label: 'matvecT', who: 'matvecT', names: ['out', 'A', 'x'], shapes: [[3], [2, 3], [2]], pairs: OUT_A_B, run: ([o, A, x]) => matvecT(o!, A!, x!) },
  { label: 'gemm', who: 'gemm', names: ['out', 'A', 'B'], shapes: [[2, 4], [2, 3], [3, 4]], pairs: OUT_A_B, run: ([o, A, B]) => gemm(o!, A!, B!) },
  { label: 'matmul', who: 'gemm', names: ['out', 'A', 'B'], shapes: [[2, 4], [2, 3], [3, 4]], pairs: OUT_A_B, run: ([o, A, B]) => matmul(o!, A!, B!) },
  { label: 'addOuter', who: 'addOuter', names: ['A', 'x', 'y'], shapes: [[2, 3], [2], [3]], pairs: [[0, 1], [0, 2]], run: ([A, x, y]) => addOuter(A!, x!, y!) },
];

/** Operands with every entry 0.5; operand `odd` gets `oddType`, the others `base`. */
function operands(c: Case, odd: number, base: DType, oddType: DType): Tensor[] {
  return c.shapes.map((shape, i) => {
    const t = zeros(shape, i === odd ? oddType : base);
    t.data.fill(0.5);
    return t;
  });
}

describe.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
  for (const [base, other] of [['float64', 'float32'], ['float32', 'float64']] as const) {
    it(`refuses one ${other} operand among ${base} ones, naming both, before writing`, () => {
      for (let odd = 0; odd < c.shapes.length; odd++) {
        const ops = operands(c, odd, base, other);
        const before = ops.map((t) => Array.from(t.data));
        const [i, j] = c.pairs.find(([p, q]) => ops[p]!.dtype !== ops[q]!.dtype)!;
        expect(() => c.run(ops)).toThrow(`${c.who}: ${c.names[i]} is ${ops[i]!.dtype} but ${c.names[j]} is ${ops[j]!.dtype}`);
        expect(ops.map((t) => Array.from(t.data))).toEqual(before);
      }
    });
    it(`works when every operand is ${base}`, () => {
      expect(() => c.run(operands(c, -1, base, base))).not.toThrow();
    });
  }
});
