// `claimcheck cleanup`: undoes what `claimcheck assume` recorded in this job (every job's with
// --all; one profile's with --aws-profile): each cloud's files (profiles, renewal folders with
// their cached credentials), the credential keys appended to $GITHUB_ENV (blanked: a GitHub
// step cannot unset them), and in a CircleCI job the lines appended to $BASH_ENV (by the orb
// or by --format circleci). Variables printed for eval are unset by what it prints:
// `eval "$(claimcheck cleanup)"`. Every part is tried; the first failure is reported.
import { homedir } from 'node:os';
import { undoHandOver } from '../../clouds/records.js';
import { STATIC_KEY_VARIABLES } from '../../core/aws/exported-variables.js';
import { asClaimcheckError } from '../../core/errors.js';
import { unsetLine } from '../../core/text/shell.js';
import type { Log, UndoRecord } from '../../flow/cloud.js';
import { readState, removeState, writeState } from '../../platform/circleci/state.js';
import { appendToEnvFile, takeBackLines } from '../../platform/shared/env-file.js';
import { parseFlags, type Flags } from '../args.js';
import { githubEnvEntries } from '../formats.js';
import type { CliIo } from '../io.js';
import { jobOf } from '../../core/config/ci-job.js';
import { readRuns, updateRuns, type CliRun } from './records.js';

export const CLEANUP_FLAGS: Flags = {
  'aws-profile': { kind: 'string', value: 'name', description: 'Undo only what was written for this named profile (where assume wrote several).' },
  all: { kind: 'boolean', description: "Undo what every job recorded in this home, not only this job's (for a machine's own cleanup, when no job is running)." },
};

export const CLEANUP_USAGE = 'claimcheck cleanup [--aws-profile <name>] [--all]   (eval "$(claimcheck cleanup)" also unsets the variables assume printed)';

/** The profile a record is about, for --aws-profile. */
const profileOf = (record: UndoRecord): unknown => record.name ?? record.profile;

interface Outcome {
  readonly failures: unknown[];
  readonly unset: Set<string>;
  done: number;
}

function attempt(outcome: Outcome, log: Log, part: () => string): boolean {
  try {
    log.info(part());
    outcome.done += 1;
    return true;
  } catch (error) {
    outcome.failures.push(error);
    log.warning(asClaimcheckError(error).message);
    return false;
  }
}

/** One recorded run undone; whether every part of it was. */
function undoRun(run: CliRun, env: CliIo['env'], outcome: Outcome, log: Log): boolean {
  let whole = run.handovers.map((record) => attempt(outcome, log, () => undoHandOver(record))).every(Boolean);
  for (const name of run.printed) outcome.unset.add(name);
  const keys = run.githubEnv.filter((name) => (STATIC_KEY_VARIABLES as readonly string[]).includes(name));
  const githubEnv = env.GITHUB_ENV;
  if (keys.length > 0 && githubEnv) {
    whole &&= attempt(outcome, log, () => {
      appendToEnvFile('GITHUB_ENV', githubEnv, githubEnvEntries(keys.map((name) => [name, ''])));
      return `Cleared ${keys.join(', ')} in $GITHUB_ENV for the steps that follow.`;
    });
  }
  return whole;
}

/** The CLI's own records of this job (or all), one profile's when asked; those fully undone are forgotten. */
function cleanupRuns(home: string, env: CliIo['env'], profile: string | undefined, all: boolean, outcome: Outcome, log: Log): void {
  const job = jobOf(env);
  const chosen = readRuns(home, log).filter((run) => (all || run.job === job) && (profile === undefined || run.handovers.some((record) => profileOf(record) === profile)));
  if (chosen.length === 0) return;
  const undone = new Set(chosen.filter((run) => undoRun(run, env, outcome, log)).map((run) => run.id));
  updateRuns(home, (runs) => runs.filter((run) => !undone.has(run.id)));
}

/** In a CircleCI job: what the orb's assume_role and assume --format circleci recorded in the job's state. */
function cleanupJobState(home: string, env: CliIo['env'], profile: string | undefined, outcome: Outcome, log: Log): void {
  const bashEnv = env.BASH_ENV;
  if (!bashEnv) return;
  const state = readState(home, env, { ...log, info: () => {} });
  const chosen = state.handovers.filter((record) => profile === undefined || profileOf(record) === profile);
  const kept = state.handovers.filter((record) => !chosen.includes(record) || !attempt(outcome, log, () => undoHandOver(record)));
  const exports = profile === undefined ? state.exports : [];
  const exportsGone =
    exports.length === 0 ||
    attempt(outcome, log, () => {
      const missing = takeBackLines('BASH_ENV', bashEnv, exports);
      return missing.length === 0
        ? 'Removed the lines claimcheck wrote to $BASH_ENV: the steps that follow have the variables the job had before.'
        : 'Removed the lines claimcheck wrote to $BASH_ENV, and unset the variables of those no longer found.';
    });
  if (chosen.length + exports.length === 0) return;
  const left = { ...state, handovers: kept, exports: exportsGone ? state.exports.filter((record) => !exports.includes(record)) : state.exports };
  if (left.handovers.length + left.exports.length === 0) removeState(home);
  else writeState(home, left);
}

export function cleanupCommand(argv: readonly string[], io: CliIo, log: Log): number {
  const flags = parseFlags(argv, CLEANUP_FLAGS);
  const profile = flags.strings.get('aws-profile');
  const home = homedir();
  const outcome: Outcome = { failures: [], unset: new Set(), done: 0 };
  cleanupRuns(home, io.env, profile, flags.booleans.has('all'), outcome, log);
  cleanupJobState(home, io.env, profile, outcome, log);
  if (outcome.unset.size > 0) io.stdout(unsetLine([...outcome.unset]));
  if (outcome.done + outcome.unset.size + outcome.failures.length === 0) {
    log.info(`Nothing to clean up: claimcheck assume recorded nothing${profile === undefined ? '' : ` for profile ${profile}`} in ${flags.booleans.has('all') ? 'this home' : 'this job'}.`);
  }
  if (outcome.failures.length > 0) throw outcome.failures[0];
  return 0;
}
