// The seed and the number of runs of the property tests (budget.ts, test/setup/fast-check.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXED_SEED, fuzzSeed, runs, runsDivisor, runsFactor } from './budget.ts';

describe('the seed of the property tests', () => {
  it("is fast-check's global seed in every test file, so fc.sample draws the same values each time", () => {
    expect(fc.readConfigureGlobal()?.seed).toBe(fuzzSeed());
    expect(fc.sample(fc.string(), 20)).toEqual(fc.sample(fc.string(), 20));
  });

  it('is FIXED_SEED without FUZZ_SEED, and FUZZ_SEED when it is a 32-bit integer', () => {
    expect(fuzzSeed({})).toBe(FIXED_SEED);
    expect(fuzzSeed({ FUZZ_SEED: '' })).toBe(FIXED_SEED);
    expect(fuzzSeed({ FUZZ_SEED: '-1527283346' })).toBe(-1527283346);
    expect(fuzzSeed({ FUZZ_SEED: ' 2147483647\n' })).toBe(2147483647);
    for (const bad of ['abc', '1.5', '2147483648', '-2147483649', '1e3', '0x10', '12345678901']) {
      expect(() => fuzzSeed({ FUZZ_SEED: bad }), bad).toThrow(/FUZZ_SEED must be a 32-bit integer/);
    }
  });

  it('FUZZ_RUNS multiplies the runs of every property', () => {
    expect(runsFactor({})).toBe(1);
    expect(runsFactor({ FUZZ_RUNS: '10' })).toBe(10);
    for (const bad of ['0', '-1', '1.5', 'x', '1000000']) expect(() => runsFactor({ FUZZ_RUNS: bad }), bad).toThrow(/FUZZ_RUNS must be/);
    expect(runs(30).numRuns).toBe(Math.ceil((30 * runsFactor()) / runsDivisor()));
  });

  it('FUZZ_RUNS_DIVISOR divides them (npm run mutate), keeping at least one run', () => {
    expect(runsDivisor({})).toBe(1);
    expect(runsDivisor({ FUZZ_RUNS_DIVISOR: '10' })).toBe(10);
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => runsDivisor({ FUZZ_RUNS_DIVISOR: bad }), bad).toThrow(/FUZZ_RUNS_DIVISOR must be/);
  });
});
