// Random bytes for what must not be guessed (temporary file names, lock back-off). node:crypto
// costs about 5 ms and 2 MB to load, and a path that only reads files (a credential_process
// answered from its cache) never needs it, so it is loaded on first use.
import { createRequire } from 'node:module';

let crypto: typeof import('node:crypto') | undefined;

export function randomBytes(size: number): Buffer {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.randomBytes(size);
}
