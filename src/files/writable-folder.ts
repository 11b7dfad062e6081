// Whether a file could be written at a path, found out before anything is asked of a server:
// the nearest folder that exists on the way to it must be a folder this process can create
// things in. Permission bits do not tell (root passes them on a read-only file system, and
// /proc and /sys refuse root too), so a folder is made there and removed at once.
import { mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';
import { kindOf } from './regular-file.js';

/** The nearest path from `path` up that exists, with what it is; undefined only if none does. */
function nearestExisting(path: string): { path: string; directory: boolean; kind: string } | undefined {
  for (let current = path; ; current = dirname(current)) {
    try {
      // Followed: ~/.aws may well be a link to a folder kept elsewhere.
      const stats = statSync(current);
      return { path: current, directory: stats.isDirectory(), kind: stats.isFile() ? 'a file' : kindOf(stats) };
    } catch {
      if (dirname(current) === current) return undefined;
    }
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EROFS: 'it is on a read-only file system',
  EACCES: 'this user may not write to it',
  EPERM: 'this user may not write to it',
  ENOSPC: 'its file system is full',
  EDQUOT: "this user's disk quota is used up",
};

/** Why a file could not be made in `folder` (which need not exist yet); undefined when one can. */
export function unwritableFolder(folder: string): string | undefined {
  const found = nearestExisting(folder);
  if (!found) return `no part of ${folder} exists`;
  const where = found.path === folder ? folder : `${found.path}, the nearest part of ${folder} that exists,`;
  if (!found.directory) return `${where} is ${found.kind}, not a folder`;
  try {
    rmdirSync(mkdtempSync(join(found.path, '.claimcheck-probe-')));
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return `${where} cannot be written: ${REASONS[code] ?? 'it refused a new file'} (${code})`;
  }
}

/**
 * The error for a path claimcheck cannot write, about HOME when the path is in it (that is what
 * to fix); `hint` says what else would do for this file.
 */
export function cannotWriteError(path: string, why: string, home: string, hint: string): ClaimcheckError {
  if (path === home || path.startsWith(home.endsWith(sep) ? home : `${home}${sep}`)) {
    return new ClaimcheckError('HOME_NOT_WRITABLE', `Cannot write ${path}: ${why}. It is in HOME (${home}), which this job cannot write.`, `Give the job a HOME it can write (set HOME to a writable folder), or ${hint}`);
  }
  return new ClaimcheckError('PROFILE_WRITE', `Cannot write ${path}: ${why}.`, `Make ${dirname(path)} writable, or ${hint}`);
}
