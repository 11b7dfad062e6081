// Which claims AWS turns into condition keys, per issuer: the family an issuer URL belongs to
// (anchored: a look-alike host or path is no provider AWS knows), the key a claim gets or
// none, and the request context built from a token's claims.
import { describe, expect, it } from 'vitest';
import { claimValues, conditionKeyFor, issuerKeys, KEY_FAMILIES, keyedClaims, keyFamilyOf, requestContext, type KeyFamily } from '../../src/core/trust/aws/iam/keys.js';

describe('keyFamilyOf', () => {
  it.each<[string, KeyFamily]>([
    ['https://token.actions.githubusercontent.com', 'github'],
    ['https://token.actions.githubusercontent.com/', 'github'],
    ['https://token.actions.githubusercontent.com/acme', 'github'],
    ['https://token.actions.githubusercontent.com/acme/more', 'none'],
    ['https://token.actions.githubusercontent.com.evil.example', 'none'],
    ['https://evil.example/token.actions.githubusercontent.com', 'none'],
    ['https://token.actions.acme.ghe.com', 'github'],
    ['https://token.actions.acme-2.ghe.com', 'github'],
    ['https://token.actions.ghe.com', 'none'],
    ['https://token.actions.ACME.ghe.com', 'none'],
    ['https://token.actions.acme.ghe.com.evil.example', 'none'],
    ['https://evil.example/token.actions.acme.ghe.com', 'none'],
    ['https://oidc.circleci.com/org/c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a', 'circleci'],
    ['https://oidc.circleci.com/org/c3b3a1d2/extra', 'none'],
    ['https://oidc.circleci.com/org/acme', 'none'],
    ['https://evil.example/oidc.circleci.com/org/c3b3a1d2', 'none'],
    ['https://oidc.circleci.com', 'none'],
    ['https://gitlab.com', 'gitlab'],
    ['https://gitlab.example.com', 'none'],
    ['https://agent.buildkite.com', 'buildkite'],
    ['https://agent.buildkite.com/x', 'none'],
    ['https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', 'none'],
  ])('%s → %s', (issuer, family) => {
    expect(keyFamilyOf(issuer)).toBe(family);
    expect(issuerKeys(issuer).family).toBe(family);
  });
});

describe('condition keys', () => {
  const github = issuerKeys('https://token.actions.githubusercontent.com');
  const other = issuerKeys('https://ci.example.com/oidc');

  it('gives sub and aud a key for every issuer, provider claims only for their family', () => {
    expect(github).toEqual({ issuer: 'https://token.actions.githubusercontent.com', family: 'github', prefix: 'token.actions.githubusercontent.com' });
    expect(conditionKeyFor(github, 'sub')).toBe('token.actions.githubusercontent.com:sub');
    expect(conditionKeyFor(github, 'aud')).toBe('token.actions.githubusercontent.com:aud');
    expect(conditionKeyFor(github, 'repository_id')).toBe('token.actions.githubusercontent.com:repository_id');
    expect(conditionKeyFor(other, 'sub')).toBe('ci.example.com/oidc:sub');
    expect(conditionKeyFor(other, 'aud')).toBe('ci.example.com/oidc:aud');
    expect(conditionKeyFor(other, 'repository_id')).toBeUndefined();
    expect(conditionKeyFor(github, 'iss')).toBeUndefined();
    expect(conditionKeyFor(github, 'sha')).toBeUndefined();
    expect(conditionKeyFor(github, '')).toBeUndefined();
    expect(conditionKeyFor(issuerKeys('https://gitlab.com', 'none'), 'project_id')).toBeUndefined();
  });

  it('lists the keyed claims of a family, sub and aud first', () => {
    expect(keyedClaims(other)).toEqual(['sub', 'aud']);
    expect(keyedClaims(issuerKeys('https://oidc.circleci.com/org/c3b3a1d2'))).toEqual(['sub', 'aud', 'oidc.circleci.com/project-id']);
    expect(keyedClaims(github)).toEqual(['sub', 'aud', 'actor', 'actor_id', 'enterprise_id', 'environment', 'job_workflow_ref', 'ref', 'repository', 'repository_id', 'repository_owner_id', 'workflow']);
    // AWS Service Authorization Reference, STS: the gitlab.com and agent.buildkite.com keys.
    expect(keyedClaims(issuerKeys('https://gitlab.com'))).toEqual(['sub', 'aud', 'namespace_id', 'pipeline_source', 'project_id', 'ref_protected', 'runner_environment', 'user_access_level', 'user_email', 'user_id', 'user_login']);
    expect(keyedClaims(issuerKeys('https://agent.buildkite.com'))).toEqual(['sub', 'aud', 'build_branch', 'cluster_id', 'cluster_name', 'organization_id', 'organization_slug', 'pipeline_id', 'pipeline_slug']);
  });

  it('names the families --condition-keys takes', () => {
    expect(KEY_FAMILIES).toEqual(['github', 'circleci', 'gitlab', 'buildkite', 'none']);
  });

  it('builds the request context from the keyed claims that have values', () => {
    const context = requestContext(github, { sub: 'repo:acme/api:ref:refs/heads/main', aud: ['sts.amazonaws.com', 'other'], repository_id: 42, environment: [], ref: null, actor: { login: 'x' }, sha: 'abc', iss: 'x' });
    expect([...context]).toEqual([
      ['token.actions.githubusercontent.com:sub', ['repo:acme/api:ref:refs/heads/main']],
      ['token.actions.githubusercontent.com:aud', ['sts.amazonaws.com', 'other']],
      ['token.actions.githubusercontent.com:repository_id', ['42']],
    ]);
    expect([...requestContext(other, { sub: 's', repository_id: 42 })]).toEqual([['ci.example.com/oidc:sub', ['s']]]);
  });
});

describe('claimValues', () => {
  it.each<[unknown, string[]]>([
    ['main', ['main']],
    ['', ['']],
    [42, ['42']],
    [true, ['true']],
    [false, ['false']],
    [null, []],
    [undefined, []],
    [{ a: 1 }, []],
    [[1, 'a', null, false, ['nested'], { b: 2 }], ['1', 'a', 'false']],
  ])('%j → %j', (value, values) => {
    expect(claimValues(value)).toEqual(values);
  });
});
