// A real OIDC issuer on loopback: oauth2-mock-server serves discovery and JWKS and signs
// real JWTs with its own keys (RS256 and ES256 here). Tests shape the claims; the library
// does the signing. A thin front on its own port passes requests through, or commits the
// faults a test queues for the discovery document or the key set.
import { randomUUID } from 'node:crypto';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';
import { answerWithFault, type JsonFault } from './json-faults.ts';

export type Claims = Record<string, unknown>;

export interface SignOptions {
  /** Seconds until `exp`, counted from now (may be negative). Default 300, like GitHub's short tokens. */
  expiresIn?: number;
  /** Sign with the key of this algorithm (RS256 or ES256). Default RS256. */
  alg?: 'RS256' | 'ES256';
  /** Claims to delete after the library has set its own (e.g. 'exp'). */
  omit?: string[];
  /** Header fields to set on top of the library's. */
  header?: Record<string, unknown>;
}

/** A fault for the issuer's endpoints; `stale-keys` serves the key set from before the last rotation. */
export type IssuerFault = { readonly path: 'discovery' | 'jwks'; readonly fault: JsonFault | { readonly kind: 'stale-keys' } };

export interface TestIssuer {
  /** Faults for the next requests to the discovery document or the key set, in order. */
  readonly faults: IssuerFault[];
  /** Requests the front passed on or answered, by path. */
  readonly requests: string[];
  /** The issuer URL, as it appears in `iss` and as discovery is served from. */
  readonly url: string;
  /** `host[:port][/path]` — the prefix IAM uses for condition keys (`<host>:sub`). */
  readonly host: string;
  sign(claims: Claims, options?: SignOptions): Promise<string>;
  /** Replaces every key with new ones (new kids): tokens signed before no longer verify. */
  rotateKeys(): Promise<void>;
  close(): Promise<void>;
}

export interface IssuerOptions {
  /**
   * Delay before each answer to claimcheck (by its User-Agent), as the runner's network would
   * add (the bench's --latency). The STS double's own key fetches stand for AWS's, which are
   * cached, so they are not delayed.
   */
  readonly latencyMs?: number;
  /** Where the key set is served (and what discovery names as jwks_uri): GitHub's is /.well-known/jwks. Default /jwks. */
  readonly jwksPath?: string;
}

export async function startIssuer(options: IssuerOptions = {}): Promise<TestIssuer> {
  const jwksPath = options.jwksPath ?? '/jwks';
  const server = new OAuth2Server(undefined, undefined, { endpoints: { jwks: jwksPath } });
  const kids = new Map<string, string>();
  const addKeys = async () => {
    kids.clear();
    for (const alg of ['RS256', 'ES256'] as const) {
      const key = await server.issuer.keys.generate(alg, { kid: `${alg.toLowerCase()}-${randomUUID()}` });
      kids.set(alg, key.kid);
    }
  };
  await addKeys();
  await server.start(0, '127.0.0.1');
  const faults: IssuerFault[] = [];
  const requests: string[] = [];
  let previousKeys: unknown[] = [];
  const front = createServer((request, response) => {
    requests.push(request.url ?? '');
    const fromClaimcheck = request.headers['user-agent']?.startsWith('claimcheck/') === true;
    later(fromClaimcheck ? options.latencyMs : 0, () => forward(request, response, server.address().port, jwksPath, faults, () => previousKeys));
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  server.issuer.url = url;

  return {
    faults,
    requests,
    url,
    host: url.replace(/^https?:\/\//, ''),
    async sign(claims, options = {}) {
      const alg = options.alg ?? 'RS256';
      return server.issuer.buildToken({
        kid: kids.get(alg),
        expiresIn: options.expiresIn ?? 300,
        scopesOrTransform: (header, payload) => {
          Object.assign(header, options.header ?? {});
          Object.assign(payload, claims);
          for (const name of options.omit ?? []) delete payload[name];
        },
      });
    },
    async rotateKeys() {
      previousKeys = server.issuer.keys.toJSON();
      replaceKeyStore(server);
      await addKeys();
    },
    async close() {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await server.stop();
    },
  };
}

/** Passes a request to the issuer, unless a queued fault for its path answers it. */
function forward(request: IncomingMessage, response: ServerResponse, port: number, jwksPath: string, faults: IssuerFault[], previousKeys: () => unknown[]): void {
  const path = request.url === '/.well-known/openid-configuration' ? 'discovery' : request.url === jwksPath ? 'jwks' : undefined;
  const index = faults.findIndex((entry) => entry.path === path);
  const fault = index < 0 ? undefined : faults.splice(index, 1)[0]?.fault;
  if (fault?.kind === 'stale-keys') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: previousKeys() }));
    return;
  }
  get({ host: '127.0.0.1', port, path: request.url ?? '/', headers: request.headers }, (upstream) => {
    const chunks: Buffer[] = [];
    upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
    upstream.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (answerWithFault(fault, request, response, body)) return;
      response.writeHead(upstream.statusCode ?? 502, { 'content-type': upstream.headers['content-type'] ?? 'application/json' }).end(body);
    });
  }).on('error', () => response.writeHead(502).end());
}

