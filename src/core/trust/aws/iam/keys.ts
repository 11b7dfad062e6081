// Which token claims AWS STS turns into trust-policy condition keys, per issuer. Since
// February 2026 STS evaluates some provider-specific claims of GitHub, CircleCI, GitLab and
// Buildkite tokens as `<issuer without scheme>:<claim>` (AWS Service Authorization Reference,
// STS, AssumeRoleWithWebIdentity: all single-valued strings, trust policies only). Every OIDC
// provider also has `:sub` and `:aud`. Nothing here is guessed: a claim missing from these
// lists is one AWS cannot see, and a rule on it binds only claimcheck.
import { issuerKeyPrefix } from '../token-policy.js';

export type KeyFamily = 'github' | 'circleci' | 'gitlab' | 'buildkite' | 'none';

export const KEY_FAMILIES: readonly KeyFamily[] = ['github', 'circleci', 'gitlab', 'buildkite', 'none'];

/** The claims each family's issuer exposes as condition keys, besides sub and aud. */
const KEYED_CLAIMS: Readonly<Record<KeyFamily, readonly string[]>> = {
  github: ['actor', 'actor_id', 'enterprise_id', 'environment', 'job_workflow_ref', 'ref', 'repository', 'repository_id', 'repository_owner_id', 'workflow'],
  circleci: ['oidc.circleci.com/project-id'],
  gitlab: ['namespace_id', 'pipeline_source', 'project_id', 'ref_protected', 'runner_environment', 'user_access_level', 'user_email', 'user_id', 'user_login'],
  buildkite: ['build_branch', 'cluster_id', 'cluster_name', 'organization_id', 'organization_slug', 'pipeline_id', 'pipeline_slug'],
  none: [],
};

/** The family AWS applies to an issuer, from its URL (the key names depend on the host AWS knows). */
export function keyFamilyOf(issuer: string): KeyFamily {
  const prefix = issuerKeyPrefix(issuer);
  if (/^token\.actions\.githubusercontent\.com(?:\/[^/]+)?$/.test(prefix) || /^token\.actions\.[a-z0-9-]+\.ghe\.com$/.test(prefix)) return 'github';
  if (/^oidc\.circleci\.com\/org\/[0-9a-f-]+$/.test(prefix)) return 'circleci';
  if (prefix === 'gitlab.com') return 'gitlab';
  if (prefix === 'agent.buildkite.com') return 'buildkite';
  return 'none';
}

export interface IssuerKeys {
  readonly issuer: string;
  readonly family: KeyFamily;
  /** `<issuer without scheme>`: the prefix of every condition key of this provider. */
  readonly prefix: string;
}

export function issuerKeys(issuer: string, family: KeyFamily = keyFamilyOf(issuer)): IssuerKeys {
  return { issuer, family, prefix: issuerKeyPrefix(issuer) };
}

/** The condition key AWS evaluates for a claim, or undefined when AWS cannot see the claim. */
export function conditionKeyFor(keys: IssuerKeys, claim: string): string | undefined {
  if (claim === 'sub' || claim === 'aud' || KEYED_CLAIMS[keys.family].includes(claim)) return `${keys.prefix}:${claim}`;
  return undefined;
}

/** The request context STS builds from a token's claims: key (as IAM names it) → values. */
export function requestContext(keys: IssuerKeys, claims: Readonly<Record<string, unknown>>): Map<string, string[]> {
  const context = new Map<string, string[]>();
  for (const claim of ['sub', 'aud', ...KEYED_CLAIMS[keys.family]]) {
    const values = claimValues(claims[claim]);
    if (values.length > 0) context.set(`${keys.prefix}:${claim}`, values);
  }
  return context;
}

/** A claim as IAM compares it: strings as is, numbers and booleans as text, arrays element-wise. */
export function claimValues(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? [String(item)] : []));
}

/** Every claim of the family AWS sees as its own key (sub and aud included). */
export function keyedClaims(keys: IssuerKeys): readonly string[] {
  return ['sub', 'aud', ...KEYED_CLAIMS[keys.family]];
}
