// Self-hosted runners behind a proxy: with https_proxy set, the STS call leaves through the
// proxy (CONNECT to the regional endpoint, with the proxy's credentials), while loopback and
// no_proxy hosts are reached directly, as @actions/http-client does for every other request.
// The proxy here refuses the tunnel, so the step must fail closed, and it must never have
// seen the token: that only travels inside TLS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findLeaks } from '../harness/leaks.ts';
import { runMainStep, startGithubWorld, type GithubWorld } from '../harness/world.ts';

interface Seen {
  readonly method: string | undefined;
  readonly target: string | undefined;
  readonly proxyAuthorization: string | undefined;
  readonly bytes: string;
}

let world: GithubWorld;
let proxy: Server;
let proxyUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  world = await startGithubWorld({ trustedSubject: 'repo:acme/api:*' });
  proxy = createServer((request, response) => {
    seen.push({ method: request.method, target: request.url, proxyAuthorization: request.headers['proxy-authorization'], bytes: '' });
    response.writeHead(403).end();
  });
  proxy.on('connect', (request, socket, head) => {
    seen.push({ method: request.method, target: request.url, proxyAuthorization: request.headers['proxy-authorization'], bytes: head.toString('latin1') });
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://proxyuser:proxypass@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
beforeEach(() => {
  seen.length = 0;
});
afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await world?.close();
});

function runBehindProxy(env: Record<string, string>) {
  // No sts-endpoint: the regional endpoint, which only the proxy can reach here.
  return runMainStep(world, { 'sts-endpoint': '', 'retry-max-attempts': '1' }, { env, timeoutMs: 60_000 });
}

describe('behind an HTTPS proxy', () => {
  it('sends the STS call through https_proxy with its credentials, reaches loopback directly, and fails closed when the proxy refuses', async () => {
    const run = await runBehindProxy({ https_proxy: proxyUrl });
    expect(seen.map((request) => `${request.method} ${request.target}`)).toEqual(['CONNECT sts.us-east-1.amazonaws.com:443']);
    expect(seen[0]?.proxyAuthorization).toBe(`Basic ${Buffer.from('proxyuser:proxypass').toString('base64')}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::STS_UNAVAILABLE');
    expect(run.exported).toEqual({});
    const secrets = world.endpoint.issued;
    expect(findLeaks({ 'what the proxy received': seen.map((request) => `${request.target} ${request.bytes}`).join('\n') }, secrets)).toEqual([]);
  });

  it('leaves the proxy out for hosts in no_proxy', async () => {
    // The step gets as far as calling STS, directly; whatever the sandbox's network then
    // does with sts.us-east-1.amazonaws.com, the proxy hears nothing of it.
    const run = await runBehindProxy({ https_proxy: proxyUrl, no_proxy: 'example.com, .amazonaws.com' });
    expect(run.stdout).toMatch(/::error::STS_[A-Z_]+:/);
    expect(seen).toEqual([]);
    expect(run.exported).toEqual({});
  });
});
