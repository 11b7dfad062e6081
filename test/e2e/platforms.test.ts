// The CLI's platform presets, run as a job on each platform would run them: a GitLab job with
// its ID token in GITLAB_OIDC_TOKEN and CI_SERVER_URL, a Buildkite job whose buildkite-agent
// prints the token, a Bitbucket step with BITBUCKET_STEP_OIDC_TOKEN. Tokens carry each
// platform's claims and subject; the trust policy comes from `claimcheck trust-policy` and is
// enforced by the STS double (AWS's GitLab and Buildkite condition keys on their loopback
// issuers, none for Bitbucket, as on AWS).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from '../harness/github.ts';
import { startIssuer, type Claims, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const [node24] = nodeRuntimes();

const GITLAB_PROJECT_ID = '4200001';
const BUILDKITE_ORG_ID = '0184990a-477b-4fa8-9968-496074483c77';
const BUILDKITE_PIPELINE_ID = '0184990a-4782-42b5-afc1-16715b10b110';
const REPOSITORY_UUID = '{9a8b7c6d-1111-4222-8333-444455556666}';
const ENVIRONMENT_UUID = '{0f1e2d3c-aaaa-4bbb-8ccc-dddd00001111}';
const SHA = '9f3182061f1e2cca4702c368cbc039b7dc9d4485';

let gitlab: TestIssuer;
let buildkite: TestIssuer;
let bitbucket: TestIssuer;
let sts: StsDouble;
let dir: string;

beforeAll(async () => {
  [gitlab, buildkite, bitbucket] = await Promise.all([startIssuer(), startIssuer(), startIssuer()]);
  sts = await startSts({
    providers: [
      { issuer: gitlab.url, clientIds: ['sts.amazonaws.com'], conditionKeys: 'gitlab' },
      { issuer: buildkite.url, clientIds: ['sts.amazonaws.com'], conditionKeys: 'buildkite' },
      { issuer: bitbucket.url, clientIds: ['sts.amazonaws.com'] },
    ],
    roles: [],
  });
});
afterAll(async () => Promise.all([sts?.close(), gitlab?.close(), buildkite?.close(), bitbucket?.close()]));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-platforms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  return run(node24!.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, 60_000);
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A GitLab.com job's ID token claims (GitLab's JWT: ids as strings, runner_id a number). */
function gitlabClaims(overrides: Claims = {}): Claims {
  const projectPath = typeof overrides.project_path === 'string' ? overrides.project_path : 'acme/api';
  const ref = typeof overrides.ref === 'string' ? overrides.ref : 'main';
  const refType = typeof overrides.ref_type === 'string' ? overrides.ref_type : 'branch';
  return {
    sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
    aud: 'sts.amazonaws.com',
    jti: '235b3a54-b797-45c7-ae9a-f72d7bc6ef5b',
    namespace_id: '4200002',
    namespace_path: projectPath.split('/')[0],
    project_id: GITLAB_PROJECT_ID,
    project_path: projectPath,
    job_project_id: GITLAB_PROJECT_ID,
    job_project_path: projectPath,
    user_id: '184239',
    user_login: 'octocat',
    user_email: 'octocat@example.com',
    user_access_level: 'maintainer',
    pipeline_id: '1519139981',
    pipeline_source: 'push',
    job_id: '8222997048',
    ref,
    ref_type: refType,
    ref_path: `refs/${refType === 'tag' ? 'tags' : 'heads'}/${ref}`,
    ref_protected: 'true',
    runner_id: 12270835,
    runner_environment: 'gitlab-hosted',
    sha: SHA,
    project_visibility: 'private',
    ci_config_ref_uri: `gitlab.com/${projectPath}//.gitlab-ci.yml@refs/heads/${ref}`,
    ci_config_sha: SHA,
    ...overrides,
  };
}

