// GitHub's OIDC token endpoint: GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=… with the
// job's request token as bearer; the answer is {"value": "<jwt>"}. Self-hosted runners on
// Kubernetes may read a projected service account token from a file instead.
import { ClaimcheckError } from '../../core/errors.js';
import { getJsonRetrying, HttpFailure, type JsonGetter, type RetryContext } from '../../net/http.js';
import { tokenFileReader } from '../../files/token-file.js';

export interface TokenRequestEnvironment {
  readonly ACTIONS_ID_TOKEN_REQUEST_URL?: string | undefined;
  readonly ACTIONS_ID_TOKEN_REQUEST_TOKEN?: string | undefined;
}

export function githubTokenRequester(
  env: TokenRequestEnvironment,
  get: JsonGetter,
  retry: RetryContext,
  mask: (secret: string) => void,
): (audience: string) => Promise<string> {
  return async (audience) => {
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!url || !bearer) {
      throw new ClaimcheckError(
        'TOKEN_PERMISSION',
        'This job cannot request an OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set.',
        'Add "permissions: id-token: write" to the job (or workflow). Pull requests from forks and Dependabot runs never get an OIDC token.',
      );
    }
    mask(bearer);
    const requestUrl = `${url}${url.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
    let response: unknown;
    try {
      response = await getJsonRetrying(get, requestUrl, { authorization: `Bearer ${bearer}` }, retry);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      const refused = error.status === 401 || error.status === 403;
      throw new ClaimcheckError(
        'TOKEN_REQUEST_FAILED',
        `GitHub's OIDC token endpoint did not issue a token: ${error.reason}.`,
        refused ? 'The job\'s request token was refused; re-run the job, and check "permissions: id-token: write".' : 'GitHub may be having an incident (githubstatus.com); re-run the job.',
      );
    }
    const value = (response as { value?: unknown } | null)?.value;
    if (typeof value !== 'string' || value === '') {
      throw new ClaimcheckError('TOKEN_REQUEST_FAILED', "GitHub's OIDC token endpoint answered without a token (no \"value\" field).", 'Re-run the job; if it persists, GitHub may be having an incident.');
    }
    mask(value);
    return value;
  };
}

/** Where the step's token comes from: web-identity-token-file when it is set, else GitHub's endpoint. */
export function githubTokenSource(
  tokenFile: string | undefined,
  env: TokenRequestEnvironment,
  get: JsonGetter,
  retry: RetryContext,
  mask: (secret: string) => void,
): { readonly requestToken: (audience: string) => Promise<string>; readonly tokenOrigin?: string } {
  if (tokenFile !== undefined) return tokenFileReader(tokenFile, 'web-identity-token-file');
  return { requestToken: githubTokenRequester(env, get, retry, mask) };
}

/** The runner's own names for the run: GitHub sets them in every step, whatever the token. */
export interface RunnerRunEnvironment {
  readonly GITHUB_REPOSITORY?: string | undefined;
  readonly GITHUB_RUN_ID?: string | undefined;
  readonly GITHUB_RUN_ATTEMPT?: string | undefined;
}

/** The run in the claims' terms, for a session name when the token (from a file) is not GitHub's. */
export function runnerRunClaims(env: RunnerRunEnvironment): Readonly<Record<string, string>> {
  return { repository: env.GITHUB_REPOSITORY ?? '', run_id: env.GITHUB_RUN_ID ?? '', run_attempt: env.GITHUB_RUN_ATTEMPT ?? '' };
}
