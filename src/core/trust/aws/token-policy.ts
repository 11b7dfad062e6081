// IAM trust policies for OIDC-federated roles: the condition and the policy document that
// accept given subjects of one issuer and audience, and the same as Terraform. The
// AccessDenied explanation and `claimcheck trust-policy` both come from here.

import { exactValue } from './pattern.js';

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

/**
 * The condition that accepts one token's own `aud` and `sub` as text: a claim's `*`, `?` or
 * `${` (a branch may be named `a${b}`) must not become an IAM wildcard or policy variable.
 */
export function exactTrustCondition(issuer: string, audience: string, subject: string): Partial<TrustCondition> {
  const prefix = issuerKeyPrefix(issuer);
  return { StringEquals: { [`${prefix}:aud`]: exactValue(audience), [`${prefix}:sub`]: exactValue(subject) } };
}

export function trustPolicyDocument(spec: TrustSpec, principal: string = oidcProviderArn(spec.partition, spec.accountId, spec.issuer)): object {
  return webIdentityPolicy(principal, trustConditionFor(spec.issuer, spec.audience, spec.subjects));
}

/** The policy that accepts exactly one token's issuer, audience and subject. */
export function tokenTrustPolicyDocument(partition: string, accountId: string, issuer: string, audience: string, subject: string): object {
  return webIdentityPolicy(oidcProviderArn(partition, accountId, issuer), exactTrustCondition(issuer, audience, subject));
}

function webIdentityPolicy(principal: string, condition: object): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: principal }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
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

/**
 * A string as an HCL literal. Claim values are untrusted: `${` and `%{` would start a
 * Terraform interpolation or directive (a branch named `fix-${var.db_password}` would put a
 * secret into the policy), so they are written `$${` and `%%{`; quotes, backslashes and
 * control characters are escaped as HCL reads them.
 */
export function hclString(text: string): string {
  const body = Array.from(text)
    .map((char) => {
      if (char === '"' || char === '\\') return `\\${char}`;
      const code = char.codePointAt(0) as number;
      if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029) return `\\u${code.toString(16).padStart(4, '0')}`;
      return char;
    })
    .join('')
    .replaceAll('${', () => '$${')
    .replaceAll('%{', () => '%%{');
  return `"${body}"`;
}

/** A JSON value as an HCL expression (objects and lists in JSON syntax, strings via hclString). */
function hclValue(value: unknown, indent: string): string {
  if (typeof value === 'string') return hclString(value);
  if (Array.isArray(value)) return `[${value.map((item) => hclValue(item, indent)).join(', ')}]`;
  if (value && typeof value === 'object') {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(([key, item]) => `${inner}${hclString(key)} = ${hclValue(item, inner)}`);
    return `{\n${entries.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export interface TerraformRole {
  /** The resource label: letters, digits, _ and - (derived from the role map entry). */
  readonly label: string;
  readonly roleName: string;
  /** The trust policy, whose Federated principal is replaced by the provider resource's ARN. */
  readonly document: object;
  readonly principal: string;
}

/** A resource label Terraform accepts, from any name. */
export function terraformLabel(name: string): string {
  const label = name.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^([^A-Za-z_])/, '_$1');
  return label === '' ? 'ci' : label;
}

/** The provider and roles as Terraform; every string passes through hclString. */
export function terraformForRoles(issuer: string, audience: string, roles: readonly TerraformRole[]): string {
  const marker = '__claimcheck_provider_arn__';
  const lines = [
    '# The IAM OIDC provider: once per account and issuer.',
    'resource "aws_iam_openid_connect_provider" "ci" {',
    `  url            = ${hclString(issuer)}`,
    `  client_id_list = [${hclString(audience)}]`,
    '}',
  ];
  for (const role of roles) {
    const withMarker = JSON.parse(JSON.stringify(role.document).replaceAll(JSON.stringify(role.principal), JSON.stringify(marker))) as object;
    const policy = hclValue(withMarker, '  ').replaceAll(hclString(marker), PROVIDER_REFERENCE);
    lines.push('', `resource "aws_iam_role" ${hclString(role.label)} {`, `  name = ${hclString(role.roleName)}`, `  assume_role_policy = jsonencode(${policy})`, '}');
  }
  return `${lines.join('\n')}\n`;
}

/** One role from a token or flags, as before: the spec's policy under the label ci. */
export function terraformFor(spec: TrustSpec, roleName: string): string {
  const principal = oidcProviderArn(spec.partition, spec.accountId, spec.issuer);
  return terraformForRoles(spec.issuer, spec.audience, [{ label: 'ci', roleName, document: trustPolicyDocument(spec, principal), principal }]);
}