/** A Buildkite job's token from `oidc request-token --claim organization_id,pipeline_id`. */
function buildkiteClaims(overrides: Claims = {}, ref = 'refs/heads/main'): Claims {
  const organization = typeof overrides.organization_slug === 'string' ? overrides.organization_slug : 'acme';
  return {
    sub: `organization:${organization}:pipeline:deploy:ref:${ref}:commit:${SHA}:step:deploy`,
    aud: 'sts.amazonaws.com',
    jti: '0194b014-8517-7cef-b232-76a827315f08',
    organization_slug: organization,
    pipeline_slug: 'deploy',
    build_number: 42,
    build_branch: ref.replace(/^refs\/(heads|tags)\//, ''),
    build_commit: SHA,
    step_key: 'deploy',
    job_id: '0184990a-477b-4fa8-9968-496074483cee',
    agent_id: '0184990a-4782-42b5-afc1-16715b10b8ff',
    build_source: 'webhook',
    runner_environment: 'self-hosted',
    organization_id: BUILDKITE_ORG_ID,
    pipeline_id: BUILDKITE_PIPELINE_ID,
    ...overrides,
  };
}

/** A Bitbucket Pipelines step token (UUIDs in braces); a deployment step's subject names its environment. */
function bitbucketClaims(overrides: Claims = {}, environment: string | null = ENVIRONMENT_UUID): Claims {
  const repository = typeof overrides.repositoryUuid === 'string' ? overrides.repositoryUuid : REPOSITORY_UUID;
  const step = '{6c5b4a39-2222-4333-8444-555566667777}';
  return {
    sub: environment === null ? `${repository}:${step}` : `${repository}:${environment}:${step}`,
    aud: 'sts.amazonaws.com',
    workspaceUuid: '{1d2c3b4a-3333-4444-8555-666677778888}',
    repositoryUuid: repository,
    pipelineUuid: '{7e6d5c4b-4444-4555-8666-777788889999}',
    stepUuid: step,
    branchName: 'main',
    ...(environment === null ? {} : { deploymentEnvironmentUuid: environment }),
    ...overrides,
  };
}

async function trustPolicy(args: string[]): Promise<{ policy: object; stderr: string }> {
  const result = await cli(['trust-policy', '--account-id', ACCOUNT, ...args]);
  expect(result.code, result.stderr).toBe(0);
  return { policy: JSON.parse(result.stdout) as object, stderr: result.stderr };
}

/** Whether STS lets a token with these claims from this issuer assume the role under the policy. */
async function stsAccepts(policy: object, issuer: TestIssuer, claims: Claims): Promise<boolean> {
  sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
  const token = file('token', await issuer.sign(claims));
  const result = await cli(['assume', '--token-file', token, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url]);
  if (result.code !== 0) expect(result.stderr).toMatch(/^STS_ACCESS_DENIED/m);
  return result.code === 0;
}

const assumeFlags = () => ['--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url];

function auditLine(stderr: string): Record<string, unknown> {
  const line = stderr.split('\n').find((text) => text.startsWith('claimcheck-audit '));
  expect(line, stderr).toBeDefined();
  return JSON.parse((line as string).slice('claimcheck-audit '.length)) as Record<string, unknown>;
}

describe('GitLab: --platform gitlab', () => {
  it('takes the token from GITLAB_OIDC_TOKEN and the issuer from CI_SERVER_URL; the session names the pipeline and job', async () => {
    const { policy, stderr } = await trustPolicy(['--platform', 'gitlab', '--issuer', gitlab.url, '--condition-keys', 'gitlab', '--project-path', 'acme/api', '--project-id', GITLAB_PROJECT_ID, '--branch', 'main']);
    expect(stderr).not.toMatch(/by path only/);
    sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
    const token = await gitlab.sign(gitlabClaims());
    const result = await cli(['assume', '--platform', 'gitlab', ...assumeFlags()], { GITLAB_OIDC_TOKEN: token, CI_SERVER_URL: gitlab.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='/m);
    expect(sts.issued.at(-1)?.sessionName).toBe('acme.api@1519139981-8222997048');
    expect(sts.calls.at(-1)?.userAgent).toContain('md/gitlab.pipeline_id#1519139981 md/gitlab.job_id#8222997048');
    expect(result.stderr).toMatch(/^ {2}Project: +acme\/api \(id 4200001\)$/m);
    expect(result.stderr).toMatch(/^ {2}Ref: +branch main \(protected\)$/m);
    const audit = auditLine(result.stderr);
    expect(audit.job).toEqual({ Project: 'acme/api (id 4200001)', Ref: 'branch main (protected)', Pipeline: '1519139981 (push)', Job: '8222997048', User: 'octocat', Runner: '12270835, gitlab-hosted' });
    expect((audit.clouds as Array<Record<string, unknown>>)[0]?.session).toBe('acme.api@1519139981-8222997048');
    expect(findLeaks({ stdout: result.stdout.replace(/^export .*$/gm, ''), stderr: result.stderr }, [token, ...sts.issued.flatMap((issued) => [issued.secretAccessKey, issued.sessionToken])])).toEqual([]);
  });

  it('trusts the project by id and the branch by subject: not another branch, a recycled path or a fork', async () => {
    const { policy } = await trustPolicy(['--platform', 'gitlab', '--issuer', gitlab.url, '--condition-keys', 'gitlab', '--project-path', 'acme/api', '--project-id', GITLAB_PROJECT_ID, '--branch', 'main', '--tag', 'v*']);
    expect(await stsAccepts(policy, gitlab, gitlabClaims())).toBe(true);
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ ref: 'v1.2.0', ref_type: 'tag' }))).toBe(true);
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ ref: 'dev' }))).toBe(false);
    // A tag named main is not the branch main.
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ ref: 'main', ref_type: 'tag' }))).toBe(false);
    // The path deleted and re-created by someone else: a new project id.
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ project_id: '9999999' }))).toBe(false);
    // A fork's merge request pipeline: project_path is the fork's.
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ project_path: 'mallory/api', project_id: '7777777' }))).toBe(false);
  });

  it('warns when the project is trusted by path only, and refuses what AWS cannot check', async () => {
    const { stderr } = await trustPolicy(['--platform', 'gitlab', '--issuer', gitlab.url, '--condition-keys', 'gitlab', '--project-path', 'acme/api', '--branch', 'main']);
    expect(stderr).toMatch(/^Warning: this policy trusts acme\/api by path only\. .*--project-id/m);
    const environment = await cli(['trust-policy', '--account-id', ACCOUNT, '--platform', 'gitlab', '--project-path', 'acme/api', '--environment', 'production']);
    expect(environment.code).toBe(2);
    expect(environment.stderr).toMatch(/AWS cannot check a GitLab job's environment/);
    // A self-managed instance: AWS sees no GitLab claims there, so an id cannot bind.
    const selfManaged = await cli(['trust-policy', '--account-id', ACCOUNT, '--platform', 'gitlab', '--issuer', 'https://gitlab.example.com', '--project-path', 'acme/api', '--project-id', '42', '--branch', 'main']);
    expect(selfManaged.code).toBe(2);
    expect(selfManaged.stderr).toMatch(/project_id=42 cannot bind at AWS for this issuer \(AWS has no condition key for project_id in tokens of gitlab\.example\.com\)/);
  });

  it('fails closed in the README form: no credentials and no next command without a token', async () => {
    const script = `creds="$("$NODE" "$CLI" assume --platform gitlab --role-to-assume ${ROLE} --aws-region eu-west-1 --sts-endpoint ${sts.url})" && eval "$creds" && echo "ran as $AWS_ACCESS_KEY_ID"`;
    const env = { NODE: node24!.node, CLI, CI_SERVER_URL: gitlab.url };
    const failed = await run('/bin/bash', ['-c', script], { PATH: '/usr/bin:/bin', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, 60_000);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^TOKEN_REQUEST_FAILED: Could not read the OIDC token: the environment variable GITLAB_OIDC_TOKEN is empty or not set\.\nHint: Give the job an ID token: id_tokens: \{ GITLAB_OIDC_TOKEN: \{ aud: sts\.amazonaws\.com \} \} \(CI_JOB_JWT_V2 was removed in GitLab 17\.0\)/m);
    const { policy } = await trustPolicy(['--platform', 'gitlab', '--issuer', gitlab.url, '--condition-keys', 'gitlab', '--project-path', 'acme/api', '--project-id', GITLAB_PROJECT_ID, '--branch', 'main']);
    sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
    const ran = await run('/bin/bash', ['-c', script], { PATH: '/usr/bin:/bin', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env, GITLAB_OIDC_TOKEN: await gitlab.sign(gitlabClaims()) }, 60_000);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe(`ran as ${sts.issued.at(-1)?.accessKeyId}\n`);
  });
});

