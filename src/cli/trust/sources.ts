// Where `trust-policy` takes its rules from, all of them rules for the one compiler: a rules
// file and --claims, --platform flags (flags.ts), or a token (its issuer, audience and
// exact subject). And the issuer the rules are for: --issuer, the platform's, or the one OIDC
// provider of the platform the policy being checked trusts.
import { decodeJwt } from 'jose';
import { ClaimcheckError } from '../../core/errors.js';
import { INPUTS } from '../../core/config/inputs.generated.js';
import type { ClaimRule } from '../../core/rules/rules.js';
import { isPlatform, PLATFORMS, type Platform, type RoleEntry } from '../../core/rules/rules-file.js';
import { platformOfIssuer } from '../../core/trust/grammar/choose.js';
import { conditionKeyFor, issuerKeys, keyFamilyOf } from '../../core/trust/aws/iam/keys.js';
import { tokenRules } from '../../core/trust/token-rules.js';
import type { PolicyDocument } from '../../core/trust/aws/iam/policy.js';
import { BUILDKITE_ISSUER } from '../../platform/buildkite/claims.js';
import { circleciIssuer } from '../../platform/circleci/inputs.js';
import { GITLAB_COM } from '../../platform/gitlab/claims.js';
import { UsageError, type ParsedFlags } from '../args.js';
import type { CliIo } from '../io.js';
import { checkPlatformClaims, checkSamePlatform } from '../platform.js';
import { readCliRules } from '../rules-input.js';
import { tokenSource } from '../token-source.js';
import { bitbucketIssuerOf, givesPlatformRules, rulesFromFlags } from './flags.js';

export interface RuleSource {
  readonly rules: readonly ClaimRule[];
  readonly roles: readonly RoleEntry[];
  readonly platform: Platform | undefined;
  /** The issuer the source itself names (flags, a token); undefined: from --issuer, the platform or the policy. */
  readonly issuer: string | undefined;
  /** The audience a token names; undefined: --audience or the default. */
  readonly audience: string | undefined;
  /** The rules are a token's own subject. */
  readonly fromToken?: true;
  readonly notices: readonly string[];
}

function platformOf(flags: ParsedFlags): Platform | undefined {
  const platform = flags.strings.get('platform');
  if (platform !== undefined && !isPlatform(platform)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  return platform;
}

async function fromToken(flags: ParsedFlags, io: CliIo): Promise<RuleSource> {
  const token = await tokenSource(flags, io)();
  let claims;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new ClaimcheckError('TOKEN_MALFORMED', 'The token is not a JWT: its payload is not base64url-encoded JSON.', 'Pass the OIDC ID token itself, unmodified.');
  }
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof aud !== 'string') {
    throw new ClaimcheckError('TOKEN_CLAIMS', 'The token lacks iss, aud or sub, which a trust policy matches on.', 'Use an OIDC ID token from your CI provider.');
  }
  const issuer = flags.strings.get('issuer') ?? claims.iss;
  const keys = issuerKeys(issuer, keyFamilyOf(issuer));
  const rules = tokenRules(claims, (claim) => conditionKeyFor(keys, claim) !== undefined);
  const notice = 'Note: the token was decoded, not verified; the policy accepts its issuer and audience and the jobs it stands for, pinned by what stays the same from run to run (ids where AWS evaluates them), never by what changes in every run.';
  return { rules, roles: [], platform: undefined, issuer, audience: flags.strings.get('audience') ?? aud, notices: [notice], fromToken: true };
}

async function fromRules(flags: ParsedFlags): Promise<RuleSource> {
  const { rules, document } = await readCliRules(flags);
  const platform = platformOf(flags);
  checkSamePlatform(platform, document?.platform);
  if (platform !== undefined) checkPlatformClaims([...rules, ...(document?.roles ?? []).flatMap((entry) => entry.rules)], platform, 'The rules');
  return { rules, roles: document?.roles ?? [], platform: platform ?? document?.platform, issuer: undefined, audience: undefined, notices: [] };
}

/** The rules to compile or check against, from the one source the flags name. */
export async function ruleSource(flags: ParsedFlags, io: CliIo): Promise<RuleSource> {
  const token = flags.strings.has('token-file') || flags.strings.has('token-env');
  const rules = flags.strings.has('rules-file') || flags.strings.has('claims');
  const platformRules = givesPlatformRules(flags);
  if ([token, rules, platformRules].filter(Boolean).length > 1) throw new UsageError('give a token, rules (--rules-file, --claims), or --platform flags, not several');
  if (token) return fromToken(flags, io);
  if (rules) return fromRules(flags);
  const platform = platformOf(flags);
  if (platform === undefined) throw new UsageError(`give --rules-file, --platform ${PLATFORMS.join('|')} with its flags, or --token-file`);
  const built = rulesFromFlags(flags, platform);
  return { rules: built.rules, roles: [], platform, issuer: built.issuer, audience: undefined, notices: built.notices };
}

/** The OIDC providers a policy trusts, by issuer (https:// and the provider's URL). */
export function policyIssuers(policy: PolicyDocument): string[] {
  const values = policy.statements.flatMap((statement) => {
    const federated = (statement.principal as { Federated?: unknown } | undefined)?.Federated;
    return Array.isArray(federated) ? federated : [federated];
  });
  const hosts = values.flatMap((value) => (typeof value === 'string' ? [/^arn:[^:]+:iam::[^:]*:oidc-provider\/(.+)$/.exec(value)?.[1]] : [])).filter((host): host is string => host !== undefined);
  return [...new Set(hosts)].map((host) => `https://${host}`);
}

function platformDefault(flags: ParsedFlags, platform: Platform | undefined): string | undefined {
  if (platform === 'github') return INPUTS.issuer.default;
  if (platform === 'gitlab') return GITLAB_COM;
  if (platform === 'buildkite') return BUILDKITE_ISSUER;
  if (platform === 'bitbucket' && (flags.strings.has('workspace') || flags.strings.has('issuer'))) return bitbucketIssuerOf(flags);
  return undefined;
}

/** The issuer: --issuer; the source's; CircleCI's from --org-id; the policy's one provider of the platform; the platform's. */
export function issuerOf(flags: ParsedFlags, source: RuleSource, policy?: PolicyDocument): string {
  const given = flags.strings.get('issuer') ?? source.issuer;
  if (given) return given;
  const organization = flags.strings.get('org-id');
  if (source.platform === 'circleci' && organization) return circleciIssuer(organization);
  const trusted = policy ? policyIssuers(policy) : [];
  const ofPlatform = source.platform === undefined ? trusted : trusted.filter((issuer) => platformOfIssuer(issuer) === source.platform);
  const candidates = ofPlatform.length > 0 ? ofPlatform : trusted.length === 1 ? trusted : [];
  if (candidates.length > 1) throw new UsageError(`the policy trusts several OIDC providers (${candidates.join(', ')}): give --issuer for the one the rules are for`);
  if (candidates.length === 1) return candidates[0] as string;
  const fallback = platformDefault(flags, source.platform);
  if (fallback) return fallback;
  if (source.platform === 'circleci') throw new UsageError('--org-id (or --issuer) is required for CircleCI: the issuer is per organization');
  throw new UsageError(`give --issuer, or --platform ${PLATFORMS.join('|')} (or platform: in the rules file)`);
}