function replaceKeyStore(server: OAuth2Server): void {
  // JWKStore has no removal; shadow the issuer's `keys` getter with a fresh, empty store.
  // Signing and the JWKS endpoint both read `issuer.keys`, so both see the new keys.
  const fresh = new (server.issuer.keys.constructor as new () => typeof server.issuer.keys)();
  Object.defineProperty(server.issuer, 'keys', { value: fresh, configurable: true });
}

/** Claims as GitHub Actions puts them in a job's token (all values strings). */
export function githubClaims(overrides: Claims = {}): Claims {
  return {
    sub: 'repo:acme/api:ref:refs/heads/main',
    aud: 'sts.amazonaws.com',
    jti: randomUUID(),
    ref: 'refs/heads/main',
    sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    repository: 'acme/api',
    repository_id: '123456789',
    repository_owner: 'acme',
    repository_owner_id: '987654',
    repository_visibility: 'private',
    run_id: '4242424242',
    run_number: '17',
    run_attempt: '1',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'deploy',
    workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/main',
    workflow_sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/main',
    job_workflow_sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    event_name: 'push',
    ref_type: 'branch',
    ref_protected: 'true',
    runner_environment: 'github-hosted',
    ...overrides,
  };
}

export const CIRCLE_ORGANIZATION_ID = 'c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a';
export const CIRCLE_PROJECT_ID = '8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77';
export const CIRCLE_CONTEXT_ID = '5b2a7f7e-3c1d-4e8a-9f0b-6d2c1e4a8b90';

/** Claims as CircleCI puts them in a job's v2 token. */
export function circleciClaims(overrides: Claims = {}): Claims {
  const origin = 'github.com/acme/api';
  const ref = 'refs/heads/main';
  return {
    sub: `org/${CIRCLE_ORGANIZATION_ID}/project/${CIRCLE_PROJECT_ID}/user/6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/vcs-origin/${origin}/vcs-ref/${ref}`,
    aud: CIRCLE_ORGANIZATION_ID,
    'oidc.circleci.com/project-id': CIRCLE_PROJECT_ID,
    'oidc.circleci.com/context-ids': ['0d5e6f70-1a2b-4c3d-8e9f-a0b1c2d3e4f5', CIRCLE_CONTEXT_ID],
    'oidc.circleci.com/vcs-origin': origin,
    'oidc.circleci.com/vcs-ref': ref,
    'oidc.circleci.com/ssh-rerun': false,
    ...overrides,
  };
}

/** Runs `action` now, or after `ms` when a latency is set. */
export function later(ms: number | undefined, action: () => void): void {
  if (ms) setTimeout(action, ms);
  else action();
}