describe('Buildkite: --platform buildkite', () => {
  /** A buildkite-agent on PATH that records its arguments and prints the job's token. */
  function fakeAgent(token: string): { env: Record<string, string>; args: () => string[] } {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    file('bk-token', token);
    const agent = join(bin, 'buildkite-agent');
    writeFileSync(agent, `#!/bin/sh\nprintf '%s\\n' "$@" > '${join(dir, 'bk-args')}'\ncat '${join(dir, 'bk-token')}'\n`);
    chmodSync(agent, 0o755);
    return { env: { PATH: `${bin}:/usr/bin:/bin` }, args: () => readFileSync(join(dir, 'bk-args'), 'utf8').trim().split('\n') };
  }

  const FLAGS = () => ['--platform', 'buildkite', '--issuer', buildkite.url, '--condition-keys', 'buildkite', '--organization', 'acme', '--pipeline', 'deploy'];

  it('runs buildkite-agent oidc request-token for the audience, with the ids; the session names the build', async () => {
    const { policy } = await trustPolicy([...FLAGS(), '--organization-id', BUILDKITE_ORG_ID, '--pipeline-id', BUILDKITE_PIPELINE_ID, '--branch', 'main']);
    sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
    const agent = fakeAgent(await buildkite.sign(buildkiteClaims()));
    const result = await cli(['assume', '--platform', 'buildkite', '--issuer', buildkite.url, ...assumeFlags()], agent.env);
    expect(result.code, result.stderr).toBe(0);
    expect(agent.args()).toEqual(['oidc', 'request-token', '--audience', 'sts.amazonaws.com', '--claim', 'organization_id,pipeline_id']);
    expect(sts.issued.at(-1)?.sessionName).toBe('acme.deploy@42');
    expect(sts.calls.at(-1)?.userAgent).toContain('md/buildkite.build_number#42 md/buildkite.job_id#0184990a-477b-4fa8-9968-496074483cee');
    expect(auditLine(result.stderr).job).toEqual({
      Pipeline: 'acme/deploy', Build: '#42 (webhook)', Ref: 'branch main', Commit: SHA, Step: 'deploy', Job: '0184990a-477b-4fa8-9968-496074483cee', Agent: '0184990a-4782-42b5-afc1-16715b10b8ff, self-hosted',
    });
  });

  it('pins organization and pipeline on AWS keys and the ref by subject, where a * for commit and step cannot fake a ref', async () => {
    const { policy, stderr } = await trustPolicy([...FLAGS(), '--organization-id', BUILDKITE_ORG_ID, '--pipeline-id', BUILDKITE_PIPELINE_ID, '--branch', 'main', '--tag', 'v*']);
    expect(stderr).toMatch(/pull request builds carry the PR's branch name/);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims())).toBe(true);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({}, 'refs/tags/v1.2.0'))).toBe(true);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ step_key: null }))).toBe(true);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({}, 'refs/heads/dev'))).toBe(false);
    // A build started on a branch named "main:commit:x" (the API takes any branch name): IAM's * for the commit would take it.
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ build_branch: 'main:commit:x' }, 'refs/heads/main:commit:x'))).toBe(false);
    // ...and "main:commit:x:step:y", whose subject is that of branch main with the step "y:commit:…": build_branch tells them apart.
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ build_branch: 'main:commit:x:step:y' }, 'refs/heads/main:commit:x:step:y'))).toBe(false);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ build_branch: 'v1.2.0', build_tag: 'v1.2.0' }, 'refs/tags/v1.2.0'))).toBe(true);
    // The same slugs in another organization, and a re-created pipeline with a new UUID.
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ organization_id: '0184990a-0000-4000-8000-000000000000' }))).toBe(false);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ pipeline_id: '0184990a-0000-4000-8000-000000000001' }))).toBe(false);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ organization_slug: 'mallory' }))).toBe(false);
  });

  it('warns on slugs only; says what to do when buildkite-agent is missing', async () => {
    const { stderr } = await trustPolicy([...FLAGS(), '--branch', 'main']);
    expect(stderr).toMatch(/^Warning: this policy trusts acme\/deploy by slug only/m);
    const missing = await cli(['assume', '--platform', 'buildkite', '--issuer', buildkite.url, ...assumeFlags()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^TOKEN_REQUEST_FAILED: Could not read the OIDC token: the Buildkite token command \(buildkite-agent oidc request-token --audience 'sts\.amazonaws\.com' --claim organization_id,pipeline_id\) exited with 127\.\nHint: Run inside a Buildkite job/m);
  });
});

