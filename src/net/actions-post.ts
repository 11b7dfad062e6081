// POST with a JSON answer, through @actions/http-client like every other call: for services
// that explain a refusal in the body (Google's STS and IAM Credentials), so the answer of any
// status comes back with its parsed body, and only a missing or unreadable answer throws.
import { HttpClient } from '@actions/http-client';
import { readLimited } from './actions-http.js';
import { HttpFailure, networkReason, targetOf, withDeadline, type HttpOptions } from './http.js';

/** An answer: its status, and its body as JSON (undefined when it is not JSON). */
export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

export type JsonPoster = (url: string, body: string, headers: Record<string, string>) => Promise<JsonAnswer>;

export function createActionsJsonPoster(options: HttpOptions): JsonPoster {
  const client = new HttpClient(options.userAgent, [], { allowRedirects: false, allowRetries: false, socketTimeout: options.timeoutMs });
  return (url, body, headers) => {
    const target = targetOf(url);
    const attempt = (async () => {
      let response;
      try {
        response = await client.post(url, body, { accept: 'application/json', ...headers });
      } catch (error) {
        throw new HttpFailure(target, undefined, networkReason(error));
      }
      const status = response.message.statusCode ?? 0;
      const text = await readLimited(response.message, target, status);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        // A 2xx must be JSON; an error page of a proxy or load balancer need not be.
        if (status >= 200 && status <= 299) throw new HttpFailure(target, undefined, `the response is not JSON (content-type ${response.message.headers['content-type'] ?? 'none'})`);
      }
      return { status, body: parsed };
    })();
    return withDeadline(attempt, options.timeoutMs, target);
  };
}
