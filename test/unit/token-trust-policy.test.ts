// A policy for one token (`trust-policy --token-file`, explain's condition, the AccessDenied
// hint) accepts the jobs the token stands for: the next run of the same job (a new commit,
// step or run id) and nothing else. Where the token is of no known platform, its subject is
// taken as text: claim characters IAM reads as syntax (`*`, `?`, `${`) must not widen it to
// other subjects or turn it into a policy variable.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { compileTrust } from '../../src/core/trust/aws/compile-trust.js';
import { exactTrustCondition, oidcProviderArn, tokenTrustCondition } from '../../src/core/trust/aws/token-policy.js';
import { conditionKeyFor, issuerKeys, requestContext } from '../../src/core/trust/aws/iam/keys.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

/** The role trust policy that holds a condition for the provider of `issuer`. */
function policyWith(issuer: string, condition: object): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: oidcProviderArn('aws', '123456789012', issuer) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
  };
}

/** The hint's and explain's condition for a token of no known platform, as a policy. */
function hintPolicy(subject: string): object {
  return policyWith(ISSUER, tokenTrustCondition(ISSUER, 'sts.amazonaws.com', { sub: subject }, () => undefined).condition);
}

/** What `trust-policy --token-file` writes for that token, through the one compiler. */
function compiledPolicy(subject: string): object {
  const rules = [{ source: `sub=${subject}`, claim: 'sub', alternatives: [{ exact: subject }] }];
  return compileTrust({ rules, issuer: ISSUER, keys: issuerKeys(ISSUER), audience: 'sts.amazonaws.com', principal: PROVIDER, where: 'The token', fromToken: true }).document;
}

describe.each([
  ['the AccessDenied hint and explain', hintPolicy],
  ['trust-policy --token-file', compiledPolicy],
])('a trust policy for one token: %s', (_, policyFor) => {
  function accepts(subjectInPolicy: string, subjectOfToken: string): boolean {
    const policy = readPolicyDocument(policyFor(subjectInPolicy));
    const context = new Map([
      ['token.actions.githubusercontent.com:aud', ['sts.amazonaws.com']],
      ['token.actions.githubusercontent.com:sub', [subjectOfToken]],
    ]);
    return evaluatePolicy(policy, { action: 'sts:AssumeRoleWithWebIdentity', principalMatches: (kind, value) => kind === 'Federated' && value === PROVIDER, context }).allowed;
  }

  it('accepts the token it was made from, whatever its subject holds', () => {
    for (const subject of ['repo:o/r:ref:refs/heads/main', 'repo:o/r:environment:prod*', 'repo:o/r:environment:a?b', 'repo:o/r:ref:refs/heads/x${aws:username}', 'repo:o/r:ref:refs/heads/$${']) {
      expect(accepts(subject, subject), subject).toBe(true);
    }
  });

  it('accepts no other subject: a * or ? in a claim is a character, not a wildcard', () => {
    expect(accepts('repo:o/r:environment:prod*', 'repo:o/r:environment:production')).toBe(false);
    expect(accepts('repo:o/r:environment:a?b', 'repo:o/r:environment:axb')).toBe(false);
  });

  it('keeps ${ from starting a policy variable', () => {
    expect(accepts('repo:o/r:ref:refs/heads/x${aws:username}', 'repo:o/r:ref:refs/heads/x')).toBe(false);
  });
});

it('writes ${ of a subject as ${$}, which IAM reads as the two characters', () => {
  expect(exactTrustCondition(ISSUER, 'sts.amazonaws.com', 'repo:o/r:ref:refs/heads/x${aws:username}')).toEqual({
    StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/x${$}{aws:username}' },
  });
});

/** Whether STS would let a token with `claims` assume a role whose policy was made from `made`'s token. */
function acceptsNext(issuer: string, made: Record<string, unknown>, next: Record<string, unknown>): boolean {
  const keys = issuerKeys(issuer);
  const provider = oidcProviderArn('aws', '123456789012', issuer);
  const policy = readPolicyDocument(policyWith(issuer, tokenTrustCondition(issuer, 'sts.amazonaws.com', made, (claim) => conditionKeyFor(keys, claim)).condition));
  return evaluatePolicy(policy, { action: 'sts:AssumeRoleWithWebIdentity', principalMatches: (kind, value) => kind === 'Federated' && value === provider, context: requestContext(keys, next) }).allowed;
}

const conditionOf = (issuer: string, claims: Record<string, unknown>) => {
  const keys = issuerKeys(issuer);
  return tokenTrustCondition(issuer, 'sts.amazonaws.com', claims, (claim) => conditionKeyFor(keys, claim)).condition;
};

