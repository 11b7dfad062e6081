// The issuer's keys in one round trip: the key set at its predicted URL is asked for
// alongside the discovery document, and trusted only once the discovery document names
// that URL as its jwks_uri; otherwise the named one is fetched, as before. Real issuers on
// loopback (one serving its keys where GitHub does), real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { predictedJwksUri } from '../../src/oidc/jwks-location.js';
import { systemClock } from '../../src/core/retry.js';
import { createActionsJsonGetter } from '../../src/net/actions-http.js';
import type { HttpFailure } from '../../src/net/http.js';
import { issuerJsonFetcher, issuerKeySource, type FetchJson } from '../../src/oidc/keys.js';
import { verifyToken, type VerifyOptions } from '../../src/oidc/verify.js';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';

let github: TestIssuer; // keys at /.well-known/jwks, as GitHub's
let other: TestIssuer; // keys at /jwks, somewhere else than predicted
let stranger: TestIssuer; // someone else's keys

beforeAll(async () => {
  [github, other, stranger] = await Promise.all([startIssuer({ jwksPath: '/.well-known/jwks' }), startIssuer(), startIssuer()]);
});
afterAll(() => Promise.all([github?.close(), other?.close(), stranger?.close()]));

interface Fetching {
  readonly fetchJson: FetchJson;
  /** Paths asked for, in order, with `(once)` for a single silent attempt. */
  readonly fetched: string[];
  /** Retries announced (the onRetry lines a user would see). */
  readonly retries: string[];
}

/** HTTP with up to 3 attempts; `serve` may answer a URL itself instead. */
function fetching(serve: (url: string) => unknown = () => undefined): Fetching {
  const fetched: string[] = [];
  const retries: string[] = [];
  const get = createActionsJsonGetter({ userAgent: 'test', timeoutMs: 2000 });
  const retry = { policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 2000 }, clock: systemClock, onRetry: (failure: HttpFailure) => retries.push(failure.target) };
  const http = issuerJsonFetcher(get, retry);
  const fetchJson: FetchJson = async (url, what, options) => {
    fetched.push(`${new URL(url).pathname}${options?.once ? ' (once)' : ''}`);
    return serve(url) ?? http(url, what, options);
  };
  return { fetchJson, fetched, retries };
}

const optionsFor = (issuer: TestIssuer): VerifyOptions => ({ issuer: issuer.url, audience: 'sts.amazonaws.com', clockToleranceSeconds: 60, now: () => Date.now() });

async function rejection(promise: Promise<unknown>): Promise<ClaimcheckError> {
  const error = await promise.then(() => new Error('expected a rejection'), (e: unknown) => e);
  if (!(error instanceof ClaimcheckError)) throw error;
  return error;
}

