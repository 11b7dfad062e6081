// How the properties search. `npm test` uses FIXED_SEED, so it passes or fails the same way on
// every run; `npm run fuzz` (scripts/fuzz.sh) sets FUZZ_SEED to a new random seed each run and
// prints it, and FUZZ_RUNS multiplies every property's number of runs. test/setup/fast-check.ts
// makes the seed fast-check's global one, which fc.assert, fc.check and fc.sample all read.

/** The seed of `npm test`. Any value is as good; a failure under it is a bug to fix. */
export const FIXED_SEED = 42;

const INT32 = /^-?\d{1,10}$/;

/** FUZZ_SEED (a 32-bit integer, as fast-check prints seeds), else FIXED_SEED. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FUZZ_SEED?.trim();
  if (!text) return FIXED_SEED;
  const seed = Number(text);
  if (!INT32.test(text) || seed !== (seed | 0)) throw new Error(`FUZZ_SEED must be a 32-bit integer, as fast-check prints seeds; got ${JSON.stringify(env.FUZZ_SEED)}`);
  return seed;
}

/** FUZZ_RUNS, a whole number of times each property's usual runs; 1 without it. */
export function runsFactor(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FUZZ_RUNS?.trim();
  if (!text) return 1;
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new Error(`FUZZ_RUNS must be a whole number from 1 (the usual runs of each property, times that); got ${JSON.stringify(env.FUZZ_RUNS)}`);
  return Number(text);
}

/**
 * FUZZ_RUNS_DIVISOR, a whole number the runs are divided by (at least one run stays): npm run
 * mutate sets it, since every mutant runs the properties again; 1 without it.
 */
export function runsDivisor(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FUZZ_RUNS_DIVISOR?.trim();
  if (!text) return 1;
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new Error(`FUZZ_RUNS_DIVISOR must be a whole number from 1; got ${JSON.stringify(env.FUZZ_RUNS_DIVISOR)}`);
  return Number(text);
}

/** fast-check parameters for a property that usually runs `numRuns` times. */
export function runs(numRuns: number): { numRuns: number } {
  return { numRuns: Math.max(1, Math.ceil((numRuns * runsFactor()) / runsDivisor())) };
}
