// Tokens as a platform issues them, for checking policies: claims that hang together (the
// subject is built from the repository, ids, ref and environment, as GitHub, CircleCI, GitLab,
// Buildkite and Bitbucket build it), so that a changed claim changes the subject too and no
// check rests on a token the platform would never sign.
import { claimValues, type IssuerKeys } from './aws/keys.js';
import type { Platform } from '../rules/rules-file.js';

export type Claims = Record<string, string>;

export interface TokenModel {
  /** A plausible token of the platform, before any rule or policy is applied. */
  readonly base: () => Claims;
  /** The token with one claim changed (or removed), related claims kept consistent. */
  readonly set: (claims: Claims, claim: string, value: string | undefined) => Claims;
  /** The subjects the platform could give this token (GitHub: legacy and immutable). */
  readonly subjects: (claims: Claims) => string[];
  /** Claims a subject value stands for (for values read off a policy's sub conditions). */
  readonly fromSubject: (sub: string) => Claims;
}

const CIRCLECI = 'oidc.circleci.com/';

function githubModel(): TokenModel {
  const subjects = (claims: Claims): string[] => {
    const [owner, name] = (claims.repository ?? '').split('/');
    const context = claims.environment !== undefined ? `environment:${claims.environment}` : claims.event_name === 'pull_request' ? 'pull_request' : `ref:${claims.ref ?? ''}`;
    return [`repo:${owner}/${name}:${context}`, `repo:${owner}@${claims.repository_owner_id ?? ''}/${name}@${claims.repository_id ?? ''}:${context}`];
  };
  return {
    base: () => ({
      repository: 'acme/api', repository_owner: 'acme', repository_id: '100000001', repository_owner_id: '200000002', ref: 'refs/heads/main',
      ref_type: 'branch', event_name: 'push', actor: 'octocat', actor_id: '583231', workflow: 'deploy', job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/main',
    }),
    set: (claims, claim, value) => {
      const next: Claims = { ...claims };
      if (value === undefined) delete next[claim];
      else next[claim] = value;
      // The owner is the first half of the repository: change one, change the other.
      if (claim === 'repository' && value !== undefined) next.repository_owner = value.split('/')[0] as string;
      if (claim === 'repository_owner' && value !== undefined) next.repository = `${value}/${claims.repository?.split('/')[1] ?? 'api'}`;
      return next;
    },
    subjects,
    fromSubject: (sub) => {
      const match = /^repo:([^/@:]+)(?:@([^/:]*))?\/([^/@:]+)(?:@([^:]*))?:(.*)/s.exec(sub);
      if (!match) return {};
      // Stryker disable next-line StringLiteral: equivalent: the owner, name and context groups take part in every match
      const [, owner = '', ownerId, name = '', repositoryId, context = ''] = match;
      const claims: Claims = { repository: `${owner}/${name}`, repository_owner: owner };
      if (ownerId) claims.repository_owner_id = ownerId;
      if (repositoryId) claims.repository_id = repositoryId;
      if (context.startsWith('ref:')) claims.ref = context.slice(4);
      else if (context.startsWith('environment:')) claims.environment = context.slice(12);
      else if (context === 'pull_request') claims.event_name = 'pull_request';
      return claims;
    },
  };
}

function circleciModel(organization: string): TokenModel {
  return {
    base: () => ({
      [`${CIRCLECI}project-id`]: '3f1c0c2e-0000-4000-8000-000000000001',
      [`${CIRCLECI}vcs-origin`]: 'github.com/acme/api',
      [`${CIRCLECI}vcs-ref`]: 'refs/heads/main',
      user: '3f1c0c2e-0000-4000-8000-0000000000aa',
    }),
    set: (claims, claim, value) => {
      const next: Claims = { ...claims };
      if (value === undefined) delete next[claim];
      else next[claim] = value;
      return next;
    },
    subjects: (claims) => {
      const v1 = `org/${organization}/project/${claims[`${CIRCLECI}project-id`] ?? ''}/user/${claims.user ?? ''}`;
      return [v1, `${v1}/vcs-origin/${claims[`${CIRCLECI}vcs-origin`] ?? ''}/vcs-ref/${claims[`${CIRCLECI}vcs-ref`] ?? ''}`];
    },
    fromSubject: (sub) => {
      const match = /^org\/[^/]+\/project\/([^/]+)\/user\/([^/]+)(?:\/vcs-origin\/(.+)\/vcs-ref\/(.+))?$/s.exec(sub);
      if (!match) return {};
      // Stryker disable next-line StringLiteral: equivalent: the project and user groups take part in every match
      const claims: Claims = { [`${CIRCLECI}project-id`]: match[1] ?? '', user: match[2] ?? '' };
      if (match[3] !== undefined) claims[`${CIRCLECI}vcs-origin`] = match[3];
      if (match[4] !== undefined) claims[`${CIRCLECI}vcs-ref`] = match[4];
      return claims;
    },
  };
}

function setOne(claims: Claims, claim: string, value: string | undefined): Claims {
  const next: Claims = { ...claims };
  if (value === undefined) delete next[claim];
  else next[claim] = value;
  return next;
}