describe('the issuer\'s keys with a predicted key set URL', () => {
  it('asks for the discovery document and the key set at once, and verifies with the key set the discovery document names', async () => {
    const requested: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { fetchJson, fetched } = fetching();
    const held: FetchJson = async (url, what, options) => {
      requested.push(new URL(url).pathname);
      await gate; // nothing is answered until both are asked for
      return fetchJson(url, what, options);
    };
    const keys = issuerKeySource(github.url, held, `${github.url}/.well-known/jwks`);
    keys.prefetch();
    await new Promise((resolve) => setImmediate(resolve));
    expect(requested.sort()).toEqual(['/.well-known/jwks', '/.well-known/openid-configuration']);
    release();
    const verified = await verifyToken(await github.sign(githubClaims()), optionsFor(github), keys);
    expect(verified.claims.repository).toBe('acme/api');
    expect(fetched).toEqual(['/.well-known/jwks (once)', '/.well-known/openid-configuration']);
  });

  it('never trusts the predicted URL on its own: when discovery names another jwks_uri, that one is fetched, and keys served at the guess verify nothing', async () => {
    const predicted = `${other.url}/.well-known/jwks`;
    const strangerKeys = await (await fetch(`${stranger.url}/jwks`)).json();
    const { fetchJson, fetched } = fetching((url) => (url === predicted ? strangerKeys : undefined));
    const keys = issuerKeySource(other.url, fetchJson, predicted);

    // Signed with the stranger's key, claiming to come from the configured issuer.
    const forged = await stranger.sign(githubClaims({ iss: other.url }));
    const error = await rejection(verifyToken(forged, optionsFor(other), keys));
    expect(error.code).toBe('TOKEN_KEY_UNKNOWN');
    expect(fetched).toEqual(['/.well-known/jwks (once)', '/.well-known/openid-configuration', '/jwks', '/jwks']);

    await expect(verifyToken(await other.sign(githubClaims()), optionsFor(other), keys)).resolves.toMatchObject({ algorithm: 'RS256' });
  });

  it('fetches the key set again, with retries, when the early try failed: one failure costs no error and no retry message', async () => {
    github.faults.push({ path: 'jwks', fault: { kind: 'status', status: 503 } });
    const { fetchJson, fetched, retries } = fetching();
    const keys = issuerKeySource(github.url, fetchJson, `${github.url}/.well-known/jwks`);
    await expect(verifyToken(await github.sign(githubClaims()), optionsFor(github), keys)).resolves.toBeDefined();
    expect(fetched).toEqual(['/.well-known/jwks (once)', '/.well-known/openid-configuration', '/.well-known/jwks']);
    expect(retries).toEqual([]);
    expect(github.faults).toEqual([]);
  });

  it('fails as before when the discovery document cannot be had, even with the key set in hand', async () => {
    github.faults.push({ path: 'discovery', fault: { kind: 'status', status: 404 } });
    const { fetchJson } = fetching();
    const keys = issuerKeySource(github.url, fetchJson, `${github.url}/.well-known/jwks`);
    const error = await rejection(verifyToken(await github.sign(githubClaims()), optionsFor(github), keys));
    expect(error.code).toBe('ISSUER_UNREACHABLE');
    expect(error.message).toMatch(/^Could not fetch the discovery document from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: HTTP 404/);
  });

  it('refetches only the confirmed key set for an unknown kid (a rotation), and once', async () => {
    const { fetchJson, fetched } = fetching();
    const keys = issuerKeySource(github.url, fetchJson, `${github.url}/.well-known/jwks`);
    await verifyToken(await github.sign(githubClaims()), optionsFor(github), keys);
    await github.rotateKeys();
    await verifyToken(await github.sign(githubClaims()), optionsFor(github), keys);
    expect(fetched).toEqual(['/.well-known/jwks (once)', '/.well-known/openid-configuration', '/.well-known/jwks']);
  });
});

describe('predictedJwksUri', () => {
  it.each([
    ['https://token.actions.githubusercontent.com', 'https://token.actions.githubusercontent.com/.well-known/jwks'],
    ['https://token.actions.githubusercontent.com/acme-enterprise', 'https://token.actions.githubusercontent.com/acme-enterprise/.well-known/jwks'],
    ['https://ghes.example.com/_services/token', 'https://ghes.example.com/_services/token/.well-known/jwks'],
    ['https://agent.buildkite.com', 'https://agent.buildkite.com/.well-known/jwks'],
    ['https://oidc.circleci.com/org/c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a', 'https://oidc.circleci.com/org/c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a/.well-known/jwks-pub.json'],
    ['https://gitlab.com', 'https://gitlab.com/oauth/discovery/keys'],
    ['https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc/keys.json'],
    ['https://issuer.example.com/', 'https://issuer.example.com/.well-known/jwks'],
  ])('%s → %s', (issuer, expected) => {
    expect(predictedJwksUri(issuer)).toBe(expected);
  });

  it.each(['not a url', 'https://issuer.example.com/?tenant=1'])('makes no guess for %s', (issuer) => {
    expect(predictedJwksUri(issuer)).toBeUndefined();
  });
});
