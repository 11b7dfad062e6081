// An Azure resource API double (Azure Resource Manager's shape) on loopback over HTTPS: it
// answers only requests whose bearer is an access token the Entra double signed, for this
// resource, unexpired, verified against the double's published keys, as ARM does. It lists
// the caller's subscriptions and tenants (what the Azure CLI asks at sign-in) and, at any
// other path, says who called.
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';

export interface ResourceCall {
  readonly path: string;
  readonly status: number;
  readonly appid?: string;
}

export interface ResourceDouble {
  readonly url: string;
  readonly port: number;
  readonly calls: ResourceCall[];
  close(): Promise<void>;
}

export interface ResourceOptions {
  readonly tls: { readonly key: string; readonly cert: string };
  /** The resource's identifiers, one of which its tokens must have as audience (https://management.azure.com). */
  readonly resource: string | readonly string[];
  /** The Entra double's signing keys. */
  readonly jwks: { readonly keys: JWK[] };
  /** Subscriptions by the service principal's object ID. */
  readonly subscriptions?: Readonly<Record<string, readonly string[]>>;
}

export async function startResource(options: ResourceOptions): Promise<ResourceDouble> {
  const keys = createLocalJWKSet(options.jwks as { keys: JWK[] });
  const calls: ResourceCall[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(options.tls, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://resource.test');
    const send = (status: number, body: object, headers: Record<string, string> = {}) => response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined) {
      calls.push({ path: url.pathname, status: 401 });
      send(401, { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } }, { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' });
      return;
    }
    jwtVerify(bearer, keys, { audience: [options.resource].flat() }).then(
      ({ payload }) => {
        const { appid, oid, tid } = payload as { appid: string; oid: string; tid: string };
        calls.push({ path: url.pathname, status: 200, appid });
        if (url.pathname === '/subscriptions') {
          const owned = options.subscriptions?.[oid] ?? [];
          send(200, { value: owned.map((id) => ({ id: `/subscriptions/${id}`, subscriptionId: id, tenantId: tid, displayName: `test ${id.slice(0, 8)}`, state: 'Enabled', subscriptionPolicies: {}, authorizationSource: 'RoleBased' })) });
        } else if (url.pathname === '/tenants') send(200, { value: [{ id: `/tenants/${tid}`, tenantId: tid, tenantCategory: 'Home' }] });
        else send(200, { appid, oid, tid });
      },
      (error: Error) => {
        calls.push({ path: url.pathname, status: 401 });
        send(401, { error: { code: 'InvalidAuthenticationToken', message: `The access token is invalid: ${error.message}` } }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      },
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    calls,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
