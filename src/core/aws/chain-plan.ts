// The calls a role chain makes for one token: each hop's claim templates filled in from the
// verified claims (tag values and the source identity, cleaned for what STS accepts), and the
// session policies of the session handed over. A claim a template names but the token lacks
// stops the run before any call.
import type { RoleArn } from './arn.js';
import { ChainSyntaxError, MAX_TAG_VALUE, shown, TAG_VALUE_CHAR, type ChainHop, type SourceIdentitySetting, type Template } from './chain.js';

/** A claim's text: strings as they are, numbers and booleans as written; anything else has none. */
function claimText(claims: Readonly<Record<string, unknown>>, claim: string): string | undefined {
  const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The template with each claim's text cleaned by `clean`; the first claim the token lacks, if any. */
export function fillTemplate(template: Template, claims: Readonly<Record<string, unknown>>, clean: (text: string) => string): { value: string } | { missing: string } {
  let value = '';
  for (const part of template) {
    if ('text' in part) {
      value += part.text;
      continue;
    }
    const text = claimText(claims, part.claim);
    if (text === undefined) return { missing: part.claim };
    value += clean(text);
  }
  return { value };
}

/** Claim text made valid for a tag value: each character STS refuses (or a log should not get) becomes `_`. */
export function cleanTagText(text: string): string {
  return [...text].map((char) => (TAG_VALUE_CHAR.test(char) ? char : '_')).join('');
}

/** At most 256 UTF-16 units (STS's count), never splitting a character. */
export function capTagValue(value: string): string {
  let capped = '';
  for (const char of value) {
    if (capped.length + char.length > MAX_TAG_VALUE) break;
    capped += char;
  }
  return capped;
}

/** Claim text made valid for a source identity: each run of characters STS refuses becomes `-`. */
export function cleanSourceIdentityText(text: string): string {
  return text.replace(/[^\w+=,.@-]+/g, '-');
}

// --- The calls a chain makes -----------------------------------------------------------------------

/** One AssumeRole call as sent: templates filled in, policies decided. */
export interface PlannedHop {
  readonly roleArn: RoleArn;
  readonly externalId: string | undefined;
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly transitiveTagKeys: readonly string[];
  readonly inlineSessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[];
}

export interface ChainPlan {
  readonly hops: readonly PlannedHop[];
  /** Set on the first AssumeRole; `declared` when the first hop wrote it (else it is the default). */
  readonly sourceIdentity: { readonly value: string; readonly declared: boolean } | undefined;
}

/** Session policies for the session handed over: the last hop's own, else these. */
export interface HandedOverPolicies {
  readonly inlineSessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[];
}

const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/**
 * The calls for these claims. A claim a template names but the token lacks is an error
 * before any call. `defaultSourceIdentity` (already valid for STS) applies unless the first
 * hop declares one or none.
 */
export function planChain(hops: readonly ChainHop[], handedOver: HandedOverPolicies, claims: Readonly<Record<string, unknown>>, defaultSourceIdentity: string): ChainPlan {
  const planned = hops.map((hop, index): PlannedHop => {
    const where = `hop ${index + 1} (${hop.roleArn.arn})`;
    const last = index === hops.length - 1;
    return {
      roleArn: hop.roleArn,
      externalId: hop.externalId,
      tags: hop.tags.map((entry) => ({ key: entry.key, value: capTagValue(filled(entry.value, claims, cleanTagText, `${where}, tag ${entry.key}`)) })),
      transitiveTagKeys: hop.transitiveTagKeys,
      inlineSessionPolicy: hop.sessionPolicy ?? (last ? handedOver.inlineSessionPolicy : undefined),
      managedSessionPolicies: hop.managedSessionPolicies ?? (last ? handedOver.managedSessionPolicies : []),
    };
  });
  const [first] = hops;
  return { hops: planned, sourceIdentity: first === undefined ? undefined : chainSourceIdentity(first.sourceIdentity, claims, defaultSourceIdentity) };
}

function chainSourceIdentity(setting: SourceIdentitySetting | undefined, claims: Readonly<Record<string, unknown>>, fallback: string): ChainPlan['sourceIdentity'] {
  if (setting === undefined) return { value: fallback, declared: false };
  if (setting.kind === 'none') return undefined;
  const text = filled(setting.template, claims, cleanSourceIdentityText, 'hop 1, source-identity');
  // Like session names, a long one keeps its end, where the run usually is.
  const value = text.slice(-64);
  if (!SOURCE_IDENTITY.test(value)) throw new ChainSyntaxError(`hop 1, source-identity: ${shown(value)} is not 2 to 64 letters, digits or _ + = , . @ -`);
  return { value, declared: true };
}

function filled(template: Template, claims: Readonly<Record<string, unknown>>, clean: (text: string) => string, where: string): string {
  const result = fillTemplate(template, claims, clean);
  if ('missing' in result) throw new ChainSyntaxError(`${where}: the token has no ${result.missing} claim (or it is not text)`);
  return result.value;
}
