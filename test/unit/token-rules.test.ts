// `trust-policy --token-file` turns the token into rules (core/trust/token-rules.ts) and
// compiles them with the one compiler: the policy accepts the next run of the same job (a new
// commit, step, user or run id) and refuses another project, branch or repository.
import { describe, expect, it } from 'vitest';
import { compileTrust } from '../../src/core/trust/aws/compile-trust.js';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { conditionKeyFor, issuerKeys, requestContext } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { oidcProviderArn } from '../../src/core/trust/aws/token-policy.js';
import { tokenRules } from '../../src/core/trust/token-rules.js';

type Claims = Record<string, unknown>;

function compiled(issuer: string, made: Claims) {
  const keys = issuerKeys(issuer);
  const rules = tokenRules(made, (claim) => conditionKeyFor(keys, claim) !== undefined);
  const principal = oidcProviderArn('aws', '123456789012', issuer);
  return { rules, keys, principal, document: compileTrust({ rules, issuer, keys, audience: 'sts.amazonaws.com', principal, where: 'The token', fromToken: true }).document };
}

/** Whether STS would let a token with `next`'s claims in, under the policy made from `made`'s token. */
function acceptsNext(issuer: string, made: Claims, next: Claims): boolean {
  const { keys, principal, document } = compiled(issuer, made);
  return evaluatePolicy(readPolicyDocument(document), { action: 'sts:AssumeRoleWithWebIdentity', principalMatches: (kind, value) => kind === 'Federated' && value === principal, context: requestContext(keys, next) }).allowed;
}

const sha = (n: number) => String(n).repeat(40).slice(0, 40);

describe('the rules of one token, compiled', () => {
  it('Buildkite: the organization and pipeline by id, the ref; any commit and step', () => {
    const issuer = 'https://agent.buildkite.com';
    const build = (commit: string, step: string, more: Claims = {}) => ({
      aud: 'sts.amazonaws.com', sub: `organization:acme:pipeline:deploy:ref:refs/heads/main:commit:${commit}:step:${step}`, organization_slug: 'acme', pipeline_slug: 'deploy',
      organization_id: 'org-uuid', pipeline_id: 'pipe-uuid', build_commit: commit, build_branch: 'main', ...more,
    });
    expect(JSON.stringify(compiled(issuer, build(sha(1), 'deploy')).document)).not.toContain(sha(1));
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), build(sha(2), 'test'))).toBe(true);
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), { ...build(sha(2), 'deploy'), sub: `organization:acme:pipeline:deploy:ref:refs/heads/dev:commit:${sha(2)}:step:deploy`, build_branch: 'dev' })).toBe(false);
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), build(sha(2), 'deploy', { organization_id: 'other-org' }))).toBe(false);
  });

  it('Bitbucket: the repository and deployment environment; any step', () => {
    const issuer = 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
    const step = (uuid: string, environment = '{env}') => ({ aud: 'sts.amazonaws.com', sub: `{repo}:${environment}:${uuid}`, repositoryUuid: '{repo}', deploymentEnvironmentUuid: environment, stepUuid: uuid, pipelineUuid: '{p}' });
    expect(JSON.stringify(compiled(issuer, step('{step-1}')).document)).not.toContain('step-1');
    expect(acceptsNext(issuer, step('{step-1}'), step('{step-2}'))).toBe(true);
    expect(acceptsNext(issuer, step('{step-1}'), step('{step-2}', '{staging}'))).toBe(false);
  });

  it('GitHub: the repository by its ids, not the subject by name; the environment or the ref', () => {
    const issuer = 'https://token.actions.githubusercontent.com';
    const run = (id: string, more: Claims = {}) => ({
      aud: 'sts.amazonaws.com', sub: 'repo:acme/api:ref:refs/heads/main', repository: 'acme/api', repository_id: '123', repository_owner_id: '9', ref: 'refs/heads/main', run_id: id, ...more,
    });
    expect(compiled(issuer, run('1')).rules.map((rule) => rule.claim)).toEqual(['repository_id', 'repository_owner_id', 'ref']);
    expect(acceptsNext(issuer, run('1'), run('2', { sub: 'repo:acme@9/api@123:ref:refs/heads/main' }))).toBe(true);
    expect(acceptsNext(issuer, run('1'), run('2', { repository_id: '777' }))).toBe(false);
    expect(acceptsNext(issuer, run('1'), run('2', { ref: 'refs/heads/dev', sub: 'repo:acme/api:ref:refs/heads/dev' }))).toBe(false);
  });

  it('CircleCI: the project by its id, any user, the ref a v2 subject names', () => {
    const org = '0c5b7c2e-1111-4222-8333-444455556666';
    const issuer = `https://oidc.circleci.com/org/${org}`;
    const job = (user: string, ref = 'refs/heads/main') => ({ aud: 'sts.amazonaws.com', sub: `org/${org}/project/p1/user/${user}/vcs-origin/github.com/acme/api/vcs-ref/${ref}`, 'oidc.circleci.com/project-id': 'p1' });
    expect(JSON.stringify(compiled(issuer, job('u1')).document)).not.toContain('u1');
    expect(acceptsNext(issuer, job('u1'), job('u2'))).toBe(true);
    expect(acceptsNext(issuer, job('u1'), job('u2', 'refs/heads/dev'))).toBe(false);
  });

  it('GitLab: the project by its id besides the subject, which names no run', () => {
    const issuer = 'https://gitlab.com';
    const job = (id: string, project = '42') => ({ aud: 'sts.amazonaws.com', sub: 'project_path:acme/api:ref_type:branch:ref:main', project_id: project, pipeline_id: id, job_id: id });
    expect(JSON.stringify(compiled(issuer, job('1001')).document)).not.toContain('1001');
    expect(acceptsNext(issuer, job('1001'), job('1002'))).toBe(true);
    expect(acceptsNext(issuer, job('1001'), job('1002', '43'))).toBe(false);
  });

  it('another issuer: its exact subject, as text', () => {
    expect(tokenRules({ sub: 'system:serviceaccount:ci:runner*' }, () => false)).toEqual([{ source: 'sub="system:serviceaccount:ci:runner*"', claim: 'sub', alternatives: [{ exact: 'system:serviceaccount:ci:runner*' }] }]);
  });
});
