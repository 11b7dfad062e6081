// The README's quick starts and each CI's worked example in docs/other-ci.md, run as that CI
// would run it against the trust policy shown beside it. For docs/other-ci.md: the job's YAML
// (its claimcheck lines, each step in its own shell where the CI does that, cleanup last) and
// the `claimcheck trust-policy` command beside it, whose policy the STS double then enforces,
// with an IAM OIDC provider that lists the audience that policy names. The two snippets must
// fit each other: a job whose token's audience, project or ref the policy does not accept
// ends in STS_ACCESS_DENIED (or STS_TOKEN_REJECTED) and fails here. The token carries what the
// trust-policy command names (the project, pipeline or repository, the branch) and the audience
// the job asks for. Only the outside world moves: the issuer and STS are loopback doubles, so
// the CLI gets --issuer and STS_ENDPOINT, and the policy the loopback issuer's host.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadOrb, newJob, packTarball, renderCommand, runBashStep, runOrbStep } from '../harness/circleci.ts';
import { blocksUnder, joinContinuations } from '../harness/doc-snippets.ts';
import { parseCommandFile, REPO_ROOT, run, runStep, startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, githubClaims, startIssuer, type Claims, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type ConditionKeyFamily, type StsDouble } from '../harness/sts.ts';

const DOC = 'docs/other-ci.md';
const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const [node24] = nodeRuntimes();
/** The Bitbucket workspace's UUID the guide's example uses: a step's token has this audience unless the step lists others. */
const BITBUCKET_WORKSPACE_UUID = '1d2c3b4a-3333-4444-8555-666677778888';
const SHA = '9f3182061f1e2cca4702c368cbc039b7dc9d4485';

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
});
afterEach(async () => {
  await sts?.close();
  sts = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => endpoint?.close().then(() => issuer?.close()));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-snippets-'));
  dirs.push(dir);
  return dir;
}

/** What every step's shell has: `claimcheck` and `npx claimcheck` as the built CLI, and `aws` against the STS double. */
function prelude(): string {
  const aws = hasDebianAws ? `'${DEBIAN_AWS}' "$@" --endpoint-url "$STS_ENDPOINT"` : 'test -n "$AWS_ACCESS_KEY_ID$AWS_PROFILE"';
  return [
    `claimcheck() { if [ "$1" = assume ]; then '${node24!.node}' '${CLI}' "$@" --issuer "$TEST_ISSUER"; else '${node24!.node}' '${CLI}' "$@"; fi; }`,
    'npx() { [ "$1" = claimcheck ] && shift; claimcheck "$@"; }',
    `aws() { ${aws}; }`,
    '',
  ].join('\n');
}

/** The flags of a one-line command: `--name value` pairs, quotes removed, a flag given twice kept as a list. */
function flagsOf(command: string): Map<string, string[]> {
  const words = [...joinContinuations(command).matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
  const flags = new Map<string, string[]>();
  words.forEach((word, index) => {
    if (word.startsWith('--')) flags.set(word.slice(2), [...(flags.get(word.slice(2)) ?? []), words[index + 1] ?? '']);
  });
  return flags;
}

interface Snippets {
  readonly job: string;
  readonly trustPolicy: string;
}

function snippets(heading: string): Snippets {
  const trustPolicy = blocksUnder(DOC, heading, 'sh').find((block) => block.includes('claimcheck trust-policy'));
  if (!trustPolicy) throw new Error(`no trust-policy command under ${heading}`);
  return { job: blocksUnder(DOC, heading, 'yaml')[0]!, trustPolicy };
}

/**
 * The policy the docs' trust-policy command prints (run with `env`), moved to the loopback
 * issuer's host, and an STS double whose IAM OIDC provider lists the policy's audience.
 */
async function trustFrom(command: string, family: ConditionKeyFamily | undefined, env: Record<string, string> = {}): Promise<{ audience: string; role: string }> {
  const result = await run('/bin/bash', ['-c', `${prelude()}${command}`], { PATH: '/usr/bin:/bin', HOME: tempDir(), ...env }, 60_000);
  expect(result.code, result.stderr).toBe(0);
  const principal = /"Federated": "arn:aws:iam::(\d{12}):oidc-provider\/([^"]+)"/.exec(result.stdout);
  expect(principal, result.stdout).not.toBeNull();
  const [, account, prefix] = principal as unknown as [string, string, string];
  const policy = JSON.parse(result.stdout.replaceAll(`oidc-provider/${prefix}"`, `oidc-provider/${issuer.host}"`).replaceAll(`"${prefix}:`, `"${issuer.host}:`)) as { Statement: Array<{ Condition: Record<string, Record<string, string>> }> };
  const audience = policy.Statement[0]!.Condition.StringEquals![`${issuer.host}:aud`]!;
  const role = `arn:aws:iam::${account}:role/deploy`;
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: [audience], accountId: account, ...(family ? { conditionKeys: family } : {}) }], roles: [{ arn: role, trustPolicy: policy }] });
  return { audience, role };
}

