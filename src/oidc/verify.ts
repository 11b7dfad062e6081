// Token verification: signature against the configured issuer's published keys, then
// iss, aud, exp, nbf and iat. The claims are first read unverified only to reject a token
// early with a precise message; nothing is ever accepted before jose has verified it.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { ClaimcheckError } from '../core/errors.js';
import type { KeySource } from './keys.js';

export interface VerifyOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  /** Current time in ms; injectable for tests. */
  readonly now: () => number;
}

export interface VerifiedToken {
  readonly claims: Readonly<JWTPayload & Record<string, unknown>>;
  readonly algorithm: string;
  readonly expiresAt: Date;
}

export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** STS accepts web identity tokens of 4 to 20000 characters. */
const MAX_TOKEN_LENGTH = 20000;

export async function verifyToken(token: string, options: VerifyOptions, keys: KeySource): Promise<VerifiedToken> {
  const algorithm = checkShape(token);
  precheckClaims(decodeJwt(token), options);
  const verify = async (refresh: boolean) =>
    jwtVerify(token, createLocalJWKSet(await keys.keys(refresh)), {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ACCEPTED_ALGORITHMS,
      clockTolerance: options.clockToleranceSeconds,
      currentDate: new Date(options.now()),
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'sub'],
    });
  let result;
  try {
    try {
      result = await verify(false);
    } catch (error) {
      // Keys rotate: a kid we do not know earns exactly one refetch.
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      result = await verify(true);
    }
  } catch (error) {
    throw explainJoseError(error, keys, options);
  }
  const claims = result.payload as JWTPayload & Record<string, unknown>;
  return { claims, algorithm, expiresAt: new Date((claims.exp ?? 0) * 1000) };
}

function malformed(message: string): ClaimcheckError {
  return new ClaimcheckError('TOKEN_MALFORMED', message, 'Pass the OIDC ID token itself (a JWT of three base64url parts), unmodified.');
}

/** Rejects what is not a compact JWS with an asymmetric algorithm; returns the algorithm. */
function checkShape(token: string): string {
  if (token.length < 4 || token.length > MAX_TOKEN_LENGTH) {
    throw malformed(`The token is ${token.length} characters long; a web identity token has 4 to ${MAX_TOKEN_LENGTH}.`);
  }
  const parts = token.split('.');
  if (parts.length === 5) throw malformed('The token is encrypted (a JWE); only signed tokens (JWS) are accepted.');
  // The signature part may be empty here so that an unsigned ("none") token gets its own error.
  if (parts.length !== 3 || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    throw malformed('The token is not a JWT: expected three base64url parts separated by dots.');
  }
  let header;
  try {
    header = decodeProtectedHeader(token);
    decodeJwt(token);
  } catch {
    throw malformed('The token is not a JWT: its header or payload is not base64url-encoded JSON.');
  }
  const alg = ACCEPTED_ALGORITHMS.find((accepted) => accepted === header.alg);
  if (alg === undefined) {
    throw new ClaimcheckError(
      'TOKEN_ALGORITHM',
      `The token is signed with algorithm ${JSON.stringify(header.alg ?? null)}; only asymmetric signatures (${ACCEPTED_ALGORITHMS.join(', ')}) are accepted.`,
      'A CI provider signs with its private key; a token with "none" or an HMAC algorithm was not made by it.',
    );
  }
  return alg;
}

/** Rejections that need no key: say exactly what is wrong, before any network call. */
function precheckClaims(claims: JWTPayload, options: VerifyOptions): void {
  if (claims.iss !== options.issuer) {
    throw new ClaimcheckError('TOKEN_ISSUER', `The token's issuer is ${JSON.stringify(claims.iss ?? null)}; expected ${options.issuer}.`, issuerHint(claims.iss, options.issuer));
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.length !== 1) {
    throw new ClaimcheckError('TOKEN_AUDIENCE', `The token has ${audiences.length} audiences (${JSON.stringify(claims.aud)}); expected exactly one, ${options.audience}.`, 'Request the token for the single audience that the role\'s IAM OIDC provider lists.');
  }
  if (audiences[0] !== options.audience) {
    throw new ClaimcheckError('TOKEN_AUDIENCE', `The token's audience is ${JSON.stringify(audiences[0] ?? null)}; expected ${options.audience}.`, 'Set the audience input to the value the token was requested for, or request the token for the audience input\'s value.');
  }
  checkTimes(claims, options);
}

