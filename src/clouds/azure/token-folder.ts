// The folder that holds the token azure-identity and Terraform read: private to the user
// (0700), outside the workspace, named where the front door keeps private folders. It holds
// the token file, the refresher's status (no secret in it) and, on CircleCI, the orb's
// launcher the refresher starts from. Writes never create the folder: once cleanup has taken
// it away, a refresher still running finds nowhere to write, and stops.
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshPrivateFolder, refuseOwnPath } from '../../files/private-folder.js';

export const TOKEN_FILE = 'federated-token';
export const STATUS_FILE = 'refresher.json';
export const LAUNCHER_FILE = 'launch.mjs';
/** The pid of the refresher that owns the folder: a later hand-over into the same folder starts another, and the earlier one stops. */
export const OWNER_FILE = 'owner';

/** What the refresher last did, for cleanup's report and for people debugging a job. */
export interface RefresherStatus {
  readonly pid: number;
  readonly started: string;
  readonly state: 'running' | 'stopped';
  readonly renewals: number;
  /** When the token in the file expires. */
  readonly tokenExpires: string;
  readonly lastRenewal?: string | undefined;
  /** The last failure (an error code and message, secrets redacted), when the last attempt failed. */
  readonly lastError?: string | undefined;
  /** Why it stopped, when it did. */
  readonly stopped?: string | undefined;
}

export function makeTokenFolder(dir: string): void {
  freshPrivateFolder(dir);
}

export function folderExists(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes `text` to `dir/name` whole (a 0600 temporary file renamed into place, so no reader sees
 * half a token); false when the folder is gone. Never creates the folder, never follows a link.
 */
export function writeIntoFolder(dir: string, name: string, text: string): boolean {
  const path = join(dir, name);
  const temporary = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
    return true;
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw refuseOwnPath(path, `it cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Whether the refresher `pid` still owns the folder (it exists, and no later refresher took it over). */
export function ownsFolder(dir: string, pid: number): boolean {
  try {
    return readFileSync(join(dir, OWNER_FILE), 'utf8') === String(pid);
  } catch {
    return false;
  }
}

export function readStatus(dir: string): RefresherStatus | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as RefresherStatus).pid === 'number' ? (parsed as RefresherStatus) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the folder away: first renamed aside in one step (a refresher's next write then finds
 * no folder, whatever it was doing), then removed. A link in its place is removed, not followed.
 */
export function removeTokenFolder(dir: string): void {
  if (!folderExists(dir)) {
    rmSync(dir, { force: true });
    return;
  }
  const aside = `${dir}.removed-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(dir, aside);
  } catch (error) {
    throw refuseOwnPath(dir, `it cannot be removed (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  rmSync(aside, { recursive: true, force: true, maxRetries: 3 });
}
