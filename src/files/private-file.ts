// Files that hold secrets or credentials: opened without following a symlink or waiting on a
// FIFO, and used only when they are regular files; written whole to a temporary 0600 file
// and renamed into place, so a planted symlink is replaced, never written through, and no
// reader sees half a file.
import { randomBytes } from './random.js';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';
import { kindOf } from './file-kind.js';
import { withFileLock } from './file-lock.js';

export { kindOf } from './file-kind.js';

/** The error for a path that cannot be used: each kind of file names its own fix. */
export type Refusal = (path: string, why: string) => ClaimcheckError;

export const PROFILE_FILE_HINT = 'Replace it with a regular file (or remove it), or point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE elsewhere.';

export const refuseProfileFile: Refusal = (path, why) => new ClaimcheckError('PROFILE_WRITE', `Refusing to write ${path}: ${why}.`, PROFILE_FILE_HINT);

export interface FileChecks {
  readonly refuse?: Refusal;
  /** claimcheck's own files (renewal config and cache, the orb's state) must also be this user's. */
  readonly mine?: boolean;
}

// Windows has neither flag; there a FIFO or a symlink cannot stand in for these files.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NO_WAIT = constants.O_NONBLOCK ?? 0;

/** This process's user, or undefined where there are no uids (Windows). */
export function currentUid(): number | undefined {
  return process.getuid?.();
}


function openError(path: string, error: unknown, refuse: Refusal): ClaimcheckError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EMLINK') return refuse(path, 'it is a symbolic link');
  // A FIFO opened for writing without waiting, when nothing reads it.
  if (code === 'ENXIO') return refuse(path, 'it is a named pipe (FIFO)');
  if (code === 'EISDIR') return refuse(path, 'it is a directory');
  return refuse(path, `it cannot be opened (${code ?? 'error'})`);
}

/**
 * Opens `path` with `flags` as a regular file, never through a symlink and never waiting on
 * a FIFO; undefined when it does not exist (and `flags` do not create it).
 */
export function openRegularFile(path: string, flags: number, checks: FileChecks = {}, mode = 0o600): number | undefined {
  const refuse = checks.refuse ?? refuseProfileFile;
  let fd: number;
  try {
    fd = openSync(path, flags | NO_FOLLOW | NO_WAIT, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw openError(path, error, refuse);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse(path, `it is ${kindOf(stats)}`);
    const uid = currentUid();
    if (checks.mine && uid !== undefined && stats.uid !== uid) throw refuse(path, `it belongs to another user (uid ${stats.uid})`);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
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