describe('a trust policy for one token pins nothing that changes from run to run', () => {
  const sha = (n: number) => String(n).repeat(40).slice(0, 40);

  it('Buildkite: the organization and pipeline by id, the ref; any commit and step', () => {
    const issuer = 'https://agent.buildkite.com';
    const build = (commit: string, step: string, more: Record<string, unknown> = {}) => ({
      aud: 'sts.amazonaws.com', sub: `organization:acme:pipeline:deploy:ref:refs/heads/main:commit:${commit}:step:${step}`, organization_slug: 'acme', pipeline_slug: 'deploy',
      organization_id: 'org-uuid', pipeline_id: 'pipe-uuid', build_commit: commit, build_branch: 'main', ...more,
    });
    const text = JSON.stringify(conditionOf(issuer, build(sha(1), 'deploy')));
    expect(text).not.toContain(sha(1));
    expect(text).toContain('"agent.buildkite.com:organization_id":"org-uuid"');
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), build(sha(2), 'test'))).toBe(true);
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), { ...build(sha(2), 'deploy'), sub: `organization:acme:pipeline:deploy:ref:refs/heads/dev:commit:${sha(2)}:step:deploy` })).toBe(false);
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), { ...build(sha(2), 'deploy'), sub: `organization:acme:pipeline:deploy:ref:refs/heads/main:commit:x:commit:${sha(2)}:step:deploy` })).toBe(false);
    expect(acceptsNext(issuer, build(sha(1), 'deploy'), build(sha(2), 'deploy', { organization_id: 'other-org' }))).toBe(false);
  });

  it('Bitbucket: the repository and deployment environment; any step', () => {
    const issuer = 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
    const step = (uuid: string, environment = '{env}') => ({ aud: 'sts.amazonaws.com', sub: `{repo}:${environment}:${uuid}`, repositoryUuid: '{repo}', deploymentEnvironmentUuid: environment, stepUuid: uuid, pipelineUuid: '{p}' });
    expect(JSON.stringify(conditionOf(issuer, step('{step-1}')))).not.toContain('step-1');
    expect(acceptsNext(issuer, step('{step-1}'), step('{step-2}'))).toBe(true);
    expect(acceptsNext(issuer, step('{step-1}'), step('{step-2}', '{staging}'))).toBe(false);
  });

  it('GitHub: the repository by its ids, not a legacy subject by name; the environment or the ref', () => {
    const issuer = 'https://token.actions.githubusercontent.com';
    const run = (id: string, more: Record<string, unknown> = {}) => ({
      aud: 'sts.amazonaws.com', sub: 'repo:acme/api:ref:refs/heads/main', repository: 'acme/api', repository_id: '123', repository_owner_id: '9', ref: 'refs/heads/main', run_id: id, sha: sha(Number(id)), ...more,
    });
    const condition = conditionOf(issuer, run('1'));
    expect(JSON.stringify(condition)).not.toMatch(/:sub"|run_id|"1{40}"/);
    expect(condition.StringEquals).toMatchObject({ 'token.actions.githubusercontent.com:repository_id': '123', 'token.actions.githubusercontent.com:ref': 'refs/heads/main' });
    expect(acceptsNext(issuer, run('1'), run('2', { sub: 'repo:acme@9/api@123:ref:refs/heads/main' }))).toBe(true);
    expect(acceptsNext(issuer, run('1'), run('2', { repository_id: '777' }))).toBe(false);
    const pullRequest = run('1', { sub: 'repo:acme/api:pull_request', ref: 'refs/pull/42/merge', event_name: 'pull_request' });
    expect(JSON.stringify(conditionOf(issuer, pullRequest))).not.toContain('refs/pull/42');
    expect(acceptsNext(issuer, pullRequest, { ...pullRequest, ref: 'refs/pull/43/merge', sub: 'repo:acme@9/api@123:pull_request' })).toBe(true);
  });

  it('CircleCI: the project by its id, any user, the ref a v2 subject names', () => {
    const issuer = 'https://oidc.circleci.com/org/0c5b7c2e-1111-4222-8333-444455556666';
    const org = '0c5b7c2e-1111-4222-8333-444455556666';
    const job = (user: string, ref = 'refs/heads/main') => ({ aud: 'sts.amazonaws.com', sub: `org/${org}/project/p1/user/${user}/vcs-origin/github.com/acme/api/vcs-ref/${ref}`, 'oidc.circleci.com/project-id': 'p1' });
    expect(JSON.stringify(conditionOf(issuer, job('u1')))).not.toContain('u1');
    expect(acceptsNext(issuer, job('u1'), job('u2'))).toBe(true);
    expect(acceptsNext(issuer, job('u1'), job('u2', 'refs/heads/dev'))).toBe(false);
  });

  it('GitLab: the project by its id besides the subject, which names no run', () => {
    const issuer = 'https://gitlab.com';
    const job = (id: string, project = '42') => ({ aud: 'sts.amazonaws.com', sub: 'project_path:acme/api:ref_type:branch:ref:main', project_id: project, pipeline_id: id, job_id: id });
    expect(JSON.stringify(conditionOf(issuer, job('1001')))).not.toContain('1001');
    expect(acceptsNext(issuer, job('1001'), job('1002'))).toBe(true);
    expect(acceptsNext(issuer, job('1001'), job('1002', '43'))).toBe(false);
  });
});
