// Token verification against a real issuer (oauth2-mock-server on loopback): every way a
// token can be wrong ends in its own error code, and keys are fetched once per run, again
// only for an unknown kid.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT, base64url } from 'jose';
import { ClaimcheckError, type ErrorCode } from '../../src/core/errors.js';
import { systemClock } from '../../src/core/retry.js';
import { createActionsJsonGetter } from '../../src/net/actions-http.js';
import { issuerJsonFetcher, issuerKeySource, type FetchJson } from '../../src/oidc/keys.js';
import { verifyToken, type VerifyOptions } from '../../src/oidc/verify.js';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';

let issuer: TestIssuer;
let fetched: string[];
let options: VerifyOptions;

beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(() => issuer.close());
beforeEach(() => {
  fetched = [];
  // The verifier's clock stands still during a test: a second boundary crossed between signing
  // and verifying would turn the 600 s of "nbf is 600 s in the future" into 599.
  const startedAt = Date.now();
  options = { issuer: issuer.url, audience: 'sts.amazonaws.com', clockToleranceSeconds: 60, now: () => startedAt };
});

function keySource() {
  const get = createActionsJsonGetter({ userAgent: 'test', timeoutMs: 2000 });
  const fetchJson = issuerJsonFetcher(get, { policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 }, clock: systemClock });
  const counting: FetchJson = (url, what) => {
    fetched.push(new URL(url).pathname);
    return fetchJson(url, what);
  };
  return issuerKeySource(issuer.url, counting);
}

async function rejection(token: string, keys = keySource()): Promise<ClaimcheckError> {
  const error = await verifyToken(token, options, keys).then(
    () => new Error('expected the token to be rejected'),
    (e: unknown) => e,
  );
  if (!(error instanceof ClaimcheckError)) throw error;
  return error;
}

const segment = (value: object) => base64url.encode(JSON.stringify(value));

