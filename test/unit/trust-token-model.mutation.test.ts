// The token model behind `trust-policy --check`: per platform, a plausible token whose subject
// is built from its other claims as the platform builds it, a change to one claim that keeps
// related claims consistent, and the claims a subject read off a policy stands for.
import { describe, expect, it } from 'vitest';
import { issuerKeys } from '../../src/core/trust/aws/keys.js';
import { textClaims, tokenModel, withSubject } from '../../src/core/trust/token-model.js';

const GITHUB = issuerKeys('https://token.actions.githubusercontent.com');
const CIRCLECI_ORG = '0f5a2b6c-1111-4222-8333-444455556666';
const CIRCLECI = issuerKeys(`https://oidc.circleci.com/org/${CIRCLECI_ORG}`);
const GITLAB = issuerKeys('https://gitlab.com');
const BUILDKITE = issuerKeys('https://agent.buildkite.com');
const OTHER = issuerKeys('https://issuer.example.com');
const BITBUCKET = issuerKeys('https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc');
const C = 'oidc.circleci.com/';

describe('the GitHub token model', () => {

  it('starts from a push to main of acme/api with both ids', () => {
    const model = tokenModel(GITHUB, undefined);
    expect(model.base()).toStrictEqual({
      repository: 'acme/api', repository_owner: 'acme', repository_id: '100000001', repository_owner_id: '200000002', ref: 'refs/heads/main',
      ref_type: 'branch', event_name: 'push', actor: 'octocat', actor_id: '583231', workflow: 'deploy', job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/main',
    });
  });

  it('gives the legacy and the immutable subject, on the ref, the environment or a pull request', () => {
    const model = tokenModel(GITHUB, undefined);
    const base = model.base();
    expect(model.subjects(base)).toStrictEqual(['repo:acme/api:ref:refs/heads/main', 'repo:acme@200000002/api@100000001:ref:refs/heads/main']);
    expect(model.subjects({ ...base, environment: 'prod' })).toStrictEqual(['repo:acme/api:environment:prod', 'repo:acme@200000002/api@100000001:environment:prod']);
    // The environment wins over a pull request, a pull request over the ref.
    expect(model.subjects({ ...base, environment: 'prod', event_name: 'pull_request' })[0]).toBe('repo:acme/api:environment:prod');
    expect(model.subjects({ ...base, event_name: 'pull_request' })[0]).toBe('repo:acme/api:pull_request');
    expect(model.subjects({ repository: 'a/b' })).toStrictEqual(['repo:a/b:ref:', 'repo:a@/b@:ref:']);
    expect(model.subjects({})[0]).toMatch(/^repo:\/[^:]*:ref:$/);
  });

  it('keeps the owner and the repository in step, and removes a claim set to nothing', () => {
    const model = tokenModel(GITHUB, undefined);
    const base = model.base();
    expect(model.set(base, 'repository', 'other/tool')).toMatchObject({ repository: 'other/tool', repository_owner: 'other' });
    expect(model.set(base, 'repository', 'solo')).toMatchObject({ repository: 'solo', repository_owner: 'solo' });
    expect(model.set(base, 'repository_owner', 'evil')).toMatchObject({ repository: 'evil/api', repository_owner: 'evil' });
    expect(model.set({ repository: 'acme' }, 'repository_owner', 'evil')).toStrictEqual({ repository: 'evil/api', repository_owner: 'evil' });
    expect(model.set({}, 'repository_owner', 'evil')).toStrictEqual({ repository: 'evil/api', repository_owner: 'evil' });
    expect(model.set(base, 'ref', 'refs/heads/dev')).toStrictEqual({ ...base, ref: 'refs/heads/dev' });
    const without = model.set(base, 'repository', undefined);
    expect(without).not.toHaveProperty('repository');
    expect(without.repository_owner).toBe('acme');
    const noOwner = model.set(base, 'repository_owner', undefined);
    expect(noOwner).not.toHaveProperty('repository_owner');
    expect(noOwner.repository).toBe('acme/api');
    expect(base.ref).toBe('refs/heads/main');
  });

  it('reads the repository, ids and context off either subject form', () => {
    const model = tokenModel(GITHUB, undefined);
    expect(model.fromSubject('repo:acme/api:ref:refs/heads/main')).toStrictEqual({ repository: 'acme/api', repository_owner: 'acme', ref: 'refs/heads/main' });
    expect(model.fromSubject('repo:acme@12/api@34:environment:prod')).toStrictEqual({ repository: 'acme/api', repository_owner: 'acme', repository_owner_id: '12', repository_id: '34', environment: 'prod' });
    expect(model.fromSubject('repo:acme/api:pull_request')).toStrictEqual({ repository: 'acme/api', repository_owner: 'acme', event_name: 'pull_request' });
    expect(model.fromSubject('repo:acme@/api@:job_workflow_ref:x')).toStrictEqual({ repository: 'acme/api', repository_owner: 'acme' });
    expect(model.fromSubject('repo:acme/api:ref:a\nb')).toMatchObject({ ref: 'a\nb' });
    for (const sub of ['repo:acme/api', 'xrepo:acme/api:ref:x', 'repo:a/b/c:ref:x', 'repo:/api:ref:x', 'repo:acme/:ref:x', 'subject']) expect(model.fromSubject(sub), sub).toStrictEqual({});
  });

  it('is chosen by the issuer or by the platform', () => {
    expect(tokenModel(OTHER, 'github').base()).toHaveProperty('repository', 'acme/api');
    expect(tokenModel(issuerKeys('https://token.actions.githubusercontent.com/acme'), undefined).base()).toHaveProperty('repository', 'acme/api');
  });
});

