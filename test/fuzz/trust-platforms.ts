// Generators for the trust-verdict property on GitLab, CircleCI, Buildkite and Bitbucket: tokens
// as each platform builds them (their subject grammars: see src/core/trust/grammar/platforms.ts,
// but written here from the platforms' documentation, not from that code), policies on each
// platform's condition keys and subject, and rules on its claims, from small vocabularies.
import fc from 'fast-check';
import { ACCOUNT, AUD, providerArn } from './trust-arbitraries.ts';

export interface PlatformCase {
  readonly name: 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket';
  readonly url: string;
  readonly prefix: string;
  /** The STS double's condition key family for the issuer (none for Bitbucket). */
  readonly family: 'gitlab' | 'circleci' | 'buildkite' | undefined;
  readonly token: fc.Arbitrary<Record<string, string>>;
  /** Claims with a condition key, beside sub and aud. */
  readonly keyed: readonly string[];
  /** Condition values: subjects and claim values, with IAM wildcards. */
  readonly values: readonly string[];
  /** Rules: claim → patterns. */
  readonly rules: Readonly<Record<string, readonly string[]>>;
  /** Conditions such as people write them for the rules above (claim → operator, value). */
  readonly tight: ReadonlyArray<Readonly<Record<string, readonly [string, string]>>>;
}

const uuid = (n: number) => `3f1c0c2e-0000-4000-8000-00000000000${n}`;
const pick = <T>(...values: T[]) => fc.constantFrom(...values);

const gitlabToken = fc
  .record({ group: pick('acme', 'evil'), sub: pick('', '/team'), project: pick('api', 'web'), refType: pick('branch', 'tag'), ref: pick('main', 'dev', 'v1', 'release/1'), projectId: pick('42', '43'), namespaceId: pick('7', '8'), protectedRef: pick('true', 'false') })
  .map((t) => {
    const path = `${t.group}${t.sub}/${t.project}`;
    return {
      sub: `project_path:${path}:ref_type:${t.refType}:ref:${t.ref}`, aud: AUD, iss: 'https://gitlab.com', project_path: path, namespace_path: `${t.group}${t.sub}`, ref: t.ref, ref_type: t.refType,
      project_id: t.projectId, namespace_id: t.namespaceId, ref_protected: t.protectedRef, pipeline_source: 'push', runner_environment: 'gitlab-hosted', user_id: '5', user_login: 'octocat', user_email: 'o@example.com', user_access_level: 'developer',
    };
  });

const ORG = uuid(9);
const circleciToken = fc
  .record({ project: pick(uuid(1), uuid(2)), user: pick(uuid(3), uuid(4)), v2: fc.boolean(), origin: pick('github.com/acme/api', 'github.com/evil/api'), ref: pick('refs/heads/main', 'refs/heads/dev', 'refs/tags/v1') })
  .map((t) => {
    const v1 = `org/${ORG}/project/${t.project}/user/${t.user}`;
    return { sub: t.v2 ? `${v1}/vcs-origin/${t.origin}/vcs-ref/${t.ref}` : v1, aud: AUD, iss: `https://oidc.circleci.com/org/${ORG}`, 'oidc.circleci.com/project-id': t.project, 'oidc.circleci.com/vcs-origin': t.origin, 'oidc.circleci.com/vcs-ref': t.ref };
  });

const buildkiteToken = fc
  .record({ org: pick('acme', 'evil'), pipeline: pick('deploy', 'test'), tag: fc.boolean(), branch: pick('main', 'dev', 'x/y', 'main:commit:x:step:y'), name: pick('v1', 'main'), commit: pick('abc123', 'HEAD'), step: pick('deploy', 'a:b', ''), orgId: pick(uuid(5), uuid(6), undefined) })
  .map((t) => ({
    sub: `organization:${t.org}:pipeline:${t.pipeline}:ref:${t.tag ? `refs/tags/${t.name}` : `refs/heads/${t.branch}`}:commit:${t.commit}:step:${t.step}`, aud: AUD, iss: 'https://agent.buildkite.com',
    organization_slug: t.org, pipeline_slug: t.pipeline, build_branch: t.branch, ...(t.tag ? { build_tag: t.name } : {}), build_commit: t.commit, ...(t.orgId ? { organization_id: t.orgId } : {}),
  }));

const braced = (n: number) => `{5d6b0e4a-0000-4000-8000-00000000000${n}}`;
const bitbucketToken = fc
  .record({ repository: pick(braced(1), braced(2)), environment: pick(braced(3), braced(4), undefined), step: pick(braced(5), braced(6)) })
  .map((t) => ({
    sub: [t.repository, ...(t.environment ? [t.environment] : []), t.step].join(':'), aud: AUD, iss: 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc',
    repositoryUuid: t.repository, ...(t.environment ? { deploymentEnvironmentUuid: t.environment } : {}), stepUuid: t.step,
  }));

