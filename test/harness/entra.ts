// An Entra ID double on loopback, over HTTPS (MSAL refuses other authorities), speaking the
// token endpoint's wire format and checking what Entra checks for workload identity
// federation: the app exists in the tenant; the client assertion's issuer names one of the
// app's federated credentials; its signature verifies against that issuer's published keys;
// it is within its time range; its audience and then its subject match a credential exactly
// and case-sensitively; the scope is a known resource's /.default. Errors are Entra's JSON
// (error, error_description starting with AADSTS…, error_codes, trace_id, correlation_id).
// It serves tenant discovery and instance discovery as MSAL reads them, and signs its access
// tokens with its own key, which the resource double (azure-resource.ts) verifies.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';
import { entraError, type EntraErrorSpec } from './entra-errors.ts';
import { credentialAdmits } from './entra-match.ts';
import { later } from './issuer.ts';

export interface FederatedCredentialSpec {
  readonly issuer: string;
  /** Exact subject; absent in a flexible credential. */
  readonly subject?: string;
  /** A flexible credential's expression (matched by entra-match.ts as Microsoft documents it). */
  readonly claimsMatchingExpression?: { readonly value: string; readonly languageVersion: number };
  readonly audiences: readonly string[];
}

export interface EntraApp {
  readonly clientId: string;
  /** The app's service principal in the tenant (the access token's oid). */
  readonly objectId: string;
  readonly tenantId: string;
  credentials: FederatedCredentialSpec[];
}

export interface EntraTenant {
  readonly id: string;
  readonly domains: readonly string[];
}

export type EntraFault = { readonly kind: 'status'; readonly status: number; readonly spec?: EntraErrorSpec } | { readonly kind: 'reset' };

export interface EntraCall {
  readonly path: string;
  readonly method: string;
  readonly clientId?: string;
  readonly subject?: string | undefined;
  readonly status: number;
  readonly code?: number;
  readonly correlationId?: string;
}

export interface EntraOptions {
  readonly tls: { readonly key: string; readonly cert: string };
  readonly tenants: readonly EntraTenant[];
  readonly apps: readonly EntraApp[];
  /** Resources tokens can be issued for (scope `<resource>/.default`). */
  readonly resources: readonly string[];
  /** The host in the URLs it answers with (login.microsoftonline.com behind a proxy); default its loopback address. */
  readonly publicHost?: string;
  readonly accessTokenSeconds?: number;
  /** Delay before each answer, as a network would add (the bench's --latency). */
  readonly latencyMs?: number;
}

