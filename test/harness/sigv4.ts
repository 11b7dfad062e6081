// A SigV4 (AWS4-HMAC-SHA256, Authorization header) verifier written from the spec with
// node:crypto only, so the STS double checks real clients' signatures independently of any
// signing library: canonical request → string to sign → derived key → constant-time compare.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface RawRequest {
  method: string;
  /** Path as sent on the wire, without the query string (still percent-encoded). */
  path: string;
  /** Raw query string without the leading `?` ('' when none). */
  query: string;
  /** Header name (any case) → value; repeated headers as arrays, like node's IncomingMessage. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

export interface VerifyOptions {
  /** Secret access key for an access key id, or undefined when the id is unknown. */
  lookupSecret: (accessKeyId: string) => string | undefined;
  /** The verifier's clock in ms; x-amz-date must be within 15 minutes of it. */
  now: number;
  /** Service the credential scope must name. Default 'sts'. */
  service?: string;
}

export type SigV4Failure =
  | 'missing-authentication' // no Authorization header → MissingAuthenticationToken (403)
  | 'incomplete-signature' // Authorization unparsable / missing parts / no date → IncompleteSignature (400)
  | 'unknown-access-key' // → InvalidClientTokenId (403)
  | 'wrong-scope' // service or date in the scope is wrong → SignatureDoesNotMatch (403)
  | 'request-expired' // x-amz-date more than 15 min from the clock → SignatureDoesNotMatch (403)
  | 'payload-hash-mismatch' // x-amz-content-sha256 is not the body's hash → SignatureDoesNotMatch (403)
  | 'signature-mismatch'; // → SignatureDoesNotMatch (403)

export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string; signedHeaders: string[] }
  | { ok: false; reason: SigV4Failure; code: string; status: number; message: string; accessKeyId?: string };

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string; // YYYYMMDD from the scope
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;

const ERRORS: Record<SigV4Failure, { code: string; status: number }> = {
  'missing-authentication': { code: 'MissingAuthenticationToken', status: 403 },
  'incomplete-signature': { code: 'IncompleteSignature', status: 400 },
  'unknown-access-key': { code: 'InvalidClientTokenId', status: 403 },
  'wrong-scope': { code: 'SignatureDoesNotMatch', status: 403 },
  'request-expired': { code: 'SignatureDoesNotMatch', status: 403 },
  'payload-hash-mismatch': { code: 'SignatureDoesNotMatch', status: 403 },
  'signature-mismatch': { code: 'SignatureDoesNotMatch', status: 403 },
};

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function verifySigV4(request: RawRequest, options: VerifyOptions): SigV4Result {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined) return fail('missing-authentication', 'Request is missing Authentication Token');
  const auth = parseAuthorization(header);
  if (typeof auth === 'string') return fail('incomplete-signature', auth);
  const { accessKeyId } = auth;
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (amzDate === undefined) {
    return fail('incomplete-signature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", accessKeyId);
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) return fail('incomplete-signature', `Invalid X-Amz-Date '${amzDate}'.`, accessKeyId);

  const secret = options.lookupSecret(accessKeyId);
  if (secret === undefined) return fail('unknown-access-key', 'The security token included in the request is invalid.', accessKeyId);

  const scopeProblem = checkScope(auth, amzDate, options.service ?? 'sts');
  if (scopeProblem) return fail('wrong-scope', scopeProblem, accessKeyId);
  const skewProblem = checkSkew(signedAt, amzDate, options.now);
  if (skewProblem) return fail('request-expired', skewProblem, accessKeyId);

  const payloadHash = payloadHashOf(request);
  if (typeof payloadHash !== 'string') return fail('payload-hash-mismatch', payloadHash.problem, accessKeyId);

  const canonical = canonicalRequest(request, auth.signedHeaders, payloadHash);
  const scope = `${auth.date}/${auth.region}/${auth.service}/${auth.terminator}`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const expected = signingKey(secret, auth.date, auth.region, auth.service);
  const signature = createHmac('sha256', expected).update(stringToSign, 'utf8').digest();
  if (!sameSignature(signature, auth.signature)) return fail('signature-mismatch', SIGNATURE_MISMATCH_MESSAGE, accessKeyId);

  return { ok: true, accessKeyId, region: auth.region, service: auth.service, signedHeaders: auth.signedHeaders };
}

