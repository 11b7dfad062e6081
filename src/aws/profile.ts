// Named profiles in the AWS shared credentials and config files. Files are written whole
// to a temporary file (0600) and renamed into place, never through a symlink, and only
// our own profile's section changes: other profiles stay byte for byte.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';
import { removeSection, upsertSection } from '../core/ini.js';

export interface ProfileFiles {
  readonly credentials: string;
  readonly config: string;
}

export interface ProfileCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** Where the AWS CLI and SDKs look: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws. */
export function profileFiles(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): ProfileFiles {
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
  };
}

function configSection(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

export function writeProfile(files: ProfileFiles, profile: string, credentials: ProfileCredentials, region: string): void {
  const note = `written by claimcheck; expires ${credentials.expiration.toISOString()}`;
  // The config first: should the credentials then fail, no profile points at stale keys.
  update(files.config, (text) => upsertSection(text, configSection(profile), [['region', region]], 'written by claimcheck'));
  update(files.credentials, (text) =>
    upsertSection(text, profile, [
      ['aws_access_key_id', credentials.accessKeyId],
      ['aws_secret_access_key', credentials.secretAccessKey],
      ['aws_session_token', credentials.sessionToken],
    ], note),
  );
}

export function removeProfile(files: ProfileFiles, profile: string): void {
  update(files.credentials, (text) => removeSection(text, profile));
  update(files.config, (text) => removeSection(text, configSection(profile)));
}

function unsafe(path: string, why: string): ClaimcheckError {
  return new ClaimcheckError('PROFILE_WRITE', `Refusing to write ${path}: ${why}.`, 'Replace it with a regular file (or remove it), or point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE elsewhere.');
}

/** The file's text, '' if it does not exist; never follows a symlink. */
function readRegularFile(path: string): string {
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

function update(path: string, change: (text: string) => string): void {
  const before = readRegularFile(path);
  const after = change(before);
  if (after === before) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.claimcheck-${process.pid}`;
  try {
    writeFileSync(temporary, after, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path); // replaces a symlink planted meanwhile, never writes through it
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to remove
    }
    if (error instanceof ClaimcheckError) throw error;
    throw unsafe(path, `it cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
