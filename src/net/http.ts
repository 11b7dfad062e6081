// JSON over HTTP(S) for the token endpoint and the issuer's discovery and keys: the failure
// type, the getter interface, and retries on top of it. The getter lives beside this file
// (actions-http.ts); one call to it is one attempt with a hard deadline.
import { RetriesExhausted, withRetries, type Clock, type RetryPolicy } from '../core/retry.js';

export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
  /** Where the request went, without its query (which may carry a job-specific id). */
  readonly target: string;
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** Why: `HTTP 503`, `ECONNRESET`, `no complete response within …`, `the response is not JSON`. */
  readonly reason: string;

  constructor(target: string, status: number | undefined, reason: string) {
    super(`${target}: ${reason}`);
    this.target = target;
    this.status = status;
    this.reason = reason;
  }

  /** Faults that can pass with time: no response, 408, 429, 5xx, or a body cut short. */
  get transient(): boolean {
    if (this.status === undefined) return true;
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export type JsonGetter = (url: string, headers?: Record<string, string>) => Promise<unknown>;

export interface HttpOptions {
  readonly userAgent: string;
  /** Deadline for one whole attempt: connect, headers and body. */
  readonly timeoutMs: number;
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** The target for messages: the URL without its query (which may carry a job-specific id). */
export function targetOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/** A complete response: its status must be 2xx and its body JSON. */
export function parseJsonResponse(target: string, status: number, body: string, contentType: string | undefined): unknown {
  if (status < 200 || status > 299) throw new HttpFailure(target, status, `HTTP ${status}`);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new HttpFailure(target, undefined, `the response is not JSON (content-type ${contentType ?? 'none'})`);
  }
}

export function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const code = (error as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message.replace(/\?.*$/, '') : 'network error';
}

/** Settles with `work`, or fails at the deadline. */
export function withDeadline<T>(work: Promise<T>, ms: number, target: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpFailure(target, undefined, `no complete response within ${ms} ms`)), ms);
  });
  work.catch(() => {}); // a late failure after the deadline has nobody to tell
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly onRetry?: (failure: HttpFailure, attempt: number, delayMs: number) => void;
}

/** `get` with retries on transient faults; the final failure says how many attempts it took. */
export async function getJsonRetrying(get: JsonGetter, url: string, headers: Record<string, string>, retry: RetryContext): Promise<unknown> {
  try {
    return await withRetries(() => get(url, headers), {
      policy: retry.policy,
      clock: retry.clock,
      decide: (error) => (error instanceof HttpFailure && error.transient ? 'retry' : 'stop'),
      onRetry: (error, attempt, delay) => retry.onRetry?.(error as HttpFailure, attempt, delay),
    });
  } catch (error) {
    if (!(error instanceof RetriesExhausted)) throw error;
    const last = error.last as HttpFailure;
    const attempts = `${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`;
    throw new HttpFailure(last.target, last.status, `${last.reason} (after ${attempts})`);
  }
}

/** A complete answer to a POST, whatever its status: its JSON body (undefined when it is not JSON) and its headers. */
export interface PostResponse {
  readonly status: number;
  readonly json: unknown;
  readonly header: (name: string) => string | undefined;
}

/**
 * POSTs a body; one call is one attempt with a hard deadline. Only a missing or unreadable
 * answer throws (HttpFailure): the caller reads the status and the body, as token endpoints
 * (OAuth's, Google's STS and IAM Credentials) answer refusals with 4xx and JSON.
 */
export type Poster = (url: string, body: string, headers?: Readonly<Record<string, string>>) => Promise<PostResponse>;

/** POSTs an application/x-www-form-urlencoded body, as a Poster does. */
export type FormPoster = (url: string, fields: Readonly<Record<string, string>>, headers?: Readonly<Record<string, string>>) => Promise<PostResponse>;

export function formPosterOf(post: Poster): FormPoster {
  return (url, fields, headers = {}) => post(url, new URLSearchParams(fields as Record<string, string>).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

/** The body of an answer as JSON, or undefined when it is not JSON. */
export function jsonOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
