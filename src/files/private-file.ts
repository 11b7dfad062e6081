// Files that hold secrets or credentials: opened without following a symlink or waiting on a
// FIFO, and used only when they are regular files; written whole to a temporary 0600 file
// and renamed into place, so a planted symlink is replaced, never written through, and no
// reader sees half a file.
import { randomBytes } from './random.js';
import { closeSync, constants, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';
import { withFileLock } from './file-lock.js';
import { openRegular } from './regular-file.js';

export { currentUid, kindOf } from './regular-file.js';

/** The error for a path that cannot be used: each kind of file names its own fix. */
export type Refusal = (path: string, why: string) => ClaimcheckError;

export const PROFILE_FILE_HINT = 'Replace it with a regular file (or remove it), or point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE elsewhere.';

export const refuseProfileFile: Refusal = (path, why) => new ClaimcheckError('PROFILE_WRITE', `Refusing to write ${path}: ${why}.`, PROFILE_FILE_HINT);

export interface FileChecks {
  readonly refuse?: Refusal;
  /** claimcheck's own files (renewal config and cache, the orb's state) must also be this user's. */
  readonly mine?: boolean;
}

/**
 * Opens `path` with `flags` as a regular file, never through a symlink and never waiting on
 * a FIFO; undefined when it does not exist (and `flags` do not create it).
 */
export function openRegularFile(path: string, flags: number, checks: FileChecks = {}, mode = 0o600): number | undefined {
  return openRegular(path, flags, { refuse: checks.refuse ?? refuseProfileFile, mine: checks.mine === true, mode });
}

/** The file's text, '' if it does not exist. */
export function readPrivateFile(path: string, checks: FileChecks = {}): string {
  const fd = openRegularFile(path, constants.O_RDONLY, checks);
  if (fd === undefined) return '';
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

export function writePrivateFile(path: string, text: string, checks: FileChecks = {}): void {
  const refuse = checks.refuse ?? refuseProfileFile;
  const temporary = `${path}.claimcheck-${randomBytes(8).toString('hex')}`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx' creates a new file or fails: it never opens an existing one or follows a link.
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to remove
    }
    throw refuse(path, `it cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Applies `change` to the file's text and writes it back only if it changed, holding the
 * file's lock throughout: other writers of the same file (other processes too) wait, so no
 * one renames in an edit of text that another has since replaced.
 */
export function updatePrivateFile(path: string, change: (text: string) => string, checks: FileChecks = {}): void {
  withFileLock(path, () => {
    const before = readPrivateFile(path, checks);
    const after = change(before);
    if (after !== before) writePrivateFile(path, after, checks);
  });
}
