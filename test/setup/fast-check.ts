// Per test file setup: every fast-check property and sample in the suite draws from one seed,
// fixed unless FUZZ_SEED is set (test/fuzz/budget.ts), so `npm test` is the same on every run.
import fc from 'fast-check';
import { fuzzSeed } from '../fuzz/budget.ts';

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: fuzzSeed() });
