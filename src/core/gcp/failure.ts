// What Google's Security Token Service and IAM Credentials say when they refuse, turned into
// claimcheck's errors: which failures may pass with time (retried), which mean the token
// expired (one fresh token), and for the rest a one-line message that names the claims the
// token presented and a hint that says what to change on Google's side.
import { ClaimcheckError } from '../errors.js';
import { describeClaim } from '../rules/rules.js';
import { principalOf, type ProviderName } from './provider.js';

/** A refused or failed call, as the wire said it. */
export interface GoogleFailure {
  readonly service: 'sts' | 'iamcredentials';
  /** HTTP status; undefined when no response arrived. */
  readonly status: number | undefined;
  /** STS's OAuth `error` (invalid_grant), or IAM's `error.status` (PERMISSION_DENIED). */
  readonly error: string | undefined;
  /** STS's `error_description`, IAM's `error.message`, or why no answer came. */
  readonly message: string;
}

export type GoogleFailureKind = 'transient' | 'key-fetch' | 'expired-token' | 'permanent';

export function classifyGoogleFailure(failure: GoogleFailure): GoogleFailureKind {
  const { status, message } = failure;
  if (status === undefined || status === 408 || status === 429 || status >= 500) return 'transient';
  if (failure.service !== 'sts') return 'permanent';
  // Google could not fetch the issuer's keys: on the issuer's side, and it rarely passes at once.
  if (/connecting to the given credential's issuer/i.test(message)) return 'key-fetch';
  if (failure.error === 'invalid_grant' && /\b(expired|stale)\b/i.test(message)) return 'expired-token';
  return 'permanent';
}

/** What the messages need beyond the failure: where the token was going, and what it said. */
export interface GoogleCallContext {
  readonly provider: ProviderName;
  readonly serviceAccount: string | undefined;
  readonly audience: string;
  readonly issuer: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly endpoint: string;
}

/** The claims a provider's mapping and condition usually read, in this order, where the token has them. */
const TELLING_CLAIMS = [
  'sub', 'repository_id', 'repository', 'repository_owner_id', 'ref', 'environment', 'workflow_ref', 'job_workflow_ref',
  'oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-ref', 'project_id', 'project_path', 'namespace_id', 'organization_slug', 'pipeline_slug',
];

/** The claims presented, for a message: `sub "…", repository_id "…"`. */
export function presentedClaims(claims: Readonly<Record<string, unknown>>): string {
  const shown = TELLING_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => `${name} ${JSON.stringify(describeClaim(claims[name]))}`);
  return shown.length === 0 ? 'no claims a provider usually reads' : shown.join(', ');
}

const DESCRIBE = (provider: ProviderName) =>
  `gcloud iam workload-identity-pools providers describe ${provider.provider} --workload-identity-pool=${provider.pool} --location=global --project=${provider.projectNumber}`;

const quoteOf = (failure: GoogleFailure) => `${failure.error === undefined ? '' : `${failure.error}: `}${failure.message}`;

export function explainGoogleFailure(failure: GoogleFailure, context: GoogleCallContext): ClaimcheckError {
  return failure.service === 'sts' ? explainStsRefusal(failure, context) : explainIamRefusal(failure, context);
}

function explainStsRefusal(failure: GoogleFailure, context: GoogleCallContext): ClaimcheckError {
  const { provider } = context;
  const said = `Google STS (${context.endpoint}) said ${JSON.stringify(quoteOf(failure))}`;
  const presented = `The token presented ${presentedClaims(context.claims)}.`;
  if (/attribute condition/i.test(failure.message)) {
    return new ClaimcheckError(
      'GCP_CONDITION_REFUSED',
      `The attribute condition of provider ${provider.name} refused the token: ${said}. ${presented}`,
      `Compare the condition with these claims (${DESCRIBE(provider)}), or make one from your rules with claimcheck trust-policy --cloud gcp --rules-file <file>.`,
    );
  }
  if (/audience/i.test(failure.message) && failure.error === 'invalid_grant') {
    return new ClaimcheckError(
      'GCP_AUDIENCE_MISMATCH',
      `Provider ${provider.name} does not accept the token's audience ${context.audience}: ${said}.`,
      `Add ${context.audience} to the provider's allowed audiences (gcloud iam workload-identity-pools providers update-oidc … --allowed-audiences=…), or set the audience input to one it allows; a provider with no allowed audiences takes https://iam.googleapis.com/${provider.name}, claimcheck's default.`,
    );
  }
  if (failure.error === 'invalid_target' || /pool or provider|audience/i.test(failure.message)) {
    return new ClaimcheckError(
      'GCP_PROVIDER_INVALID',
      `Google STS does not know provider ${provider.name} as an enabled provider: ${said}.`,
      `Check workload-identity-provider: the project number, pool and provider IDs, and that neither the pool nor the provider is disabled or deleted (${DESCRIBE(provider)}).`,
    );
  }
  if (failure.error === 'invalid_grant' || failure.error === 'unauthorized_client') {
    return new ClaimcheckError('GCP_TOKEN_REJECTED', `Google STS refused the token for provider ${provider.name}: ${said}. ${presented}`, tokenRejectedHint(failure, context));
  }
  return new ClaimcheckError('GCP_INVALID_REQUEST', `Google STS refused the exchange for provider ${provider.name} (HTTP ${failure.status}): ${said}.`, 'Check workload-identity-provider, gcp-sts-endpoint and gcp-universe-domain; if they are right, report this with the message.');
}

