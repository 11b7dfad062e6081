// Google Cloud's side, on loopback: the Security Token Service (POST /v1/token, form or JSON,
// RFC 8693), which verifies the subject token against its issuer's keys, checks the audience
// against the provider's allowed audiences (or the default), maps the attributes and checks
// the attribute condition with CEL, and answers with Google's documented error JSON; IAM
// Credentials (generateAccessToken), which checks the federated bearer, the pool principal's
// roles/iam.workloadIdentityUser binding and the lifetime; and one resource API
// (cloudresourcemanager's projects.get), which checks the access token. Tokens are short-lived
// by choice, so tests see them expire without sleeping long.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { admit, type ProviderRules } from './cel.ts';
import { close, listen, port } from './github.ts';
import { later } from './issuer.ts';

export interface GoogleProvider extends ProviderRules {
  /** projects/N/locations/global/workloadIdentityPools/P/providers/X */
  readonly name: string;
  readonly issuerUri: string;
  readonly allowedAudiences?: readonly string[];
}

export interface ServiceAccountDouble {
  readonly email: string;
  /** IAM members holding roles/iam.workloadIdentityUser on it: principal://…, principalSet://…/attribute.K/V or principalSet://…/*. */
  readonly workloadIdentityUsers: readonly string[];
}

export interface GoogleOptions {
  readonly providers: readonly GoogleProvider[];
  readonly serviceAccounts?: readonly ServiceAccountDouble[];
  /** Federated tokens live at most this long (and never past the subject token). Default 3600. */
  readonly federatedLifetimeSeconds?: number;
  /** Access tokens live at most this long whatever was asked. Default: as asked. */
  readonly accessTokenLifetimeSeconds?: number;
  /** The longest lifetime generateAccessToken accepts (Google's without the org policy). */
  readonly maxLifetimeSeconds?: number;
  /** Projects the resource API knows. */
  readonly projects?: readonly string[];
  /** Delay before each answer, as a network would add (the bench's --latency). */
  readonly latencyMs?: number;
  /** Where the providers' issuers serve their key sets (the bench's issuer serves GitHub's path). Default /jwks. */
  readonly jwksPath?: string;
}

export interface IssuedToken {
  readonly kind: 'federated' | 'access';
  readonly token: string;
  readonly expiresAt: number;
  /** google.subject of the federated identity, and the service account for an access token. */
  readonly subject: string;
  readonly attributes: Record<string, string>;
  readonly pool: string;
  readonly serviceAccount?: string;
}

export interface GoogleCall {
  readonly service: 'sts' | 'iamcredentials' | 'resource';
  readonly status: number;
  readonly contentType?: string | undefined;
  /** STS: the subject token's digest and exp; IAM: the service account; resource: who called (subject or account). */
  readonly detail?: string | undefined;
}

export interface GoogleDouble {
  readonly stsUrl: string;
  readonly iamUrl: string;
  readonly resourceUrl: string;
  readonly calls: GoogleCall[];
  readonly issued: IssuedToken[];
  /** Answers to send instead of the next calls to a service (status and body), in order. */
  readonly faults: { sts: Array<{ status: number; body: string }>; iamcredentials: Array<{ status: number; body: string }> };
  close(): Promise<void>;
}

