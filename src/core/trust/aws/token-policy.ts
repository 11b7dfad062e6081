// IAM trust policies for OIDC-federated roles as text: provider ARNs, the condition that
// accepts the jobs one token stands for (for the AccessDenied explanation and explain: pinned
// by what stays the same from run to run, ids where AWS has a key for them, never by what
// changes every run), and the Terraform for the provider and roles. The policies
// `trust-policy` writes come from compile-trust.ts.

import { hclString } from '../../text/hcl.js';
import { exactValue, likeLiteral } from './iam/pattern.js';

/** IAM names OIDC condition keys and provider ARNs by the issuer URL without its scheme. */
export function issuerKeyPrefix(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function oidcProviderArn(partition: string, accountId: string, issuer: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${issuerKeyPrefix(issuer)}`;
}

export type TrustCondition = Readonly<Record<'StringEquals', Readonly<Record<string, string>>>>;

/**
 * The condition that accepts one token's own `aud` and `sub` as text: a claim's `*`, `?` or
 * `${` (a branch may be named `a${b}`) must not become an IAM wildcard or policy variable.
 */
export function exactTrustCondition(issuer: string, audience: string, subject: string): TrustCondition {
  const prefix = issuerKeyPrefix(issuer);
  return { StringEquals: { [`${prefix}:aud`]: exactValue(audience), [`${prefix}:sub`]: exactValue(subject) } };
}

type TokenClaims = Readonly<Record<string, unknown>>;
type ConditionBlock = Record<string, Record<string, string | string[]>>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Sets `key` (when AWS has one) to the claim's value, exactly; false when it could not. */
function pinClaim(equals: Record<string, string | string[]>, claims: TokenClaims, claim: string, keyFor: (claim: string) => string | undefined): boolean {
  const key = keyFor(claim);
  const value = text(claims[claim]);
  if (key === undefined || value === undefined) return false;
  equals[key] = exactValue(value);
  return true;
}

/** GitHub: the repository by its ids, and the environment, or the ref (a pull request by its subject, since its ref names the PR). */
function githubTrust(condition: ConditionBlock, claims: TokenClaims, sub: string, prefix: string, keyFor: (claim: string) => string | undefined): boolean {
  const equals = condition.StringEquals as Record<string, string | string[]>;
  if (!pinClaim(equals, claims, 'repository_id', keyFor)) return false;
  pinClaim(equals, claims, 'repository_owner_id', keyFor);
  if (pinClaim(equals, claims, 'environment', keyFor)) return true;
  const pullRequest = /^repo:([^/@:]+)(?:@\d+)?\/([^/@:]+)(?:@\d+)?:pull_request$/.exec(sub);
  if (pullRequest) {
    const [owner, name] = [pullRequest[1] as string, pullRequest[2] as string];
    const ids = [text(claims.repository_owner_id), text(claims.repository_id)];
    equals[`${prefix}:sub`] = ids[0] && ids[1] ? [`repo:${owner}/${name}:pull_request`, `repo:${owner}@${ids[0]}/${name}@${ids[1]}:pull_request`].map(exactValue) : exactValue(sub);
    return true;
  }
  // No ref to pin (GitHub tokens always carry one): the subject, as it is, says which jobs.
  if (!pinClaim(equals, claims, 'ref', keyFor)) equals[`${prefix}:sub`] = exactValue(sub);
  return true;
}

/** CircleCI: the project by its id, and any user's jobs on the token's ref (v2 subjects name it). */
function circleciTrust(condition: ConditionBlock, claims: TokenClaims, sub: string, prefix: string, keyFor: (claim: string) => string | undefined): boolean {
  const match = /^org\/([^/]+)\/project\/([^/]+)\/user\/[^/]+(?:\/vcs-origin\/(.+)\/vcs-ref\/(.+))?$/s.exec(sub);
  if (!match) return false;
  pinClaim(condition.StringEquals as Record<string, string | string[]>, claims, 'oidc.circleci.com/project-id', keyFor);
  const [, organization, project, origin, ref] = match as unknown as [string, string, string, string | undefined, string | undefined];
  const user = `org/${likeLiteral(organization)}/project/${likeLiteral(project)}/user/*`;
  condition.StringLike = { [`${prefix}:sub`]: origin !== undefined && ref !== undefined ? `${user}/vcs-origin/${likeLiteral(origin)}/vcs-ref/${likeLiteral(ref)}` : user };
  return true;
}

/** Buildkite: the organization and pipeline (by id when the token carries them), the ref, any commit and step. */
function buildkiteTrust(condition: ConditionBlock, claims: TokenClaims, sub: string, prefix: string, keyFor: (claim: string) => string | undefined): boolean {
  const match = /^organization:([^:]+):pipeline:([^:]+):ref:(.*):commit:[^:]*:step:[^:]*$/s.exec(sub);
  if (!match) return false;
  const equals = condition.StringEquals as Record<string, string | string[]>;
  if (!pinClaim(equals, claims, 'organization_id', keyFor)) pinClaim(equals, claims, 'organization_slug', keyFor);
  if (!pinClaim(equals, claims, 'pipeline_id', keyFor)) pinClaim(equals, claims, 'pipeline_slug', keyFor);
  const [, organization, pipeline, ref] = match as unknown as [string, string, string, string];
  const head = `organization:${likeLiteral(organization)}:pipeline:${likeLiteral(pipeline)}`;
  condition.StringLike = { [`${prefix}:sub`]: `${head}:ref:${likeLiteral(ref)}:commit:*:step:*` };
  // IAM's * crosses ':': a ref that holds one could pass for this ref followed by a commit.
  condition.StringNotLike = { [`${prefix}:sub`]: `${head}:ref:refs/*:*:commit:*` };
  return true;
}

/** Bitbucket: the repository (and deployment environment) by UUID; the step's UUID is new in every run. */
function bitbucketTrust(condition: ConditionBlock, claims: TokenClaims, sub: string, prefix: string): boolean {
  const repository = text(claims.repositoryUuid);
  if (repository === undefined || text(claims.stepUuid) === undefined || !sub.startsWith(`${repository}:`)) return false;
  const environment = text(claims.deploymentEnvironmentUuid);
  const scope = environment !== undefined && sub.startsWith(`${repository}:${environment}:`) ? `${repository}:${environment}` : repository;
  condition.StringLike = { [`${prefix}:sub`]: `${likeLiteral(scope)}:*` };
  return true;
}

/** GitLab.com: the project by its id besides the subject (which names the project's path and the ref, nothing per run). */
function gitlabTrust(condition: ConditionBlock, claims: TokenClaims, sub: string, prefix: string, keyFor: (claim: string) => string | undefined): boolean {
  if (!/^project_path:[^:]+:ref_type:(branch|tag):ref:/.test(sub)) return false;
  const equals = condition.StringEquals as Record<string, string | string[]>;
  pinClaim(equals, claims, 'project_id', keyFor);
  equals[`${prefix}:sub`] = exactValue(sub);
  return true;
}

/**
 * The condition that accepts the jobs this token stands for: its issuer's audience, and its
 * job pinned by what does not change from run to run, on the keys AWS evaluates for the
 * issuer (`keyFor`: the key of a claim, undefined where AWS has none). A token of no platform
 * claimcheck knows is pinned by its exact subject. `bySubject`: whether that is all it pins.
 */
export function tokenTrustCondition(issuer: string, audience: string, claims: TokenClaims, keyFor: (claim: string) => string | undefined): { condition: ConditionBlock; bySubject: boolean } {
  const prefix = issuerKeyPrefix(issuer);
  const sub = text(claims.sub) ?? '';
  const condition: ConditionBlock = { StringEquals: { [`${prefix}:aud`]: exactValue(audience) } };
  const shaped =
    ((keyFor('repository_id') !== undefined || text(claims.repository) !== undefined) && githubTrust(condition, claims, sub, prefix, keyFor)) ||
    (text(claims['oidc.circleci.com/project-id']) !== undefined && circleciTrust(condition, claims, sub, prefix, keyFor)) ||
    buildkiteTrust(condition, claims, sub, prefix, keyFor) ||
    bitbucketTrust(condition, claims, sub, prefix) ||
    gitlabTrust(condition, claims, sub, prefix, keyFor);
  if (shaped) return { condition, bySubject: false };
  return { condition: exactTrustCondition(issuer, audience, sub), bySubject: true };
}

const PROVIDER_REFERENCE = 'aws_iam_openid_connect_provider.ci.arn';

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
