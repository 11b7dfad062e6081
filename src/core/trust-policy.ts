// IAM trust policies for OIDC-federated roles: the condition and the policy document that
// accept given subjects of one issuer and audience, and the same as Terraform. The
// AccessDenied explanation and `claimcheck trust-policy` both come from here.

/** IAM names OIDC condition keys and provider ARNs by the issuer URL without its scheme. */
export function issuerKeyPrefix(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function oidcProviderArn(partition: string, accountId: string, issuer: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${issuerKeyPrefix(issuer)}`;
}

export type TrustCondition = Readonly<Record<'StringEquals' | 'StringLike', Readonly<Record<string, string | readonly string[]>>>>;

/**
 * Exact `aud`, and `sub` among the subjects: StringEquals when they are all literal,
 * StringLike when any has an IAM wildcard (`*` or `?`, which cross `/` and `:`). One
 * operator for `sub`, because two in one statement would both have to hold.
 */
export function trustConditionFor(issuer: string, audience: string, subjects: string | readonly string[]): Partial<TrustCondition> {
  const prefix = issuerKeyPrefix(issuer);
  const list = typeof subjects === 'string' ? [subjects] : subjects;
  const sub = list.length === 1 ? (list[0] as string) : list;
  const aud = { [`${prefix}:aud`]: audience };
  if (list.some((subject) => /[*?]/.test(subject))) return { StringEquals: aud, StringLike: { [`${prefix}:sub`]: sub } };
  return { StringEquals: { ...aud, [`${prefix}:sub`]: sub } };
}

export interface TrustSpec {
  readonly partition: string;
  readonly accountId: string;
  readonly issuer: string;
  readonly audience: string;
  readonly subjects: readonly string[];
}

export function trustPolicyDocument(spec: TrustSpec, principal: string = oidcProviderArn(spec.partition, spec.accountId, spec.issuer)): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: principal },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: trustConditionFor(spec.issuer, spec.audience, spec.subjects),
      },
    ],
  };
}

export interface GitHubTrust {
  readonly repository: string;
  readonly branches: readonly string[];
  readonly tags: readonly string[];
  readonly environments: readonly string[];
  readonly pullRequests: boolean;
}

/** GitHub's default `sub` forms for a repository's branches, tags, environments and pull requests. */
export function githubSubjects(trust: GitHubTrust): string[] {
  const repo = `repo:${trust.repository}`;
  return [
    ...trust.branches.map((branch) => `${repo}:ref:refs/heads/${branch}`),
    ...trust.tags.map((tag) => `${repo}:ref:refs/tags/${tag}`),
    ...trust.environments.map((environment) => `${repo}:environment:${environment}`),
    ...(trust.pullRequests ? [`${repo}:pull_request`] : []),
  ];
}

/** CircleCI's `sub` for any user's jobs in the given projects. */
export function circleciSubjects(organizationId: string, projectIds: readonly string[]): string[] {
  return projectIds.map((project) => `org/${organizationId}/project/${project}/user/*`);
}

const PROVIDER_REFERENCE = 'aws_iam_openid_connect_provider.ci.arn';

/** The provider and role as Terraform: the policy is JSON, which is also an HCL expression. */
export function terraformFor(spec: TrustSpec, roleName: string): string {
  const marker = '__claimcheck_provider_arn__';
  const policy = JSON.stringify(trustPolicyDocument(spec, marker), null, 2)
    .replace(`"${marker}"`, PROVIDER_REFERENCE)
    .replace(/\n/g, '\n  ');
  return [
    '# The IAM OIDC provider: once per account and issuer.',
    'resource "aws_iam_openid_connect_provider" "ci" {',
    `  url            = ${JSON.stringify(spec.issuer)}`,
    `  client_id_list = [${JSON.stringify(spec.audience)}]`,
    '}',
    '',
    'resource "aws_iam_role" "ci" {',
    `  name = ${JSON.stringify(roleName)}`,
    `  assume_role_policy = jsonencode(${policy})`,
    '}',
    '',
  ].join('\n');
}
