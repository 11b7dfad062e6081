// The trust builders of `trust-policy --platform gitlab|buildkite|bitbucket` as exact documents
// (which condition, which key, which operator), the refusals of flags AWS cannot bind, the
// warnings they print, and where a claim rule binds (src/core/trust/aws/binding.ts).
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { issuerKeys } from '../../src/core/trust/aws/keys.js';
import { parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { reachOf } from '../../src/core/trust/aws/binding.js';
import { bitbucketBranchRefusal, bitbucketRepositoryNotice, bitbucketSubjects, bitbucketTrustPolicy, bitbucketUuid } from '../../src/core/trust/aws/platforms/bitbucket.js';
import { buildkiteBranchNotice, buildkiteRefExclusion, buildkiteSlugsOnlyWarning, buildkiteSubjects, buildkiteTrustPolicy, type BuildkiteTrust } from '../../src/core/trust/aws/platforms/buildkite.js';
import { audienceConditions, excludeCondition, requiredKey, statement, valueCondition, type Conditions } from '../../src/core/trust/aws/conditions.js';
import { gitlabEnvironmentRefusal, gitlabPathOnlyWarning, gitlabSubjects, gitlabTrustPolicy, type GitLabTrust } from '../../src/core/trust/aws/platforms/gitlab.js';

const AUD = 'sts.amazonaws.com';
const principal = (prefix: string) => `arn:aws:iam::123456789012:oidc-provider/${prefix}`;
const allow = (prefix: string, Condition: object) => ({ Effect: 'Allow', Principal: { Federated: principal(prefix) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition });

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('conditions', () => {
  it('puts literal values in StringEquals and patterns in StringLike, one value as a string', () => {
    const conditions: Conditions = { StringEquals: { a: 'x' } };
    valueCondition(conditions, 'k1', ['one']);
    valueCondition(conditions, 'k2', ['one', 'two']);
    valueCondition(conditions, 'k3', ['o?e', 'two']);
    valueCondition(conditions, 'k4', ['*']);
    expect(conditions).toEqual({ StringEquals: { a: 'x', k1: 'one', k2: ['one', 'two'] }, StringLike: { k3: ['o?e', 'two'], k4: '*' } });
    const fresh: Conditions = {};
    valueCondition(fresh, 'k', ['a${b}']);
    expect(fresh).toEqual({ StringEquals: { k: 'a${$}{b}' } });
  });

  it('adds StringNotLike patterns as given', () => {
    const conditions: Conditions = { StringNotLike: { other: 'z' } };
    excludeCondition(conditions, 'k', ['a*']);
    excludeCondition(conditions, 'j', ['a*', 'b*']);
    expect(conditions).toEqual({ StringNotLike: { other: 'z', k: 'a*', j: ['a*', 'b*'] } });
    const fresh: Conditions = {};
    excludeCondition(fresh, 'k', ['x']);
    expect(fresh).toEqual({ StringNotLike: { k: 'x' } });
  });

  it('start from the audience, inert, and make the Allow statement', () => {
    const keys = issuerKeys('https://gitlab.com');
    expect(audienceConditions({ principal: 'p', keys, audience: 'a${b}' })).toEqual({ StringEquals: { 'gitlab.com:aud': 'a${$}{b}' } });
    expect(statement('p', {})).toEqual({ Effect: 'Allow', Principal: { Federated: 'p' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: {} });
  });

  it('give the key AWS evaluates for a claim, or refuse the flag with the hint given', () => {
    const gitlab = issuerKeys('https://gitlab.com');
    expect(requiredKey(gitlab, 'project_id', '--project-id', 'why')).toBe('gitlab.com:project_id');
    const error = thrown(() => requiredKey(issuerKeys('https://gitlab.example.com'), 'project_id', '--project-id', 'the hint'));
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: 'AWS evaluates no project_id claim for tokens of gitlab.example.com, so --project-id cannot bind there.', hint: 'the hint' });
  });
});

describe('reachOf', () => {
  const github = issuerKeys('https://token.actions.githubusercontent.com');
  const regex: ClaimRule = { source: 'ref~x', claim: 'ref', alternatives: [{ exact: 'a' }, { regex: { source: 'x', test: () => true } }] };

  it('binds a rule on a keyed claim to its key', () => {
    expect(reachOf(parseClaimRules('ref=refs/heads/*')[0] as ClaimRule, github)).toEqual({ key: 'token.actions.githubusercontent.com:ref' });
    expect(reachOf({ source: 'ref=a', claim: 'ref', alternatives: [{ exact: 'a' }] }, github)).toEqual({ key: 'token.actions.githubusercontent.com:ref' });
  });

  it('leaves to claimcheck a claim AWS cannot see, and any rule with a regular expression', () => {
    expect(reachOf(parseClaimRules('event_name=push')[0] as ClaimRule, github)).toEqual({ reason: 'AWS has no condition key for event_name in tokens of token.actions.githubusercontent.com' });
    expect(reachOf(regex, github)).toEqual({ reason: 'a regular expression has no IAM form' });
  });
});

describe('GitLab', () => {
  const keys = issuerKeys('https://gitlab.com');
  const target = { principal: principal('gitlab.com'), keys, audience: AUD };
  const trust: GitLabTrust = { projectPath: 'acme/api', projectId: undefined, namespaceId: undefined, branches: ['main'], tags: ['v*'], protectedRefs: false };

  it('lists the branch then the tag subjects', () => {
    expect(gitlabSubjects(trust)).toEqual(['project_path:acme/api:ref_type:branch:ref:main', 'project_path:acme/api:ref_type:tag:ref:v*']);
  });

  it('pins only what is given: the project and namespace ids, protected refs', () => {
    expect(gitlabTrustPolicy({ ...trust, tags: [] }, target)).toEqual({
      Version: '2012-10-17',
      Statement: [allow('gitlab.com', { StringEquals: { 'gitlab.com:aud': AUD, 'gitlab.com:sub': 'project_path:acme/api:ref_type:branch:ref:main' } })],
    });
    expect(gitlabTrustPolicy({ ...trust, projectId: '42', namespaceId: '7', protectedRefs: true }, target).Statement).toEqual([
      allow('gitlab.com', {
        StringEquals: { 'gitlab.com:aud': AUD, 'gitlab.com:project_id': '42', 'gitlab.com:namespace_id': '7', 'gitlab.com:ref_protected': 'true' },
        StringLike: { 'gitlab.com:sub': ['project_path:acme/api:ref_type:branch:ref:main', 'project_path:acme/api:ref_type:tag:ref:v*'] },
      }),
    ]);
  });

  it('refuses ids and --protected on a self-managed instance, naming the flag', () => {
    const own = { ...target, keys: issuerKeys('https://gitlab.example.com') };
    expect(thrown(() => gitlabTrustPolicy({ ...trust, projectId: '42' }, own))).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('so --project-id cannot bind there') });
    expect(thrown(() => gitlabTrustPolicy({ ...trust, namespaceId: '7' }, own))).toMatchObject({ message: expect.stringContaining('no namespace_id claim for tokens of gitlab.example.com, so --namespace-id') });
    expect(thrown(() => gitlabTrustPolicy({ ...trust, protectedRefs: true }, own))).toMatchObject({ message: expect.stringContaining('no ref_protected claim for tokens of gitlab.example.com, so --protected') });
    expect(thrown(() => gitlabTrustPolicy({ ...trust, projectId: '42' }, own))).toMatchObject({ hint: expect.stringMatching(/^AWS evaluates GitLab claims only for https:\/\/gitlab\.com/) });
    expect(gitlabTrustPolicy(trust, own).Statement).toHaveLength(1);
  });

  it('warns about paths and refuses environments with a way out', () => {
    expect(gitlabPathOnlyWarning('acme/sub group')).toMatch(/^Warning: this policy trusts acme\/sub group by path only\. .*--project-id .*curl -s https:\/\/gitlab\.com\/api\/v4\/projects\/acme%2Fsub%20group \| jq \.id\)\.$/);
    expect(gitlabEnvironmentRefusal()).toMatch(/^AWS cannot check a GitLab job's environment: .*\(--branch main --protected\).*\(environment: production in a rules file, claimcheck only\)$/);
  });
});

