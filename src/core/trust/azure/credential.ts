// Entra ID's federated identity credentials as data: the JSON that
// `az ad app federated-credential create --parameters` (Microsoft Graph's
// federatedIdentityCredential) takes, and the names it accepts.
/** A flexible credential's expression: `claims['sub'] matches '…' and …`, language version 1. */
export interface ClaimsMatchingExpression {
  readonly value: string;
  readonly languageVersion: 1;
}

export interface FederatedCredential {
  readonly name: string;
  readonly issuer: string;
  /** Matched exactly and case-sensitively; absent in a flexible credential. */
  readonly subject?: string;
  /** A flexible credential's expression (preview; GitHub, GitLab and Terraform Cloud issuers only). */
  readonly claimsMatchingExpression?: ClaimsMatchingExpression;
  readonly audiences: readonly string[];
  readonly description: string;
}

/** Graph and Azure Resource Manager both take names of 3 to 120 letters, digits, - and _, starting with a letter or digit. */
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;

/** Graph caps descriptions at 600 characters. */
const MAX_DESCRIPTION = 600;

/**
 * A readable, valid and distinct name for a credential: the parts' letters and digits joined
 * by hyphens, shortened to fit, and ended by 8 hex digits of a digest of what the credential
 * matches, so that two credentials never share a name and the same rules always give the same one.
 */
export function credentialName(parts: readonly string[], matched: string): string {
  const digest = fnv1a(matched);
  const readable = parts
    .map((part) => part.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((part) => part !== '')
    .join('-')
    .slice(0, 100)
    .replace(/-+$/, '');
  return `${readable === '' ? 'claimcheck' : readable}-${digest}`;
}

/** FNV-1a over UTF-16 units, as 8 hex digits: a short tag that tells credentials apart (not a security measure). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function describe(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}

/** The exact credential that accepts a token with these issuer, subject and audience, as Entra compares them. */
export function credentialForToken(issuer: string, subject: string, audience: string): FederatedCredential {
  return {
    name: credentialName(['claimcheck', subject], `${issuer}\n${subject}\n${audience}`),
    issuer,
    subject,
    audiences: [audience],
    description: 'Accepts the token claimcheck presented (written from its error message).',
  };
}
