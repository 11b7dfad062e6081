// The trust policies claimcheck writes, enforced by the STS double standing in for AWS (with
// GitHub's 2026 provider condition keys): a rules file compiled into a policy, a repository
// pinned by id, `trust-policy --check` on a live policy, and `explain --trust-policy`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from '../harness/github.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const [node24] = nodeRuntimes();

let issuer: TestIssuer;
let sts: StsDouble;
let dir: string;

beforeAll(async () => {
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'], conditionKeys: 'github' }], roles: [] });
});
afterAll(async () => Promise.all([sts?.close(), issuer?.close()]));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-trust-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return run(node24!.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, 60_000);
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The loopback issuer stands in for GitHub's: the policy uses AWS's GitHub keys on its host. */
const ISSUER_FLAGS = () => ['--issuer', issuer.url, '--condition-keys', 'github'];

async function compile(args: string[]): Promise<{ policy: object; stderr: string }> {
  const result = await cli(['trust-policy', '--account-id', ACCOUNT, ...ISSUER_FLAGS(), ...args]);
  expect(result.code, result.stderr).toBe(0);
  return { policy: JSON.parse(result.stdout) as object, stderr: result.stderr };
}

/** Whether STS lets a token with these claims assume the role under the policy. */
async function stsAccepts(policy: object, claims: Record<string, unknown>): Promise<boolean> {
  sts.setRoles([{ arn: ROLE, trustPolicy: policy }]);
  const token = file('token', await issuer.sign(githubClaims(claims)));
  const result = await cli(['assume', '--token-file', token, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url]);
  if (result.code !== 0) expect(result.stderr).toMatch(/^STS_ACCESS_DENIED/m);
  return result.code === 0;
}

const OWNER_ID = '987654';
const REPO_ID = '123456789';
const legacy = (context: string) => ({ sub: `repo:acme/api:${context}` });
const immutable = (context: string, ownerId = OWNER_ID, repositoryId = REPO_ID) => ({ sub: `repo:acme@${ownerId}/api@${repositoryId}:${context}`, repository_owner_id: ownerId, repository_id: repositoryId });

const RULES = `version: 1
platform: github
claims:
  repository_id: "${REPO_ID}"
  repository_owner_id: "${OWNER_ID}"
  ref: [refs/heads/main, "refs/tags/v*"]
`;

