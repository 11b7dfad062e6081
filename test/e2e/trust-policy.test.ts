// The trust policies claimcheck writes, enforced by the STS double standing in for AWS (with
// GitHub's 2026 provider condition keys): a rules file compiled into a policy, flags that AND,
// a repository pinned by id, `trust-policy --check` on a live policy (OK, FAIL with a token STS
// accepts, cannot verify), `explain --trust-policy`, and `audit` of an account's roles.
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
    expect(loose.stderr).toMatch(/^INPUT_INVALID: The rules pin no repository of 127\.0\.0\.1:\d+: the policy would let every repository's jobs assume the role \(e\.g\. sub="repo:someone-else\/api:ref:refs\/heads\/main"/);
    const opted = await cli(['trust-policy', '--account-id', ACCOUNT, ...ISSUER_FLAGS(), '--claims', 'ref=refs/heads/main', '--allow-unpinned']);
    expect(opted.code).toBe(0);
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

  it('without ids, warns why names are weak and takes both formats (the keys do not depend on the subject)', async () => {
    const { policy, stderr } = await compile(['--platform', 'github', '--repository', 'acme/api', '--branch', 'main']);
    expect(stderr).toMatch(/by name only\. A deleted or renamed repository frees its name/);
    expect(await stsAccepts(policy, legacy('ref:refs/heads/main'))).toBe(true);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main'))).toBe(true);
  });

  it('ANDs different flags: --branch main --environment prod is main and prod', async () => {
    const { policy } = await compile(['--platform', 'github', '--repository-id', REPO_ID, '--branch', 'main', '--environment', 'prod']);
    const prod = { ...immutable('environment:prod'), environment: 'prod' };
    expect(await stsAccepts(policy, prod)).toBe(true);
    expect(await stsAccepts(policy, immutable('ref:refs/heads/main'))).toBe(false);
    expect(await stsAccepts(policy, { ...prod, ref: 'refs/heads/dev' })).toBe(false);
  });
});

describe('trust-policy --check', () => {
  const loose = (host: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${host}:sub`]: 'repo:acme/*' } } }],
  });

  /** The claims of the token a FAIL line shows (on the line after it). */
  function failToken(stdout: string, rule: string): Record<string, string> {
    const line = new RegExp(`^FAIL: Statement\\[\\d+\\] accepts a token the rule ${rule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} refuses:\\n {2}(.*)$`, 'm').exec(stdout)?.[1] ?? '';
    return Object.fromEntries([...line.matchAll(/([\w.\/-]+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
  }

  it('fails a repo:acme/* policy against rules that pin repository_id, with a token that proves it', async () => {
    const rules = file('rules.yml', RULES);
    const result = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('policy.json', JSON.stringify(loose(issuer.host))), '--rules-file', rules]);
    expect(result.code).toBe(1);
    // The counterexample is real: STS accepts it under that policy, and the rules refuse it.
    const claims = failToken(result.stdout, `repository_id="${REPO_ID}"`);
    expect(claims.repository_id).toBeDefined();
    expect(claims.repository_id).not.toBe(REPO_ID);
    expect(await stsAccepts(loose(issuer.host), { ...claims, repository_owner_id: OWNER_ID })).toBe(true);
    expect(result.stdout).toMatch(/^FAIL: each FAIL above comes with its proof: a token \(or a request\) that STS would accept, or why no job the rules were written for gets in \(exit 1\)\.$/m);
  });

  it('fails a second statement and another principal, and cannot verify a key the token does not set', async () => {
    const rules = file('rules.yml', RULES);
    const good = (compileOutput: object) => (compileOutput as { Statement: object[] }).Statement[0] as object;
    const { policy } = await compile(['--rules-file', rules]);
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer.host}`;
    const env = { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.host}:aud`]: 'sts.amazonaws.com', [`${issuer.host}:repository_id`]: REPO_ID, [`${issuer.host}:repository_owner_id`]: OWNER_ID }, StringLike: { [`${issuer.host}:sub`]: '*:environment:*' } } };
    const second = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('p2.json', JSON.stringify({ Version: '2012-10-17', Statement: [good(policy), env] })), '--rules-file', rules]);
    expect(second.code).toBe(1);
    const claims = failToken(second.stdout, 'ref=["refs/heads/main","refs/tags/v*"]');
    expect(await stsAccepts({ Version: '2012-10-17', Statement: [good(policy), env] }, claims)).toBe(true);
    const root = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' };
    const aws = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('p3.json', JSON.stringify({ Version: '2012-10-17', Statement: [good(policy), root] })), '--rules-file', rules]);
    expect(aws.code).toBe(1);
    expect(aws.stdout).toMatch(/^FAIL: Statement\[1\] lets the AWS principal arn:aws:iam::111122223333:root assume the role with sts:AssumeRole unconditionally/m);
    const session = { ...env, Condition: { ...env.Condition, StringEquals: { ...env.Condition.StringEquals, 'sts:RoleSessionName': 'ci' } } };
    const unseen = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('p4.json', JSON.stringify({ Version: '2012-10-17', Statement: [good(policy), session] })), '--rules-file', rules]);
    expect(unseen.stdout).toMatch(/^CANNOT VERIFY: whether Statement\[1\] accepts a token that breaks ref=.*: it turns on what claimcheck cannot see — Statement\[1\]: the key sts:RoleSessionName/m);
    expect(unseen.code).toBe(3);
  });

  it('refuses a policy file with a key written twice', async () => {
    const text = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny","Principal":"*","Action":"sts:*"}]}`;
    const result = await cli(['trust-policy', ...ISSUER_FLAGS(), '--check', file('dup.json', text), '--rules-file', file('rules.yml', RULES)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^INPUT_INVALID: .*dup\.json is not a trust policy: Statement\[0\]: the key Effect appears twice/m);
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
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer.host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.host}:aud`]: 'sts.amazonaws.com', [`${issuer.host}:sub`]: 'repo:acme/api:ref:refs/heads/main' } } }] };
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

  it('says a key claimcheck cannot see decides, as --check does, and exits 3', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer.host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.host}:aud`]: 'sts.amazonaws.com', 'sts:RoleSessionName': 'deploy' } } }] };
    const token = file('token', await issuer.sign(githubClaims({})));
    const result = await cli(['explain', '--token-file', token, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--condition-keys', 'github', '--trust-policy', file('p.json', JSON.stringify(policy))]);
    expect(result.stdout).toMatch(/CANNOT VERIFY: whether Statement\[0\] \(sts:RoleSessionName\) accepts it is decided by a key claimcheck cannot see/);
    expect(result.stdout).not.toMatch(/hint:/);
    expect(result.code).toBe(3);
  });
});

