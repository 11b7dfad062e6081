// What assume_role leaves in a job, for cleanup: recorded in ~/.claimcheck/state.json (in a
// job whose HOME cannot take that folder, $TMPDIR/claimcheck-<uid>) before anything is written,
// so that cleanup undoes even a run that failed half-way. The file is trusted only as far as it
// must be: a regular file of this user's, in a folder nobody else can write, recorded in this
// very job. A record naming a folder is acted on only when that folder is the one its name
// gives in the orb's folder (a renewal folder is always <folder>/refresh-<profile>, from a
// valid profile name; saved sections <folder>/saved-<profile>).
import { existsSync, unlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { readUndoRecord } from '../../clouds/records.js';
import { asClaimcheckError, ClaimcheckError } from '../../core/errors.js';
import { VARIABLE_NAME } from '../../core/text/shell.js';
import { currentUid, readPrivateFile, writePrivateFile } from '../../files/private-file.js';
import { claimcheckFolder, OWN_FILE, ownFolder, ownFolderProblem } from '../../files/private-folder.js';
import { unwritableFolder } from '../../files/writable-folder.js';
import type { Log, UndoRecord } from '../../flow/cloud.js';
import type { WrittenLines } from '../shared/env-file.js';

type Environment = Readonly<Record<string, string | undefined>>;

export interface OrbState {
  readonly version: 3;
  /** The job that wrote it: a state from any other job is not acted on. */
  readonly job: string;
  /** Lines appended to $BASH_ENV. */
  readonly exports: readonly WrittenLines[];
  /** What each cloud's hand-over wrote besides the lines (profiles, private folders). */
  readonly handovers: readonly UndoRecord[];
}

const roots = new Map<string, string>();

/**
 * Where the orb keeps its state and private folders: ~/.claimcheck, or, in a job whose HOME
 * cannot take a new folder (a read-only or missing one), a folder of this user's in the
 * temporary folder, so that exports to $BASH_ENV still work and cleanup still finds them.
 * Both commands of a job find the same one; either is refused unless it is this user's alone.
 */
export function orbRoot(home: string): string {
  let root = roots.get(home);
  if (root === undefined) {
    const inHome = claimcheckFolder(home);
    root = existsSync(inHome) || unwritableFolder(home) === undefined ? inHome : join(tmpdir(), `claimcheck-${currentUid() ?? userInfo().username}`);
    roots.set(home, root);
  }
  return root;
}

/** A private folder of the orb's, by name: in its root, which nobody else can write. */
export function orbFolder(home: string, name: string): string {
  return join(orbRoot(home), name);
}

/** This job, as CircleCI names it (and its own $BASH_ENV, made per job). */
function jobOf(env: Environment): string {
  return `${env.CIRCLE_WORKFLOW_JOB_ID ?? ''} ${env.BASH_ENV ?? ''}`;
}

export function emptyState(env: Environment): OrbState {
  return { version: 3, job: jobOf(env), exports: [], handovers: [] };
}

const stateFile = (home: string) => join(orbRoot(home), 'state.json');

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isVariable = (value: unknown): value is string => typeof value === 'string' && VARIABLE_NAME.test(value);

/** The entries of a list that pass `read`, as it rebuilds them (nothing else is carried along). */
function entries<T>(list: unknown, read: (entry: Record<string, unknown>) => T | undefined): T[] {
  const valid = (Array.isArray(list) ? list : []).filter(isRecord).map(read);
  return valid.filter((entry): entry is T => entry !== undefined);
}

function readLines(entry: Record<string, unknown>): WrittenLines | undefined {
  const { names, lines, sha256 } = entry;
  if (!Array.isArray(names) || !names.every(isVariable) || !Number.isInteger(lines) || typeof sha256 !== 'string') return undefined;
  return { names, lines: lines as number, sha256 };
}

const OTHER_JOB = 'it was written in another job';

/** The state in `text`, or why it is not one to act on. Entries that make no sense are dropped. */
export function parseState(text: string, env: Environment, home: string): OrbState | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  if (!isRecord(parsed) || parsed.version !== 3) return 'it is not a state this version of claimcheck wrote';
  if (parsed.job !== jobOf(env)) return OTHER_JOB;
  const handovers = (Array.isArray(parsed.handovers) ? parsed.handovers : []).map((value) => readUndoRecord(value, (name) => orbFolder(home, name)));
  return { ...emptyState(env), exports: entries(parsed.exports, readLines), handovers: handovers.filter((record): record is UndoRecord => record !== undefined) };
}

/** The state of this job, or an empty one (saying why) when the file is missing, unsafe or not this job's. */
export function readState(home: string, env: Environment, log: Log): OrbState {
  const path = stateFile(home);
  const ignored = (why: string, say: (text: string) => void = log.warning) => {
    say(`Ignoring ${path}: ${why}; only a state that assume_role wrote in this job is acted on.`);
    return emptyState(env);
  };
  const folderProblem = ownFolderProblem(orbRoot(home));
  if (folderProblem) return ignored(`its folder is not safe to use (${folderProblem})`);
  let text: string;
  try {
    // Only the reason is wanted here: the file is skipped, not the step failed.
    text = readPrivateFile(path, { mine: true, refuse: (_, why) => new ClaimcheckError('PROFILE_WRITE', why, '') });
  } catch (error) {
    return ignored(asClaimcheckError(error).message);
  }
  if (text === '') return emptyState(env);
  const state = parseState(text, env, home);
  if (state === OTHER_JOB) return ignored(state, log.info);
  return typeof state === 'string' ? ignored(state) : state;
}

/** Records the state, before what it names is written; refuses a ~/.claimcheck others could change. */
export function writeState(home: string, state: OrbState): void {
  ownFolder(orbRoot(home));
  writePrivateFile(stateFile(home), JSON.stringify(state), OWN_FILE);
}

/** Removes the state file, only from a ~/.claimcheck that is this user's own folder (never through a link to one elsewhere). */
export function removeState(home: string): void {
  if (ownFolderProblem(claimcheckFolder(home)) !== undefined) return;
  try {
    unlinkSync(stateFile(home)); // a link in its place is removed, not followed
  } catch {
    // already gone, or not ours to remove
  }
}
