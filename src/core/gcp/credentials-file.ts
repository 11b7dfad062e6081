// What Google's clients read: the external_account credential configuration (AIP-4117) that
// google-auth-library in every language, gcloud and Terraform load from
// GOOGLE_APPLICATION_CREDENTIALS, with an `executable` credential source that runs claimcheck
// for a fresh CI token at every refresh; the variables google-github-actions/auth exports;
// and the executable's answer, in the documented format.

export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** The clients' bounds on timeout_millis are 5 s to 120 s; a renewal fetches a token and the issuer's keys. */
export const EXECUTABLE_TIMEOUT_MS = 60_000;

export interface CredentialsFileFields {
  /** //iam.<universe>/<provider> */
  readonly stsAudience: string;
  readonly tokenUrl: string;
  /** generateAccessToken's URL, when clients impersonate a service account. */
  readonly impersonationUrl: string | undefined;
  readonly lifetimeSeconds: number;
  readonly universe: string;
  /** The executable's command line: words without whitespace or quotes (Python's split() reads it). */
  readonly command: readonly string[];
}

export function credentialsFile(fields: CredentialsFileFields): string {
  const document = {
    type: 'external_account',
    audience: fields.stsAudience,
    subject_token_type: JWT_TOKEN_TYPE,
    token_url: fields.tokenUrl,
    ...(fields.impersonationUrl === undefined
      ? {}
      : { service_account_impersonation_url: fields.impersonationUrl, service_account_impersonation: { token_lifetime_seconds: fields.lifetimeSeconds } }),
    universe_domain: fields.universe,
    credential_source: { executable: { command: fields.command.join(' '), timeout_millis: EXECUTABLE_TIMEOUT_MS } },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Why a word cannot stand in the command: Python's google-auth splits it on whitespace, Node's also on quotes. */
export function commandWordProblem(word: string): string | undefined {
  if (/\s/.test(word)) return 'it has whitespace, where the Python client splits the command';
  if (word.includes('"')) return 'it has a double quote, which the Node client takes as quoting';
  if (/\p{Cc}/u.test(word)) return 'it has a control character';
  return undefined;
}

/** The variables pointing every client at the file, as google-github-actions/auth exports them, and the switch executables need. */
export function credentialVariables(path: string): Array<[string, string]> {
  return [
    ['GOOGLE_APPLICATION_CREDENTIALS', path],
    ['CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE', path],
    ['GOOGLE_GHA_CREDS_PATH', path],
    ['GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES', '1'],
  ];
}

/** The project variables google-github-actions/auth exports. */
export const PROJECT_VARIABLES = ['CLOUDSDK_CORE_PROJECT', 'CLOUDSDK_PROJECT', 'GCLOUD_PROJECT', 'GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT'] as const;

/** Tokens gcloud and Terraform use before any credentials file, when an earlier step set them. */
export const SHADOWING_VARIABLES = ['CLOUDSDK_AUTH_ACCESS_TOKEN', 'GOOGLE_OAUTH_ACCESS_TOKEN'] as const;

/** The executable's answer with a token (expiration_time in seconds since the epoch). */
export function executableSuccess(token: string, expiresAt: Date): string {
  return `${JSON.stringify({ version: 1, success: true, token_type: JWT_TOKEN_TYPE, id_token: token, expiration_time: Math.floor(expiresAt.getTime() / 1000) })}\n`;
}

/** The executable's answer without one: both clients show its code and message. */
export function executableFailure(code: string, message: string): string {
  return `${JSON.stringify({ version: 1, success: false, code, message })}\n`;
}