/** The environment every shell of the job has, besides the CI's own. */
function testEnv(home: string): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: home, TEST_ISSUER: issuer.url, STS_ENDPOINT: sts!.url, AWS_ENDPOINT_URL_STS: sts!.url };
}

async function shell(script: string, env: Record<string, string>) {
  const result = await run('/bin/bash', ['-eo', 'pipefail', '-c', `${prelude()}${script}`], env, 60_000);
  expect([result.code, result.stderr.slice(-1500)]).toEqual([0, expect.any(String)]);
  return result;
}

/** Every session the STS double issued was for the role the docs name, and one was. */
function expectAssumed(role: string): void {
  expect(sts!.issued.length).toBeGreaterThan(0);
  expect(new Set(sts!.issued.map((issued) => issued.roleArn))).toEqual(new Set([role]));
}

/** A policy the README shows, moved to the loopback issuer's host, placeholders filled in; an STS double that enforces it. */
async function readmePolicy(heading: string, family: ConditionKeyFamily, fill: Record<string, string> = {}): Promise<string> {
  const text = Object.entries(fill).reduce((result, [placeholder, value]) => result.replaceAll(placeholder, value), blocksUnder('README.md', heading, 'json')[0]!);
  const [, account, prefix] = /"Federated": "arn:aws:iam::(\d{12}):oidc-provider\/([^"]+)"/.exec(text) as unknown as [string, string, string];
  const policy = JSON.parse(text.replaceAll(`oidc-provider/${prefix}"`, `oidc-provider/${issuer.host}"`).replaceAll(`"${prefix}:`, `"${issuer.host}:`)) as { Statement: Array<{ Condition: Record<string, Record<string, string>> }> };
  const audience = policy.Statement[0]!.Condition.StringEquals![`${issuer.host}:aud`]!;
  const role = `arn:aws:iam::${account}:role/deploy`;
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: [audience], accountId: account, conditionKeys: family }], roles: [{ arn: role, trustPolicy: policy }] });
  return role;
}

describe('the README\'s quick starts: each job and the trust policy beside it fit each other', () => {
  it('GitHub Actions: the step\'s rules and the policy pinned by repository id', async () => {
    const role = await readmePolicy('Quick start (GitHub Actions)', 'github');
    endpoint.claims = githubClaims();
    const jobs = (parse(blocksUnder('README.md', 'Quick start (GitHub Actions)', 'yaml')[0]!) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }> }).jobs;
    const step = Object.values(jobs)[0]!.steps.find((candidate) => candidate.uses?.startsWith('claimcheck/claimcheck@'))!;
    expect(step.with!['role-to-assume']).toBe(role);
    const main = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/main/index.js'), inputs: { ...step.with, issuer: issuer.url, 'sts-endpoint': sts!.url }, tokenEndpoint: endpoint });
    expect(main.code, main.stdout).toBe(0);
    expectAssumed(role);
  });

  it('CircleCI: the orb\'s rules and the policy on the organization\'s provider', async () => {
    const fill = { '<organization ID>': CIRCLE_ORGANIZATION_ID, '<project ID>': CIRCLE_PROJECT_ID, '<your project ID>': CIRCLE_PROJECT_ID };
    const role = await readmePolicy('Quick start (CircleCI)', 'circleci', fill);
    endpoint.claims = circleciClaims();
    const home = tempDir();
    writeFileSync(join(home, 'claimcheck.tgz'), await packTarball());
    const circle = newJob({ nodeDir: dirname(node24!.node), token: await issuer.sign(circleciClaims()), tokenEndpoint: endpoint, bundleUrl: join(home, 'claimcheck.tgz') });
    dirs.push(circle.dir);
    const config = Object.entries(fill).reduce((text, [placeholder, value]) => text.replaceAll(placeholder, value), blocksUnder('README.md', 'Quick start (CircleCI)', 'yaml')[0]!);
    const steps = Object.values((parse(config) as { jobs: Record<string, { steps: Array<Record<string, Record<string, unknown>> | string> }> }).jobs)[0]!.steps;
    const assume = steps.find((step): step is Record<string, Record<string, unknown>> => typeof step !== 'string' && 'claimcheck/assume_role' in step)!['claimcheck/assume_role']!;
    expect(assume.role_to_assume).toBe(role);
    const [compiled] = renderCommand(loadOrb(), 'assume_role', { ...assume, issuer: issuer.url, sts_endpoint: sts!.url });
    const result = await runOrbStep(circle, compiled!);
    expect([result.code, result.stderr.slice(-1500)]).toEqual([0, expect.any(String)]);
    expectAssumed(role);
  });
});

