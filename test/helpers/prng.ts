/**
 * mulberry32: a tiny seeded generator, fast and good enough to spread bytes.
 * The fuzzers use it with fixed seeds, so every run is the same run and a
 * failure can be replayed from its seed.
 */
export interface Prng {
  /** An integer in [0, below). */
  int(below: number): number;
  bytes(length: number): Buffer;
  pick<T>(list: readonly T[]): T;
}

export function prng(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (below: number) => Math.floor(next() * below);
  return {
    int,
    bytes: (length) => Buffer.from(Array.from({ length }, () => int(256))),
    pick: (list) => list[int(list.length)]!,
  };
}
