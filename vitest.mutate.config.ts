// The suites Stryker runs against each mutant: the unit and fuzz tests, which exercise the
// pure core directly (the e2e suites start bundles built from dist/, which mutants never reach;
// the orb's packing test checks dist/ and orb.yml, which Stryker's sandbox does not keep whole).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({ ...base, test: { ...base.test, include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.test.ts'], exclude: [...(base.test?.exclude ?? []), 'test/unit/orb.test.ts'] } });