function issuerHint(presented: unknown, expected: string): string {
  if (typeof presented === 'string' && presented.replace(/\/$/, '') === expected.replace(/\/$/, '')) {
    return 'The two differ only in a trailing slash: set the issuer input to exactly the token\'s issuer.';
  }
  if (typeof presented === 'string' && presented.startsWith(`${expected}/`)) {
    return `Your enterprise uses its own issuer: set the issuer input to ${presented} (and create the IAM OIDC provider for it).`;
  }
  return GENERIC_ISSUER_HINT;
}

/** The issuer hint when nothing narrows it down: the front door may say it in its own terms. */
export const GENERIC_ISSUER_HINT = 'Set the issuer input to the issuer of your CI provider (GitHub: https://token.actions.githubusercontent.com; GHES: https://<host>/_services/token).';

/** The last second whose date JavaScript and ISO 8601 write plainly: 9999-12-31T23:59:59Z. */
const LATEST_TIME = 253402300799;

/**
 * A time claim (exp, nbf, iat) as seconds since 1970, or undefined when absent. RFC 7519
 * allows fractions; anything that is not a number from 0 to LATEST_TIME is refused here,
 * before it can reach a Date (1e20 seconds is a RangeError there).
 */
function timeClaim(claims: JWTPayload, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value: unknown = claims[name];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && value >= 0 && value <= LATEST_TIME) return value;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
  const shown = typeof value === 'number' ? String(value) : `not a number but ${kind}`;
  throw new ClaimcheckError(
    'TOKEN_CLAIMS',
    `The token's ${name} claim is ${shown}; expected a number of seconds since 1970 from 0 to ${LATEST_TIME} (9999-12-31T23:59:59Z).`,
    'Use the ID token issued by your CI provider, unmodified.',
  );
}

function checkTimes(claims: JWTPayload, options: VerifyOptions): void {
  const now = Math.floor(options.now() / 1000);
  const tolerance = options.clockToleranceSeconds;
  const skewHint = `Check the runner's clock (allowed skew: clock-tolerance, now ${tolerance} s).`;
  const exp = timeClaim(claims, 'exp');
  if (exp === undefined) {
    throw new ClaimcheckError('TOKEN_CLAIMS', 'The token has no numeric exp claim; a token that never expires is not accepted.', 'Use the ID token issued by your CI provider.');
  }
  const times = { nbf: timeClaim(claims, 'nbf'), iat: timeClaim(claims, 'iat') };
  if (now > exp + tolerance) {
    throw new ClaimcheckError('TOKEN_EXPIRED', `The token expired ${now - exp} s ago (exp ${isoTime(exp)}).`, `Request a fresh token just before this step. ${skewHint}`);
  }
  for (const [name, value] of Object.entries(times)) {
    // Stryker disable next-line ConditionalExpression: equivalent: undefined > n is false anyway
    if (value !== undefined && value > now + tolerance) {
      throw new ClaimcheckError('TOKEN_NOT_YET_VALID', `The token's ${name} is ${value - now} s in the future (${isoTime(value)}): the clocks disagree by more than ${tolerance} s.`, skewHint);
    }
  }
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A time claim's date in ISO 8601, or undefined when the value is no such time (1e20 is none). */
export function timeClaimText(value: unknown): string | undefined {
  return typeof value === 'number' && value >= 0 && value <= LATEST_TIME ? isoTime(value) : undefined;
}

function explainJoseError(error: unknown, keys: KeySource, options: VerifyOptions): ClaimcheckError {
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new ClaimcheckError('TOKEN_KEY_UNKNOWN', `No key published by ${options.issuer} matches the token's key ID, even after fetching the keys again (${keys.description}).`, 'The token was not signed by this issuer: check the issuer input and where the token comes from.');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new ClaimcheckError('TOKEN_SIGNATURE', `The token's signature does not verify with the key published by ${options.issuer}.`, 'The token was altered or signed by someone else; use the token exactly as your CI provider issued it.');
  }
  if (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) {
    return new ClaimcheckError('TOKEN_CLAIMS', `The token's ${error.claim} claim is not valid: ${error.reason}.`, 'Use the ID token issued by your CI provider, requested for this audience.');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new ClaimcheckError('TOKEN_ALGORITHM', `The token's algorithm or key type is not supported (${error.code}).`, `Accepted algorithms: ${ACCEPTED_ALGORITHMS.join(', ')}.`);
  }
  if (error instanceof errors.JOSEError) {
    return new ClaimcheckError('TOKEN_MALFORMED', `The token could not be verified (${error.code}).`, 'Use the ID token issued by your CI provider, unmodified.');
  }
  throw error; // the key source's ClaimcheckError, or a fault of ours: as it is
}
