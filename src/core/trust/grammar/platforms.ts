// CircleCI, GitLab, Buildkite and Bitbucket tokens as each issues them, and a plain issuer
// whose subject is of unknown form. (GitHub: github.ts.)
// - CircleCI: `org/ORG/project/PROJECT/user/USER` (CIRCLE_OIDC_TOKEN), and with
//   `/vcs-origin/ORIGIN/vcs-ref/REF` appended (CIRCLE_OIDC_TOKEN_V2); a job can use either.
// - GitLab: `project_path:GROUP/…/PROJECT:ref_type:branch|tag:ref:NAME`; ids and paths are
//   independent (a deleted project frees its path).
// - Buildkite: `organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:KEY`, REF a branch's
//   refs/heads/… or a tag build's refs/tags/…; organization_id and pipeline_id only when the
//   job asks for them (--claim). A build's branch is whatever it was started with (the API
//   takes any string), so a branch is any text, `:` included; a tag build comes from a git
//   tag, whose name git keeps free of `:`.
// - Bitbucket: `{REPOSITORY}[:{ENVIRONMENT}]:{STEP}`, the environment for deployment steps.
import { fixed, one, tpl, type Shape, type TokenGrammar } from './grammar.js';
import { ANY_NONEMPTY, branchOrTagRef, exactly, NUMERIC_ID, re, REF_NAME, TEXT, TEXT_OR_EMPTY, UUID } from './pieces.js';

type Fields = TokenGrammar['fields'];

function withIssuer(fields: Fields, issuer: string, audience: string): Fields {
  return { ...fields, aud: { lang: exactly(audience), example: audience }, iss: { lang: exactly(issuer), example: issuer } };
}

const COMMON_CLAIMS = { aud: one('aud'), iss: one('iss') } as const;
const CIRCLECI = 'oidc.circleci.com/';

const CIRCLECI_FIELDS: Fields = {
  project: { lang: UUID, example: '3f1c0c2e-0000-4000-8000-000000000001', stranger: '99999999-0000-4000-8000-000000000099' },
  user: { lang: UUID, example: '3f1c0c2e-0000-4000-8000-0000000000aa' },
  origin: { lang: re('[a-z0-9.-]+(/[A-Za-z0-9._-]+)+'), example: 'github.com/acme/api', stranger: 'github.com/someone-else/their-repo' },
  vcsRef: { lang: branchOrTagRef(), example: 'refs/heads/main' },
};

/** CircleCI's tokens; the organization is the issuer's (a field of its own when the issuer does not show it). */
export function circleciGrammar(issuer: string, audience: string, organization: string | undefined): TokenGrammar {
  const org = organization === undefined ? tpl`org/${'organization'}` : [...tpl`org/`, { text: organization }];
  const v1 = [...org, ...tpl`/project/${'project'}/user/${'user'}`];
  const claims = (sub: Shape['claims'][string]): Shape['claims'] => ({
    sub,
    [`${CIRCLECI}project-id`]: one('project'),
    [`${CIRCLECI}vcs-origin`]: one('origin'),
    [`${CIRCLECI}vcs-ref`]: one('vcsRef'),
    ...COMMON_CLAIMS,
  });
  return {
    platform: 'circleci',
    fields: withIssuer({ ...CIRCLECI_FIELDS, organization: { lang: UUID, example: organization ?? '3f1c0c2e-0000-4000-8000-000000000000' } }, issuer, audience),
    shapes: [
      { name: 'CIRCLE_OIDC_TOKEN (v1 subject)', claims: claims(v1) },
      { name: 'CIRCLE_OIDC_TOKEN_V2 (subject with vcs-origin and vcs-ref)', claims: claims([...v1, ...tpl`/vcs-origin/${'origin'}/vcs-ref/${'vcsRef'}`]) },
    ],
    pins: { ids: ['project'], names: ['origin'], noun: 'project' },
  };
}

const SEGMENT = '[A-Za-z0-9_.][A-Za-z0-9_.-]*';
const GITLAB_FIELDS: Fields = {
  group: { lang: re(SEGMENT), example: 'acme', stranger: 'someone-else' },
  subgroups: { lang: re(`(/${SEGMENT})*`), example: '' },
  project: { lang: re(SEGMENT), example: 'api' },
  ref: { lang: REF_NAME, example: 'main' },
  projectId: { lang: NUMERIC_ID, example: '4200001', stranger: '99999991' },
  namespaceId: { lang: NUMERIC_ID, example: '4200002', stranger: '99999992' },
  pipelineSource: { lang: re('[a-z_]+'), example: 'push' },
  refProtected: { lang: re('true|false'), example: 'true' },
  runnerEnvironment: { lang: re('gitlab-hosted|self-hosted'), example: 'gitlab-hosted' },
  userAccessLevel: { lang: re('[a-z_]+'), example: 'maintainer', optional: true },
  userEmail: { lang: re('[^\\x00-\\x20@]+@[^\\x00-\\x20@]+'), example: 'octocat@example.com', optional: true },
  userId: { lang: NUMERIC_ID, example: '583231' },
  userLogin: { lang: re(SEGMENT), example: 'octocat' },
};

