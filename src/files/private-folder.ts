// Folders that hold claimcheck's own private files (~/.claimcheck and the renewal folders):
// this user's, closed to others. A folder that anyone else can write to lets them swap the
// files in it, so such a folder is refused, or, where it only ever holds files claimcheck
// writes anew, removed and made again.
import { lstatSync, mkdirSync, rmSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';
import { currentUid, kindOf, type FileChecks, type Refusal } from './private-file.js';

/** The folder of claimcheck's own files in a home: the orb's state, the renewal folders. */
export function claimcheckFolder(home: string): string {
  return join(home, '.claimcheck');
}

export const refuseOwnPath: Refusal = (path, why) =>
  new ClaimcheckError('PROFILE_WRITE', `Refusing to use ${path}: ${why}.`, 'Remove it (claimcheck makes its own files and folders again, private to the user it runs as), or run the job as the user who owns it.');

/** claimcheck's own files: this user's regular files, or refused. */
export const OWN_FILE: FileChecks = { refuse: refuseOwnPath, mine: true };

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuseOwnPath(path, `it cannot be examined (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Why a folder that exists is unfit to hold claimcheck's files; `closed` also refuses any access by others. */
function problemWith(stats: Stats, closed: boolean): string | undefined {
  if (!stats.isDirectory()) return `it is ${kindOf(stats)}`;
  const uid = currentUid();
  if (uid === undefined) return undefined; // no owners or POSIX modes to check (Windows)
  if (stats.uid !== uid) return `it belongs to another user (uid ${stats.uid})`;
  if (stats.mode & 0o022) return 'other users can write to it';
  if (closed && stats.mode & 0o077) return 'other users can open it';
  return undefined;
}

/** Why `path` is unfit to hold claimcheck's files; undefined when it is fit or does not exist. */
export function ownFolderProblem(path: string): string | undefined {
  const stats = lstatOrUndefined(path);
  return stats && problemWith(stats, false);
}

/** A folder of this user's that nobody else can write to: made 0700 if missing, refused otherwise. */
export function ownFolder(path: string): void {
  if (!lstatOrUndefined(path)) {
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw refuseOwnPath(path, `it cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const problem = ownFolderProblem(path);
  if (problem) throw refuseOwnPath(path, problem);
}

/**
 * A 0700 folder of this user's at `path`, for files claimcheck writes anew: one that is
 * exactly that is kept; anything else there (a link, another user's folder, an open one) is
 * removed and the folder made again. Its parent must be closed to others (see ownFolder) or
 * the name unguessable, so that nobody can put something back in between.
 */
export function freshPrivateFolder(path: string): void {
  const found = lstatOrUndefined(path);
  if (found && problemWith(found, true) === undefined) return;
  try {
    // rm removes a link itself, never what it points to.
    if (found) rmSync(path, { recursive: true, force: true });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    throw refuseOwnPath(path, `it cannot be made a private folder (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const made = lstatOrUndefined(path);
  const problem = made ? problemWith(made, true) : 'it disappeared after it was made';
  if (problem) throw refuseOwnPath(path, problem);
}

/** Removes a folder claimcheck made (a link in its place is removed; another user's folder is left alone). */
export function removeOwnFolder(path: string): void {
  const found = lstatOrUndefined(path);
  if (!found) return;
  const uid = currentUid();
  if (found.isDirectory() && uid !== undefined && found.uid !== uid) throw refuseOwnPath(path, `it belongs to another user (uid ${found.uid}); it was left in place`);
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (error) {
    throw refuseOwnPath(path, `it cannot be removed (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