describe('the CircleCI token model', () => {

  it('starts from a project, user, origin and ref', () => {
    const model = tokenModel(CIRCLECI, undefined);
    expect(model.base()).toStrictEqual({
      [`${C}project-id`]: '3f1c0c2e-0000-4000-8000-000000000001',
      [`${C}vcs-origin`]: 'github.com/acme/api',
      [`${C}vcs-ref`]: 'refs/heads/main',
      user: '3f1c0c2e-0000-4000-8000-0000000000aa',
    });
  });

  it('names the issuer\'s organization in both subject forms', () => {
    const model = tokenModel(CIRCLECI, undefined);
    expect(model.subjects(model.base())).toStrictEqual([
      `org/${CIRCLECI_ORG}/project/3f1c0c2e-0000-4000-8000-000000000001/user/3f1c0c2e-0000-4000-8000-0000000000aa`,
      `org/${CIRCLECI_ORG}/project/3f1c0c2e-0000-4000-8000-000000000001/user/3f1c0c2e-0000-4000-8000-0000000000aa/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main`,
    ]);
    expect(model.subjects({})).toStrictEqual([`org/${CIRCLECI_ORG}/project//user/`, `org/${CIRCLECI_ORG}/project//user//vcs-origin//vcs-ref/`]);
    // Without an organization in the issuer (--platform circleci elsewhere), a placeholder one.
    const placeholder = 'org/00000000-0000-4000-8000-000000000000/project/p/user/u';
    expect(tokenModel(OTHER, 'circleci').subjects({ [`${C}project-id`]: 'p', user: 'u' })[0]).toBe(placeholder);
    // Only an issuer that is CircleCI's, whole, names the organization.
    for (const issuer of [`https://evil.example/oidc.circleci.com/org/${CIRCLECI_ORG}`, `https://oidc.circleci.com/org/${CIRCLECI_ORG}/x`]) {
      expect(tokenModel(issuerKeys(issuer), 'circleci').subjects({ [`${C}project-id`]: 'p', user: 'u' })[0], issuer).toBe(placeholder);
    }
  });

  it('changes or removes one claim', () => {
    const model = tokenModel(CIRCLECI, undefined);
    const base = model.base();
    expect(model.set(base, 'user', 'u2')).toStrictEqual({ ...base, user: 'u2' });
    expect(model.set(base, 'user', undefined)).toStrictEqual(Object.fromEntries(Object.entries(base).filter(([name]) => name !== 'user')));
    expect(base.user).toBe('3f1c0c2e-0000-4000-8000-0000000000aa');
  });

  it('reads the project, user, origin and ref off a subject', () => {
    const model = tokenModel(CIRCLECI, undefined);
    expect(model.fromSubject('org/org1/project/proj1/user/user1')).toStrictEqual({ [`${C}project-id`]: 'proj1', user: 'user1' });
    expect(model.fromSubject('org/o/project/p/user/u/vcs-origin/github.com/a/b/vcs-ref/refs/heads/x')).toStrictEqual({
      [`${C}project-id`]: 'p', user: 'u', [`${C}vcs-origin`]: 'github.com/a/b', [`${C}vcs-ref`]: 'refs/heads/x',
    });
    for (const sub of ['org/o/project/p', 'xorg/o/project/p/user/u', 'org/o/project/p/user/u/x', 'org//project/p/user/u', 'org/o/project//user/u', 'org/o/project/p/user/']) expect(model.fromSubject(sub), sub).toStrictEqual({});
  });
});