function gitlabShape(refType: 'branch' | 'tag'): Shape {
  return {
    name: `a ${refType}`,
    claims: {
      sub: [...tpl`project_path:${'group'}${'subgroups'}/${'project'}:ref_type:`, { text: refType }, ...tpl`:ref:${'ref'}`],
      project_path: tpl`${'group'}${'subgroups'}/${'project'}`,
      namespace_path: tpl`${'group'}${'subgroups'}`,
      ref: one('ref'),
      ref_type: fixed(refType),
      project_id: one('projectId'),
      namespace_id: one('namespaceId'),
      pipeline_source: one('pipelineSource'),
      ref_protected: one('refProtected'),
      runner_environment: one('runnerEnvironment'),
      user_access_level: one('userAccessLevel'),
      user_email: one('userEmail'),
      user_id: one('userId'),
      user_login: one('userLogin'),
      ...COMMON_CLAIMS,
    },
  };
}

export function gitlabGrammar(issuer: string, audience: string): TokenGrammar {
  return {
    platform: 'gitlab',
    fields: withIssuer(GITLAB_FIELDS, issuer, audience),
    shapes: [gitlabShape('branch'), gitlabShape('tag')],
    pins: { ids: ['projectId', 'namespaceId'], names: ['group'], noun: 'project' },
  };
}

const SLUG = '[a-z0-9][a-z0-9-]*';
const BUILDKITE_FIELDS: Fields = {
  organization: { lang: re(SLUG), example: 'acme', stranger: 'someone-else' },
  pipeline: { lang: re(SLUG), example: 'deploy' },
  branch: { lang: TEXT, example: 'main' },
  tag: { lang: REF_NAME, example: 'v1' },
  commit: { lang: re('[0-9A-Za-z]+'), example: '9f3182061f1e2cca4702c368cbc039b7dc9d4485' },
  step: { lang: TEXT_OR_EMPTY, example: 'deploy' },
  organizationId: { lang: UUID, example: '0191f956-0000-4000-8000-000000000001', stranger: '99999999-0000-4000-8000-000000000001', optional: true },
  pipelineId: { lang: UUID, example: '0191f956-0000-4000-8000-000000000002', stranger: '99999999-0000-4000-8000-000000000002', optional: true },
  clusterId: { lang: UUID, example: '0191f956-0000-4000-8000-000000000003', optional: true },
  clusterName: { lang: TEXT, example: 'default', optional: true },
};

function buildkiteShape(tag: boolean): Shape {
  const ref = tag ? tpl`refs/tags/${'tag'}` : tpl`refs/heads/${'branch'}`;
  return {
    name: tag ? 'a tag build' : 'a branch build',
    claims: {
      sub: [...tpl`organization:${'organization'}:pipeline:${'pipeline'}:ref:`, ...ref, ...tpl`:commit:${'commit'}:step:${'step'}`],
      organization_slug: one('organization'),
      pipeline_slug: one('pipeline'),
      build_branch: one('branch'),
      build_tag: tag ? one('tag') : null,
      build_commit: one('commit'),
      organization_id: one('organizationId'),
      pipeline_id: one('pipelineId'),
      cluster_id: one('clusterId'),
      cluster_name: one('clusterName'),
      ...COMMON_CLAIMS,
    },
  };
}

export function buildkiteGrammar(issuer: string, audience: string): TokenGrammar {
  return {
    platform: 'buildkite',
    fields: withIssuer(BUILDKITE_FIELDS, issuer, audience),
    shapes: [buildkiteShape(false), buildkiteShape(true)],
    pins: { ids: ['organizationId', 'pipelineId', 'clusterId'], names: ['organization'], noun: 'pipeline' },
  };
}

const BRACED_UUID = re('\\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}');
const BITBUCKET_FIELDS: Fields = {
  repository: { lang: BRACED_UUID, example: '{5d6b0e4a-0000-4000-8000-000000000002}', stranger: '{99999999-0000-4000-8000-000000000099}' },
  environment: { lang: BRACED_UUID, example: '{5d6b0e4a-0000-4000-8000-000000000005}' },
  step: { lang: BRACED_UUID, example: '{5d6b0e4a-0000-4000-8000-000000000004}' },
};

export function bitbucketGrammar(issuer: string, audience: string): TokenGrammar {
  const claims = (sub: Shape['claims'][string], deployment: boolean): Shape['claims'] => ({
    sub,
    repositoryUuid: one('repository'),
    deploymentEnvironmentUuid: deployment ? one('environment') : null,
    stepUuid: one('step'),
    ...COMMON_CLAIMS,
  });
  return {
    platform: 'bitbucket',
    fields: withIssuer(BITBUCKET_FIELDS, issuer, audience),
    shapes: [
      { name: 'a step', claims: claims(tpl`${'repository'}:${'step'}`, false) },
      { name: 'a deployment step', claims: claims(tpl`${'repository'}:${'environment'}:${'step'}`, true) },
    ],
    pins: { ids: ['repository'], names: [], noun: 'repository' },
  };
}

const PLAIN_FIELDS: Fields = { sub: { lang: ANY_NONEMPTY, example: 'subject' } };

/** An issuer claimcheck knows no grammar for: its subject may be any text. */
export function plainGrammar(issuer: string, audience: string): TokenGrammar {
  return {
    platform: 'plain',
    fields: withIssuer(PLAIN_FIELDS, issuer, audience),
    shapes: [{ name: 'a token', claims: { sub: one('sub'), ...COMMON_CLAIMS } }],
    pins: undefined,
  };
}
