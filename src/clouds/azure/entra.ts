// Entra ID's token endpoint, as the client credentials grant with a federated token:
// POST {authority}/{tenant}/oauth2/v2.0/token (form) with grant_type=client_credentials,
// client_id, scope and the job's token as client_assertion (jwt-bearer). One call here is one
// attempt; exchange.ts retries. The access token proves the identity works; it is masked and
// never handed over (later steps get their own from the token file).
import { randomUUID } from 'node:crypto';
import { networkFailure, readEntraError, type EntraFailure } from '../../core/azure/entra-failure.js';
import type { AzureSettings } from '../../core/azure/settings.js';
import { HttpFailure, type FormPoster } from '../../net/http.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface EntraToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
  /** From the access token's claims, when it is a JWT that says them. */
  readonly tenantId: string | undefined;
  readonly objectId: string | undefined;
  /** Entra's x-ms-request-id for the call. */
  readonly requestId: string | undefined;
  /** The client-request-id claimcheck sent, which Entra logs as the correlation ID. */
  readonly correlationId: string;
}

export class EntraCallFailed extends Error {
  readonly failure: EntraFailure;

  constructor(failure: EntraFailure) {
    super(failure.description ?? failure.network ?? `HTTP ${failure.status ?? 'error'}`);
    this.failure = failure;
  }
}

export interface Entra {
  /** The token endpoint, for messages. */
  readonly endpoint: string;
  clientCredentials(assertion: string): Promise<EntraToken>;
}

export function tokenEndpoint(azure: AzureSettings): string {
  return `${azure.authorityHost}/${encodeURIComponent(azure.tenantId)}/oauth2/v2.0/token`;
}

/** The access token's tid and oid, read (not verified: it is Entra's to its resource) when it is a JWT. */
function accessTokenClaims(token: string): { tid?: unknown; oid?: unknown } {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as { tid?: unknown; oid?: unknown }) : {};
  } catch {
    return {};
  }
}

const guidOrUndefined = (value: unknown) => (typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value) ? value.toLowerCase() : undefined);

export function createEntra(azure: AzureSettings, post: FormPoster, now: () => number = Date.now): Entra {
  const endpoint = tokenEndpoint(azure);
  return {
    endpoint,
    async clientCredentials(assertion) {
      const correlationId = randomUUID();
      const fields = { grant_type: 'client_credentials', client_id: azure.clientId, scope: azure.scope, client_assertion_type: JWT_BEARER, client_assertion: assertion };
      let response;
      try {
        response = await post(endpoint, fields, { 'client-request-id': correlationId, 'return-client-request-id': 'true' });
      } catch (error) {
        if (error instanceof HttpFailure) throw new EntraCallFailed(networkFailure(error.reason, error.status));
        throw error;
      }
      if (response.status < 200 || response.status > 299) throw new EntraCallFailed(readEntraError(response.status, response.json));
      const body = (response.json ?? {}) as { access_token?: unknown; expires_in?: unknown };
      const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
      if (typeof body.access_token !== 'string' || body.access_token === '' || !Number.isFinite(expiresIn)) {
        throw new EntraCallFailed({ ...readEntraError(response.status, undefined), description: 'The answer held no access_token and expires_in' });
      }
      const claims = accessTokenClaims(body.access_token);
      return {
        accessToken: body.access_token,
        expiresAt: new Date(now() + expiresIn * 1000),
        tenantId: guidOrUndefined(claims.tid),
        objectId: guidOrUndefined(claims.oid),
        requestId: response.header('x-ms-request-id'),
        correlationId,
      };
    },
  };
}
