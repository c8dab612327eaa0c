/**
 * How the benches size their measurement rounds: each contender is warmed up
 * for `warmupSeconds`, doubling the work per call until its rate is known, and
 * a round then holds the work of about `roundSeconds`.
 */

/** Anything that runs `n` units of work and resolves to the seconds they took. */
export interface Timed {
  run(n: number): Promise<number>;
}

/** Per contender, the units of work in one round of about `roundSeconds` (after the warm-up). */
export async function roundSizes(contenders: readonly Timed[], warmupSeconds: number, roundSeconds: number): Promise<number[]> {
  const sizes: number[] = [];
  for (const c of contenders) {
    let n = 1;
    let spent = 0;
    let rate = 0;
    while (spent < warmupSeconds) {
      const s = await c.run(n);
      spent += s;
      rate = n / Math.max(s, 1e-6);
      n = Math.max(1, Math.min(n * 2, Math.ceil(rate * (warmupSeconds - spent))));
    }
    sizes.push(Math.max(1, Math.round(rate * roundSeconds)));
  }
  return sizes;
}