function tokenRejectedHint(failure: GoogleFailure, context: GoogleCallContext): string {
  if (/127 bytes/i.test(failure.message)) return "A mapped attribute (google.subject is often the one) is over Google's 127 bytes for this token: map a shorter value, such as assertion.repository_id or a few claims joined.";
  if (/issuer/i.test(failure.message)) return `The provider's issuer (oidc.issuerUri) must be the token's issuer, ${context.issuer}, exactly.`;
  return `Check the provider's issuer (${context.issuer}) and attribute mapping (${DESCRIBE(context.provider)}).`;
}

function explainIamRefusal(failure: GoogleFailure, context: GoogleCallContext): ClaimcheckError {
  const account = context.serviceAccount ?? '(none)';
  const said = `IAM Credentials (${context.endpoint}) said ${JSON.stringify(quoteOf(failure))}`;
  if (/lifetime/i.test(failure.message)) {
    return new ClaimcheckError(
      'GCP_LIFETIME_REFUSED',
      `Google refused an access token of ${account} with the lifetime asked for (access-token-lifetime): ${said}.`,
      'Set access-token-lifetime to 3600s or less (clients renew their tokens themselves), or allow longer ones for this service account with the organization policy constraints/iam.allowServiceAccountCredentialLifetimeExtension.',
    );
  }
  if (failure.status === 403 || failure.status === 404 || failure.error === 'PERMISSION_DENIED') {
    const subject = typeof context.claims.sub === 'string' ? context.claims.sub : '<google.subject>';
    return new ClaimcheckError(
      'GCP_IMPERSONATION_DENIED',
      `The federated identity may not impersonate ${account} (iam.serviceAccounts.getAccessToken): ${said}. The token presented ${presentedClaims(context.claims)}.`,
      `Grant roles/iam.workloadIdentityUser on ${account} to the pool's principals for this job, e.g. gcloud iam service-accounts add-iam-policy-binding ${account} --role=roles/iam.workloadIdentityUser --member=${principalOf(context.provider, subject)} (claimcheck trust-policy --cloud gcp prints principalSet members from your rules), and check that the service account exists.`,
    );
  }
  if (failure.status === 401) {
    return new ClaimcheckError('GCP_TOKEN_REJECTED', `IAM Credentials did not accept the federated token from provider ${context.provider.name}: ${said}.`, 'Check that gcp-iam-credentials-endpoint and gcp-sts-endpoint belong to the same universe (gcp-universe-domain).');
  }
  return new ClaimcheckError('GCP_INVALID_REQUEST', `IAM Credentials refused to make an access token of ${account} (HTTP ${failure.status}): ${said}.`, 'Check service-account (the email of an existing service account) and gcp-iam-credentials-endpoint.');
}

/** Transient failures that outlasted the retries: where, how often, for how long. */
export function explainGoogleExhausted(failure: GoogleFailure, attempts: number, elapsedMs: number, endpoint: string): ClaimcheckError {
  const service = failure.service === 'sts' ? 'Google STS' : 'IAM Credentials';
  return new ClaimcheckError(
    'GCP_UNAVAILABLE',
    `${service} (${endpoint}) did not answer usefully after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${Math.round(elapsedMs / 1000)} s: ${failure.status === undefined ? '' : `HTTP ${failure.status}, `}${failure.message}.`,
    'Re-run the job; if it persists, check status.cloud.google.com, and that the runner can reach the endpoint (https_proxy, no_proxy).',
  );
}
