// An OIDC token from a file that another process keeps fresh: on Kubernetes the kubelet
// writes a pod's projected service account token as `token -> ..data/token`, `..data` being
// a symlink to a timestamped folder it swaps at each rotation. So links are followed here
// (unlike every other file claimcheck opens), but what they lead to must be a regular file: a
// FIFO would block the step and a device never end. The file is read again for every token,
// so a rotated token is picked up by renewals and after ExpiredTokenException. The CLI's
// --token-file reads the same way.
import { ClaimcheckError } from '../core/errors.js';
import { readRegular } from './regular-file.js';

/** STS takes tokens of up to 20000 characters; a file much larger is not a token. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** Reads a token file: `input` is the input, parameter or flag that gave the path, for messages; `hint` the fix. */
export async function readTokenFile(path: string, input: string, hint?: string): Promise<string> {
  const failed = (why: string) =>
    new ClaimcheckError(
      'TOKEN_REQUEST_FAILED',
      `Could not read the OIDC token from ${input} ${path}: ${why}.`,
      hint ?? `Point ${input} at the token file the pod mounts (EKS: the path in AWS_WEB_IDENTITY_TOKEN_FILE, /var/run/secrets/eks.amazonaws.com/serviceaccount/token), a regular file the runner can read.`,
    );
  const bytes = readRegular(path, { refuse: (_, why) => failed(why), follow: true, maxBytes: MAX_TOKEN_FILE_BYTES, tooLarge: `it is larger than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, which no token is` });
  if (bytes === undefined) throw failed('ENOENT');
  const token = bytes.toString('utf8').trim();
  if (token === '') throw failed('it is empty');
  return token;
}

/** A token source that reads the file afresh for every token; the audience is the file's business. */
export function tokenFileReader(path: string, input: string): { readonly requestToken: (audience: string) => Promise<string>; readonly tokenOrigin: string } {
  return { requestToken: () => readTokenFile(path, input), tokenOrigin: `the file ${path} (${input})` };
}
