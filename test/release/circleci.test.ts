// The orb's own pipeline (.circleci/config.yml, the setup workflow, and test-deploy.yml, the
// workflow it continues into) against CircleCI's published config schema, and the rules
// that make its releases trustworthy: orbs pinned to exact versions, the dev orb of this
// very commit under test, tag filters on every job a tag pipeline needs, and publishing
// only from a vX.Y.Z tag.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CIRCLECI_CONFIGS, readText, REPO_ROOT } from './repo.ts';

interface WorkflowJob {
  requires?: string[];
  filters?: { tags?: { only?: string }; branches?: { ignore?: string } };
}

interface Config {
  setup?: boolean;
  orbs: Record<string, string>;
  jobs: Record<string, { steps: unknown[] }>;
  workflows: Record<string, { jobs: Array<string | Record<string, WorkflowJob>> }>;
}

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'orb/schema/circleci-config.schema.json'), 'utf8')) as object;
// The schema names formats (uri) that Ajv only knows with ajv-formats; none decides anything here.
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
const SETUP = '.circleci/config.yml';
const CONTINUED = '.circleci/test-deploy.yml';

function load(file: string): Config {
  return parse(readText(file)) as Config;
}

/** A workflow's jobs by name, with their settings. */
function workflowJobs(config: Config): Map<string, WorkflowJob> {
  const entries = Object.values(config.workflows).flatMap((workflow) =>
    workflow.jobs.map((job): [string, WorkflowJob] => (typeof job === 'string' ? [job, {}] : Object.entries(job)[0]!)),
  );
  return new Map(entries);
}

function tagPattern(job: WorkflowJob | undefined): RegExp | undefined {
  const only = job?.filters?.tags?.only;
  return only ? new RegExp(only.replace(/^\/(.*)\/$/, '$1')) : undefined;
}

/** Script files that run steps name, as repository paths. */
function scriptsNamed(text: string): string[] {
  return [...text.matchAll(/\.circleci\/scripts\/[\w.-]+/g)].map((match) => match[0]);
}

describe('the orb\'s CircleCI pipeline', () => {
  it('is a setup config that continues into test-deploy.yml', () => {
    expect(CIRCLECI_CONFIGS).toEqual([SETUP, CONTINUED]);
    expect(load(SETUP).setup).toBe(true);
    expect(readText(SETUP)).toContain(`configuration_path: ${CONTINUED}`);
  });

  it.each([SETUP, CONTINUED])('%s validates against CircleCI\'s config schema', (file) => {
    expect(validate(load(file)) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`)).toEqual([]);
  });

  it.each([SETUP, CONTINUED])('%s pins every orb to an exact version (the dev orb: the one config.yml published)', (file) => {
    for (const [alias, reference] of Object.entries(load(file).orbs)) {
      const expected = alias === 'claimcheck' ? 'claimcheck/claimcheck@<< pipeline.parameters.dev_orb_version >>' : expect.stringMatching(/^[\w-]+\/[\w-]+@\d+\.\d+\.\d+$/);
      expect([alias, reference]).toEqual([alias, expected]);
    }
  });

  it('packs with our build, reviews with our orb tests, and publishes the dev orb of this commit', () => {
    const config = load(SETUP);
    expect(Object.keys(config.jobs)).toEqual(['pack', 'review', 'publish-dev', 'continue']);
    const text = readText(SETUP);
    expect(text).toContain('npm run build');
    expect(text).toContain('npm test -- test/unit/orb.test.ts test/e2e/orb.test.ts');
    expect(text).toContain('"claimcheck/claimcheck@dev:${CIRCLE_SHA1}"');
    expect(text).toContain('--arg orb "dev:${CIRCLE_SHA1}"');
    expect(workflowJobs(config).get('publish-dev')?.requires).toEqual(['pack', 'review']);
    expect(workflowJobs(config).get('continue')?.requires).toEqual(['publish-dev']);
  });

  it.each([SETUP, CONTINUED])('%s filters tags on every job that a tag pipeline runs or needs', (file) => {
    const jobs = workflowJobs(load(file));
    for (const [name, job] of jobs) {
      expect([name, tagPattern(job)]).not.toEqual([name, undefined]);
      for (const required of job.requires ?? []) expect([name, required, jobs.has(required)]).toEqual([name, required, true]);
    }
  });

  it('publishes X.Y.Z only from a vX.Y.Z tag, after the dev orb passed, once npm has the same bundle', () => {
    const job = workflowJobs(load(CONTINUED)).get('publish-release');
    const tags = tagPattern(job)!;
    expect(['v1.4.2', 'v10.0.0'].filter((tag) => tags.test(tag))).toEqual(['v1.4.2', 'v10.0.0']);
    expect(['1.4.2', 'v1.4', 'v1.4.2-rc.1', 'v1'].filter((tag) => tags.test(tag))).toEqual([]);
    expect(job?.filters?.branches?.ignore).toBe('/.*/');
    expect(job?.requires).toEqual(['integration-test']);
    const text = readText(CONTINUED);
    expect(text).toContain('.circleci/scripts/check-npm-tarball.sh');
    expect(text).toContain('circleci orb publish orb/orb.yml "claimcheck/claimcheck@${CIRCLE_TAG#v}"');
  });

  it.each([SETUP, CONTINUED])('%s names only scripts that exist and are executable', (file) => {
    for (const script of scriptsNamed(readText(file))) {
      const path = join(REPO_ROOT, script);
      expect([script, existsSync(path)]).toEqual([script, true]);
      expect(() => accessSync(path, constants.X_OK)).not.toThrow();
    }
  });
});