describe('the GitLab token model', () => {

  it('starts from a protected push to main of acme/api', () => {
    const model = tokenModel(GITLAB, undefined);
    expect(model.base()).toStrictEqual({
      project_path: 'acme/api', project_id: '4200001', namespace_path: 'acme', namespace_id: '4200002', ref: 'main', ref_type: 'branch', ref_protected: 'true',
      pipeline_source: 'push', pipeline_id: '9100001', job_id: '9200001', user_login: 'octocat', user_id: '583231', user_email: 'octocat@example.com',
      user_access_level: 'maintainer', runner_environment: 'gitlab-hosted',
    });
    expect(model.subjects(model.base())).toStrictEqual(['project_path:acme/api:ref_type:branch:ref:main']);
    expect(model.subjects({})).toStrictEqual(['project_path::ref_type::ref:']);
  });

  it('keeps the namespace the project\'s parent path', () => {
    const model = tokenModel(GITLAB, undefined);
    const base = model.base();
    expect(model.set(base, 'project_path', 'group/sub/tool')).toMatchObject({ project_path: 'group/sub/tool', namespace_path: 'group/sub' });
    expect(model.set(base, 'project_path', 'tool')).toMatchObject({ project_path: 'tool', namespace_path: 'tool' });
    expect(model.set(base, 'project_path', undefined)).toStrictEqual(Object.fromEntries(Object.entries(base).filter(([name]) => name !== 'project_path')));
    expect(model.set(base, 'ref', 'dev')).toStrictEqual({ ...base, ref: 'dev' });
  });

  it('reads the project, namespace and ref off a subject', () => {
    const model = tokenModel(GITLAB, undefined);
    expect(model.fromSubject('project_path:group/sub/tool:ref_type:tag:ref:v1:x\ny')).toStrictEqual({ project_path: 'group/sub/tool', namespace_path: 'group/sub', ref_type: 'tag', ref: 'v1:x\ny' });
    expect(model.fromSubject('project_path:tool:ref_type:branch:ref:main')).toStrictEqual({ project_path: 'tool', namespace_path: 'tool', ref_type: 'branch', ref: 'main' });
    expect(model.fromSubject('project_path::ref_type::ref:')).toStrictEqual({ project_path: '', namespace_path: '', ref_type: '', ref: '' });
    for (const sub of ['project_path:a:b:ref_type:branch:ref:main', 'xproject_path:a:ref_type:branch:ref:main', 'project_path:a:ref_type:branch']) expect(model.fromSubject(sub), sub).toStrictEqual({});
  });
});

describe('the Buildkite token model', () => {

  it('starts from a build of acme/deploy on main', () => {
    const model = tokenModel(BUILDKITE, undefined);
    expect(model.base()).toStrictEqual({
      organization_slug: 'acme', pipeline_slug: 'deploy', organization_id: '0191f956-0000-4000-8000-000000000001', pipeline_id: '0191f956-0000-4000-8000-000000000002',
      build_branch: 'main', build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: 'deploy', build_number: '42', cluster_name: 'default',
      cluster_id: '0191f956-0000-4000-8000-000000000003',
    });
  });

  it('puts the tag in the subject of a tag build, else the branch', () => {
    const model = tokenModel(BUILDKITE, undefined);
    const base = model.base();
    expect(model.subjects(base)).toStrictEqual(['organization:acme:pipeline:deploy:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:deploy']);
    expect(model.subjects({ ...base, build_tag: 'v1' })).toStrictEqual(['organization:acme:pipeline:deploy:ref:refs/tags/v1:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:deploy']);
    expect(model.subjects({})).toStrictEqual(['organization::pipeline::ref:refs/heads/:commit::step:']);
    expect(model.set(base, 'build_branch', undefined)).toStrictEqual(Object.fromEntries(Object.entries(base).filter(([name]) => name !== 'build_branch')));
    expect(model.set(base, 'build_branch', 'dev')).toStrictEqual({ ...base, build_branch: 'dev' });
  });

  it('reads the slugs, ref, commit and step off a subject', () => {
    const model = tokenModel(BUILDKITE, undefined);
    expect(model.fromSubject('organization:o:pipeline:p:ref:refs/heads/main:commit:c:step:s:t')).toStrictEqual({ organization_slug: 'o', pipeline_slug: 'p', build_branch: 'main', build_commit: 'c', step_key: 's:t' });
    expect(model.fromSubject('organization:acme:pipeline:deploy:ref:refs/heads/main:commit:9f31:step:a\nb')).toStrictEqual({
      organization_slug: 'acme', pipeline_slug: 'deploy', build_branch: 'main', build_commit: '9f31', step_key: 'a\nb',
    });
    expect(model.fromSubject('organization:o:pipeline:p:ref:refs/tags/v1:commit:c:step:')).toStrictEqual({ organization_slug: 'o', pipeline_slug: 'p', build_tag: 'v1', build_commit: 'c', step_key: '' });
    for (const sub of ['organization:o:pipeline:p:ref:refs/pull/1:commit:c:step:s', 'organization:o:x:pipeline:p:ref:refs/heads/m:commit:c:step:s', 'xorganization:o:pipeline:p:ref:refs/heads/m:commit:c:step:s', 'organization:o:pipeline:p:ref:refs/heads/m:x:commit:c:step:s']) {
      expect(model.fromSubject(sub), sub).toStrictEqual({});
    }
  });
});