export interface EntraDouble {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly calls: EntraCall[];
  /** Every request's method and path, in order (discovery included). */
  readonly requests: string[];
  readonly faults: EntraFault[];
  readonly apps: readonly EntraApp[];
  /** Its signing keys, as its jwks_uri serves them. */
  readonly jwks: { readonly keys: JWK[] };
  /** Access tokens it issued, for leak scans. */
  readonly issued: string[];
  close(): Promise<void>;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export async function startEntra(options: EntraOptions): Promise<EntraDouble> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = `entra-${randomUUID()}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' }] };
  const issuerKeys = new Map<string, JWTVerifyGetKey>();
  const state = { calls: [] as EntraCall[], requests: [] as string[], faults: [] as EntraFault[], issued: [] as string[] };
  const sockets = new Set<Socket>();
  let base = '';
  const server: Server = createServer(options.tls, (request, response) => {
    later(options.latencyMs, () => void answer(request, response).catch(() => response.writeHead(500).end()));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const tenantOf = (name: string) => options.tenants.find((tenant) => tenant.id === name.toLowerCase() || tenant.domains.includes(name.toLowerCase()));
  const reply = (response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers }).end(JSON.stringify(body));
  };

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://entra.test');
    state.requests.push(`${request.method ?? ''} ${url.pathname}`);
    const fault = state.faults.shift();
    if (fault?.kind === 'reset') {
      state.calls.push({ path: url.pathname, method: request.method ?? '', status: 0 });
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      state.calls.push({ path: url.pathname, method: request.method ?? '', status: fault.status });
      return reply(response, fault.status, fault.spec ? entraError(fault.spec) : { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.', error_codes: [90033] });
    }
    const [tenantName = '', ...rest] = url.pathname.split('/').filter(Boolean);
    const path = rest.join('/');
    if (tenantName === 'common' && path === 'discovery/instance') return reply(response, 200, instanceDiscovery(url));
    // The multi-tenant endpoints publish discovery too (MSAL reads it for /organizations), with {tenantid} in the issuer.
    if (['common', 'organizations'].includes(tenantName) && path === 'v2.0/.well-known/openid-configuration') return reply(response, 200, discovery(tenantName, '{tenantid}'));
    const tenant = tenantOf(tenantName);
    if (!tenant) {
      state.calls.push({ path: url.pathname, method: request.method ?? '', status: 400, code: 90002 });
      return reply(response, 400, entraError({ error: 'invalid_request', code: 90002, text: `Tenant '${tenantName}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.` }));
    }
    if (request.method === 'GET' && path === 'v2.0/.well-known/openid-configuration') return reply(response, 200, discovery(tenant.id));
    if (request.method === 'GET' && path === 'discovery/v2.0/keys') return reply(response, 200, jwks);
    if (request.method === 'POST' && path === 'oauth2/v2.0/token') return token(request, response, tenant);
    reply(response, 404, { error: 'not_found' });
  }

  function instanceDiscovery(url: URL): object {
    const host = options.publicHost ?? new URL(base).host;
    const authorize = url.searchParams.get('authorization_endpoint') ?? '';
    return {
      tenant_discovery_endpoint: authorize.replace(/oauth2\/v2\.0\/authorize$/, 'v2.0/.well-known/openid-configuration'),
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  function discovery(tenantId: string, issuerTenant = tenantId): object {
    const root = options.publicHost === undefined ? base : `https://${options.publicHost}`;
    return {
      issuer: `${root}/${issuerTenant}/v2.0`,
      token_endpoint: `${root}/${tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${root}/${tenantId}/oauth2/v2.0/authorize`,
      jwks_uri: `${root}/${tenantId}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  async function token(request: IncomingMessage, response: ServerResponse, tenant: EntraTenant): Promise<void> {
    const form = new URLSearchParams(await body(request));
    const correlationId = request.headers['client-request-id']?.toString() ?? randomUUID();
    const clientId = form.get('client_id') ?? '';
    const fail = (status: number, spec: EntraErrorSpec, subject?: string) => {
      state.calls.push({ path: request.url ?? '', method: 'POST', clientId, subject, status, code: spec.code, correlationId });
      reply(response, status, entraError(spec, correlationId));
    };
    const app = options.apps.find((candidate) => candidate.clientId === clientId.toLowerCase() && candidate.tenantId === tenant.id);
    if (form.get('grant_type') !== 'client_credentials') return fail(400, { error: 'unsupported_grant_type', code: 70003, text: 'The app requested an unsupported grant type.' });
    if (!app) return fail(400, { error: 'unauthorized_client', code: 700016, text: `Application with identifier '${clientId}' was not found in the directory '${tenant.id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.` });
    const assertion = form.get('client_assertion') ?? '';
    if (form.get('client_assertion_type') !== JWT_BEARER || assertion === '') return fail(400, { error: 'invalid_request', code: 900144, text: "The request body must contain the following parameter: 'client_assertion'." });
    const checked = await checkAssertion(app, assertion);
    if ('spec' in checked) return fail(400, checked.spec, checked.subject);
    const scope = form.get('scope') ?? '';
    if (!scope.endsWith('/.default')) return fail(400, { error: 'invalid_scope', code: 1002012, text: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).` });
    const resource = scope.slice(0, -'/.default'.length);
    if (!options.resources.includes(resource)) return fail(400, { error: 'invalid_resource', code: 500011, text: `The resource principal named ${resource} was not found in the tenant named ${tenant.id}. This can happen if the application has not been installed by the administrator of the tenant.` });
    const seconds = options.accessTokenSeconds ?? 3599;
    const accessToken = await new SignJWT({ appid: app.clientId, oid: app.objectId, sub: app.objectId, tid: tenant.id, idtyp: 'app', ver: '1.0' })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(`https://sts.windows.net/${tenant.id}/`)
      .setAudience(resource)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${seconds}s`)
      .sign(privateKey);
    state.issued.push(accessToken);
    state.calls.push({ path: request.url ?? '', method: 'POST', clientId, subject: checked.subject, status: 200, correlationId });
    const echo: Record<string, string> = request.headers['return-client-request-id'] === 'true' ? { 'client-request-id': correlationId } : {};
    reply(response, 200, { token_type: 'Bearer', expires_in: seconds, ext_expires_in: seconds, access_token: accessToken }, echo);
  }

  /** Entra's checks of a federated client assertion, in its order; the subject matched, or the error. */
  async function checkAssertion(app: EntraApp, assertion: string): Promise<{ subject: string } | { spec: EntraErrorSpec; subject?: string }> {
    let claims;
    try {
      claims = decodeJwt(assertion);
    } catch {
      return { spec: { error: 'invalid_client', code: 50027, text: 'JWT token is invalid or malformed.' } };
    }
    const { iss = '', sub = '' } = claims;
    const auds = [claims.aud ?? []].flat();
    const byIssuer = app.credentials.filter((credential) => credential.issuer === iss);
    if (byIssuer.length === 0) return { spec: { error: 'invalid_client', code: 700211, text: `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation` }, subject: sub };
    try {
      await jwtVerify(assertion, keysOf(iss), { clockTolerance: 0 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        const now = new Date().toISOString();
        return { spec: { error: 'invalid_client', code: 700024, text: `Client assertion is not within its valid time range. Current time: ${now}, assertion valid from ${new Date((claims.nbf ?? claims.iat ?? 0) * 1000).toISOString()}, expiry time of assertion ${new Date((claims.exp ?? 0) * 1000).toISOString()}.` }, subject: sub };
      }
      return { spec: { error: 'invalid_client', code: 700027, text: 'Client assertion failed signature validation.' }, subject: sub };
    }
    const byAudience = byIssuer.filter((credential) => credential.audiences.some((audience) => auds.includes(audience)));
    if (byAudience.length === 0) return { spec: { error: 'invalid_client', code: 700212, text: `No matching federated identity record found for presented assertion audience '${auds.join(',')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation` }, subject: sub };
    if (byAudience.some((credential) => credentialAdmits(credential, claims) === 'admitted')) return { subject: sub };
    if (byAudience.some((credential) => credential.subject?.toLowerCase() === sub.toLowerCase())) {
      return { spec: { error: 'invalid_client', code: 7002138, text: `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.` }, subject: sub };
    }
    return { spec: { error: 'invalid_client', code: 700213, text: `No matching federated identity record found for presented assertion subject '${sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation` }, subject: sub };
  }

  /** The issuer's keys from its discovery document (loopback issuers may be http), fetched once and again on an unknown kid. */
  function keysOf(issuer: string): JWTVerifyGetKey {
    let keys = issuerKeys.get(issuer);
    if (!keys) {
      // One key set per issuer, cached as Entra caches it (fetched again on an unknown kid).
      const keySet = fetch(`${issuer}/.well-known/openid-configuration`).then(async (answer) => createRemoteJWKSet(new URL(((await answer.json()) as { jwks_uri: string }).jwks_uri), { cooldownDuration: 0 }));
      keys = async (header, input) => (await keySet)(header, input);
      issuerKeys.set(issuer, keys);
    }
    return keys;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `https://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    ...state,
    apps: options.apps,
    jwks,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
