/**
 * Exact references for the transcendental kernels' tests: exp and the
 * sigmoid in double-double arithmetic (about 100 significant bits), rounded
 * once to float64, and the distance in ulps between two floats.
 *
 * Double-double: a value is an unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2;
 * the operations are Dekker's and Knuth's error-free transformations.
 */

/** Distance in units in the last place between two float64s: how many floats lie between them, plus one. NaN is 0 from NaN, Infinity from anything else; ±0 count as equal. */
export function ulpDistance64(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const d = ordered64(a) - ordered64(b);
  return Number(d < 0n ? -d : d);
}

/** The same for float32 (a and b must be float32 values). */
export function ulpDistance32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(ordered32(a) - ordered32(b));
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The bit pattern as an integer that grows with the value (negative floats mirrored below zero). */
function ordered64(x: number): bigint {
  f64[0] = x;
  const bits = i64[0]!;
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

function ordered32(x: number): number {
  f32[0] = x;
  const bits = i32[0]!;
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}

/** The float64 right after x (toward +Infinity), for x finite. */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  i64[0] = x > 0 ? i64[0]! + 1n : i64[0]! - 1n;
  return f64[0];
}

/** The float64 right before x (toward −Infinity), for x finite. */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/** The float32 right after float32 x (toward +Infinity), for x finite. */
export function nextUp32(x: number): number {
  if (x === 0) return 2 ** -149;
  f32[0] = x;
  i32[0] = x > 0 ? i32[0]! + 1 : i32[0]! - 1;
  return f32[0];
}

// --- double-double arithmetic ([hi, lo] pairs are passed as two numbers and returned through `dd`) ---

/** Result registers of the double-double operations (no allocation per operation). */
const dd = { hi: 0, lo: 0 };
const SPLITTER = 134217729; // 2^27 + 1

/** hi + lo = a·b exactly (Dekker). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  dd.hi = p;
  dd.lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** (ah + al) + (bh + bl), normalised. */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  const s = ah + bh;
  const v = s - ah;
  let e = (ah - (s - v)) + (bh - v);
  e += al + bl;
  const hi = s + e;
  dd.lo = e - (hi - s);
  dd.hi = hi;
}

/** (ah + al)·(bh + bl), normalised. */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const p = dd.hi;
  const e = dd.lo + (ah * bl + al * bh);
  const hi = p + e;
  dd.lo = e - (hi - p);
  dd.hi = hi;
}

/** (ah + al)/(bh + bl): a quotient and two corrections. */
function ddDiv(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  ddMul(bh, bl, q1, 0);
  ddAdd(ah, al, -dd.hi, -dd.lo);
  const rh = dd.hi, rl = dd.lo;
  const q2 = rh / bh;
  ddMul(bh, bl, q2, 0);
  ddAdd(rh, rl, -dd.hi, -dd.lo);
  const q3 = dd.hi / bh;
  ddAdd(q1, 0, q2, 0);
  ddAdd(dd.hi, dd.lo, q3, 0);
}

const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
/** 1/k! for k = 0..11 as double-double pairs, computed once. */
const INV_FACT: [number, number][] = [];
{
  let h = 1, l = 0;
  for (let k = 0; k <= 11; k++) {
    if (k > 0) {
      ddDiv(h, l, k, 0);
      h = dd.hi;
      l = dd.lo;
    }
    INV_FACT.push([h, l]);
  }
}

/**
 * exp(x) = 2^k · (hi + lo) in double-double, for |x| ≤ 750: returns k and
 * leaves hi + lo (in [0.7, 1.5)) in `dd`. x = k·ln2 + r, exp(r) = exp(r/256)^256
 * with exp(r/256) by Taylor to degree 11 (error < 1e-40).
 */