describe('the Bitbucket token model', () => {

  it('starts from a step of a repository, without a deployment environment', () => {
    const model = tokenModel(BITBUCKET, 'bitbucket');
    expect(model.base()).toStrictEqual({
      workspaceUuid: '{5d6b0e4a-0000-4000-8000-000000000001}', repositoryUuid: '{5d6b0e4a-0000-4000-8000-000000000002}',
      pipelineUuid: '{5d6b0e4a-0000-4000-8000-000000000003}', stepUuid: '{5d6b0e4a-0000-4000-8000-000000000004}', branchName: 'main',
    });
  });

  it('puts the environment between the repository and the step when there is one', () => {
    const model = tokenModel(BITBUCKET, 'bitbucket');
    expect(model.subjects({ repositoryUuid: '{r}', stepUuid: '{s}' })).toStrictEqual(['{r}:{s}']);
    expect(model.subjects({ repositoryUuid: '{r}', deploymentEnvironmentUuid: '{e}', stepUuid: '{s}' })).toStrictEqual(['{r}:{e}:{s}']);
    expect(model.subjects({})).toStrictEqual([':']);
    expect(model.fromSubject('{r}:{s}')).toStrictEqual({ repositoryUuid: '{r}', stepUuid: '{s}' });
    expect(model.fromSubject('{r}:{e}:{s}')).toStrictEqual({ repositoryUuid: '{r}', deploymentEnvironmentUuid: '{e}', stepUuid: '{s}' });
    for (const sub of ['{r}', '{r}:{e}:{s}:x']) expect(model.fromSubject(sub), sub).toStrictEqual({});
  });

  it('is chosen by the platform only: AWS has no Bitbucket keys', () => {
    expect(tokenModel(BITBUCKET, undefined).base()).toStrictEqual({ sub: 'subject' });
  });
});

describe('other issuers', () => {

  it('have the subject as a claim of its own', () => {
    const model = tokenModel(OTHER, undefined);
    expect(model.base()).toStrictEqual({ sub: 'subject' });
    expect(model.subjects({ sub: 'a:b' })).toStrictEqual(['a:b']);
    expect(model.subjects({})).toStrictEqual(['']);
    expect(model.fromSubject('a:b')).toStrictEqual({ sub: 'a:b' });
    expect(model.set({ sub: 's' }, 'sub', 't')).toStrictEqual({ sub: 't' });
    expect(model.set({ sub: 's', x: '1' }, 'x', undefined)).toStrictEqual({ sub: 's' });
  });

  it('take the platform\'s model when --platform names it, whatever the issuer', () => {
    expect(tokenModel(OTHER, 'gitlab').base()).toHaveProperty('project_path', 'acme/api');
    expect(tokenModel(OTHER, 'buildkite').base()).toHaveProperty('organization_slug', 'acme');
    expect(tokenModel(OTHER, 'circleci').base()).toHaveProperty('user');
    expect(tokenModel(OTHER, 'bitbucket').base()).toHaveProperty('stepUuid');
  });
});

describe('withSubject and textClaims', () => {
  it('add the subject and audience to the claims', () => {
    expect(withSubject({ a: '1', sub: 'old', aud: 'old' }, 's', 'sts.amazonaws.com')).toStrictEqual({ a: '1', sub: 's', aud: 'sts.amazonaws.com' });
  });

  it('flatten claims as IAM reads them: numbers and booleans as text, the first of a list, objects dropped', () => {
    expect(textClaims({ s: 'x', n: 42, b: true, list: ['a', 'b'], empty: [], object: { a: 1 }, nothing: null })).toStrictEqual({ s: 'x', n: '42', b: 'true', list: 'a' });
  });
});
