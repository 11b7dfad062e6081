// `claimcheck audit`: an account's roles read as the IAM CLI prints them, and one verdict per
// OIDC provider a role trusts — open, names-only, pinned, cannot-verify — on all five CI
// issuers (GitHub with GHE.com, enterprise and GHES issuers; CircleCI; GitLab; Buildkite;
// Bitbucket) and an issuer of unknown form; and with --rules-file, the role map's roles checked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/trust/audit.js';
import type { CliIo } from '../../src/cli/io.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { readAccountRoles } from '../../src/core/trust/aws/check/account-roles.js';
import { auditRole, type AuditVerdict } from '../../src/core/trust/aws/check/audit.js';

const ACCOUNT = '111122223333';

function trust(host: string, condition: object | undefined, extra: object[] = []): object {
  const allow = { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition ? { Condition: condition } : {}) };
  return { Version: '2012-10-17', Statement: [allow, ...extra] };
}

function verdict(host: string, condition: object | undefined, extra: object[] = []): { verdict: AuditVerdict; reasons: readonly string[] } {
  const [entry] = auditRole({ name: 'r', arn: undefined, document: trust(host, condition, extra), problem: undefined });
  return { verdict: entry!.verdict, reasons: entry!.reasons };
}

const GH = 'token.actions.githubusercontent.com';
const aud = (host: string) => ({ [`${host}:aud`]: 'sts.amazonaws.com' });

