// Each front door as a newcomer uses it before any release, from the docs' own snippets and a
// commit of this repository (HEAD, cloned as from GitHub): the Action pinned by commit SHA
// (the tree of that commit, run as GitHub's runner runs `uses: owner/repo@sha`), the orb
// inline (that commit's orb/orb.yml pasted into a config CircleCI's schema accepts) with the
// bundle `npm pack` makes of the same commit named by CLAIMCHECK_BUNDLE_URL and checked
// against the orb's digest, and the CLI from a clone with nothing installed. Only what points
// at the outside world changes: GitHub's URL becomes the local repository, the issuer and STS
// are the loopback doubles.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newJob, renderCommand, runBashStep, runOrbStep, type Job, type Orb } from '../harness/circleci.ts';
import { blocksUnder } from '../harness/doc-snippets.ts';
import { REPO_ROOT, run, runStep, startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { circleciClaims, githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const GITHUB_URL = 'https://github.com/claimcheck/claimcheck';
const [node24] = nodeRuntimes();
const commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
const dirs: string[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  const trust = (sub: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer.host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.host}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${issuer.host}:sub`]: sub } } }],
  });
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'], accountId: ACCOUNT }], roles: [{ arn: ROLE, trustPolicy: trust('*') }] });
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close()]).then(() => issuer?.close()));

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `claimcheck-today-${name}-`));
  dirs.push(dir);
  return dir;
}

/** A snippet as it would run here: GitHub's clone URL is this repository, and `<commit SHA>` its HEAD. */
function here(snippet: string): string {
  return snippet.replaceAll(GITHUB_URL, `file://${REPO_ROOT}`).replaceAll('<commit SHA>', commit);
}

/** What GitHub's runner fetches for `uses: owner/repo@<sha>`: the repository's tree at that commit. */
function actionAt(sha: string): string {
  const dir = tempDir('action');
  execFileSync('sh', ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'sh', REPO_ROOT, sha, dir]);
  return dir;
}

interface WorkflowStep {
  uses?: string;
  with?: Record<string, string>;
}

function claimcheckStep(workflow: string): WorkflowStep {
  const jobs = (parse(workflow) as { jobs: Record<string, { steps: WorkflowStep[] }> }).jobs;
  const step = Object.values(jobs).flatMap((job) => job.steps).find((candidate) => candidate.uses?.startsWith('claimcheck/claimcheck@'));
  if (!step) throw new Error('no claimcheck step in the snippet');
  return step;
}

describe('the Action, pinned by commit SHA', () => {
  it.each([
    ['docs/github-actions.md', 'Use it today, pinned by commit'],
    ['README.md', 'Quick start (GitHub Actions)'],
  ])('%s (%s): the commit\'s tree runs as the runner runs it, main then post', async (file, heading) => {
    endpoint.claims = githubClaims();
    const step = claimcheckStep(blocksUnder(file, heading, 'yaml')[0]!);
    expect(step.uses).toBe('claimcheck/claimcheck@<commit SHA>');
    const action = actionAt(commit);
    const runs = (parse(readFileSync(join(action, 'action.yml'), 'utf8')) as { runs: { using: string; main: string; post: string } }).runs;
    expect(runs.using).toBe('node24');
    const inputs = { ...step.with, issuer: issuer.url, 'sts-endpoint': sts.url };
    const main = await runStep({ node: node24!.node, script: join(action, runs.main), inputs, tokenEndpoint: endpoint });
    expect(main.code, main.stdout).toBe(0);
    expect(main.exported.AWS_ACCESS_KEY_ID).toBe(sts.issued.at(-1)!.accessKeyId);
    const post = await runStep({ node: node24!.node, script: join(action, runs.post), inputs, state: main.state });
    expect(post.code, post.stdout).toBe(0);
    expect(post.exported.AWS_SECRET_ACCESS_KEY).toBe('');
  });
});

describe('the orb, inline, with the bundle npm pack makes of the same commit', () => {
  const HEADING = 'Use it today, before the first release';
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'orb/schema/circleci-config.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

  interface Config {
    orbs: Record<string, unknown>;
    jobs: Record<string, { steps: Array<Record<string, unknown> | string> }>;
  }

  /** The reader's own machine: the clone at that commit, and inline-orb.yml the docs' commands write. */
  function inlineConfig(): { config: Config; orb: Orb } {
    const work = tempDir('reader');
    const [commands] = blocksUnder('docs/circleci.md', HEADING, 'sh');
    execFileSync('bash', ['-euo', 'pipefail', '-c', here(commands!)], { cwd: work, env: { PATH: '/usr/bin:/bin', HOME: work } });
    const orbs = parse(readFileSync(join(work, 'inline-orb.yml'), 'utf8')) as { orbs: { claimcheck: Orb } };
    const config = parse(blocksUnder('docs/circleci.md', HEADING, 'yaml')[0]!) as Config;
    expect(config.orbs.claimcheck).toBeNull(); // the place the docs say to paste it
    config.orbs = { ...config.orbs, ...orbs.orbs };
    return { config, orb: orbs.orbs.claimcheck };
  }

  /** One step of the job, as CircleCI runs it: `run` steps in bash, orb commands compiled from the inline orb. */
  async function runJobStep(job: Job, orb: Orb, step: Record<string, unknown> | string) {
    const [name, value] = typeof step === 'string' ? [step, null] : (Object.entries(step)[0] as [string, unknown]);
    if (name === 'run') {
      const command = typeof value === 'string' ? value : (value as { command: string }).command;
      if (/^aws /.test(command)) {
        return hasDebianAws ? runBashStep(job, `${DEBIAN_AWS} ${command.slice(4)} --endpoint-url ${sts.url}`) : { code: 0, stdout: '', stderr: '' };
      }
      return runBashStep(job, here(command));
    }
    const command = name.replace(/^claimcheck\//, '');
    const test = command === 'assume_role' ? { issuer: issuer.url, sts_endpoint: sts.url } : {};
    const [compiled] = renderCommand(orb, command, { ...((value as Record<string, unknown> | null) ?? {}), ...test });
    return runOrbStep(job, compiled!);
  }

  it('runs the job the docs show: the bundle packed and checked, the credentials handed over and cleaned up', async () => {
    const { config, orb } = inlineConfig();
    expect(validate(config), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const token = await issuer.sign(circleciClaims(), { expiresIn: 3600 });
    endpoint.claims = circleciClaims();
    const job = newJob({ nodeDir: dirname(node24!.node), token, tokenEndpoint: endpoint });
    dirs.push(job.dir);
    const steps = Object.values(config.jobs)[0]!.steps;
    const names = steps.map((step) => (typeof step === 'string' ? step : Object.keys(step)[0]));
    expect(names).toEqual(['run', 'claimcheck/assume_role', 'run', 'claimcheck/cleanup']);
    const results = [];
    for (const [index, step] of steps.entries()) {
      const result = await runJobStep(job, orb, step);
      expect([names[index], result.code, result.stderr.slice(-800)]).toEqual([names[index], 0, expect.any(String)]);
      results.push(result);
    }
    const tarball = readdirSync(job.dir).find((name) => /^claimcheck-\d+\.\d+\.\d+\.tgz$/.test(name));
    expect(readFileSync(job.bashEnv, 'utf8')).toMatch(new RegExp(`^export CLAIMCHECK_BUNDLE_URL=${job.dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/${tarball}$`, 'm'));
    expect(results[1]!.stdout).toMatch(/^Assumed arn:aws:sts::123456789012:assumed-role\/deploy\//m);
    // cleanup took the credentials' lines out of $BASH_ENV, which every later step sources afresh.
    expect(readFileSync(job.bashEnv, 'utf8')).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    // The digest still holds: a tarball that is not the packed commit's is refused, and nothing runs.
    appendFileSync(join(job.dir, tarball!), 'not the commit\'s bundle');
    const refused = await runJobStep(job, orb, steps[1]!);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^BUNDLE_CHECKSUM: /m);
  }, 180_000);
});

describe('the CLI, from a clone', () => {
  it('runs the README\'s command line after the clone the docs show, with nothing installed', async () => {
    const home = tempDir('cli');
    writeFileSync(join(home, 'token.jwt'), await issuer.sign(githubClaims()));
    const [clone] = blocksUnder('docs/other-ci.md', 'Use it today, from a clone', 'sh');
    const [readme] = blocksUnder('README.md', 'Quick start (GitLab, Buildkite, Bitbucket, any CI: the CLI)', 'sh');
    expect(readme).toContain('--audience');
    const script = `set -e\ncd "$HOME"\n${here(clone!)}\n${readme!.replaceAll('https://ci.example.com', issuer.url)}\necho "as $AWS_ACCESS_KEY_ID"`;
    const result = await run('/bin/bash', ['-c', script], { PATH: `${dirname(node24!.node)}:/usr/bin:/bin`, HOME: home, AWS_ENDPOINT_URL_STS: sts.url }, 120_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version}\nas ${sts.issued.at(-1)!.accessKeyId}\n`);
    expect(readdirSync(join(home, 'claimcheck'))).not.toContain('node_modules');
  });
});