function ddExpScaled(x: number): number {
  const k = Math.round(x / LN2_HI);
  twoProd(k, LN2_HI);
  const ph = dd.hi, pl = dd.lo;
  ddAdd(x, 0, -ph, -pl);
  ddAdd(dd.hi, dd.lo, -k * LN2_LO, 0); // k·LN2_LO: its rounding error is below 1e-35
  const sh = dd.hi / 256, sl = dd.lo / 256;
  let h = INV_FACT[11]![0], l = INV_FACT[11]![1];
  for (let i = 10; i >= 0; i--) {
    ddMul(h, l, sh, sl);
    ddAdd(dd.hi, dd.lo, INV_FACT[i]![0], INV_FACT[i]![1]);
    h = dd.hi;
    l = dd.lo;
  }
  for (let i = 0; i < 8; i++) {
    ddMul(h, l, h, l);
    h = dd.hi;
    l = dd.lo;
  }
  dd.hi = h;
  dd.lo = l;
  return k;
}

/** (hi + lo)·2^k rounded once to float64, subnormal results included. */
function roundScaled(hi: number, lo: number, k: number): number {
  if (k >= -1021) {
    // normal (or overflowing) result: hi + lo rounds as the scaled value does
    const s = hi + lo;
    const k1 = Math.floor(k / 2);
    return s * 2 ** k1 * 2 ** (k - k1);
  }
  // subnormal range: count in units of 2^-1074 and round half to even by hand
  const shift = -1074 - k; // value / 2^-1074 = (hi + lo) · 2^-shift
  const scale = 2 ** -shift;
  const h = hi * scale, l = lo * scale; // exact: powers of two, far from the subnormal range
  let n = Math.round(h);
  const rest = (h - n) + l;
  if (rest > 0.5 || (rest === 0.5 && n % 2 !== 0)) n += 1;
  else if (rest < -0.5 || (rest === -0.5 && n % 2 !== 0)) n -= 1;
  return n * Number.MIN_VALUE;
}

/** exp(x) correctly rounded to float64 (up to ties within 1e-30). */
export function exactExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 710) return Infinity;
  if (x < -746) return 0;
  const k = ddExpScaled(x);
  return roundScaled(dd.hi, dd.lo, k);
}

/** σ(x) = 1/(1 + e^−x) correctly rounded to float64 (up to ties within 1e-30). */
export function exactSigmoid(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 746) return x > 0 ? 1 : 0; // 1 − σ(746) and σ(−746) are below half the smallest subnormal
  const k = ddExpScaled(-ax); // e^−|x| = 2^k (eh + el)
  const eh = dd.hi, el = dd.lo;
  // 1 + e^−|x|: the scaled pair is exact as long as 2^k is normal; below that e^−|x| < 1e-300 and vanishes beside 1
  const sh = k > -1000 ? eh * 2 ** k : 0, sl = k > -1000 ? el * 2 ** k : 0;
  ddAdd(1, 0, sh, sl);
  const dh = dd.hi, dl = dd.lo;
  if (x >= 0) {
    ddDiv(1, 0, dh, dl);
    return dd.hi + dd.lo;
  }
  ddDiv(eh, el, dh, dl); // σ(x) = 2^k · (e / (1 + e)) for x < 0, rounded once even when subnormal
  return roundScaled(dd.hi, dd.lo, k);
}

/** tanh(x) correctly rounded to float64 (up to ties within 1e-30). */
export function exactTanh(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 1e-5) {
    // x − x³/3 + 2x⁵/15 − 17x⁷/315: the next term is below 2^-110 relative
    const u = ax * ax;
    const corr = ax * u * (-1 / 3 + u * (2 / 15 - (u * 17) / 315));
    r = ax + corr;
  } else if (ax > 20) {
    r = 1; // 1 − tanh(20) = 8.5e-18 is below half an ulp of 1
  } else {
    // (1 − e)/(1 + e), e = e^−2|x| ≥ e^−40: both in double-double
    const k = ddExpScaled(-2 * ax);
    const eh = dd.hi * 2 ** k, el = dd.lo * 2 ** k;
    ddAdd(1, 0, -eh, -el);
    const nh = dd.hi, nl = dd.lo;
    ddAdd(1, 0, eh, el);
    ddDiv(nh, nl, dd.hi, dd.lo);
    r = dd.hi + dd.lo;
  }
  return x < 0 || Object.is(x, -0) ? -r : r;
}
