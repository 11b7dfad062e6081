// Google's two token services on the wire, through claimcheck's own HTTP layer (no Google
// SDK in the bundle): the Security Token Service's token exchange (RFC 8693, form-encoded,
// no Authorization header), and IAM Credentials' generateAccessToken with the federated
// token as bearer. A refusal becomes a GoogleCallFailed carrying what Google said.
import type { GoogleFailure } from '../../core/gcp/failure.js';
import { HttpFailure, type Poster, type PostResponse } from '../../net/http.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export class GoogleCallFailed extends Error {
  readonly failure: GoogleFailure;

  constructor(failure: GoogleFailure) {
    super(`${failure.status ?? 'no answer'}: ${failure.message}`);
    this.failure = failure;
  }
}

export interface GoogleToken {
  readonly token: string;
  readonly expiration: Date;
}

export interface GoogleApi {
  /** STS: the CI token for a federated access token of the provider's pool. */
  exchange(subjectToken: string, audience: string): Promise<GoogleToken>;
  /** IAM Credentials: the federated token for an access token of the service account. */
  generateAccessToken(federated: string, serviceAccount: string, lifetimeSeconds: number): Promise<GoogleToken>;
  readonly stsEndpoint: string;
  readonly iamCredentialsEndpoint: string;
}

export interface GoogleApiOptions {
  readonly post: Poster;
  readonly stsEndpoint: string;
  readonly iamCredentialsEndpoint: string;
  readonly now: () => number;
}

export function tokenUrl(stsEndpoint: string): string {
  return `${stsEndpoint}/v1/token`;
}

export function generateAccessTokenUrl(iamCredentialsEndpoint: string, serviceAccount: string): string {
  return `${iamCredentialsEndpoint}/v1/projects/-/serviceAccounts/${encodeURIComponent(serviceAccount)}:generateAccessToken`;
}

export function createGoogleApi(options: GoogleApiOptions): GoogleApi {
  const { post, now } = options;
  return {
    stsEndpoint: options.stsEndpoint,
    iamCredentialsEndpoint: options.iamCredentialsEndpoint,
    async exchange(subjectToken, audience) {
      const form = new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        audience,
        scope: CLOUD_PLATFORM_SCOPE,
        requested_token_type: ACCESS_TOKEN_TYPE,
        subject_token: subjectToken,
        subject_token_type: JWT_TOKEN_TYPE,
      });
      const answer = await call('sts', () => post(tokenUrl(options.stsEndpoint), form.toString(), { 'content-type': 'application/x-www-form-urlencoded' }));
      const body = answer.json as { access_token?: unknown; expires_in?: unknown } | undefined;
      if (typeof body?.access_token !== 'string' || body.access_token === '') throw malformed('sts', answer.status, 'no access_token');
      const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
      return { token: body.access_token, expiration: new Date(now() + seconds * 1000) };
    },
    async generateAccessToken(federated, serviceAccount, lifetimeSeconds) {
      const body = JSON.stringify({ scope: [CLOUD_PLATFORM_SCOPE], lifetime: `${lifetimeSeconds}s` });
      const url = generateAccessTokenUrl(options.iamCredentialsEndpoint, serviceAccount);
      const answer = await call('iamcredentials', () => post(url, body, { 'content-type': 'application/json', authorization: `Bearer ${federated}` }));
      const token = answer.json as { accessToken?: unknown; expireTime?: unknown } | undefined;
      const expiration = typeof token?.expireTime === 'string' ? new Date(token.expireTime) : undefined;
      if (typeof token?.accessToken !== 'string' || token.accessToken === '' || !expiration || Number.isNaN(expiration.getTime())) throw malformed('iamcredentials', answer.status, 'no accessToken and expireTime');
      return { token: token.accessToken, expiration };
    },
  };
}

/** One call: a 2xx answer, or a GoogleCallFailed with what the service (or the network) said. */
async function call(service: GoogleFailure['service'], send: () => Promise<PostResponse>): Promise<PostResponse> {
  let answer: PostResponse;
  try {
    answer = await send();
  } catch (error) {
    if (!(error instanceof HttpFailure)) throw error;
    throw new GoogleCallFailed({ service, status: error.status, error: undefined, message: error.reason });
  }
  if (answer.status < 200 || answer.status > 299) throw new GoogleCallFailed({ service, status: answer.status, ...refusalOf(answer.json, answer.status) });
  // A refusal may come as a proxy's or load balancer's page; a success must be JSON.
  if (answer.json === undefined) throw new GoogleCallFailed({ service, status: undefined, error: undefined, message: `the response is not JSON (content-type ${answer.header('content-type') ?? 'none'})` });
  return answer;
}

/** STS's OAuth error ({error, error_description}) or Google's API error ({error: {status, message}}). */
function refusalOf(body: unknown, status: number): { error: string | undefined; message: string } {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; error_description?: unknown };
  if (typeof fields.error === 'string') return { error: fields.error, message: typeof fields.error_description === 'string' ? fields.error_description : '' };
  const nested = (typeof fields.error === 'object' && fields.error !== null ? fields.error : {}) as { status?: unknown; message?: unknown };
  return { error: typeof nested.status === 'string' ? nested.status : undefined, message: typeof nested.message === 'string' ? nested.message : `HTTP ${status} without an error body` };
}

function malformed(service: GoogleFailure['service'], status: number, what: string): GoogleCallFailed {
  return new GoogleCallFailed({ service, status, error: undefined, message: `the answer (HTTP ${status}) holds ${what}` });
}
