// A text file read whole, but never more than a cap and never anything but a regular file
// (a FIFO or a device would block or never end): the trust policy for --check and the
// account's roles for audit. `fail` turns what went wrong into the caller's error.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { readCapped } from './read-capped.js';

export async function readCappedText(path: string, limit: number, fail: (why: string) => Error): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    if (!(await handle.stat()).isFile()) throw fail('is not a regular file');
    const bytes = await readCapped(handle, limit + 1);
    if (bytes.length > limit) throw fail(`is larger than ${limit} bytes`);
    return bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}
