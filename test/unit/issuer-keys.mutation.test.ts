// The issuer's keys without a network: the discovery document and the key set served from
// memory, to pin what is refused (another issuer, no usable jwks_uri, a key set without
// keys), what is fetched and when (once, again only on refresh, ahead on prefetch, the
// predicted key set only when confirmed), and how an HTTP failure is told.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import type { Clock } from '../../src/core/retry.js';
import { HttpFailure, type JsonGetter } from '../../src/net/http.js';
import { issuerJsonFetcher, issuerKeySource, type FetchJson } from '../../src/oidc/keys.js';

const ISSUER = 'https://issuer.example.com';
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
const JWKS = `${ISSUER}/keys`;
const KEY = { kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' };

interface Served {
  readonly fetchJson: FetchJson;
  /** `<url> <what>` per call, with ` (once)` for a single silent attempt. */
  readonly calls: string[];
}

/** Answers from `documents` (a function's result, or a thrown error); an unknown URL is a 404. */
function serve(documents: Record<string, unknown>): Served {
  const calls: string[] = [];
  const fetchJson: FetchJson = async (url, what, options) => {
    calls.push(`${url} ${what}${options?.once ? ' (once)' : ''}`);
    if (!(url in documents)) throw new ClaimcheckError('ISSUER_UNREACHABLE', `404 at ${url}`, 'hint');
    const document = documents[url];
    return typeof document === 'function' ? (document as () => unknown)() : document;
  };
  return { fetchJson, calls };
}

const discovery = (fields: Record<string, unknown> = {}) => ({ issuer: ISSUER, jwks_uri: JWKS, ...fields });

async function refusal(promise: Promise<unknown>): Promise<ClaimcheckError> {
  const error = await promise.then(() => new Error('expected a refusal'), (e: unknown) => e);
  if (!(error instanceof ClaimcheckError)) throw error;
  return error;
}

/** Rejections nobody handled while a test ran (Node ends a process on one). */
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the discovery document', () => {
  it('is fetched once; the key set again only on refresh', async () => {
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: { keys: [KEY], other: 'dropped' } });
    const source = issuerKeySource(ISSUER, fetchJson);
    expect(source.description).toBe(DISCOVERY);
    expect(await source.keys(false)).toEqual({ keys: [KEY] });
    expect(await source.keys(false)).toEqual({ keys: [KEY] });
    expect(calls).toEqual([`${DISCOVERY} the discovery document`, `${JWKS} the signing keys`]);
    await source.keys(true);
    expect(calls).toEqual([`${DISCOVERY} the discovery document`, `${JWKS} the signing keys`, `${JWKS} the signing keys`]);
  });

  it.each([
    ['another issuer', discovery({ issuer: 'https://other.example.com' }), '"https://other.example.com"'],
    ['the issuer with a trailing slash', discovery({ issuer: `${ISSUER}/` }), `"${ISSUER}/"`],
    ['no issuer', discovery({ issuer: undefined }), 'undefined'],
    ['null', null, 'undefined'],
    ['a string', ISSUER, 'undefined'],
  ])('is refused when it names %s', async (_, document, named) => {
    const { fetchJson, calls } = serve({ [DISCOVERY]: document, [JWKS]: { keys: [KEY] } });
    const error = await refusal(issuerKeySource(ISSUER, fetchJson).keys(false));
    expect(error.code).toBe('ISSUER_UNREACHABLE');
    expect(error.message).toBe(`The discovery document at ${DISCOVERY} names issuer ${named}, not ${ISSUER}.`);
    expect(error.hint).toMatch(/^Set the issuer input to the exact issuer URL/);
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['no jwks_uri', undefined],
    ['a jwks_uri that is not text', 42],
    ['a jwks_uri over plain HTTP', 'http://issuer.example.com/keys'],
    ['a jwks_uri that is not a URL', 'keys'],
    ['a jwks_uri with a query', `${JWKS}?x=1`],
  ])('is refused with %s', async (_, jwksUri) => {
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery({ jwks_uri: jwksUri }) });
    const error = await refusal(issuerKeySource(ISSUER, fetchJson).keys(false));
    expect(error).toMatchObject({ code: 'ISSUER_UNREACHABLE', message: `The discovery document at ${DISCOVERY} has no usable jwks_uri (https only).` });
    expect(error.hint).toMatch(/OpenID Connect issuer/);
    expect(calls).toHaveLength(1);
  });

  it('may name a key set on loopback over plain HTTP', async () => {
    const local = 'http://127.0.0.1:8080/keys';
    const { fetchJson } = serve({ [DISCOVERY]: discovery({ jwks_uri: local }), [local]: { keys: [KEY] } });
    expect(await issuerKeySource(ISSUER, fetchJson).keys(false)).toEqual({ keys: [KEY] });
  });
});

describe('the key set', () => {
  it.each([
    ['null', null],
    ['no keys', {}],
    ['keys that are not a list', { keys: KEY }],
    ['an empty list', { keys: [] }],
    ['a null key', { keys: [null] }],
    ['a key that is text', { keys: ['k1'] }],
    ['a null among keys', { keys: [KEY, null] }],
    ['text among keys', { keys: [KEY, 'k2'] }],
  ])('is refused when it holds %s', async (_, keySet) => {
    const { fetchJson } = serve({ [DISCOVERY]: discovery(), [JWKS]: keySet });
    const error = await refusal(issuerKeySource(ISSUER, fetchJson).keys(false));
    expect(error).toMatchObject({ code: 'ISSUER_UNREACHABLE', message: `The key set at ${JWKS} holds no keys.` });
    expect(error.hint).toMatch(/publishes its signing keys/);
  });

  it('keeps a failure until a refresh, which fetches again', async () => {
    let answer: unknown = { keys: [] };
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: () => answer });
    const source = issuerKeySource(ISSUER, fetchJson);
    await refusal(source.keys(false));
    await refusal(source.keys(false));
    expect(calls).toHaveLength(2);
    answer = { keys: [KEY] };
    expect(await source.keys(true)).toEqual({ keys: [KEY] });
  });

  it('can be asked for early and awaited later without an unhandled rejection', async () => {
    const { fetchJson } = serve({ [DISCOVERY]: discovery() });
    const source = issuerKeySource(ISSUER, fetchJson);
    const pending = source.keys(false);
    await settle();
    await settle();
    expect((await refusal(pending)).message).toBe(`404 at ${JWKS}`);
    expect(unhandled).toEqual([]);
  });
});