describe('Buildkite', () => {
  const keys = issuerKeys('https://agent.buildkite.com');
  const B = 'agent.buildkite.com';
  const target = { principal: principal(B), keys, audience: AUD };
  const trust: BuildkiteTrust = { organization: 'acme', pipeline: 'deploy', organizationId: undefined, pipelineId: undefined, branches: ['main'], tags: ['v1'] };
  const subjects = ['organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*:step:*', 'organization:acme:pipeline:deploy:ref:refs/tags/v1:commit:*:step:*'];
  const exclusion = 'organization:acme:pipeline:deploy:ref:refs/*:*:commit:*';

  it('lists the branch then the tag subjects, any commit and step, and the ref exclusion', () => {
    expect(buildkiteSubjects(trust)).toEqual(subjects);
    expect(buildkiteRefExclusion(trust)).toBe(exclusion);
  });

  it('pins the slugs on AWS\'s keys, and the ids when given', () => {
    expect(buildkiteTrustPolicy(trust, target)).toEqual({
      Version: '2012-10-17',
      Statement: [allow(B, { StringEquals: { [`${B}:aud`]: AUD, [`${B}:organization_slug`]: 'acme', [`${B}:pipeline_slug`]: 'deploy' }, StringLike: { [`${B}:sub`]: subjects }, StringNotLike: { [`${B}:sub`]: exclusion } })],
    });
    expect(buildkiteTrustPolicy({ ...trust, organizationId: 'o-1', pipelineId: 'p-1' }, target).Statement[0]).toMatchObject({
      Condition: { StringEquals: { [`${B}:aud`]: AUD, [`${B}:organization_slug`]: 'acme', [`${B}:pipeline_slug`]: 'deploy', [`${B}:organization_id`]: 'o-1', [`${B}:pipeline_id`]: 'p-1' } },
    });
  });

  it('relies on the subject where AWS has no Buildkite keys, and refuses ids there', () => {
    const own = issuerKeys('https://buildkite.example.com');
    const document = buildkiteTrustPolicy(trust, { ...target, keys: own });
    expect(document.Statement[0]).toEqual(
      allow(B, { StringEquals: { 'buildkite.example.com:aud': AUD }, StringLike: { 'buildkite.example.com:sub': subjects }, StringNotLike: { 'buildkite.example.com:sub': exclusion } }),
    );
    expect(thrown(() => buildkiteTrustPolicy({ ...trust, organizationId: 'o-1' }, { ...target, keys: own }))).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'AWS evaluates no organization_id claim for tokens of buildkite.example.com, so --organization-id cannot bind there.',
      hint: expect.stringMatching(/^AWS evaluates Buildkite claims only for https:\/\/agent\.buildkite\.com/),
    });
    expect(thrown(() => buildkiteTrustPolicy({ ...trust, pipelineId: 'p-1' }, { ...target, keys: own }))).toMatchObject({ message: expect.stringContaining('no pipeline_id claim for tokens of buildkite.example.com, so --pipeline-id') });
  });

  it('warns about slugs and branch names', () => {
    expect(buildkiteSlugsOnlyWarning('acme', 'deploy')).toMatch(/^Warning: this policy trusts acme\/deploy by slug only; .*--organization-id and --pipeline-id .*\(--claim organization_id,pipeline_id\)\.$/);
    expect(buildkiteBranchNotice()).toMatch(/^Note: a build's branch is whatever the build was started with, .*Keep pull requests from forks off this pipeline/);
  });
});

