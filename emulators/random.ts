/** Seeded randomness, so that generated IDs and probabilistic faults repeat exactly from run to run. */

/** A source of numbers in [0, 1), like Math.random but reproducible. */
export type RandomSource = () => number;

/** Returns a small, fast seeded generator (mulberry32); quality is ample for IDs and fault dice. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns a version-4-shaped UUID drawn from `random`. */
export function randomUuid(random: RandomSource): string {
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = (8 + Math.floor(random() * 4)).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * Returns a xorshift32 generator: the one the benchmarks' and end-to-end tests' generated directories are drawn
 * from, kept apart from `seededRandom` so that those directories stay exactly as they were measured.
 */
export function xorshiftRandom(seed: number): RandomSource {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