/** GitLab's default subject; the namespace is the project's parent path. */
function gitlabModel(): TokenModel {
  return {
    base: () => ({
      project_path: 'acme/api', project_id: '4200001', namespace_path: 'acme', namespace_id: '4200002', ref: 'main', ref_type: 'branch', ref_protected: 'true',
      pipeline_source: 'push', pipeline_id: '9100001', job_id: '9200001', user_login: 'octocat', user_id: '583231', user_email: 'octocat@example.com',
      user_access_level: 'maintainer', runner_environment: 'gitlab-hosted',
    }),
    set: (claims, claim, value) => {
      const next = setOne(claims, claim, value);
      if (claim === 'project_path' && value !== undefined) next.namespace_path = value.includes('/') ? value.slice(0, value.lastIndexOf('/')) : value;
      return next;
    },
    subjects: (claims) => [`project_path:${claims.project_path ?? ''}:ref_type:${claims.ref_type ?? ''}:ref:${claims.ref ?? ''}`],
    fromSubject: (sub) => {
      const match = /^project_path:([^:]*):ref_type:([^:]*):ref:(.*)/s.exec(sub);
      if (!match) return {};
      // Stryker disable next-line StringLiteral: equivalent: every group takes part in every match
      const [, path = '', refType = '', ref = ''] = match;
      return { project_path: path, namespace_path: path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : path, ref_type: refType, ref };
    },
  };
}

/** Buildkite's subject: a tag build's ref is the tag, any other build's its branch. */
function buildkiteModel(): TokenModel {
  return {
    base: () => ({
      organization_slug: 'acme', pipeline_slug: 'deploy', organization_id: '0191f956-0000-4000-8000-000000000001', pipeline_id: '0191f956-0000-4000-8000-000000000002',
      build_branch: 'main', build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: 'deploy', build_number: '42', cluster_name: 'default',
      cluster_id: '0191f956-0000-4000-8000-000000000003',
    }),
    set: setOne,
    subjects: (claims) => {
      const ref = claims.build_tag !== undefined ? `refs/tags/${claims.build_tag}` : `refs/heads/${claims.build_branch ?? ''}`;
      return [`organization:${claims.organization_slug ?? ''}:pipeline:${claims.pipeline_slug ?? ''}:ref:${ref}:commit:${claims.build_commit ?? ''}:step:${claims.step_key ?? ''}`];
    },
    fromSubject: (sub) => {
      const match = /^organization:([^:]*):pipeline:([^:]*):ref:refs\/(heads|tags)\/([^:]*):commit:([^:]*):step:(.*)/s.exec(sub);
      if (!match) return {};
      // Stryker disable next-line StringLiteral: equivalent: every group takes part in every match
      const [, organization = '', pipeline = '', kind, ref = '', commit = '', step = ''] = match;
      return { organization_slug: organization, pipeline_slug: pipeline, [kind === 'tags' ? 'build_tag' : 'build_branch']: ref, build_commit: commit, step_key: step };
    },
  };
}

/** Bitbucket's subject: the repository, the deployment environment if any, the step. */
function bitbucketModel(): TokenModel {
  return {
    base: () => ({
      workspaceUuid: '{5d6b0e4a-0000-4000-8000-000000000001}', repositoryUuid: '{5d6b0e4a-0000-4000-8000-000000000002}',
      pipelineUuid: '{5d6b0e4a-0000-4000-8000-000000000003}', stepUuid: '{5d6b0e4a-0000-4000-8000-000000000004}', branchName: 'main',
    }),
    set: setOne,
    subjects: (claims) => [[claims.repositoryUuid ?? '', ...(claims.deploymentEnvironmentUuid === undefined ? [] : [claims.deploymentEnvironmentUuid]), claims.stepUuid ?? ''].join(':')],
    fromSubject: (sub) => {
      const parts = sub.split(':');
      if (parts.length === 2) return { repositoryUuid: parts[0] as string, stepUuid: parts[1] as string };
      if (parts.length === 3) return { repositoryUuid: parts[0] as string, deploymentEnvironmentUuid: parts[1] as string, stepUuid: parts[2] as string };
      return {};
    },
  };
}

/** Other issuers: the subject is a claim of its own. */
function plainModel(): TokenModel {
  return {
    base: () => ({ sub: 'subject' }),
    set: (claims, claim, value) => {
      const next: Claims = { ...claims };
      if (value === undefined) delete next[claim];
      else next[claim] = value;
      return next;
    },
    subjects: (claims) => [claims.sub ?? ''],
    fromSubject: (sub) => ({ sub }),
  };
}

export function tokenModel(keys: IssuerKeys, platform: Platform | undefined): TokenModel {
  if (platform === 'github' || keys.family === 'github') return githubModel();
  const organization = /^oidc\.circleci\.com\/org\/([^/]+)$/.exec(keys.prefix)?.[1];
  if (platform === 'circleci' || keys.family === 'circleci') return circleciModel(organization ?? '00000000-0000-4000-8000-000000000000');
  if (platform === 'gitlab' || keys.family === 'gitlab') return gitlabModel();
  if (platform === 'buildkite' || keys.family === 'buildkite') return buildkiteModel();
  if (platform === 'bitbucket') return bitbucketModel();
  return plainModel();
}

/** The token's claims with a given subject and audience, as the request's claims. */
export function withSubject(claims: Claims, sub: string, audience: string): Record<string, unknown> {
  return { ...claims, sub, aud: audience };
}

/** Claims as text, the way a rule or IAM sees them (arrays and numbers flattened). */
export function textClaims(claims: Readonly<Record<string, unknown>>): Claims {
  const out: Claims = {};
  for (const [name, value] of Object.entries(claims)) {
    const [first] = claimValues(value);
    if (first !== undefined) out[name] = first;
  }
  return out;
}