describe('docs/other-ci.md: each CI\'s job and trust policy fit each other', () => {
  it('GitLab CI/CD: the id_tokens audience, the project and the branch', async () => {
    const { job, trustPolicy } = snippets('GitLab');
    const flags = flagsOf(trustPolicy);
    const { role } = await trustFrom(trustPolicy, 'gitlab');
    const deploy = Object.values(parse(job) as Record<string, { id_tokens: Record<string, { aud: string }>; script: string[]; after_script?: string[] }>)[0]!;
    const [variable, spec] = Object.entries(deploy.id_tokens)[0]!;
    const projectPath = flags.get('project-path')![0]!;
    const branch = flags.get('branch')![0]!;
    const claims: Claims = {
      sub: `project_path:${projectPath}:ref_type:branch:ref:${branch}`, aud: spec.aud, project_id: flags.get('project-id')![0]!, project_path: projectPath, namespace_id: '4200002',
      ref: branch, ref_type: 'branch', ref_protected: 'true', pipeline_id: '1519139981', job_id: '8222997048', pipeline_source: 'push', user_login: 'octocat',
    };
    const home = tempDir();
    const env = { ...testEnv(home), [variable]: await issuer.sign(claims), CI_SERVER_URL: issuer.url, CI_JOB_ID: '8222997048' };
    await shell(deploy.script.join('\n'), env);
    expectAssumed(role);
    await shell((deploy.after_script ?? []).join('\n'), env); // after_script runs in a shell of its own
  });

  it('Buildkite: the audience the agent is asked for, the organization and pipeline ids, the branch', async () => {
    const { job, trustPolicy } = snippets('Buildkite');
    const flags = flagsOf(trustPolicy);
    const ids = { BUILDKITE_ORGANIZATION_ID: '0184990a-477b-4fa8-9968-496074483c77', BUILDKITE_PIPELINE_ID: '0184990a-4782-42b5-afc1-16715b10b110' };
    const { role } = await trustFrom(trustPolicy, 'buildkite', ids);
    const [organization, pipeline, branch] = ['organization', 'pipeline', 'branch'].map((name) => flags.get(name)![0]!);
    endpoint.claims = {
      sub: `organization:${organization}:pipeline:${pipeline}:ref:refs/heads/${branch}:commit:${SHA}:step:deploy`, organization_slug: organization, pipeline_slug: pipeline,
      organization_id: ids.BUILDKITE_ORGANIZATION_ID, pipeline_id: ids.BUILDKITE_PIPELINE_ID, build_number: 42, build_branch: branch, build_commit: SHA, step_key: 'deploy', job_id: '0184990a-477b-4fa8-9968-496074483cee',
    };
    const home = tempDir();
    // The agent prints a token for the audience it is asked for, as buildkite-agent oidc request-token does.
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'bin', 'buildkite-agent'), `#!${node24!.node}\nconst args = process.argv.slice(2);\nconst audience = args[args.indexOf('--audience') + 1];\nconst response = await fetch(${JSON.stringify(endpoint.requestUrl)} + '&audience=' + encodeURIComponent(audience), { headers: { authorization: 'Bearer ${endpoint.bearer}' } });\nprocess.stdout.write((await response.json()).value);\n`);
    chmodSync(join(home, 'bin', 'buildkite-agent'), 0o755);
    const step = (parse(job) as { steps: Array<{ command: string }> }).steps[0]!;
    const env = { ...testEnv(home), PATH: `${join(home, 'bin')}:/usr/bin:/bin`, BUILDKITE_JOB_ID: '0184990a-477b-4fa8-9968-496074483cee', ...ids };
    await shell(step.command.replaceAll('$$', '$'), env); // `$$` is for the pipeline upload; the job sees `$`
    expectAssumed(role);
    await shell('claimcheck cleanup', env); // the pre-exit hook the guide names
  });

  it('Bitbucket Pipelines: the audience Repository settings show, the repository and the deployment environment', async () => {
    const { job, trustPolicy } = snippets('Bitbucket Pipelines');
    const flags = flagsOf(trustPolicy);
    const { role, audience } = await trustFrom(trustPolicy, undefined);
    const step = Object.values((parse(job) as { pipelines: { branches: Record<string, Array<{ step: { oidc: unknown; script: string[]; 'after-script'?: string[] } }>> } }).pipelines.branches)[0]![0]!.step;
    // A step's token has the workspace's audience unless the step lists its own.
    const own = step.oidc === true ? undefined : (step.oidc as { audiences?: string[] }).audiences;
    const tokenAudience = own?.[0] ?? `ari:cloud:bitbucket::workspace/${BITBUCKET_WORKSPACE_UUID}`;
    expect(tokenAudience).toBe(audience);
    const [repository, environment] = [flags.get('repository-uuid')![0]!, flags.get('environment-uuid')![0]!];
    const stepUuid = '{6c5b4a39-2222-4333-8444-555566667777}';
    const claims: Claims = { sub: `${repository}:${environment}:${stepUuid}`, aud: tokenAudience, repositoryUuid: repository, deploymentEnvironmentUuid: environment, stepUuid, pipelineUuid: '{7e6d5c4b-4444-4555-8666-777788889999}', branchName: 'main', workspaceUuid: `{${BITBUCKET_WORKSPACE_UUID}}` };
    const home = tempDir();
    const env = { ...testEnv(home), BITBUCKET_STEP_OIDC_TOKEN: await issuer.sign(claims), BITBUCKET_WORKSPACE: flags.get('workspace')![0]!, BITBUCKET_STEP_UUID: stepUuid, BITBUCKET_BUILD_NUMBER: '77', BITBUCKET_REPO_FULL_NAME: 'acme/api' };
    await shell(step.script.join('\n'), env);
    expectAssumed(role);
    await shell((step['after-script'] ?? []).join('\n'), env);
  });

  it('CircleCI: the token circleci run oidc get makes for the audience, the organization and the project, in steps that share $BASH_ENV', async () => {
    const { job, trustPolicy } = snippets('CircleCI');
    const flags = flagsOf(trustPolicy);
    const { role } = await trustFrom(trustPolicy, 'circleci');
    const [organization, project] = [flags.get('org-id')![0]!, flags.get('project-id')![0]!];
    endpoint.claims = circleciClaims({ sub: `org/${organization}/project/${project}/user/6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main`, 'oidc.circleci.com/project-id': project });
    const circle = newJob({ nodeDir: dirname(node24!.node), token: await issuer.sign({ ...endpoint.claims, aud: organization }), tokenEndpoint: endpoint });
    dirs.push(circle.dir);
    Object.assign(circle.env, testEnv(circle.dir), { PATH: circle.env.PATH!, HOME: circle.dir, CIRCLE_ORGANIZATION_ID: organization, CIRCLE_WORKFLOW_JOB_ID: 'c0ffee' });
    const steps = (Object.values((parse(job) as { jobs: Record<string, { steps: Array<{ run: string | { command: string } }> }> }).jobs)[0]!).steps;
    for (const step of steps) {
      const command = typeof step.run === 'string' ? step.run : step.run.command;
      const result = await runBashStep(circle, `${prelude()}${command}`);
      expect([command, result.code, result.stderr.slice(-1500)]).toEqual([command, 0, expect.any(String)]);
    }
    expectAssumed(role);
    expect(endpoint.requests.at(-1)?.audience).toBe('sts.amazonaws.com');
    // cleanup, the last step, took the credentials out of $BASH_ENV.
    expect(readFileSync(circle.bashEnv, 'utf8')).not.toMatch(/^export AWS_SECRET_ACCESS_KEY=/m);
  });

  it('GitHub Actions: the token endpoint\'s token for the audience, the repository by id and the branch, across steps as the runner passes $GITHUB_ENV', async () => {
    const { job, trustPolicy } = snippets('GitHub Actions');
    const flags = flagsOf(trustPolicy);
    const { role } = await trustFrom(trustPolicy, 'github');
    const repository = flags.get('repository')![0]!;
    endpoint.claims = githubClaims({ repository, repository_owner: repository.split('/')[0]!, repository_id: flags.get('repository-id')![0]!, repository_owner_id: flags.get('owner-id')![0]!, ref: `refs/heads/${flags.get('branch')![0]!}`, sub: `repo:${repository}:ref:refs/heads/${flags.get('branch')![0]!}` });
    const home = tempDir();
    let exported: Record<string, string> = {};
    const steps = Object.values((parse(job) as { jobs: Record<string, { steps: Array<{ run: string }> }> }).jobs)[0]!.steps;
    for (const [index, step] of steps.entries()) {
      const githubEnv = join(home, `env-${index}`);
      writeFileSync(githubEnv, '');
      const env = { ...testEnv(home), ...exported, GITHUB_ENV: githubEnv, GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '4242424242', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy', ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: endpoint.bearer };
      await shell(step.run, env);
      exported = { ...exported, ...parseCommandFile(readFileSync(githubEnv, 'utf8')) };
    }
    expectAssumed(role);
    expect(exported.AWS_SESSION_TOKEN).toBe('');
  });
});
