// A corporate network on loopback: an HTTP proxy that tunnels CONNECT and forwards
// absolute-URI requests to names only it can resolve (each name routed to a loopback port),
// recording what it saw and asking for credentials if told to; and TLS certificates for those
// names from a throwaway CA (openssl), which the job trusts through NODE_EXTRA_CA_CERTS.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const hasOpenssl = ['/usr/bin/openssl', '/bin/openssl'].some((path) => existsSync(path));

export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS (it is its own CA). */
  readonly certPath: string;
}

/** A self-signed certificate for these host names, valid for two days, written into `dir`. */
export function makeCertificate(dir: string, hosts: readonly string[]): Certificate {
  const keyPath = join(dir, 'tls.key');
  const certPath = join(dir, 'tls.pem');
  const names = hosts.map((host) => `DNS:${host}`).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${hosts[0]}`, '-addext', `subjectAltName=${names}`], { stdio: 'ignore' });
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

export interface ProxySighting {
  /** CONNECT, or the method of a forwarded request. */
  readonly method: string;
  /** CONNECT's authority (host:port), or the absolute URL of a forwarded request. */
  readonly target: string;
  readonly proxyAuthorization: string | undefined;
}

export interface TestProxy {
  /** http://127.0.0.1:PORT, without credentials. */
  readonly origin: string;
  readonly seen: ProxySighting[];
  /** `user:password` the proxy demands (407 without them); undefined to let everyone through. */
  credentials: string | undefined;
  close(): Promise<void>;
}

/** Routes: host name (as the client names it, without port) → loopback port. Unrouted names get 502. */
export async function startProxy(routes: Record<string, number>): Promise<TestProxy> {
  const state: TestProxy = { origin: '', seen: [], credentials: undefined, close: async () => {} };
  const tunnels = new Set<{ destroy(): void }>();
  const allowed = (authorization: string | undefined) => state.credentials === undefined || authorization === `Basic ${Buffer.from(state.credentials).toString('base64')}`;
  const server: Server = createServer((incoming, outgoing) => {
    const target = incoming.url ?? '';
    state.seen.push({ method: incoming.method ?? '', target, proxyAuthorization: incoming.headers['proxy-authorization'] });
    if (!allowed(incoming.headers['proxy-authorization'])) return void outgoing.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
    const url = URL.canParse(target) ? new URL(target) : undefined;
    const port = url ? routes[url.hostname] : undefined;
    if (!url || port === undefined) return void outgoing.writeHead(502).end();
    const headers = { ...incoming.headers };
    delete headers['proxy-authorization'];
    const upstream = request({ host: '127.0.0.1', port, method: incoming.method, path: url.pathname + url.search, headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  server.on('connect', (incoming, socket, head) => {
    const target = incoming.url ?? '';
    state.seen.push({ method: 'CONNECT', target, proxyAuthorization: incoming.headers['proxy-authorization'] });
    if (!allowed(incoming.headers['proxy-authorization'])) return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
    const port = routes[target.replace(/:\d+$/, '')];
    if (port === undefined) return void socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    tunnels.add(socket);
    const upstream = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    tunnels.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(state, {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const tunnel of tunnels) tunnel.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return state;
}

/** The proxy's URL with credentials in it, as https_proxy carries them. */
export function withCredentials(origin: string, credentials: string): string {
  return origin.replace('//', `//${credentials}@`);
}