describe('prefetch', () => {
  it('starts fetching before the keys are asked for, and the keys asked for later are those', async () => {
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: { keys: [KEY] } });
    const source = issuerKeySource(ISSUER, fetchJson);
    source.prefetch();
    await settle();
    expect(calls).toEqual([`${DISCOVERY} the discovery document`, `${JWKS} the signing keys`]);
    expect(await source.keys(false)).toEqual({ keys: [KEY] });
    source.prefetch();
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('keeps a failure to itself until the keys are asked for', async () => {
    const { fetchJson } = serve({});
    const source = issuerKeySource(ISSUER, fetchJson);
    source.prefetch();
    await settle();
    await settle();
    expect(unhandled).toEqual([]);
    expect((await refusal(source.keys(false))).message).toBe(`404 at ${DISCOVERY}`);
  });
});

describe('the predicted key set', () => {
  it('is fetched once, silently, with the discovery document, and used when the document names it', async () => {
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: { keys: [KEY] } });
    expect(await issuerKeySource(ISSUER, fetchJson, JWKS).keys(false)).toEqual({ keys: [KEY] });
    expect(calls).toEqual([`${JWKS} the signing keys (once)`, `${DISCOVERY} the discovery document`]);
  });

  it('is fetched again, with retries, when the early answer held no keys', async () => {
    const answers: unknown[] = [{ keys: [] }, { keys: [KEY] }];
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: () => answers.shift() });
    expect(await issuerKeySource(ISSUER, fetchJson, JWKS).keys(false)).toEqual({ keys: [KEY] });
    expect(calls).toEqual([`${JWKS} the signing keys (once)`, `${DISCOVERY} the discovery document`, `${JWKS} the signing keys`]);
  });

  it('is never used when the document names another key set, and its failure is nobody\'s error', async () => {
    const guess = `${ISSUER}/.well-known/jwks`;
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: { keys: [KEY] } });
    expect(await issuerKeySource(ISSUER, fetchJson, guess).keys(false)).toEqual({ keys: [KEY] });
    await settle();
    expect(unhandled).toEqual([]);
    expect(calls).toEqual([`${guess} the signing keys (once)`, `${DISCOVERY} the discovery document`, `${JWKS} the signing keys`]);
  });

  it('is not fetched on a refresh: the confirmed key set is', async () => {
    const { fetchJson, calls } = serve({ [DISCOVERY]: discovery(), [JWKS]: { keys: [KEY] } });
    const source = issuerKeySource(ISSUER, fetchJson, JWKS);
    await source.keys(false);
    await source.keys(true);
    expect(calls).toEqual([`${JWKS} the signing keys (once)`, `${DISCOVERY} the discovery document`, `${JWKS} the signing keys`]);
  });
});

describe('issuerJsonFetcher', () => {
  const clock: Clock = { now: () => 0, sleep: async () => {} };
  const retry = { policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 }, clock };

  function failing(failure: Error): { get: JsonGetter; attempts: string[] } {
    const attempts: string[] = [];
    return {
      attempts,
      get: async (url) => {
        attempts.push(url);
        throw failure;
      },
    };
  }

  it('names what could not be fetched, from where, and why', async () => {
    const { get, attempts } = failing(new HttpFailure(JWKS, 503, 'HTTP 503'));
    const error = await refusal(issuerJsonFetcher(get, retry)(JWKS, 'the signing keys'));
    expect(error).toMatchObject({ code: 'ISSUER_UNREACHABLE', message: `Could not fetch the signing keys from ${JWKS}: HTTP 503 (after 3 attempts).` });
    expect(error.hint).toMatch(/https_proxy and no_proxy/);
    expect(attempts).toHaveLength(3);
  });

  it('makes a single attempt when asked for once', async () => {
    const { get, attempts } = failing(new HttpFailure(JWKS, 503, 'HTTP 503'));
    const error = await refusal(issuerJsonFetcher(get, retry)(JWKS, 'the signing keys', { once: true }));
    expect(error.message).toBe(`Could not fetch the signing keys from ${JWKS}: HTTP 503 (after 1 attempt).`);
    expect(attempts).toHaveLength(1);
    await refusal(issuerJsonFetcher(get, retry)(JWKS, 'the signing keys', { once: false }));
    expect(attempts).toHaveLength(4);
  });

  it('passes on what is not an HTTP failure as it is', async () => {
    const fault = new TypeError('a bug');
    const { get } = failing(fault);
    await expect(issuerJsonFetcher(get, retry)(JWKS, 'the signing keys')).rejects.toBe(fault);
  });

  it('returns the document', async () => {
    const get: JsonGetter = async () => ({ keys: [KEY] });
    await expect(issuerJsonFetcher(get, retry)(JWKS, 'the signing keys')).resolves.toEqual({ keys: [KEY] });
  });
});
