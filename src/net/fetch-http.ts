// A JsonGetter over Node's built-in fetch, for the bundles that do without
// @actions/http-client (and the undici copy it brings): the orb and the CLI.
import { HttpFailure, MAX_BODY_BYTES, networkReason, parseJsonResponse, targetOf, withDeadline, type HttpOptions, type JsonGetter } from './http.js';

export function createFetchJsonGetter(options: HttpOptions): JsonGetter {
  return (url, headers = {}) => {
    const target = targetOf(url);
    const controller = new AbortController();
    const attempt = (async () => {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { accept: 'application/json', 'user-agent': options.userAgent, ...headers },
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (error) {
        throw new HttpFailure(target, undefined, networkReason(error));
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > MAX_BODY_BYTES) throw new HttpFailure(target, response.status, `the response is larger than ${MAX_BODY_BYTES} bytes`);
      let body: string;
      try {
        body = await response.text();
      } catch (error) {
        throw new HttpFailure(target, undefined, `the response was cut short (${networkReason(error)})`);
      }
      if (body.length > MAX_BODY_BYTES) throw new HttpFailure(target, response.status, `the response is larger than ${MAX_BODY_BYTES} bytes`);
      return parseJsonResponse(target, response.status, body, response.headers.get('content-type') ?? undefined);
    })();
    return withDeadline(attempt, options.timeoutMs, target, () => controller.abort());
  };
}
