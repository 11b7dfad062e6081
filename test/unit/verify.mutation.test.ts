// Token verification, bound by bound: the length limits STS itself applies, the three-part
// shape, the time claims at their exact edges, which hint an issuer mismatch earns, when the
// keys are fetched again, and how jose's own refusals are classified. The issuer's keys are
// an in-memory key set and the clock stands still, so every figure in a message is exact.
import { generateKeyPairSync, sign as rsaSign, type KeyObject } from 'node:crypto';
import { base64url, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import type { KeySource } from '../../src/oidc/keys.js';
import { timeClaimText, verifyToken, type VerifyOptions } from '../../src/oidc/verify.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'sts.amazonaws.com';
/** 2025-01-15T12:00:00Z, in seconds. */
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0) / 1000;
const LATEST_TIME = 253402300799;

const options: VerifyOptions = { issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 60, now: () => NOW * 1000 };

let privateKey: KeyObject;
let keySet: JSONWebKeySet;

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  keySet = { keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] };
});

type Claims = Record<string, unknown>;

function claims(overrides: Claims = {}): Claims {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'repo:acme/api:ref:refs/heads/main', iat: NOW - 10, exp: NOW + 300, ...overrides };
}

const segment = (value: unknown) => base64url.encode(JSON.stringify(value));

/** An RS256 token signed by hand, so that any header (crit included) can be made. */
function sign(payload: Claims, header: Claims = {}): string {
  const input = `${segment({ alg: 'RS256', kid: 'k1', typ: 'JWT', ...header })}.${segment(payload)}`;
  return `${input}.${base64url.encode(rsaSign('sha256', Buffer.from(input), privateKey))}`;
}

/** The issuer's keys from memory; `refreshes` records each keys() call's argument. */
function keys(): KeySource & { readonly refreshes: boolean[] } {
  const refreshes: boolean[] = [];
  return {
    refreshes,
    description: 'the test key set',
    keys: async (refresh) => {
      refreshes.push(refresh);
      return keySet;
    },
    prefetch() {},
  };
}

async function rejection(token: string, with_: Partial<VerifyOptions> = {}, source: KeySource = keys()): Promise<ClaimcheckError> {
  const error = await verifyToken(token, { ...options, ...with_ }, source).then(
    () => new Error('expected the token to be rejected'),
    (e: unknown) => e,
  );
  if (!(error instanceof ClaimcheckError)) throw error;
  return error;
}

/** A signed token of exactly `length` characters (a padding claim and a header parameter set its size). */
function tokenOfLength(length: number): string {
  for (let extra = 0; extra < 4; extra++) {
    const header = { pad: 'x'.repeat(extra) };
    const bare = sign(claims({ pad: '' }), header).length;
    for (let pad = Math.max(0, Math.floor(((length - bare) * 3) / 4) - 4); pad < length; pad++) {
      const token = sign(claims({ pad: 'x'.repeat(pad) }), header);
      if (token.length === length) return token;
      if (token.length > length) break;
    }
  }
  throw new Error(`no token of ${length} characters`);
}

