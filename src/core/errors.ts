// The error model: every failure a user can meet is a ClaimcheckError with a stable code,
// a message that names the input or claim at fault, and a hint that says how to fix it.
// `formatError` is the one place that turns it into text.
import { inertLine } from './text/inert-text.js';

export type ErrorCode =
  | 'INPUT_REQUIRED'
  | 'INPUT_INVALID'
  | 'TOKEN_PERMISSION'
  | 'TOKEN_REQUEST_FAILED'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_ALGORITHM'
  | 'TOKEN_SIGNATURE'
  | 'TOKEN_KEY_UNKNOWN'
  | 'TOKEN_ISSUER'
  | 'TOKEN_AUDIENCE'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_CLAIMS'
  | 'ISSUER_UNREACHABLE'
  | 'RULE_FAILED'
  | 'ROLE_NO_MATCH'
  | 'STS_ACCESS_DENIED'
  | 'STS_TOKEN_REJECTED'
  | 'STS_INVALID_REQUEST'
  | 'STS_REGION_DISABLED'
  | 'STS_UNAVAILABLE'
  | 'ACCOUNT_NOT_ALLOWED'
  | 'GCP_AUDIENCE_MISMATCH'
  | 'GCP_CONDITION_REFUSED'
  | 'GCP_TOKEN_REJECTED'
  | 'GCP_PROVIDER_INVALID'
  | 'GCP_IMPERSONATION_DENIED'
  | 'GCP_LIFETIME_REFUSED'
  | 'GCP_INVALID_REQUEST'
  | 'GCP_UNAVAILABLE'
  | 'GCP_PROVIDER_LIMIT'
  | 'GCP_CONDITION_UNPINNED'
  | 'ENTRA_ISSUER_MISMATCH'
  | 'ENTRA_AUDIENCE_MISMATCH'
  | 'ENTRA_SUBJECT_MISMATCH'
  | 'ENTRA_SUBJECT_FORMAT'
  | 'ENTRA_NO_MATCH'
  | 'ENTRA_TOKEN_TIME'
  | 'ENTRA_APP_NOT_FOUND'
  | 'ENTRA_TENANT_NOT_FOUND'
  | 'ENTRA_INVALID_REQUEST'
  | 'ENTRA_UNAVAILABLE'
  | 'AZURE_CLI_LOGIN_FAILED'
  | 'PROFILE_WRITE'
  | 'PROFILE_EXISTS'
  | 'HOME_NOT_WRITABLE'
  | 'EXPORT_FAILED'
  | 'NODE_TOO_OLD'
  | 'REFRESH_OTHER_JOB'
  | 'INTERNAL';

export class ClaimcheckError extends Error {
  override readonly name = 'ClaimcheckError';
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}

/** Anything thrown becomes a ClaimcheckError; a non-Error throw must still fail the step. */
export function asClaimcheckError(thrown: unknown): ClaimcheckError {
  if (thrown instanceof ClaimcheckError) return thrown;
  const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : `a non-error value was thrown (${typeof thrown})`;
  return new ClaimcheckError(
    'INTERNAL',
    `claimcheck failed unexpectedly: ${detail}`,
    'This is a bug in claimcheck; please report it with this message (no credentials were exported).',
  );
}

/** The user-facing text: one line naming what failed, then one line with the fix. */
export function formatError(error: ClaimcheckError): string {
  return `${error.code}: ${oneLine(error.message)}\nHint: ${oneLine(error.hint)}`;
}

/** Messages quote claims and servers: every front door prints them inert (inert-text.ts). */
function oneLine(text: string): string {
  return inertLine(text.replace(/\s*[\r\n]\s*/g, ' ').trim());
}