describe('token verification', () => {
  it('accepts a token signed by the issuer with RS256 or ES256, and returns its claims', async () => {
    const keys = keySource();
    for (const alg of ['RS256', 'ES256'] as const) {
      const verified = await verifyToken(await issuer.sign(githubClaims(), { alg }), options, keys);
      expect(verified.algorithm).toBe(alg);
      expect(verified.claims.repository).toBe('acme/api');
      expect(verified.expiresAt.getTime()).toBeGreaterThan(Date.now());
    }
    expect(fetched).toEqual(['/.well-known/openid-configuration', '/jwks']);
  });

  it('refetches the keys once when the kid is unknown (rotation), then accepts', async () => {
    const keys = keySource();
    await verifyToken(await issuer.sign(githubClaims()), options, keys);
    await issuer.rotateKeys();
    await verifyToken(await issuer.sign(githubClaims()), options, keys);
    expect(fetched).toEqual(['/.well-known/openid-configuration', '/jwks', '/jwks']);
  });

  it('rejects an unknown kid after exactly one refetch', async () => {
    const keys = keySource();
    await verifyToken(await issuer.sign(githubClaims()), options, keys);
    const error = await rejection(await issuer.sign(githubClaims(), { header: { kid: 'not-a-published-kid' } }), keys);
    expect(error.code).toBe('TOKEN_KEY_UNKNOWN');
    expect(fetched).toEqual(['/.well-known/openid-configuration', '/jwks', '/jwks']);
  });

  it.each<[string, () => Promise<string>, ErrorCode, RegExp]>([
    ['alg none', async () => `${segment({ alg: 'none' })}.${segment({ ...githubClaims(), iss: issuer.url })}.`, 'TOKEN_ALGORITHM', /"none"/],
    ['HS256 keyed with the public key', async () => hs256(), 'TOKEN_ALGORITHM', /"HS256"/],
    ['another issuer', () => issuer.sign(githubClaims({ iss: 'https://evil.example.com' })), 'TOKEN_ISSUER', /"https:\/\/evil.example.com"; expected http/],
    ['another audience', () => issuer.sign(githubClaims({ aud: 'https://github.com/acme' })), 'TOKEN_AUDIENCE', /audience is "https:\/\/github.com\/acme"/],
    ['several audiences', () => issuer.sign(githubClaims({ aud: ['sts.amazonaws.com', 'other'] })), 'TOKEN_AUDIENCE', /2 audiences/],
    ['expiry past the tolerance', () => issuer.sign(githubClaims(), { expiresIn: -120 }), 'TOKEN_EXPIRED', /expired 1[12]\d s ago/],
    ['no exp', () => issuer.sign(githubClaims(), { omit: ['exp'] }), 'TOKEN_CLAIMS', /no numeric exp/],
    ['nbf in the future', () => issuer.sign(githubClaims({ nbf: Math.floor(Date.now() / 1000) + 600 })), 'TOKEN_NOT_YET_VALID', /nbf is 60\d s in the future/],
    ['iat in the future', () => issuer.sign(githubClaims({ iat: Math.floor(Date.now() / 1000) + 600 })), 'TOKEN_NOT_YET_VALID', /iat is 60\d s in the future/],
    // Issue #11: exp 1e20 passed every check, then a Date of it threw INTERNAL: RangeError.
    ['an exp of 1e20', () => issuer.sign(githubClaims({ exp: 1e20 })), 'TOKEN_CLAIMS', /^The token's exp claim is 100000000000000000000; expected a number of seconds since 1970 from 0 to 253402300799 \(9999-12-31T23:59:59Z\)\.$/],
    ['an iat of 1e20', () => issuer.sign(githubClaims({ iat: 1e20 })), 'TOKEN_CLAIMS', /iat claim is 100000000000000000000; expected/],
    ['an nbf of 1e300', () => issuer.sign(githubClaims({ nbf: 1e300 })), 'TOKEN_CLAIMS', /nbf claim is 1e\+300; expected/],
    ['a negative exp', () => issuer.sign(githubClaims({ exp: -1 })), 'TOKEN_CLAIMS', /exp claim is -1; expected/],
    ['an exp written as text', () => issuer.sign(githubClaims({ exp: String(Math.floor(Date.now() / 1000) + 300) })), 'TOKEN_CLAIMS', /exp claim is not a number but a string; expected/],
    ['an iat of null', () => issuer.sign(githubClaims({ iat: null })), 'TOKEN_CLAIMS', /iat claim is not a number but null/],
    ['an nbf that is a list', () => issuer.sign(githubClaims({ nbf: [1] })), 'TOKEN_CLAIMS', /nbf claim is not a number but a list/],
    ['no sub', () => issuer.sign(githubClaims(), { omit: ['sub'] }), 'TOKEN_CLAIMS', /sub/],
    ['a tampered payload', async () => tamper(await issuer.sign(githubClaims())), 'TOKEN_SIGNATURE', /does not verify/],
    ['an oversized token', async () => `${segment({ alg: 'RS256' })}.${'A'.repeat(20_000)}.sig`, 'TOKEN_MALFORMED', /characters long/],
    ['garbage', async () => 'not a token at all', 'TOKEN_MALFORMED', /not a JWT/],
    ['a JWE', async () => 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', 'TOKEN_MALFORMED', /encrypted/],
    ['a header that is not JSON', async () => `${base64url.encode('nope')}.${segment(githubClaims())}.sig`, 'TOKEN_MALFORMED', /not base64url-encoded JSON/],
  ])('rejects %s', async (_, make, code, message) => {
    const error = await rejection(await make());
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint).not.toBe('');
  });

  it('accepts times with a fraction of a second, as RFC 7519 allows', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300.5;
    const verified = await verifyToken(await issuer.sign(githubClaims({ exp, iat: exp - 600.25 })), options, keySource());
    expect(verified.expiresAt.getTime()).toBe(exp * 1000);
  });

  it('tolerates clock skew within clock-tolerance', async () => {
    const token = await issuer.sign(githubClaims(), { expiresIn: -30 });
    await expect(verifyToken(token, options, keySource())).resolves.toBeDefined();
    await expect(verifyToken(token, { ...options, clockToleranceSeconds: 0 }, keySource())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('never puts the token in an error', async () => {
    const token = tamper(await issuer.sign(githubClaims()));
    const error = await rejection(token);
    for (const part of token.split('.')) {
      expect(`${error.message} ${error.hint}`).not.toContain(part);
    }
  });

  it('names the issuer when its keys cannot be fetched', async () => {
    const error = await rejection(await issuer.sign(githubClaims()), issuerKeySource(issuer.url, async () => {
      throw new ClaimcheckError('ISSUER_UNREACHABLE', 'down', 'hint');
    }));
    expect(error.code).toBe('ISSUER_UNREACHABLE');
  });

  async function hs256(): Promise<string> {
    const jwks = (await (await fetch(`${issuer.url}/jwks`)).json()) as { keys: Array<{ n?: string }> };
    const publicKey = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    return new SignJWT({ ...githubClaims(), iss: issuer.url }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(publicKey);
  }

  function tamper(token: string): string {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    return `${header}.${segment({ ...claims, ref: 'refs/heads/main-but-not-really' })}.${signature}`;
  }
});