describe('Bitbucket Pipelines: --platform bitbucket', () => {
  it('takes BITBUCKET_STEP_OIDC_TOKEN; the session names the repository and build; the environment binds at AWS', async () => {
    const { policy, stderr } = await trustPolicy(['--platform', 'bitbucket', '--issuer', bitbucket.url, '--repository-uuid', REPOSITORY_UUID.toUpperCase(), '--environment-uuid', ENVIRONMENT_UUID.slice(1, -1)]);
    expect(stderr).not.toMatch(/^(Warning|Note)/m);
    expect(stderr).toMatch(/^  AWS enforces +deploymentEnvironmentUuid=\{0f1e2d3c-aaaa-4bbb-8ccc-dddd00001111\} +\(.*:sub, inside the subject\)$/m);
    sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
    const token = await bitbucket.sign(bitbucketClaims());
    const env = { BITBUCKET_STEP_OIDC_TOKEN: token, BITBUCKET_REPO_FULL_NAME: 'acme/api', BITBUCKET_BUILD_NUMBER: '77', BITBUCKET_WORKSPACE: 'acme' };
    const result = await cli(['assume', '--platform', 'bitbucket', '--issuer', bitbucket.url, ...assumeFlags()], env);
    expect(result.code, result.stderr).toBe(0);
    expect(sts.issued.at(-1)?.sessionName).toBe('acme.api@77');
    expect(sts.calls.at(-1)?.userAgent).toContain('md/bitbucket.build_number#77 md/bitbucket.pipeline_uuid#7e6d5c4b-4444-4555-8666-777788889999 md/bitbucket.step_uuid#');
    expect(auditLine(result.stderr).job).toMatchObject({ Repository: `acme/api ${REPOSITORY_UUID}`, Branch: 'main', Pipeline: '#77 {7e6d5c4b-4444-4555-8666-777788889999}' });
    // A step of the repository outside the environment, and another repository's deployment.
    expect(await stsAccepts(policy, bitbucket, bitbucketClaims({}, null))).toBe(false);
    expect(await stsAccepts(policy, bitbucket, bitbucketClaims({ repositoryUuid: '{00000000-1111-4222-8333-444455556666}' }))).toBe(false);
  });

  it("takes the issuer from the workspace, never from the token; refuses a branch, which AWS cannot see", async () => {
    const { policy } = await trustPolicy(['--platform', 'bitbucket', '--workspace', 'acme', '--repository-uuid', REPOSITORY_UUID]);
    expect(JSON.stringify(policy)).toContain(`"Federated":"arn:aws:iam::${ACCOUNT}:oidc-provider/api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc"`);
    const branch = await cli(['trust-policy', '--account-id', ACCOUNT, '--platform', 'bitbucket', '--workspace', 'acme', '--repository-uuid', REPOSITORY_UUID, '--branch', 'main']);
    expect([branch.code, branch.stderr]).toEqual([2, expect.stringMatching(/AWS cannot check a Bitbucket branch/)]);
    const outside = await cli(['assume', '--platform', 'bitbucket', ...assumeFlags()], { BITBUCKET_STEP_OIDC_TOKEN: await bitbucket.sign(bitbucketClaims()) });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--issuer is required here: with --platform bitbucket, the issuer is the workspace's identity provider URL/);
    const hostile = await cli(['assume', '--platform', 'bitbucket', ...assumeFlags()], { BITBUCKET_STEP_OIDC_TOKEN: 'x', BITBUCKET_WORKSPACE: '../evil' });
    expect(hostile.code).toBe(1);
    expect(hostile.stderr).toMatch(/^INPUT_INVALID: The Bitbucket workspace "\.\.\/evil" is not a workspace ID\./);
  });
});