/**
 * `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/aws4_request, SignedHeaders=a;b, Signature=hex`.
 * Returns the parts, or an IncompleteSignature message.
 */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) {
    return `Unsupported AWS 'algorithm': '${trimmed.split(' ')[0] ?? ''}'. Supported: '${ALGORITHM}'.`;
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields.get(k));
  if (missing.length > 0) {
    return missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ') + ` Authorization=${header}`;
  }
  const scope = (fields.get('Credential') ?? '').split('/');
  const [accessKeyId, date, region, service, terminator] = scope;
  if (scope.length !== 5 || !accessKeyId || !date || !region || !service || terminator !== 'aws4_request') {
    return `Credential should be scoped to a valid region, and a terminator of 'aws4_request'. Credential=${fields.get('Credential')}`;
  }
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';');
  if (!signedHeaders.includes('host')) {
    return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
  }
  return { accessKeyId, date, region, service, terminator, signedHeaders, signature: fields.get('Signature') ?? '' };
}

/** The canonical request exactly as SigV4 defines it (exported so tests can inspect it). */
export function canonicalRequest(request: RawRequest, signedHeaders: string[], payloadHash: string): string {
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers, name)}\n`).join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** RFC 3986 URI encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper hex). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Normalized path (no empty, `.` or `..` segments) with each segment encoded twice, as for all services but S3. */
function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of (rawPath || '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(uriEncode(safeDecode(segment))));
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** Names and values URI-encoded, sorted by name then value, joined with `&`. */
function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      return [uriEncode(safeDecode(name)), uriEncode(safeDecode(value))] as const;
    })
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

/** Repeated headers joined with `,`; each value trimmed with inner runs of spaces collapsed. */
function canonicalHeaderValue(headers: RawRequest['headers'], name: string): string {
  const raw = headerValues(headers, name);
  return raw.map((v) => v.trim().replace(/ +/g, ' ')).join(',');
}

/** The x-amz-content-sha256 header when present (it must then match the body), else the body's hash. */
function payloadHashOf(request: RawRequest): string | { problem: string } {
  const bodyHash = sha256Hex(request.body);
  const declared = headerValue(request.headers, 'x-amz-content-sha256');
  if (declared === undefined || declared === 'UNSIGNED-PAYLOAD') return declared ?? bodyHash;
  if (declared !== bodyHash) {
    return { problem: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  return declared;
}

function checkScope(auth: ParsedAuthorization, amzDate: string, service: string): string | undefined {
  if (auth.service !== service) return `Credential should be scoped to correct service: '${service}'. `;
  if (auth.date !== amzDate.slice(0, 8)) {
    return `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`;
  }
  return undefined;
}

function checkSkew(signedAt: number, amzDate: string, now: number): string | undefined {
  const nowStamp = toAmzDate(now);
  if (signedAt < now - MAX_SKEW_MS) {
    return `Signature expired: ${amzDate} is now earlier than ${toAmzDate(now - MAX_SKEW_MS)} (${nowStamp} - 15 min.)`;
  }
  if (signedAt > now + MAX_SKEW_MS) {
    return `Signature not yet current: ${amzDate} is still later than ${toAmzDate(now + MAX_SKEW_MS)} (${nowStamp} + 15 min.)`;
  }
  return undefined;
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

function sameSignature(expected: Buffer, providedHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(providedHex)) return false;
  return timingSafeEqual(expected, Buffer.from(providedHex, 'hex'));
}

/** `20150830T123600Z` → ms, or undefined when malformed. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? undefined : ms;
}

export function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function headerValues(headers: RawRequest['headers'], name: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    out.push(...(Array.isArray(value) ? value : [value]));
  }
  return out;
}

function headerValue(headers: RawRequest['headers'], name: string): string | undefined {
  const values = headerValues(headers, name);
  return values.length === 0 ? undefined : values.join(',');
}

function fail(reason: SigV4Failure, message: string, accessKeyId?: string): SigV4Result {
  const base = { ok: false as const, reason, ...ERRORS[reason], message };
  return accessKeyId === undefined ? base : { ...base, accessKeyId };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
