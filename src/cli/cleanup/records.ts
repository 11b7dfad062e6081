// What `claimcheck assume` leaves behind, kept for `claimcheck cleanup`: each run's cloud
// records (profiles, renewal folders) and the variables it handed over, recorded before
// anything is written, in ~/.claimcheck/cli-records.json (this user's, in a folder nobody else
// can write, read strictly). Each run names the CI job it ran in, so that cleanup undoes this
// job's and a renewing profile serves only the job that wrote it. With --format circleci the
// run is recorded in the orb's own state of the job instead, so the orb's cleanup undoes it.
import { randomBytes } from 'node:crypto';
import { jobOf, sameJob } from '../../core/config/ci-job.js';
import { join } from 'node:path';
import { readUndoRecord } from '../../clouds/records.js';
import { ClaimcheckError } from '../../core/errors.js';
import { VARIABLE_NAME } from '../../core/text/shell.js';
import { readPrivateFile, updatePrivateFile } from '../../files/private-file.js';
import { claimcheckFolder, OWN_FILE, ownFolder, ownFolderProblem } from '../../files/private-folder.js';
import type { Log, UndoRecord } from '../../flow/cloud.js';
import { readState, writeState, type OrbState } from '../../platform/circleci/state.js';
import { writtenLines } from '../../platform/shared/env-file.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** One `claimcheck assume` run, as cleanup needs it. */
export interface CliRun {
  readonly id: string;
  /** The CI job it ran in (jobOf); '' when claimcheck could not tell. */
  readonly job: string;
  /** Each cloud's record of the files it wrote. */
  readonly handovers: readonly UndoRecord[];
  /** Variables printed for eval (--format env): cleanup prints their unset. */
  readonly printed: readonly string[];
  /** Variables appended to $GITHUB_ENV: cleanup blanks the keys among them. */
  readonly githubEnv: readonly string[];
}

const recordsFile = (home: string) => join(claimcheckFolder(home), 'cli-records.json');

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const names = (value: unknown): string[] => (Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string' && VARIABLE_NAME.test(name)) : []);

/** A run read back from the file: its own fields, of the right kinds; a record naming a folder not of ~/.claimcheck is dropped. */
function readRun(value: unknown, home: string): CliRun | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.job !== 'string') return undefined;
  const handovers = (Array.isArray(value.handovers) ? value.handovers : []).map((record) => readUndoRecord(record, (name) => join(claimcheckFolder(home), name)));
  return { id: value.id, job: value.job, handovers: handovers.filter((record): record is UndoRecord => record !== undefined), printed: names(value.printed), githubEnv: names(value.githubEnv) };
}

function parseRuns(text: string, home: string): CliRun[] {
  if (text.trim() === '') return [];
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed) || parsed.version !== 1 || !Array.isArray(parsed.runs)) throw new Error('it is not a record this version of claimcheck wrote');
  return parsed.runs.map((run) => readRun(run, home)).filter((run): run is CliRun => run !== undefined);
}

/** The recorded runs; none (with a warning) when the file is missing, unsafe or unreadable. */
export function readRuns(home: string, log: Log): CliRun[] {
  const path = recordsFile(home);
  const problem = ownFolderProblem(claimcheckFolder(home));
  try {
    if (problem) throw new Error(`its folder is not safe to use (${problem})`);
    return parseRuns(readPrivateFile(path, { ...OWN_FILE, refuse: (_, why) => new ClaimcheckError('PROFILE_WRITE', why, '') }), home);
  } catch (error) {
    log.warning(`Ignoring ${path}: ${error instanceof Error ? error.message : String(error)}.`);
    return [];
  }
}

/** Changes the recorded runs under the file's lock (other runs in this home may be recording too). */
export function updateRuns(home: string, change: (runs: CliRun[]) => CliRun[]): void {
  ownFolder(claimcheckFolder(home));
  updatePrivateFile(recordsFile(home), (text) => {
    let runs: CliRun[];
    try {
      runs = parseRuns(text, home);
    } catch {
      runs = []; // not ours to keep: what it named cannot be trusted
    }
    return JSON.stringify({ version: 1, runs: change(runs) });
  }, OWN_FILE);
}

/**
 * A renewing profile written in another job: its cache and its way to a token are that job's.
 * (A config that cannot be read is left to the credential process, which says why.)
 */
export function renewalOfOtherJob(configPath: string, env: Environment): ClaimcheckError | undefined {
  let job: unknown;
  try {
    job = (JSON.parse(readPrivateFile(configPath, OWN_FILE)) as { token?: { job?: unknown } }).token?.job;
  } catch {
    return undefined;
  }
  if (sameJob(job, env)) return undefined;
  const current = jobOf(env);
  return new ClaimcheckError(
    'REFRESH_OTHER_JOB',
    `This renewing profile was written by another job (${job}), not this one (${current || 'a job no CI variable names'}); its credentials are not handed over.`,
    'Run claimcheck assume --refresh in this job and use the profile it writes; end each job with claimcheck cleanup, which removes the profile.',
  );
}

/** What one assume run records as it goes, each part before it is written. */
export interface RunRecorder {
  record(undo: UndoRecord): void;
  /** Variables about to be handed over in `format` (the lines, for an env file that cleanup edits). */
  exported(format: 'env' | 'github' | 'circleci', names: readonly string[], lines: string): void;
}

/** The same thing written again in a run (a profile written twice) replaces its record. */
function withRecord(list: readonly UndoRecord[], undo: UndoRecord): UndoRecord[] {
  const key = (record: UndoRecord) => JSON.stringify([record.cloud, record.kind, record.name ?? record.profile]);
  return [...list.filter((kept) => key(kept) !== key(undo)), undo];
}

/** Records in ~/.claimcheck/cli-records.json, or (--format circleci) in the orb's state of this job. */
export function runRecorder(home: string, env: Environment, format: string, log: Log): RunRecorder {
  if (format === 'circleci') return orbStateRecorder(home, env, log);
  const id = randomBytes(8).toString('hex');
  const job = jobOf(env);
  const change = (edit: (run: CliRun) => CliRun) =>
    updateRuns(home, (runs) => {
      const run = runs.find((kept) => kept.id === id) ?? { id, job, handovers: [], printed: [], githubEnv: [] };
      return [...runs.filter((kept) => kept.id !== id), edit(run)];
    });
  return {
    record: (undo) => change((run) => ({ ...run, handovers: withRecord(run.handovers, undo) })),
    exported: (where, variables) => {
      // Printed lines write nothing to disk: a home that cannot keep the record does not stop them.
      if (where === 'env') attemptRecord(() => change((run) => ({ ...run, printed: [...new Set([...run.printed, ...variables])] })), log);
      if (where === 'github') change((run) => ({ ...run, githubEnv: [...new Set([...run.githubEnv, ...variables])] }));
    },
  };
}

function attemptRecord(record: () => void, log: Log): void {
  try {
    record();
  } catch (error) {
    log.debug(`Not recorded for claimcheck cleanup (${error instanceof Error ? error.message : String(error)}): it will not print their unset.`);
  }
}

function orbStateRecorder(home: string, env: Environment, log: Log): RunRecorder {
  let state: OrbState | undefined;
  const update = (change: (current: OrbState) => OrbState) => {
    state = change(state ?? readState(home, env, log));
    writeState(home, state);
  };
  return {
    record: (undo) => update((current) => ({ ...current, handovers: withRecord(current.handovers, undo) })),
    exported: (_, variables, lines) => update((current) => ({ ...current, exports: [...current.exports, writtenLines(variables, lines)] })),
  };
}
