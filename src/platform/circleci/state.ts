// What assume_role leaves in a job, for cleanup: recorded in ~/.claimcheck/state.json before
// anything is written, so that cleanup undoes even a run that failed half-way. The file is
// trusted only as far as it must be: a regular file of this user's, in a folder nobody else
// can write, recorded in this very job. It names no folder: a renewal folder is always
// ~/.claimcheck/refresh-<profile>, from a valid profile name.
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../../files/private-file.js';
import { ownFolder, ownFolderProblem } from '../../files/private-folder.js';
import type { ProfileFiles } from '../../clouds/aws/profile.js';
import { asClaimcheckError, ClaimcheckError } from '../../core/errors.js';
import { PROFILE_NAME } from '../../core/config/settings.js';
import { VARIABLE_NAME } from '../../core/text/shell.js';
import type { Log } from '../../flow/assume-role.js';
import type { WrittenLines } from '../shared/env-file.js';
import { claimcheckFolder, OWN_FILE } from '../../clouds/aws/refresh.js';

type Environment = Readonly<Record<string, string | undefined>>;

export interface OrbState {
  readonly version: 2;
  /** The job that wrote it: a state from any other job is not acted on. */
  readonly job: string;
  /** Lines appended to $BASH_ENV. */
  readonly exports: readonly WrittenLines[];
  /** Named profiles written with their credentials. */
  readonly profiles: ReadonlyArray<{ readonly name: string; readonly files: ProfileFiles }>;
  /** Renewing profiles, whose private files are in ~/.claimcheck/refresh-<profile>. */
  readonly renewing: ReadonlyArray<{ readonly profile: string; readonly files: ProfileFiles }>;
}

/** This job, as CircleCI names it (and its own $BASH_ENV, made per job). */
function jobOf(env: Environment): string {
  return `${env.CIRCLE_WORKFLOW_JOB_ID ?? ''} ${env.BASH_ENV ?? ''}`;
}

export function emptyState(env: Environment): OrbState {
  return { version: 2, job: jobOf(env), exports: [], profiles: [], renewing: [] };
}

const stateFile = (home: string) => join(claimcheckFolder(home), 'state.json');

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiles = (value: unknown): value is ProfileFiles => isRecord(value) && typeof value.credentials === 'string' && typeof value.config === 'string';
const isProfile = (value: unknown): value is string => typeof value === 'string' && PROFILE_NAME.test(value);
const isVariable = (value: unknown): value is string => typeof value === 'string' && VARIABLE_NAME.test(value);

/** The entries of a list that pass `read`, as it rebuilds them (nothing else is carried along). */
function entries<T>(list: unknown, read: (entry: Record<string, unknown>) => T | undefined): T[] {
  const valid = (Array.isArray(list) ? list : []).filter(isRecord).map(read);
  return valid.filter((entry): entry is T => entry !== undefined);
}

const copyFiles = (files: ProfileFiles): ProfileFiles => ({ credentials: files.credentials, config: files.config });

function readLines(entry: Record<string, unknown>): WrittenLines | undefined {
  const { names, lines, sha256 } = entry;
  if (!Array.isArray(names) || !names.every(isVariable) || !Number.isInteger(lines) || typeof sha256 !== 'string') return undefined;
  return { names, lines: lines as number, sha256 };
}

function readProfile(entry: Record<string, unknown>): OrbState['profiles'][number] | undefined {
  return isProfile(entry.name) && isFiles(entry.files) ? { name: entry.name, files: copyFiles(entry.files) } : undefined;
}

function readRenewing(entry: Record<string, unknown>): OrbState['renewing'][number] | undefined {
  return isProfile(entry.profile) && isFiles(entry.files) ? { profile: entry.profile, files: copyFiles(entry.files) } : undefined;
}

const OTHER_JOB = 'it was written in another job';

/** The state in `text`, or why it is not one to act on. Entries that make no sense are dropped. */
export function parseState(text: string, env: Environment): OrbState | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  if (!isRecord(parsed) || parsed.version !== 2) return 'it is not a state this version of claimcheck wrote';
  if (parsed.job !== jobOf(env)) return OTHER_JOB;
  return { ...emptyState(env), exports: entries(parsed.exports, readLines), profiles: entries(parsed.profiles, readProfile), renewing: entries(parsed.renewing, readRenewing) };
}

/** The state of this job, or an empty one (saying why) when the file is missing, unsafe or not this job's. */
export function readState(home: string, env: Environment, log: Log): OrbState {
  const path = stateFile(home);
  const ignored = (why: string, say: (text: string) => void = log.warning) => {
    say(`Ignoring ${path}: ${why}; only a state that assume_role wrote in this job is acted on.`);
    return emptyState(env);
  };
  const folderProblem = ownFolderProblem(claimcheckFolder(home));
  if (folderProblem) return ignored(`its folder is not safe to use (${folderProblem})`);
  let text: string;
  try {
    // Only the reason is wanted here: the file is skipped, not the step failed.
    text = readPrivateFile(path, { mine: true, refuse: (_, why) => new ClaimcheckError('PROFILE_WRITE', why, '') });
  } catch (error) {
    return ignored(asClaimcheckError(error).message);
  }
  if (text === '') return emptyState(env);
  const state = parseState(text, env);
  if (state === OTHER_JOB) return ignored(state, log.info);
  return typeof state === 'string' ? ignored(state) : state;
}

/** Records the state, before what it names is written; refuses a ~/.claimcheck others could change. */
export function writeState(home: string, state: OrbState): void {
  ownFolder(claimcheckFolder(home));
  writePrivateFile(stateFile(home), JSON.stringify(state), OWN_FILE);
}

export function removeState(home: string): void {
  try {
    unlinkSync(stateFile(home)); // a link in its place is removed, not followed
  } catch {
    // already gone, or not ours to remove
  }
}