export const PLATFORM_CASES: readonly PlatformCase[] = [
  {
    name: 'gitlab', url: 'https://gitlab.com', prefix: 'gitlab.com', family: 'gitlab', token: gitlabToken, keyed: ['project_id', 'namespace_id', 'ref_protected', 'user_login'],
    values: ['project_path:acme/api:ref_type:branch:ref:main', 'project_path:acme/api:*', 'project_path:acme/*', 'project_path:*:ref_type:branch:ref:main', '*:ref:main', '42', '7', 'true', '*'],
    rules: { project_path: ['acme/api', 'acme/**'], project_id: ['42'], namespace_path: ['acme'], ref: ['main', 'v*'], ref_type: ['branch'], ref_protected: ['true'], sub: ['project_path:acme/api:**'] },
    tight: [
      { sub: ['StringEquals', 'project_path:acme/api:ref_type:branch:ref:main'], project_id: ['StringEquals', '42'] },
      { sub: ['StringLike', 'project_path:acme/api:ref_type:tag:ref:v*'], project_id: ['StringEquals', '42'], ref_protected: ['StringEquals', 'true'] },
    ],
  },
  {
    name: 'circleci', url: `https://oidc.circleci.com/org/${ORG}`, prefix: `oidc.circleci.com/org/${ORG}`, family: 'circleci', token: circleciToken, keyed: ['oidc.circleci.com/project-id'],
    values: [`org/${ORG}/project/${uuid(1)}/user/*`, `org/${ORG}/project/*`, `org/${ORG}/project/*/vcs-ref/refs/heads/main`, `*/vcs-origin/github.com/acme/api/*`, uuid(1), '*'],
    rules: { 'oidc.circleci.com/project-id': [uuid(1)], 'oidc.circleci.com/vcs-ref': ['refs/heads/main', 'refs/heads/*'], 'oidc.circleci.com/vcs-origin': ['github.com/acme/api'] },
    tight: [
      { 'oidc.circleci.com/project-id': ['StringEquals', uuid(1)] },
      { 'oidc.circleci.com/project-id': ['StringEquals', uuid(1)], sub: ['StringLike', `org/${ORG}/project/*/user/*/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main`] },
    ],
  },
  {
    name: 'buildkite', url: 'https://agent.buildkite.com', prefix: 'agent.buildkite.com', family: 'buildkite', token: buildkiteToken, keyed: ['organization_slug', 'pipeline_slug', 'organization_id', 'build_branch'],
    values: ['organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*:step:*', 'organization:acme:*', '*:ref:refs/tags/v*', 'acme', 'deploy', 'main', uuid(5), '*'],
    rules: { organization_slug: ['acme'], organization_id: [uuid(5)], pipeline_slug: ['deploy'], build_branch: ['main'], build_tag: ['v*'], sub: ['organization:acme:pipeline:deploy:ref:refs/heads/main:commit:**'] },
    tight: [
      { organization_id: ['StringEquals', uuid(5)], pipeline_slug: ['StringEquals', 'deploy'] },
      { organization_slug: ['StringEquals', 'acme'], sub: ['StringLike', 'organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*'], build_branch: ['StringEquals', 'main'] },
    ],
  },
  {
    name: 'bitbucket', url: 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', prefix: 'api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', family: undefined, token: bitbucketToken, keyed: [],
    values: [`${braced(1)}:*`, `${braced(1)}:${braced(3)}:*`, `${braced(1)}:*:*`, `*:${braced(3)}:*`, '*'],
    rules: { repositoryUuid: [braced(1)], deploymentEnvironmentUuid: [braced(3)], sub: [`${braced(1)}:**`] },
    tight: [{ sub: ['StringLike', `${braced(1)}:*`] }, { sub: ['StringLike', `${braced(1)}:${braced(3)}:*`] }],
  },
];

const OPERATORS = ['StringEquals', 'StringLike', 'StringLike', 'StringNotLike', 'StringNotEquals', 'StringLikeIfExists', 'ForAnyValue:StringLike'];

/** Policies of one to three statements on the platform's keys and subject; some Denies, a few other principals. */
export function platformPolicy(platform: PlatformCase): fc.Arbitrary<{ Version: string; Statement: object[] }> {
  const key = fc.oneof({ weight: 3, arbitrary: fc.constant('sub') }, { weight: 2, arbitrary: fc.constantFrom('aud', ...platform.keyed, 'sub') }).map((claim) => `${platform.prefix}:${claim}`);
  const random = fc.array(fc.tuple(fc.constantFrom(...OPERATORS), key, fc.constantFrom(...platform.values, AUD)), { minLength: 1, maxLength: 3 });
  const tight = fc.constantFrom(...platform.tight).map((claims) => Object.entries(claims).map(([claim, [op, value]]) => [op, `${platform.prefix}:${claim}`, value] as const));
  const condition = fc.oneof(random, tight, fc.tuple(tight, random).map(([a, b]) => [...a, ...b])).map((entries) => {
    const out: Record<string, Record<string, string>> = {};
    for (const [op, k, value] of entries) (out[op] ??= {})[k] = value;
    return out;
  });
  const principal = fc.oneof({ weight: 20, arbitrary: fc.constant({ Federated: providerArn(platform.prefix) }) }, { weight: 1, arbitrary: fc.constant({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) }, { weight: 1, arbitrary: fc.constant({ Service: 'lambda.amazonaws.com' }) });
  const statement = fc.record({ Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'), Principal: principal, Action: fc.constantFrom('sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithWebIdentity', 'sts:*'), Condition: condition });
  return fc.array(statement, { minLength: 1, maxLength: 3 }).map((statements) => ({ Version: '2012-10-17', Statement: statements }));
}

export function platformRules(platform: PlatformCase): fc.Arbitrary<Array<{ claim: string; value: string; regex: boolean }>> {
  const claims = Object.keys(platform.rules);
  const rule = fc.constantFrom(...claims).chain((claim) => fc.constantFrom(...(platform.rules[claim] as string[])).map((value) => ({ claim, value, regex: false })));
  return fc.array(rule, { minLength: 1, maxLength: 3 });
}