describe('rules files that name platform claims', () => {
  it('compiles a GitLab rules file into the policy AWS enforces, and the step checks the same rules', async () => {
    const rules = file('rules.yml', `version: 1
platform: gitlab
claims:
  project_id: "${GITLAB_PROJECT_ID}"
  ref_protected: "true"
  sub: "project_path:acme/api:ref_type:branch:ref:main"
  pipeline_source: [push, web]
  environment: production
`);
    const { policy, stderr } = await trustPolicy(['--rules-file', rules, '--issuer', gitlab.url, '--condition-keys', 'gitlab']);
    expect(stderr).toMatch(/AWS enforces +project_id="4200001" +\(127\.0\.0\.1:\d+:project_id\)/);
    expect(stderr).toMatch(/claimcheck only +environment="production" +\(AWS has no condition key for environment/);
    const production = gitlabClaims({ environment: 'production', environment_protected: 'true', deployment_tier: 'production' });
    expect(await stsAccepts(policy, gitlab, production)).toBe(true);
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ ref_protected: 'false' }))).toBe(false);
    expect(await stsAccepts(policy, gitlab, gitlabClaims({ pipeline_source: 'merge_request_event' }))).toBe(false);
    const check = await cli(['trust-policy', '--rules-file', rules, '--issuer', gitlab.url, '--condition-keys', 'gitlab', '--check', file('policy.json', JSON.stringify(policy))]);
    expect([check.code, check.stdout]).toEqual([0, expect.stringMatching(/^OK: no token the issuer could issue is accepted by the policy and refused by a rule AWS can see/m)]);
    expect(check.stdout).toMatch(/^Only claimcheck checks environment="production"/m);
    sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
    const step = await cli(['assume', '--platform', 'gitlab', '--rules-file', rules, ...assumeFlags()], { GITLAB_OIDC_TOKEN: await gitlab.sign(gitlabClaims()), CI_SERVER_URL: gitlab.url });
    expect(step.code).toBe(1);
    expect(step.stderr).toMatch(/^RULE_FAILED: .*environment/m);
    const deploy = await cli(['assume', '--platform', 'gitlab', '--rules-file', rules, ...assumeFlags()], { GITLAB_OIDC_TOKEN: await gitlab.sign(production), CI_SERVER_URL: gitlab.url });
    expect(deploy.code, deploy.stderr).toBe(0);
  });

  it('finds the gap in a loose GitLab policy with a token GitLab would issue', async () => {
    const rules = file('rules.yml', `version: 1\nplatform: gitlab\nclaims:\n  project_id: "${GITLAB_PROJECT_ID}"\n  sub: "project_path:acme/api:ref_type:branch:ref:main"\n`);
    const loose = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${gitlab.host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${gitlab.host}:aud`]: 'sts.amazonaws.com', [`${gitlab.host}:project_id`]: GITLAB_PROJECT_ID }, StringLike: { [`${gitlab.host}:sub`]: 'project_path:acme/api:*' } } }],
    };
    const check = await cli(['trust-policy', '--rules-file', rules, '--issuer', gitlab.url, '--condition-keys', 'gitlab', '--check', file('loose.json', JSON.stringify(loose))]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^FAIL: Statement\[0\] accepts a token the rule sub="project_path:acme\/api:ref_type:branch:ref:main" refuses:\n  sub="project_path:acme\/api:ref_type:(branch:ref:(?!main")|tag:ref:)[^"]+", project_id="4200001"$/m);
  });

  it('compiles Buildkite and Bitbucket rules files on their claims', async () => {
    const buildkiteRules = file('bk.yml', `version: 1\nplatform: buildkite\nclaims:\n  organization_id: "${BUILDKITE_ORG_ID}"\n  pipeline_slug: deploy\n  build_branch: main\n  agent_tag:queue: deploy\n`);
    const { policy, stderr } = await trustPolicy(['--rules-file', buildkiteRules, '--issuer', buildkite.url, '--condition-keys', 'buildkite']);
    expect(stderr).toMatch(/claimcheck only +agent_tag:queue="deploy"/);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims())).toBe(true);
    expect(await stsAccepts(policy, buildkite, buildkiteClaims({ build_branch: 'dev' }, 'refs/heads/dev'))).toBe(false);
    const bitbucketRules = file('bb.yml', `version: 1\nplatform: bitbucket\nclaims:\n  sub: "${REPOSITORY_UUID}:${ENVIRONMENT_UUID}:**"\n  branchName: main\n`);
    const compiled = await trustPolicy(['--rules-file', bitbucketRules, '--issuer', bitbucket.url]);
    expect(compiled.stderr).toMatch(/claimcheck only +branchName="main"/);
    expect(await stsAccepts(compiled.policy, bitbucket, bitbucketClaims())).toBe(true);
    expect(await stsAccepts(compiled.policy, bitbucket, bitbucketClaims({}, null))).toBe(false);
  });

  it('refuses claim names the platform does not issue, and rules that pin no project on a shared issuer', async () => {
    const typo = file('typo.yml', 'version: 1\nplatform: gitlab\nclaims:\n  project_paht: acme/api\n');
    const fromFile = await cli(['assume', '--platform', 'gitlab', '--rules-file', typo, ...assumeFlags()], { GITLAB_OIDC_TOKEN: 'unused', CI_SERVER_URL: gitlab.url });
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(/^INPUT_INVALID: Rules file .*typo\.yml: claims\.project_paht: project_paht is not a claim of GitLab's tokens \(known: sub, aud, iss, jti, namespace_id/m);
    const fromFlag = await cli(['assume', '--platform', 'buildkite', '--issuer', buildkite.url, '--claims', 'pipeline=deploy', ...assumeFlags()]);
    expect(fromFlag.code).toBe(1);
    expect(fromFlag.stderr).toMatch(/^INPUT_INVALID: The rules: the rule pipeline=deploy names a claim the platform does not issue: pipeline is not a claim of Buildkite's tokens/m);
    const bitbucketTypo = await cli(['explain', '--platform', 'bitbucket', '--no-verify', '--claims', 'repository_uuid={x}'], { BITBUCKET_STEP_OIDC_TOKEN: 'unused' });
    expect(bitbucketTypo.stderr).toMatch(/repository_uuid is not a claim of Bitbucket Pipelines' tokens \(known: sub, aud, iss, workspaceUuid, repositoryUuid/);
    const mixed = await cli(['trust-policy', '--account-id', ACCOUNT, '--platform', 'gitlab', '--rules-file', file('gh.yml', 'version: 1\nplatform: github\nclaims:\n  repository_id: "1"\n')]);
    expect([mixed.code, mixed.stderr]).toEqual([2, expect.stringMatching(/--platform gitlab and the rules file's platform: github disagree/)]);
    const unpinned = await cli(['trust-policy', '--account-id', ACCOUNT, '--platform', 'gitlab', '--claims', 'ref=main']);
    expect(unpinned.code).toBe(1);
    expect(unpinned.stderr).toMatch(/^INPUT_INVALID: The rules pin no project of gitlab\.com: the policy would let every project's jobs assume the role \(e\.g\. sub="project_path:[^"]+".*\)\.\nHint: Add a rule that pins the project/m);
  });
});

describe('explain --platform', () => {
  it("verifies the job's token from its default source and checks GitLab rules", async () => {
    const token = await gitlab.sign(gitlabClaims());
    const result = await cli(['explain', '--platform', 'gitlab', '--claims', `project_id=${GITLAB_PROJECT_ID}\nref_protected=true`], { GITLAB_OIDC_TOKEN: token, CI_SERVER_URL: gitlab.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Token: verified \(RS256, issuer http:\/\/127\.0\.0\.1:\d+, audience sts\.amazonaws\.com\)$/m);
    expect(result.stdout).toMatch(/^ {2}held {4}project_id=4200001$/m);
    expect(result.stdout).not.toContain(token);
  });
});
