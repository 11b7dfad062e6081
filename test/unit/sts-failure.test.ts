import { describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../src/core/aws/arn.js';
import { classifyStsFailure, explainStsExhausted, explainStsFailure, type StsFailure } from '../../src/core/aws/sts-failure.js';

const failure = (code: string, message = 'm', status?: number): StsFailure => ({ code, message, status, requestId: 'req-1' });

const context = {
  roleArn: parseRoleArn('arn:aws:iam::123456789012:role/deploy')!,
  issuer: 'https://token.actions.githubusercontent.com',
  audience: 'sts.amazonaws.com',
  endpoint: 'https://sts.us-east-1.amazonaws.com',
  claims: {
    sub: 'repo:acme/api:ref:refs/heads/dev',
    aud: 'sts.amazonaws.com',
    iss: 'https://token.actions.githubusercontent.com',
    repository: 'acme/api',
    ref: 'refs/heads/dev',
    job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/dev',
    actor: 'octocat',
  },
};

describe('STS failures', () => {
  it.each([
    [failure('IDPCommunicationError', 'x', 400), 'transient'],
    [failure('Throttling', 'Rate exceeded', 400), 'transient'],
    [failure('InternalFailure', 'x', 500), 'transient'],
    [failure('SomethingNew', 'x', 503), 'transient'],
    [failure('ECONNRESET'), 'transient'],
    [failure('TimeoutError'), 'transient'],
    [failure('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider", 400), 'key-fetch'],
    [failure('ExpiredTokenException', 'Token expired', 400), 'expired-token'],
    [failure('AccessDenied', 'Not authorized', 403), 'permanent'],
    [failure('InvalidIdentityToken', 'Incorrect token audience', 400), 'permanent'],
    [failure('IDPRejectedClaim', 'x', 403), 'permanent'],
    [failure('MalformedPolicyDocument', 'x', 400), 'permanent'],
    [failure('PackedPolicyTooLarge', 'x', 400), 'permanent'],
    [failure('RegionDisabledException', 'x', 403), 'permanent'],
    [failure('ValidationError', 'x', 400), 'permanent'],
  ] as const)('%o is %s', (input, kind) => {
    expect(classifyStsFailure(input)).toBe(kind);
  });

  it('explains AccessDenied with the claims presented and the condition that would match', () => {
    const error = explainStsFailure(failure('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403), context);
    expect(error.code).toBe('STS_ACCESS_DENIED');
    expect(error.message).toContain('arn:aws:iam::123456789012:role/deploy');
    expect(error.message).toContain('sub="repo:acme/api:ref:refs/heads/dev"');
    expect(error.message).toContain('aud="sts.amazonaws.com"');
    expect(error.message).toContain('ref="refs/heads/dev"');
    expect(error.message).toContain('job_workflow_ref="acme/api/.github/workflows/deploy.yml@refs/heads/dev"');
    expect(error.message).not.toContain('actor');
    expect(error.message).toContain('req-1');
    expect(error.hint).toContain('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
    expect(error.hint).toContain('{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/api:ref:refs/heads/dev"}}');
  });

  it('points a missing provider or audience at the IAM OIDC provider', () => {
    const noProvider = explainStsFailure(failure('InvalidIdentityToken', 'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com'), context);
    expect(noProvider.hint).toMatch(/^Create an IAM OIDC provider for https:\/\/token.actions.githubusercontent.com/);
    const audience = explainStsFailure(failure('InvalidIdentityToken', 'Incorrect token audience'), context);
    expect(audience.hint).toMatch(/Add "sts.amazonaws.com" as a client ID/);
  });

  it('points a too-long duration at role-duration-seconds', () => {
    const error = explainStsFailure(failure('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'), context);
    expect(error.hint).toMatch(/role-duration-seconds/);
  });

  it('reports exhausted retries with the count, the time and the last failure', () => {
    const error = explainStsExhausted(failure('InternalFailure', 'boom', 500), 5, 12_345, 'http://127.0.0.1:1');
    expect(error.code).toBe('STS_UNAVAILABLE');
    expect(error.message).toBe('STS at http://127.0.0.1:1 did not succeed after 5 attempts over 12.3 s; the last failure was InternalFailure: boom.');
  });
});

describe('the AccessDenied hint on GitHub and CircleCI tokens', () => {
  const denied = failure('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);

  it('suggests the provider keys AWS evaluates: repository_id plus ref, or environment', () => {
    const withIds = { ...context, claims: { ...context.claims, repository_id: '123', repository_owner_id: '9' } };
    const hint = explainStsFailure(denied, withIds).hint;
    expect(hint).toContain('"token.actions.githubusercontent.com:repository_id":"123"');
    expect(hint).toContain('"token.actions.githubusercontent.com:ref":"refs/heads/dev"');
    const inEnvironment = { ...withIds, claims: { ...withIds.claims, environment: 'prod', sub: 'repo:acme/api:environment:prod' } };
    expect(explainStsFailure(denied, inEnvironment).hint).toContain('"token.actions.githubusercontent.com:environment":"prod"');
  });

  it('says when the token carries the immutable subject, and shows both forms', () => {
    const immutable = { ...context, claims: { ...context.claims, repository_id: '123', repository_owner_id: '9', sub: 'repo:acme@9/api@123:ref:refs/heads/dev' } };
    const hint = explainStsFailure(denied, immutable).hint;
    expect(hint).toContain("immutable subject \"repo:acme@9/api@123:ref:refs/heads/dev\"");
    expect(hint).toContain('legacy form "repo:acme/api:ref:refs/heads/dev"');
  });

  it('suggests the CircleCI project-id key', () => {
    const circleci = {
      ...context,
      issuer: 'https://oidc.circleci.com/org/0c5b7c2e-1111-4222-8333-444455556666',
      claims: { sub: 'org/0c5b7c2e-1111-4222-8333-444455556666/project/p1/user/u1', 'oidc.circleci.com/project-id': 'p1' },
    };
    expect(explainStsFailure(denied, circleci).hint).toContain('"oidc.circleci.com/org/0c5b7c2e-1111-4222-8333-444455556666:oidc.circleci.com/project-id":"p1"');
    expect(explainStsFailure(denied, circleci).hint).not.toContain('u1');
  });
});

describe('the AccessDenied hint pins nothing that is new in every run', () => {
  const denied = failure('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);

  it('Buildkite: any commit and step, the pipeline by id', () => {
    const commit = '9f3182061f1e2cca4702c368cbc039b7dc9d4485';
    const buildkite = {
      ...context,
      issuer: 'https://agent.buildkite.com',
      claims: { sub: `organization:acme:pipeline:deploy:ref:refs/heads/main:commit:${commit}:step:deploy`, organization_slug: 'acme', pipeline_slug: 'deploy', organization_id: 'o-1', pipeline_id: 'p-1', build_commit: commit },
    };
    const hint = explainStsFailure(denied, buildkite).hint;
    expect(hint).not.toContain(commit);
    expect(hint).toContain('"agent.buildkite.com:sub":"organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*:step:*"');
    expect(hint).toContain('"agent.buildkite.com:pipeline_id":"p-1"');
  });

  it('Bitbucket: the repository and environment, any step', () => {
    const bitbucket = {
      ...context,
      issuer: 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc',
      claims: { sub: '{r-1}:{e-1}:{s-1}', repositoryUuid: '{r-1}', deploymentEnvironmentUuid: '{e-1}', stepUuid: '{s-1}' },
    };
    const hint = explainStsFailure(denied, bitbucket).hint;
    expect(hint).not.toContain('s-1');
    expect(hint).toContain('"StringLike":{"api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc:sub":"{r-1}:{e-1}:*"}');
  });
});
