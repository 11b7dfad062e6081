import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer.ts';

// @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which
// Node refuses: the tests load it through vite (server.deps.inline). Its files point to source
// maps whose sources it does not ship, and vite would warn once per file, so drop the links.
const WORKFLOW_PARSER = /\/node_modules\/@actions\/workflow-parser\/dist\/.*\.js$/;
const workflowParserWithoutSourceMaps = {
  name: 'workflow-parser-without-source-maps',
  enforce: 'pre' as const,
  load(id: string) {
    if (!WORKFLOW_PARSER.test(id)) return null;
    return { code: readFileSync(id, 'utf8').replace(/\/\/# sourceMappingURL=\S+\s*$/, ''), map: null };
  },
};

export default defineConfig({
  plugins: [workflowParserWithoutSourceMaps],
  test: {
    include: ['test/**/*.test.ts'],
    // A fresh temp folder for the run, which must be empty at its end; one per test file and
    // per test, removed after it; and one fast-check seed, fixed unless FUZZ_SEED is set.
    globalSetup: ['test/setup/temp-guard.ts'],
    setupFiles: ['test/setup/temp.ts', 'test/setup/fast-check.ts'],
    testTimeout: 30_000,
    // Vitest leaves a core free by default, which on two cores runs the files one at a time;
    // most e2e files wait on child processes and loopback servers, so every core gets one.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: LongestFirst },
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
