// Faults a JSON service on loopback can be told to commit for its next requests: errors,
// resets, hangs, slow or cut-off bodies, a proxy's HTML page. Used by the GitHub token
// endpoint and the issuer's discovery and key endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type JsonFault =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'slow-body'; readonly ms: number }
  | { readonly kind: 'trickle' }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'wrong-content-type' };

/**
 * Answers `response` as `fault` says, given the healthy answer's body; returns false when
 * the fault does not replace the answer (none given).
 */
export function answerWithFault(fault: JsonFault | undefined, request: IncomingMessage, response: ServerResponse, body: string): boolean {
  if (!fault) return false;
  const json = { 'content-type': 'application/json; charset=utf-8' };
  switch (fault.kind) {
    case 'status':
      response.writeHead(fault.status, json).end(JSON.stringify({ message: `injected ${fault.status}` }));
      return true;
    case 'reset':
      request.socket.destroy();
      return true;
    case 'hang':
      return true; // never answered; the server's close() ends the connection
    case 'wrong-content-type':
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Proxy login required</body></html>');
      return true;
    case 'truncated':
      response.writeHead(200, { ...json, 'content-length': String(Buffer.byteLength(body)) });
      response.write(body.slice(0, Math.floor(body.length / 2)), () => request.socket.destroy());
      return true;
    case 'trickle': {
      // A byte a second, never done: a socket idle timeout never fires, only a deadline helps.
      response.writeHead(200, json);
      const timer = setInterval(() => response.write(' '), 1000).unref();
      response.on('close', () => clearInterval(timer));
      return true;
    }
    case 'slow-body': {
      response.writeHead(200, { ...json, 'content-length': String(Buffer.byteLength(body)) });
      response.write(body.slice(0, Math.floor(body.length / 2)));
      setTimeout(() => response.end(body.slice(Math.floor(body.length / 2))), fault.ms).unref();
      return true;
    }
  }
}
