// The JsonGetter of every bundle, through @actions/http-client on Node's http module: it
// honours https_proxy/no_proxy as self-hosted runners expect, and unlike the built-in fetch
// it does not load Node's internal undici (about 45 ms at start-up).
import { HttpClient } from '@actions/http-client';
import type { IncomingMessage } from 'node:http';
import { HttpFailure, jsonOrUndefined, MAX_BODY_BYTES, networkReason, parseJsonResponse, targetOf, withDeadline, type HttpOptions, type JsonGetter, type Poster } from './http.js';

function httpClient(options: HttpOptions): HttpClient {
  return new HttpClient(options.userAgent, [], {
    allowRedirects: false,
    allowRetries: false,
    socketTimeout: options.timeoutMs,
  });
}

export function createActionsJsonGetter(options: HttpOptions): JsonGetter {
  const client = httpClient(options);
  return (url, headers = {}) => {
    const target = targetOf(url);
    const attempt = (async () => {
      let response;
      try {
        response = await client.get(url, { accept: 'application/json', ...headers });
      } catch (error) {
        throw new HttpFailure(target, undefined, networkReason(error));
      }
      const status = response.message.statusCode ?? 0;
      const body = await readLimited(response.message, target, status);
      return parseJsonResponse(target, status, body, response.message.headers['content-type']);
    })();
    return withDeadline(attempt, options.timeoutMs, target);
  };
}

/** The Poster of every bundle: the same client, proxies and limits as the getter. */
export function createActionsPoster(options: HttpOptions): Poster {
  const client = httpClient(options);
  return (url, body, headers = {}) => {
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
      const received = response.message.headers;
      return { status, json: jsonOrUndefined(text), header: (name: string) => [received[name.toLowerCase()]].flat()[0] };
    })();
    return withDeadline(attempt, options.timeoutMs, target);
  };
}

async function readLimited(message: IncomingMessage, target: string, status: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of message as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        message.destroy();
        throw new HttpFailure(target, status, `the response is larger than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpFailure) throw error;
    throw new HttpFailure(target, undefined, `the response was cut short (${networkReason(error)})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
