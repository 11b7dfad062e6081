// Reading a file that may grow (or be replaced) while it is read: never more than a cap, so
// that a caller can tell "too large" from a file of exactly the allowed size.
import type { FileHandle } from 'node:fs/promises';

/** Up to `limit` bytes from the start of the file, however its size changes while being read. */
export async function readCapped(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await handle.read(buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}