describe('inert output', () => {
  it('trust-policy --token-file writes no control, bidi or zero-width character raw', async () => {
    const sub = 'repo:acme/api:environment:prod\u0085\u009b2J\u202e\u200b\u2066x';
    const token = file('token', await issuer.sign(githubClaims({ sub })));
    for (const format of ['json', 'terraform']) {
      const result = await cli(['trust-policy', '--account-id', ACCOUNT, '--token-file', token, '--format', format]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(/[\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u);
      if (format === 'json') expect((JSON.parse(result.stdout) as { Statement: Array<{ Condition: { StringEquals: Record<string, string> } }> }).Statement[0]?.Condition.StringEquals[`${issuer.host}:sub`]).toBe(sub);
    }
  });
});

describe('claimcheck audit', () => {
  it('gives each OIDC role its verdict, reads URL-encoded documents, skips the rest, and exits 1 for an open role', async () => {
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const trust = (condition: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }] });
    const aud = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' };
    const details = {
      RoleDetailList: [
        { RoleName: 'open', Arn: `arn:aws:iam::${ACCOUNT}:role/open`, AssumeRolePolicyDocument: trust({ StringEquals: aud }) },
        { RoleName: 'names', Arn: `arn:aws:iam::${ACCOUNT}:role/names`, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust({ StringEquals: aud, StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/api:*' } }))) },
        { RoleName: 'pinned', Arn: `arn:aws:iam::${ACCOUNT}:role/pinned`, AssumeRolePolicyDocument: trust({ StringEquals: { ...aud, 'token.actions.githubusercontent.com:repository_id': REPO_ID } }) },
        { RoleName: 'unseen', Arn: `arn:aws:iam::${ACCOUNT}:role/unseen`, AssumeRolePolicyDocument: trust({ StringEquals: { ...aud, 'sts:RoleSessionName': 'x' } }) },
        { RoleName: 'lambda', Arn: `arn:aws:iam::${ACCOUNT}:role/lambda`, AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      ],
    };
    const path = file('account.json', JSON.stringify(details));
    const json = await cli(['audit', path, '--format', 'json']);
    expect(json.code).toBe(1);
    const rows = JSON.parse(json.stdout) as Array<{ role: string; issuer: string; verdict: string; reasons: string[] }>;
    expect(rows.map(({ role, verdict }) => [role, verdict])).toEqual([['open', 'open'], ['unseen', 'cannot-verify'], ['names', 'names-only'], ['pinned', 'pinned']]);
    expect(rows[0]).toMatchObject({ issuer: 'https://token.actions.githubusercontent.com', reasons: [expect.stringMatching(/^a stranger \(a new name, new ids\) is accepted, e\.g\. sub="repo:someone-else\/api/)] });
    expect(json.stderr).toMatch(/1 role skipped \(no OIDC provider\)/);
    const text = await cli(['audit', path]);
    expect(text.stdout).toMatch(/^open {11}open {2,}token\.actions\.githubusercontent\.com$/m);
    expect(text.stdout).toMatch(/^4 roles trust an OIDC provider: 1 open, 1 names-only, 1 pinned, 1 cannot-verify; 1 skipped \(no OIDC provider\)\.$/m);
    const safe = await cli(['audit', file('safe.json', JSON.stringify({ Roles: details.RoleDetailList.slice(2, 3) }))]);
    expect(safe.code).toBe(0);
    const dup = await cli(['audit', file('dup.json', '{"Roles":[],"Roles":[]}')]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^INPUT_INVALID: .*dup\.json is not an account's roles: top level: the key Roles appears twice/m);
  });
});
