// An OIDC token from a file that another process keeps fresh: on Kubernetes the kubelet
// writes a pod's projected service account token as `token -> ..data/token`, `..data` being
// a symlink to a timestamped folder it swaps at each rotation. So links are followed here
// (unlike the files claimcheck writes), but what they lead to must be a regular file: a FIFO
// would block the step and a device never end. The file is read again for every token, so
// a rotated token is picked up by renewals and after ExpiredTokenException.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { ClaimcheckError } from '../core/errors.js';
import { readCapped } from './read-capped.js';

/** STS takes tokens of up to 20000 characters; a file much larger is not a token. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** Opening never waits for a writer (FIFO) and never makes a terminal ours. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads a token file: `input` is the name of the input or parameter that gave the path, for messages. */
export async function readTokenFile(path: string, input: string): Promise<string> {
  const failed = (why: string) =>
    new ClaimcheckError(
      'TOKEN_REQUEST_FAILED',
      `Could not read the OIDC token from ${input} ${path}: ${why}.`,
      `Point ${input} at the token file the pod mounts (EKS: the path in AWS_WEB_IDENTITY_TOKEN_FILE, /var/run/secrets/eks.amazonaws.com/serviceaccount/token), a regular file the runner can read.`,
    );
  let before: Stats;
  try {
    before = await stat(path);
  } catch (error) {
    throw failed(`${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  // Refused before opening: opening a device can have effects of its own.
  if (!before.isFile()) throw failed(`it is ${kindOf(before)}`);
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw failed(`${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    // Checked again on what was opened: the link may have moved in between.
    const opened = await handle.stat();
    if (!opened.isFile()) throw failed(`it is ${kindOf(opened)}`);
    const bytes = await readCapped(handle, MAX_TOKEN_FILE_BYTES + 1);
    if (bytes.length > MAX_TOKEN_FILE_BYTES) throw failed(`it is larger than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, which no token is`);
    const token = bytes.toString('utf8').trim();
    if (token === '') throw failed('it is empty');
    return token;
  } finally {
    await handle.close();
  }
}

/** A token source that reads the file afresh for every token; the audience is the file's business. */
export function tokenFileReader(path: string, input: string): { readonly requestToken: (audience: string) => Promise<string>; readonly tokenOrigin: string } {
  return { requestToken: () => readTokenFile(path, input), tokenOrigin: `the file ${path} (${input})` };
}
