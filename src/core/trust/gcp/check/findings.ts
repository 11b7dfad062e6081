// What a provider check finds, and which audiences a provider takes beside the step's.
import type { ClaimRule } from '../../../rules/rules.js';
import type { GcpProvider } from './provider.js';

export type Claims = Readonly<Record<string, string>>;

export type { Verdict as GcpVerdict } from '../../verdict.js';

export type GcpFinding =
  | { readonly kind: 'issuer'; readonly trusted: string }
  | { readonly kind: 'audience'; readonly audience: string; readonly token: Claims }
  | { readonly kind: 'audience-refused'; readonly audiences: readonly string[] }
  | { readonly kind: 'disabled'; readonly why: string }
  | { readonly kind: 'gap'; readonly statement: string; readonly rule: ClaimRule; readonly token: Claims }
  | { readonly kind: 'no-entry'; readonly statement: string; readonly token: Claims }
  | { readonly kind: 'unpinned'; readonly noun: string; readonly token: Claims }
  | { readonly kind: 'unusable' }
  | { readonly kind: 'unreadable'; readonly problems: readonly string[] }
  | { readonly kind: 'undecided'; readonly about: string; readonly why: readonly string[]; readonly token?: Claims }
  | { readonly kind: 'narrower'; readonly token: Claims }
  /** The token showing some job can use the provider needs claims claimcheck does not model, with these values. */
  | { readonly kind: 'assumed'; readonly claims: readonly string[]; readonly token: Claims };

/** The audiences Google takes for the provider: its list, else its own resource name (both forms). */
export function acceptedAudiences(provider: GcpProvider): readonly string[] | undefined {
  if (provider.allowedAudiences.length > 0) return provider.allowedAudiences;
  return provider.name === undefined ? undefined : [`https://iam.googleapis.com/${provider.name}`, `//iam.googleapis.com/${provider.name}`];
}

/** The default audience of the step for this provider (claimcheck's, Google's first default). */
export function defaultAudience(provider: GcpProvider): string | undefined {
  return provider.name === undefined ? undefined : `https://iam.googleapis.com/${provider.name}`;
}

/** The audiences the provider takes beside the step's own (and the provider's own name in its other form). */
export function otherAudiences(provider: GcpProvider, audience: string): string[] | 'refused' {
  const accepted = acceptedAudiences(provider);
  if (accepted === undefined) return [];
  if (!accepted.includes(audience)) return 'refused';
  const own = provider.name === undefined ? [] : [`https://iam.googleapis.com/${provider.name}`, `//iam.googleapis.com/${provider.name}`];
  return accepted.filter((item) => item !== audience && !own.includes(item));
}