describe('the token\'s length and shape, checked before anything is fetched', () => {
  it('refuses a token shorter than 4 or longer than 20000 characters, and takes both ends of the range', async () => {
    expect((await rejection('a.b')).message).toBe('The token is 3 characters long; a web identity token has 4 to 20000.');
    const four = await rejection('a.b.');
    expect(four.code).toBe('TOKEN_MALFORMED');
    expect(four.message).not.toMatch(/characters long/);

    const longest = tokenOfLength(20000);
    await expect(verifyToken(longest, options, keys())).resolves.toMatchObject({ algorithm: 'RS256' });

    const tooLong = await rejection(tokenOfLength(20001));
    expect(tooLong).toMatchObject({ code: 'TOKEN_MALFORMED', message: 'The token is 20001 characters long; a web identity token has 4 to 20000.' });
  });

  it.each([
    ['two parts', (token: string) => token.split('.').slice(0, 2).join('.')],
    ['four parts', (token: string) => `${token}.c2ln`],
    ['a space before it', (token: string) => ` ${token}`],
    ['base64 padding after it', (token: string) => `${token}=`],
    ['a newline after it', (token: string) => `${token}\n`],
    ['a "+" in its signature', (token: string) => token.replace(/\.([\w-]{4})/g, (_, kept: string) => `.${kept.slice(0, 2)}+${kept.slice(3)}`)],
  ])('refuses a token with %s as not a JWT of three base64url parts', async (_, change) => {
    const error = await rejection(change(sign(claims())));
    expect(error).toMatchObject({ code: 'TOKEN_MALFORMED', message: 'The token is not a JWT: expected three base64url parts separated by dots.' });
  });

  it('refuses a payload that is not JSON as malformed, before it is read for its claims', async () => {
    const error = await rejection(`${segment({ alg: 'RS256', kid: 'k1' })}.${base64url.encode('not json')}.c2ln`);
    expect(error).toMatchObject({ code: 'TOKEN_MALFORMED', message: 'The token is not a JWT: its header or payload is not base64url-encoded JSON.' });
  });

  it.each([
    ['HS256', { alg: 'HS256' }, '"HS256"'],
    ['no algorithm', { alg: undefined }, 'null'],
    ['an algorithm that is a number', { alg: 256 }, '256'],
    ['an algorithm that is a list', { alg: ['RS256'] }, '["RS256"]'],
  ])('refuses %s, listing the accepted algorithms', async (_, header, shown) => {
    const error = await rejection(sign(claims(), header));
    expect(error.code).toBe('TOKEN_ALGORITHM');
    expect(error.message).toBe(`The token is signed with algorithm ${shown}; only asymmetric signatures (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519) are accepted.`);
  });
});

describe('the issuer hint', () => {
  it.each([
    ['the issuer with a trailing slash', `${ISSUER}/`, ISSUER, /^The two differ only in a trailing slash/],
    ['the issuer without the trailing slash configured', ISSUER, `${ISSUER}/`, /^The two differ only in a trailing slash/],
    ['an enterprise issuer under it', `${ISSUER}/acme`, ISSUER, /^Your enterprise uses its own issuer: set the issuer input to https:\/\/token\.actions\.githubusercontent\.com\/acme /],
    ['another host', 'https://evil.example.com', ISSUER, /^Set the issuer input to the issuer of your CI provider/],
    ['a host that merely ends like it', `https://example.com/${ISSUER}/`, ISSUER, /^Set the issuer input to the issuer of your CI provider/],
    ['a number', 42, ISSUER, /^Set the issuer input to the issuer of your CI provider/],
    ['no issuer', undefined, ISSUER, /^Set the issuer input to the issuer of your CI provider/],
  ])('for %s', async (_, iss, configured, hint) => {
    const error = await rejection(sign(claims({ iss })), { issuer: configured });
    expect(error.code).toBe('TOKEN_ISSUER');
    expect(error.message).toBe(`The token's issuer is ${JSON.stringify(iss ?? null)}; expected ${configured}.`);
    expect(error.hint).toMatch(hint);
  });
});

