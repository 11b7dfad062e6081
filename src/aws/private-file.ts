// Files that hold secrets or credentials: read without following symlinks, written whole to
// a temporary 0600 file and renamed into place, so a planted symlink is replaced, never
// written through, and no reader sees half a file.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';

function unsafe(path: string, why: string): ClaimcheckError {
  return new ClaimcheckError('PROFILE_WRITE', `Refusing to write ${path}: ${why}.`, 'Replace it with a regular file (or remove it), or point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE elsewhere.');
}

/** The file's text, '' if it does not exist; never follows a symlink. */
export function readPrivateFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    if (code === 'ELOOP') throw unsafe(path, 'it is a symbolic link');
    throw unsafe(path, `it cannot be read (${code ?? 'error'})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw unsafe(path, 'it is not a regular file');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.claimcheck-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to remove
    }
    throw unsafe(path, `it cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Applies `change` to the file's text and writes it back only if it changed. */
export function updatePrivateFile(path: string, change: (text: string) => string): void {
  const before = readPrivateFile(path);
  const after = change(before);
  if (after !== before) writePrivateFile(path, after);
}
