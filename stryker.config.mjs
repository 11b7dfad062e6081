// Mutation testing of the pure core (npm run mutate): Stryker changes src/core and src/oidc one
// mutant at a time and runs the unit and fuzz suites (vitest.mutate.config.ts) against each;
// a mutant no test notices is a behaviour the tests do not pin. Not part of npm test: a full
// run takes tens of minutes on two cores. TypeScript 7 has no JS API, so no tsconfig is given
// (Stryker only uses it to rewrite project references) and no type checker plugin runs.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  // No tsconfig: Stryker would rewrite its project references with the TypeScript JS API, which TypeScript 7 no longer has.
  tsconfigFile: '',
  mutate: ['src/core/**/*.ts', 'src/oidc/**/*.ts', '!src/core/**/*.generated.ts'],
  reporters: ['clear-text', 'html', 'json', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  concurrency: 2,
  // The sandbox needs the sources, the tests and what they read (docs, dist, the orb), not the runtimes.
  ignorePatterns: ['.tools', 'build', 'reports', 'coverage', 'bench-results.json'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 20000,
  // Static mutants (module-level tables and patterns) each rerun every test: left out of the
  // full run for time; MUTATE_STATIC=1 takes them in (use it with --mutate on a few files).
  ignoreStatic: process.env.MUTATE_STATIC !== '1',
  thresholds: { high: 90, low: 80, break: null },
};