describe('time claims at their edges', () => {
  it('takes exp, nbf and iat from 0 to 9999-12-31T23:59:59Z, and refuses beyond', async () => {
    const verified = await verifyToken(sign(claims({ exp: LATEST_TIME, nbf: 0, iat: 0 })), options, keys());
    expect(verified.expiresAt.toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect((await rejection(sign(claims({ exp: 0 })))).code).toBe('TOKEN_EXPIRED');
    for (const name of ['exp', 'nbf', 'iat']) {
      expect(await rejection(sign(claims({ [name]: LATEST_TIME + 1 })))).toMatchObject({ code: 'TOKEN_CLAIMS', message: expect.stringMatching(new RegExp(`^The token's ${name} claim is 253402300800;`)) });
      expect(await rejection(sign(claims({ [name]: -0.5 })))).toMatchObject({ code: 'TOKEN_CLAIMS', message: expect.stringMatching(new RegExp(`^The token's ${name} claim is -0.5;`)) });
    }
  });

  it('says how long ago the token expired, and when, to the second', async () => {
    const error = await rejection(sign(claims({ exp: NOW - 61 })));
    expect(error).toMatchObject({ code: 'TOKEN_EXPIRED', message: 'The token expired 61 s ago (exp 2025-01-15T11:58:59.000Z).' });
    expect(error.hint).toMatch(/now 60 s/);
  });

  it('takes nbf and iat up to clock-tolerance ahead, and refuses one second more, saying when', async () => {
    await expect(verifyToken(sign(claims({ nbf: NOW + 60, iat: NOW + 60 })), options, keys())).resolves.toBeDefined();
    expect(await rejection(sign(claims({ nbf: NOW + 61 })))).toMatchObject({
      code: 'TOKEN_NOT_YET_VALID',
      message: 'The token\'s nbf is 61 s in the future (2025-01-15T12:01:01.000Z): the clocks disagree by more than 60 s.',
    });
    expect(await rejection(sign(claims({ iat: NOW + 61 })))).toMatchObject({ code: 'TOKEN_NOT_YET_VALID', message: expect.stringMatching(/^The token's iat is 61 s in the future/) });
  });

  it('requires iat and sub, as jose checks them after the signature', async () => {
    expect(await rejection(sign(claims({ iat: undefined })))).toMatchObject({ code: 'TOKEN_CLAIMS', message: 'The token\'s iat claim is not valid: missing.' });
    expect(await rejection(sign(claims({ sub: undefined })))).toMatchObject({ code: 'TOKEN_CLAIMS', message: 'The token\'s sub claim is not valid: missing.' });
  });
});

describe('timeClaimText', () => {
  it.each<[unknown, string | undefined]>([
    [0, '1970-01-01T00:00:00.000Z'],
    [1.5, '1970-01-01T00:00:01.500Z'],
    [LATEST_TIME, '9999-12-31T23:59:59.000Z'],
    [LATEST_TIME + 1, undefined],
    [-1, undefined],
    [1e20, undefined],
    ['1700000000', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, text) => {
    expect(timeClaimText(value)).toBe(text);
  });
});

describe('the keys, fetched again only for an unknown kid', () => {
  it('does not fetch the keys again for a signature that does not verify', async () => {
    const source = keys();
    const [header, payload, signature] = sign(claims()).split('.') as [string, string, string];
    const error = await rejection(`${header}.${payload}.${signature.slice(0, -4)}AAAA`, {}, source);
    expect(error).toMatchObject({ code: 'TOKEN_SIGNATURE', message: `The token's signature does not verify with the key published by ${ISSUER}.` });
    expect(source.refreshes).toEqual([false]);
  });

  it('names the issuer and where its keys come from when no key matches, after one refetch', async () => {
    const source = keys();
    const error = await rejection(sign(claims(), { kid: 'unknown' }), {}, source);
    expect(error.code).toBe('TOKEN_KEY_UNKNOWN');
    expect(error.message).toBe(`No key published by ${ISSUER} matches the token's key ID, even after fetching the keys again (the test key set).`);
    expect(error.hint).toMatch(/^The token was not signed by this issuer/);
    expect(source.refreshes).toEqual([false, true]);
  });

  it('passes on the key source\'s own error', async () => {
    const failure = new ClaimcheckError('ISSUER_UNREACHABLE', 'down', 'retry');
    const source: KeySource = { description: 'none', keys: () => Promise.reject(failure), prefetch() {} };
    expect(await rejection(sign(claims()), {}, source)).toBe(failure);
  });
});

describe('jose\'s refusals, classified', () => {
  it('calls a critical header extension jose does not know an unsupported algorithm', async () => {
    const error = await rejection(sign(claims(), { crit: ['urn:example:ext'], 'urn:example:ext': true }));
    expect(error).toMatchObject({ code: 'TOKEN_ALGORITHM', message: 'The token\'s algorithm or key type is not supported (ERR_JOSE_NOT_SUPPORTED).' });
    expect(error.hint).toBe('Accepted algorithms: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519.');
  });

  it('calls a token jose finds invalid otherwise malformed, with jose\'s code', async () => {
    const error = await rejection(sign(claims(), { crit: [] }));
    expect(error).toMatchObject({ code: 'TOKEN_MALFORMED', message: 'The token could not be verified (ERR_JWS_INVALID).' });
    expect(error.hint).toBe('Use the ID token issued by your CI provider, unmodified.');
  });
});