const sendJson = (response: ServerResponse, status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
const oauthError = (response: ServerResponse, status: number, error: string, description: string) => sendJson(response, status, { error, error_description: description });
const apiError = (response: ServerResponse, code: number, status: string, message: string) => sendJson(response, code, { error: { code, message, status } });

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The token request's fields, from a form or from JSON (snake_case or Google's camelCase). */
function fieldsOf(text: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.startsWith('application/json')) {
    const json = JSON.parse(text) as Record<string, string>;
    const snake = (key: string) => key.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`);
    return Object.fromEntries(Object.entries(json).map(([key, value]) => [snake(key), String(value)]));
  }
  return Object.fromEntries(new URLSearchParams(text));
}

const poolOf = (provider: string) => provider.replace(/\/providers\/[^/]+$/, '');
const newToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export async function startGoogle(options: GoogleOptions): Promise<GoogleDouble> {
  const calls: GoogleCall[] = [];
  const issued: IssuedToken[] = [];
  const faults = { sts: [] as Array<{ status: number; body: string }>, iamcredentials: [] as Array<{ status: number; body: string }> };
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keysOf = (issuer: string) => {
    if (!keySets.has(issuer)) keySets.set(issuer, createRemoteJWKSet(new URL(`${issuer}${options.jwksPath ?? '/jwks'}`)));
    return keySets.get(issuer) as ReturnType<typeof createRemoteJWKSet>;
  };
  const live = (token: string | undefined, kind: IssuedToken['kind'] | 'any') => issued.find((entry) => entry.token === token && (kind === 'any' || entry.kind === kind) && entry.expiresAt > Date.now());
  const bearer = (request: IncomingMessage) => /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];

  async function sts(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const record = (status: number, detail?: string) => calls.push({ service: 'sts', status, contentType: request.headers['content-type'], detail });
    const fault = faults.sts.shift();
    if (fault) return void (record(fault.status), response.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body));
    if (request.method !== 'POST' || request.url !== '/v1/token') return void (record(404), oauthError(response, 404, 'not_found', 'Not found'));
    const fields = fieldsOf(await bodyOf(request), request.headers['content-type']);
    const refuse = (status: number, error: string, description: string): void => void (record(status), oauthError(response, status, error, description));
    if (fields.grant_type !== 'urn:ietf:params:oauth:grant-type:token-exchange') return refuse(400, 'unsupported_grant_type', `Invalid value for "grant_type".`);
    if (fields.subject_token_type !== 'urn:ietf:params:oauth:token-type:jwt' && fields.subject_token_type !== 'urn:ietf:params:oauth:token-type:id_token') return refuse(400, 'invalid_request', 'Invalid value for "subject_token_type".');
    const provider = options.providers.find((candidate) => fields.audience === `//iam.googleapis.com/${candidate.name}`);
    if (!provider) return refuse(400, 'invalid_target', 'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.');
    let claims: Record<string, unknown>;
    try {
      claims = (await jwtVerify(fields.subject_token ?? '', keysOf(provider.issuerUri), { algorithms: ['RS256', 'ES256'] })).payload as Record<string, unknown>;
    } catch (error) {
      const code = (error as { code?: string }).code;
      return refuse(400, 'invalid_grant', code === 'ERR_JWT_EXPIRED' ? 'The ID Token has expired.' : `Invalid JWT: ${(error as Error).message}`);
    }
    if (claims.iss !== provider.issuerUri) return refuse(400, 'invalid_grant', `The issuer in ID Token ${String(claims.iss)} does not match the expected ones: ${provider.issuerUri}`);
    const allowed = provider.allowedAudiences?.length ? provider.allowedAudiences : [`https://iam.googleapis.com/${provider.name}`, `//iam.googleapis.com/${provider.name}`];
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((aud) => allowed.includes(String(aud)))) return refuse(400, 'invalid_grant', `The audience in ID Token [${audiences.join(', ')}] does not match the expected audience.`);
    const admission = admit(provider, claims);
    if (!admission.admitted) {
      if (admission.why === 'condition') return refuse(400, 'unauthorized_client', 'The given credential is rejected by the attribute condition.');
      return refuse(400, 'invalid_grant', admission.why === 'subject-too-long' ? admission.detail : `Attribute mapping failed: ${admission.detail}`);
    }
    const lifetime = Math.max(1, Math.min(options.federatedLifetimeSeconds ?? 3600, Number(claims.exp) - Math.floor(Date.now() / 1000)));
    const token = newToken('fed.');
    issued.push({ kind: 'federated', token, expiresAt: Date.now() + lifetime * 1000, subject: admission.subject, attributes: admission.attributes, pool: poolOf(provider.name) });
    record(200, `${createHash('sha256').update(fields.subject_token ?? '').digest('hex').slice(0, 16)} exp ${String(claims.exp)}`);
    sendJson(response, 200, { access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: lifetime });
  }

  /** Whether the federated identity holds roles/iam.workloadIdentityUser through one of the members. */
  function mayImpersonate(identity: IssuedToken, members: readonly string[]): boolean {
    const base = `iam.googleapis.com/${identity.pool}`;
    return members.some((member) => {
      if (member === `principal://${base}/subject/${identity.subject}` || member === `principalSet://${base}/*`) return true;
      const set = new RegExp(`^principalSet://${base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/attribute\\.([a-z0-9_]+)/(.+)$`).exec(member);
      return set !== null && identity.attributes[`attribute.${set[1]}`] === set[2];
    });
  }

  async function iam(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(request.url ?? '');
    const email = match ? decodeURIComponent(match[1] as string) : undefined;
    const record = (status: number) => calls.push({ service: 'iamcredentials', status, detail: email });
    const fault = faults.iamcredentials.shift();
    if (fault) return void (record(fault.status), response.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body));
    if (request.method !== 'POST' || !email) return void (record(404), apiError(response, 404, 'NOT_FOUND', 'Not found'));
    const body = JSON.parse((await bodyOf(request)) || '{}') as { scope?: unknown; lifetime?: unknown };
    const identity = live(bearer(request), 'federated');
    if (!identity) return void (record(401), apiError(response, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'));
    const account = options.serviceAccounts?.find((candidate) => candidate.email === email);
    if (!account || !mayImpersonate(identity, account.workloadIdentityUsers)) {
      return void (record(403), apiError(response, 403, 'PERMISSION_DENIED', "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)."));
    }
    if (!Array.isArray(body.scope) || body.scope.length === 0) return void (record(400), apiError(response, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'));
    const asked = typeof body.lifetime === 'string' ? Number(/^(\d+)s$/.exec(body.lifetime)?.[1] ?? Number.NaN) : 3600;
    if (!(asked > 0)) return void (record(400), apiError(response, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'));
    if (asked > (options.maxLifetimeSeconds ?? 3600)) return void (record(400), apiError(response, 400, 'INVALID_ARGUMENT', `The lifetime requested (${asked}s) exceeds the maximum lifetime of ${options.maxLifetimeSeconds ?? 3600}s allowed for this service account.`));
    const lifetime = Math.min(asked, options.accessTokenLifetimeSeconds ?? asked);
    const token = newToken('ya29.');
    const expiresAt = Date.now() + lifetime * 1000;
    issued.push({ kind: 'access', token, expiresAt, subject: identity.subject, attributes: identity.attributes, pool: identity.pool, serviceAccount: email });
    record(200);
    sendJson(response, 200, { accessToken: token, expireTime: new Date(expiresAt).toISOString() });
  }

  async function resource(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/v1\/projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])$/.exec(request.url ?? '');
    const caller = live(bearer(request), 'any');
    const record = (status: number) => calls.push({ service: 'resource', status, detail: caller?.serviceAccount ?? caller?.subject });
    if (!caller) return void (record(401), apiError(response, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'));
    if (request.method !== 'GET' || !match || !(options.projects ?? []).includes(match[1] as string)) return void (record(404), apiError(response, 404, 'NOT_FOUND', 'Not found'));
    record(200);
    sendJson(response, 200, { projectId: match[1], lifecycleState: 'ACTIVE', caller: caller.serviceAccount ?? `principal://iam.googleapis.com/${caller.pool}/subject/${caller.subject}` });
  }

  const servers: Server[] = [sts, iam, resource].map((handler) => createServer((request, response) => {
    later(options.latencyMs, () => void handler(request, response).catch((error: unknown) => apiError(response, 500, 'INTERNAL', String(error))));
  }));
  await Promise.all(servers.map(listen));
  const url = (server: Server) => `http://127.0.0.1:${port(server)}`;
  return {
    stsUrl: url(servers[0] as Server),
    iamUrl: url(servers[1] as Server),
    resourceUrl: url(servers[2] as Server),
    calls,
    issued,
    faults,
    close: async () => {
      await Promise.all(servers.map(close));
    },
  };
}
