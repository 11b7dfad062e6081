// A real OIDC issuer on loopback: oauth2-mock-server serves discovery and JWKS and signs
// real JWTs with its own keys (RS256 and ES256 here). Tests shape the claims; the library
// does the signing.
import { randomUUID } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

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

export interface TestIssuer {
  /** The issuer URL, as it appears in `iss` and as discovery is served from. */
  readonly url: string;
  /** `host[:port][/path]` — the prefix IAM uses for condition keys (`<host>:sub`). */
  readonly host: string;
  sign(claims: Claims, options?: SignOptions): Promise<string>;
  /** Replaces every key with new ones (new kids): tokens signed before no longer verify. */
  rotateKeys(): Promise<void>;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<TestIssuer> {
  const server = new OAuth2Server();
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
  const url = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = url;

  return {
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
      replaceKeyStore(server);
      await addKeys();
    },
    close: () => server.stop(),
  };
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