describe('a rules file compiled into the trust policy', () => {
  it('binds AWS to the rules: both subject formats, no recycled name, * within a segment', async () => {
    const { policy, stderr } = await compile(['--rules-file', file('rules.yml', RULES)]);
    expect(stderr).toMatch(/AWS enforces +repository_id="123456789"/);
    expect(await stsAccepts(policy, legacy('ref:refs/heads/main'))).toBe(true);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main'))).toBe(true);
    expect(await stsAccepts(policy, { ...immutable('ref:refs/tags/v1.2'), ref: 'refs/tags/v1.2' })).toBe(true);
    // A repository re-created under the same names has other ids.
    expect(await stsAccepts(policy, { ...legacy('ref:refs/heads/main'), repository_id: '555', repository_owner_id: '444' })).toBe(false);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main', '444', '555'))).toBe(false);
    expect(await stsAccepts(policy, { ...legacy('ref:refs/tags/v1/x'), ref: 'refs/tags/v1/x' })).toBe(false);
    expect(await stsAccepts(policy, { ...legacy('ref:refs/heads/dev'), ref: 'refs/heads/dev' })).toBe(false);
  });

  it('lists what only claimcheck checks, and refuses rules that pin no repository', async () => {
    const { stderr } = await compile(['--claims', `repository_id=${REPO_ID}\nevent_name=push\nhead_ref=feature/*`]);
    expect(stderr).toMatch(/claimcheck only +event_name=push +\(AWS has no condition key for event_name/);
    const loose = await cli(['trust-policy', '--account-id', ACCOUNT, ...ISSUER_FLAGS(), '--claims', 'ref=refs/heads/main']);
    expect(loose.code).toBe(1);
    expect(loose.stderr).toMatch(/^INPUT_INVALID: The rules pin no repository: the policy would let every GitHub repository's workflows assume the role\./);
  });

  it('prints one policy per role map entry, or the one --role names', async () => {
    const rules = `version: 1
platform: github
claims: { repository_id: "${REPO_ID}" }
roles:
  - { name: deploy, role: "${ROLE}", claims: { environment: prod } }
  - { name: read, role: "arn:aws:iam::${ACCOUNT}:role/read", claims: { ref: "refs/heads/**" } }
`;
    const path = file('map.yml', rules);
    const all = await compile(['--rules-file', path]);
    expect(Object.keys(all.policy)).toEqual(['deploy', 'read']);
    const one = await compile(['--rules-file', path, '--role', 'deploy']);
    expect(await stsAccepts(one.policy, { ...legacy('environment:prod'), environment: 'prod' })).toBe(true);
    expect(await stsAccepts(one.policy, legacy('ref:refs/heads/main'))).toBe(false);
    const terraform = await cli(['trust-policy', ...ISSUER_FLAGS(), '--rules-file', path, '--format', 'terraform']);
    expect(terraform.stdout.match(/^resource "aws_iam_role" /gm)).toHaveLength(2);
  });

  it('keeps claim text inert in Terraform: ${ and %{ never interpolate', async () => {
    const result = await cli(['trust-policy', '--account-id', ACCOUNT, ...ISSUER_FLAGS(), '--format', 'terraform', '--claims', `repository_id=${REPO_ID}\nworkflow=fix-\${var.db_password}-%{if true}x%{endif}`]);
    expect(result.code, result.stderr).toBe(0);
    // Every ${ and %{ in the HCL is escaped as $${ or %%{ (the IAM escape ${$} included).
    expect(result.stdout).not.toMatch(/(?<![$])\$\{/);
    expect(result.stdout).not.toMatch(/(?<![%])%\{/);
    expect(result.stdout).toContain('"fix-$${$}{var.db_password}-%%{if true}x%%{endif}"');
  });
});

describe('trust-policy --platform github with ids', () => {
  it('pins the repository by id: both subject formats, not a recycled name', async () => {
    const { policy, stderr } = await compile(['--platform', 'github', '--repository', 'acme/api', '--owner-id', OWNER_ID, '--repository-id', REPO_ID, '--branch', 'main']);
    expect(stderr).not.toMatch(/by name only/);
    expect(await stsAccepts(policy, legacy('ref:refs/heads/main'))).toBe(true);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main'))).toBe(true);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main', '444', '555'))).toBe(false);
    expect(await stsAccepts(policy, { ...legacy('ref:refs/heads/main'), repository_id: '555', repository_owner_id: '444' })).toBe(false);
  });

  it('without ids, warns why names are weak and takes both formats by default', async () => {
    const { policy, stderr } = await compile(['--platform', 'github', '--repository', 'acme/api', '--branch', 'main']);
    expect(stderr).toMatch(/by name only\. A deleted or renamed repository frees its name/);
    expect(await stsAccepts(policy, legacy('ref:refs/heads/main'))).toBe(true);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main'))).toBe(true);
    const legacyOnly = await compile(['--platform', 'github', '--repository', 'acme/api', '--branch', 'main', '--sub-format', 'legacy']);
    expect(await stsAccepts(legacyOnly.policy, immutable('ref:refs/heads/main'))).toBe(false);
  });
});

describe('trust-policy --check', () => {
  const loose = (host: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${host}:sub`]: 'repo:acme/*' } } }],
  });

  it('fails a repo:acme/* policy against rules that pin repository_id, with a token that proves it', async () => {
    const rules = file('rules.yml', RULES);
    const result = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('policy.json', JSON.stringify(loose(issuer.host))), '--rules-file', rules]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL: accepts any repository_id: the policy never checks .*:repository_id/);
    // The counterexample is real: STS accepts it under that policy, and the rules refuse it.
    const line = /e\.g\. a token with (.*)$/m.exec(result.stdout.split('FAIL: accepts any repository_id')[1] ?? '')?.[1] ?? '';
    const claims = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    expect(claims.repository_id).not.toBe(REPO_ID);
    expect(await stsAccepts(loose(issuer.host), claims)).toBe(true);
  });

  it('passes the policy compiled from the same rules, read from aws iam get-role output', async () => {
    const rules = file('rules.yml', RULES);
    const { policy } = await compile(['--rules-file', rules]);
    const getRole = { Role: { RoleName: 'deploy', Arn: ROLE, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(policy)) } };
    const result = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('role.json', JSON.stringify(getRole)), '--rules-file', rules]);
    expect(result.stdout).toMatch(/^OK: /m);
    expect(result.code).toBe(0);
  });
});

describe('explain --trust-policy', () => {
  it('names the statement that accepts a token, or the condition that refuses it with hints', async () => {
    const { policy } = await compile(['--platform', 'github', '--repository', 'acme/api', '--branch', 'main', '--sub-format', 'legacy']);
    const policyPath = file('policy.json', JSON.stringify(policy));
    const explain = async (claims: Record<string, unknown>) => {
      const token = file('token', await issuer.sign(githubClaims(claims)));
      return cli(['explain', '--token-file', token, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--condition-keys', 'github', '--trust-policy', policyPath]);
    };
    const accepted = await explain({});
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/ACCEPTED by Statement\[0\]/);
    const refused = await explain(immutable('ref:refs/heads/main'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/REFUSED: no statement allows this token/);
    expect(refused.stdout).toMatch(/the token has "repo:acme@987654\/api@123456789:ref:refs\/heads\/main"/);
    expect(refused.stdout).toMatch(/hint: This repository uses GitHub's immutable subject/);
    expect(refused.stdout).toMatch(/Subject format: GitHub's immutable format/);
    const inEnvironment = await explain({ ...legacy('environment:prod'), environment: 'prod' });
    expect(inEnvironment.stdout).toMatch(/hint: This job uses the environment "prod"/);
  });
});
