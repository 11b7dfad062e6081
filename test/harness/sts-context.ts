// The condition keys AWS STS derives from a verified web identity token, for the STS double.
// Every OIDC provider gives `<issuer>:sub` and `<issuer>:aud`. Since 2026 STS also evaluates
// some providers' own claims, in trust policies only (AWS Service Authorization Reference, STS,
// AssumeRoleWithWebIdentity; single-valued String keys, "not available in session"). The
// double runs issuers on loopback, so the family is configured per provider, not read from the host.
import { oidcProviderArn } from './trust-policy.ts';
import type { ContextValues, TrustRequest } from './trust-policy.ts';

export type ConditionKeyFamily = 'github' | 'circleci' | 'gitlab' | 'buildkite';

/** The claims each provider family exposes as `<issuer without scheme>:<claim>`. */
export const PROVIDER_CLAIM_KEYS: Readonly<Record<ConditionKeyFamily, readonly string[]>> = {
  // token.actions.githubusercontent.com[/<enterprise>] and token.actions.<domain>.ghe.com
  github: ['actor', 'actor_id', 'enterprise_id', 'environment', 'job_workflow_ref', 'ref', 'repository', 'repository_id', 'repository_owner_id', 'workflow'],
  // oidc.circleci.com/org/<org-id>
  circleci: ['oidc.circleci.com/project-id'],
  // gitlab.com
  gitlab: ['namespace_id', 'pipeline_source', 'project_id', 'ref_protected', 'runner_environment', 'user_access_level', 'user_email', 'user_id', 'user_login'],
  // agent.buildkite.com
  buildkite: ['build_branch', 'cluster_id', 'cluster_name', 'organization_id', 'organization_slug', 'pipeline_id', 'pipeline_slug'],
};

/**
 * `<issuerHost>:sub`, `<issuerHost>:aud` (every audience) and, with a family, one key per
 * claim of that family the token has. A claim's value counts as its text when it is a string,
 * a number or a boolean; other claims (lists, objects, null) give no key.
 */
export function providerContext(issuerHost: string, claims: Record<string, unknown>, family?: ConditionKeyFamily): Record<string, ContextValues> {
  const context: Record<string, ContextValues> = {};
  if (typeof claims.sub === 'string') context[`${issuerHost}:sub`] = claims.sub;
  context[`${issuerHost}:aud`] = audiences(claims.aud);
  for (const claim of family === undefined ? [] : PROVIDER_CLAIM_KEYS[family]) {
    const text = scalarText(claims[claim]);
    if (text !== undefined) context[`${issuerHost}:${claim}`] = text;
  }
  return context;
}

/** The whole context of an AssumeRoleWithWebIdentity call: the session name, the token's keys, its source identity. */
export function webIdentityContext(issuerHost: string, claims: Record<string, unknown>, sessionName: string, family?: ConditionKeyFamily): Record<string, ContextValues> {
  const context: Record<string, ContextValues> = { 'sts:RoleSessionName': sessionName, ...providerContext(issuerHost, claims, family) };
  const sourceIdentity = claims['https://aws.amazon.com/source_identity'];
  if (typeof sourceIdentity === 'string') context['sts:SourceIdentity'] = sourceIdentity;
  return context;
}

export interface WebIdentityRequestOptions {
  readonly conditionKeys?: ConditionKeyFamily;
  /** Default 'ci'. */
  readonly sessionName?: string;
  /** The IAM OIDC provider's account; default 111122223333. */
  readonly accountId?: string;
}

/**
 * What the double's evaluator sees when these (verified) claims call AssumeRoleWithWebIdentity
 * through the provider for `issuerHost`: for comparing evaluators without a token or a server.
 */
export function webIdentityRequest(issuerHost: string, claims: Record<string, unknown>, options: WebIdentityRequestOptions = {}): TrustRequest {
  return {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { kind: 'Federated', arn: oidcProviderArn(issuerHost, options.accountId) },
    context: webIdentityContext(issuerHost, claims, options.sessionName ?? 'ci', options.conditionKeys),
  };
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  return undefined;
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}