describe('Bitbucket', () => {
  const issuer = 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc';
  const keys = issuerKeys(issuer);
  const target = { principal: principal(keys.prefix), keys, audience: AUD };

  it('writes UUIDs as tokens do: lower case in braces, and names the flag of one that is not', () => {
    expect(bitbucketUuid(' {9A8B7C6D-1111-4222-8333-444455556666} ', '--repository-uuid')).toBe('{9a8b7c6d-1111-4222-8333-444455556666}');
    expect(bitbucketUuid('9a8b7c6d-1111-4222-8333-444455556666', '--repository-uuid')).toBe('{9a8b7c6d-1111-4222-8333-444455556666}');
    const error = thrown(() => bitbucketUuid(`x${'a'.repeat(100)}`, '--environment-uuid'));
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: `--environment-uuid ${JSON.stringify(`x${'a'.repeat(79)}`)} is not a UUID.`, hint: expect.stringContaining('Repository settings > OpenID Connect') });
  });

  it('trusts every step of the repository, or the steps of its environments', () => {
    expect(bitbucketSubjects({ repositoryUuid: '{r}', environmentUuids: [] })).toEqual(['{r}:*']);
    expect(bitbucketSubjects({ repositoryUuid: '{r}', environmentUuids: ['{e1}', '{e2}'] })).toEqual(['{r}:{e1}:*', '{r}:{e2}:*']);
    expect(bitbucketTrustPolicy({ repositoryUuid: '{r}', environmentUuids: [] }, target)).toEqual({
      Version: '2012-10-17',
      Statement: [allow(keys.prefix, { StringEquals: { [`${keys.prefix}:aud`]: AUD }, StringLike: { [`${keys.prefix}:sub`]: '{r}:*' } })],
    });
  });

  it('refuses branches and warns about repository-wide trust', () => {
    expect(bitbucketBranchRefusal()).toMatch(/^AWS cannot check a Bitbucket branch: .*\(--environment-uuid\), and check branchName with a rule \(claimcheck only\)$/);
    expect(bitbucketRepositoryNotice()).toMatch(/^Note: without --environment-uuid this policy trusts every step of every pipeline of the repository/);
  });
});
