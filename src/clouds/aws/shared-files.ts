// The AWS SDK reads the shared config and credentials files whenever a client resolves its
// settings (FIPS, dual-stack, retry mode, app id…), with a plain read that follows links and
// waits: a FIFO there would hold the step until the job's timeout, and /dev/zero would fill
// its memory. So they are looked at first, without waiting, and refused when a read of them
// could never finish.
import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { ClaimcheckError } from '../../core/errors.js';
import { kindOf, PROFILE_FILE_HINT } from '../../files/private-file.js';
import { profileFiles, type ProfileFiles } from './profile.js';

/** /dev/null is a device too, and people point these variables at it on purpose. */
function isDevNull(stats: Stats): boolean {
  try {
    const devNull = statSync('/dev/null');
    return stats.dev === devNull.dev && stats.ino === devNull.ino;
  } catch {
    return false;
  }
}

/** What `path` is when reading it could wait or run forever; undefined otherwise. */
function endlessKind(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined; // missing or unreadable: the SDK's read fails at once, and it copes
  }
  try {
    const stats = fstatSync(fd);
    const endless = stats.isFIFO() || stats.isBlockDevice() || (stats.isCharacterDevice() && !isDevNull(stats));
    return endless ? kindOf(stats) : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Refuses shared files the SDK would hang on, before any client is made; `env` is what the SDK reads. */
export function refuseEndlessSharedFiles(env: Readonly<Record<string, string | undefined>>): void {
  refuseEndlessFiles(profileFiles(env));
}

/** Refuses these shared files where a read of them would never finish (a FIFO, a device). */
export function refuseEndlessFiles(files: ProfileFiles): void {
  for (const path of [files.credentials, files.config]) {
    const kind = endlessKind(path);
    if (kind) throw new ClaimcheckError('PROFILE_WRITE', `Refusing to use ${path}: it is ${kind}, and the AWS SDK's read of it would never finish.`, PROFILE_FILE_HINT);
  }
}