describe('reading an account', () => {
  const role = (name: string, document: unknown) => ({ RoleName: name, Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, AssumeRolePolicyDocument: document });

  it('takes get-account-authorization-details, list-roles and get-role, with documents as objects or URL-encoded', () => {
    const document = trust(GH, undefined);
    expect(readAccountRoles(JSON.stringify({ RoleDetailList: [role('a', document)] }), 'f')).toEqual([{ name: 'a', arn: `arn:aws:iam::${ACCOUNT}:role/a`, document, problem: undefined }]);
    expect(readAccountRoles(JSON.stringify({ Roles: [role('b', encodeURIComponent(JSON.stringify(document)))] }), 'f')[0]?.document).toEqual(document);
    expect(readAccountRoles(JSON.stringify({ Role: role('c', document) }), 'f')[0]?.name).toBe('c');
    expect(readAccountRoles(JSON.stringify({ Roles: [role('d', '%7Bnope')] }), 'f')[0]?.problem).toMatch(/^its trust policy cannot be read/);
    expect(readAccountRoles(JSON.stringify({ Roles: [role('e', encodeURIComponent('{"Statement":[],"Statement":[]}'))] }), 'f')[0]?.problem).toBe('its trust policy cannot be read (top level: the key Statement appears twice (JSON readers disagree on which value wins))');
  });

  it('refuses what is not an account, keys written twice, and entries that are not roles', () => {
    const refused = (text: string) => {
      try {
        readAccountRoles(text, 'account.json');
      } catch (error) {
        if (error instanceof ClaimcheckError) return error.message;
      }
      throw new Error('expected a refusal');
    };
    expect(refused('[]')).toBe("account.json is not an account's roles: it has neither RoleDetailList nor Roles.");
    expect(refused('{"Roles":[{"RoleName":"a"},{"Arn":"x"}]}')).toBe("account.json is not an account's roles: Roles[1] is not a role (no RoleName).");
    expect(refused('{"Roles":[{"RoleName":"a","RoleName":"b"}]}')).toBe("account.json is not an account's roles: Roles[0]: the key RoleName appears twice (JSON readers disagree on which value wins).");
    expect(refused('{"Roles":')).toMatch(/^account\.json is not an account's roles: it is not JSON/);
  });
});

describe('verdicts on GitHub issuers', () => {
  it('open, names-only, pinned', () => {
    expect(verdict(GH, { StringEquals: aud(GH) })).toMatchObject({ verdict: 'open', reasons: [expect.stringMatching(/^a stranger \(a new name, new ids\) is accepted, e\.g\. sub="repo:someone-else\//)] });
    expect(verdict(GH, { StringLike: { [`${GH}:sub`]: 'repo:acme/*' } }).verdict).toBe('names-only');
    expect(verdict(GH, { StringEquals: { [`${GH}:repository`]: 'acme/api' } }).verdict).toBe('names-only');
    expect(verdict(GH, { StringEquals: { [`${GH}:repository_id`]: '1' } }).verdict).toBe('pinned');
    // Only immutable subjects match this: the owner's id is pinned.
    expect(verdict(GH, { StringLike: { [`${GH}:sub`]: 'repo:acme@123/*' } }).verdict).toBe('pinned');
    // A legacy subject of any repository matches this one, on a branch named a@123/b.
    expect(verdict(GH, { StringLike: { [`${GH}:sub`]: 'repo:*@123/*' } }).verdict).toBe('open');
    expect(verdict(GH, { StringEquals: { [`${GH}:repository_owner_id`]: '7' } }).verdict).toBe('pinned');
    expect(verdict(GH, { StringLike: { [`${GH}:repository_id`]: '1*' } }).verdict).toBe('open');
  });

  it('the enterprise and GHE.com issuers have the same keys; GHES only its subjects', () => {
    expect(verdict(`${GH}/acme`, { StringEquals: aud(`${GH}/acme`) }).verdict).toBe('open');
    expect(verdict('token.actions.acme.ghe.com', { StringEquals: { 'token.actions.acme.ghe.com:repository_id': '1' } }).verdict).toBe('pinned');
    const ghes = 'ghes.example.com/_services/token';
    expect(verdict(ghes, { StringEquals: aud(ghes) }).verdict).toBe('open');
    expect(verdict(ghes, { StringLike: { [`${ghes}:sub`]: 'repo:acme/api:*' } }).verdict).toBe('names-only');
    // GHES has no repository_id key: a condition on one is something claimcheck cannot see.
    expect(verdict(ghes, { StringEquals: { [`${ghes}:repository_id`]: '1' } }).verdict).toBe('cannot-verify');
  });

  it('cannot verify what turns on a key the token does not set, and says other principals are let in', () => {
    expect(verdict(GH, { StringEquals: { 'sts:RoleSessionName': 'x' } })).toMatchObject({ verdict: 'cannot-verify', reasons: [expect.stringMatching(/^it is pinned or open: that turns on/), expect.stringMatching(/sts:RoleSessionName/)] });
    // Pinned whatever the unseen key holds.
    expect(verdict(GH, { StringEquals: { [`${GH}:repository_id`]: '1', 'sts:RoleSessionName': 'x' } }).verdict).toBe('pinned');
    const root = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' };
    expect(verdict(GH, { StringEquals: { [`${GH}:repository_id`]: '1' } }, [root]).reasons).toContain(`Statement[1] also lets the AWS principal arn:aws:iam::${ACCOUNT}:root assume the role`);
    expect(auditRole({ name: 'bad', arn: undefined, document: { Statement: [{ ...(trust(GH, undefined) as { Statement: object[] }).Statement[0], Resource: '*' }] }, problem: undefined })[0]).toMatchObject({ verdict: 'cannot-verify', reasons: ['the policy is not one IAM would take: Statement[0]: a trust policy statement takes no Resource'] });
  });
});

describe('verdicts on the other issuers', () => {
  it('CircleCI: per organization; projects by UUID, origins by name', () => {
    const circle = 'oidc.circleci.com/org/3f1c0c2e-0000-4000-8000-000000000009';
    expect(verdict(circle, { StringLike: { [`${circle}:sub`]: 'org/*/project/*' } }).verdict).toBe('open');
    expect(verdict(circle, { StringEquals: { [`${circle}:oidc.circleci.com/project-id`]: '3f1c0c2e-0000-4000-8000-000000000001' } }).verdict).toBe('pinned');
    // A branch named x/vcs-origin/github.com/acme/api/vcs-ref/y fakes the origin (and an origin
    // github.com/acme/api/vcs-ref/x the rest), unless the policy refuses those separators twice.
    const origin = { [`${circle}:sub`]: '*/vcs-origin/github.com/acme/api/vcs-ref/*' };
    expect(verdict(circle, { StringLike: origin }).verdict).toBe('open');
    expect(verdict(circle, { StringLike: origin, StringNotLike: { [`${circle}:sub`]: '*/vcs-origin/*/vcs-origin/*' } }).verdict).toBe('open');
    expect(verdict(circle, { StringLike: origin, StringNotLike: { [`${circle}:sub`]: ['*/vcs-origin/*/vcs-origin/*', '*/vcs-ref/*/vcs-ref/*'] } }).verdict).toBe('names-only');
  });

  it('GitLab.com: projects by id, groups by path', () => {
    expect(verdict('gitlab.com', { StringLike: { 'gitlab.com:sub': 'project_path:*' } }).verdict).toBe('open');
    expect(verdict('gitlab.com', { StringLike: { 'gitlab.com:sub': 'project_path:acme/*' } }).verdict).toBe('names-only');
    expect(verdict('gitlab.com', { StringEquals: { 'gitlab.com:project_id': '42' } }).verdict).toBe('pinned');
    expect(verdict('gitlab.com', { StringEquals: { 'gitlab.com:namespace_id': '7' } }).verdict).toBe('pinned');
  });

  it('Buildkite: organizations by UUID or slug', () => {
    const bk = 'agent.buildkite.com';
    expect(verdict(bk, { StringEquals: aud(bk) }).verdict).toBe('open');
    expect(verdict(bk, { StringEquals: { [`${bk}:organization_slug`]: 'acme' } }).verdict).toBe('names-only');
    expect(verdict(bk, { StringEquals: { [`${bk}:organization_id`]: '0191f956-0000-4000-8000-000000000001' } }).verdict).toBe('pinned');
  });

  it('Bitbucket: repositories by UUID', () => {
    const bb = 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
    expect(verdict(bb, { StringLike: { [`${bb}:sub`]: '*' } }).verdict).toBe('open');
    expect(verdict(bb, { StringLike: { [`${bb}:sub`]: '{5d6b0e4a-0000-4000-8000-000000000001}:*' } }).verdict).toBe('pinned');
  });

  it('an issuer of unknown form: open only when it takes every subject', () => {
    expect(verdict('ci.example.com', { StringEquals: aud('ci.example.com') }).verdict).toBe('open');
    expect(verdict('ci.example.com', { StringEquals: { 'ci.example.com:sub': 'project-1' } })).toMatchObject({ verdict: 'cannot-verify', reasons: [expect.stringMatching(/does not know the subject format of this issuer/)] });
  });

  it('skips a role that trusts no OIDC provider', () => {
    expect(auditRole({ name: 'lambda', arn: undefined, document: { Statement: { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' } }, problem: undefined })).toEqual([]);
  });
});

describe('audit --rules-file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'claimcheck-audit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checks each role the role map names against its entry, and exits 1 when a check fails', async () => {
    const rules = `version: 1
platform: github
claims: { repository_id: "1" }
roles:
  - { name: deploy, role: "arn:aws:iam::${ACCOUNT}:role/deploy", claims: { ref: refs/heads/main } }
`;
    const tight = trust(GH, { StringEquals: { ...aud(GH), [`${GH}:repository_id`]: '1', [`${GH}:ref`]: 'refs/heads/main' } });
    const loose = trust(GH, { StringEquals: { ...aud(GH), [`${GH}:repository_id`]: '1' } });
    const run = async (document: object) => {
      writeFileSync(join(dir, 'rules.yml'), rules);
      writeFileSync(join(dir, 'account.json'), JSON.stringify({ Roles: [{ RoleName: 'deploy', Arn: `arn:aws:iam::${ACCOUNT}:role/deploy`, AssumeRolePolicyDocument: document }, { RoleName: 'other', Arn: `arn:aws:iam::${ACCOUNT}:role/other`, AssumeRolePolicyDocument: tight }] }));
      let stdout = '';
      const io: CliIo = { stdout: (text) => void (stdout += text), stderr: () => {}, env: {}, readStdin: async () => '' };
      const code = await auditCommand([join(dir, 'account.json'), '--format', 'json', '--rules-file', join(dir, 'rules.yml')], io);
      return { code, rows: JSON.parse(stdout) as Array<{ role: string; verdict: string; check?: { verdict: string; findings: string[] } }> };
    };
    const good = await run(tight);
    expect(good.code).toBe(0);
    expect(good.rows.find((row) => row.role === 'deploy')?.check?.verdict).toBe('ok');
    expect(good.rows.find((row) => row.role === 'other')?.check).toBeUndefined();
    const bad = await run(loose);
    expect(bad.code).toBe(1);
    expect(bad.rows.find((row) => row.role === 'deploy')?.check).toMatchObject({ verdict: 'fail', findings: expect.arrayContaining([expect.stringMatching(/^FAIL: Statement\[0\] accepts a token the rule ref="refs\/heads\/main" refuses:/)]) });
  });
});
