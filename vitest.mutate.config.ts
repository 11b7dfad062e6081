// The suites Stryker runs against each mutant: the unit and fuzz tests, which exercise the
// pure core directly (the e2e suites start bundles built from dist/, which mutants never reach).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({ ...base, test: { ...base.test, include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.test.ts'] } });
