// The orb's commands: `assume_role` (CLAIMCHECK_COMMAND=assume) runs the shared flow and
// appends quoted exports to $BASH_ENV or writes a named profile, each recorded in the job's
// state before it is written; `cleanup` undoes what assume_role recorded, taking its lines
// out of $BASH_ENV. CircleCI masks nothing made at run time, so every line we print
// goes through the secrets filter, and the token and credentials are never printed.
import { homedir } from 'node:os';
import type { CredentialProcessDoor } from '../../clouds/aws/credential-process.js';
import { undoHandOver } from '../../clouds/records.js';
import { cloudTargets } from '../../clouds/registry.js';
import { handoverShellLines } from '../../core/aws/exported-variables.js';
import { INPUTS, type InputName } from '../../core/config/inputs.generated.js';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { asClaimcheckError, ClaimcheckError, formatError } from '../../core/errors.js';
import { auditRecord, failureText, summaryText } from '../../core/report/report.js';
import { circleciRunLabel } from '../../core/report/run-label.js';
import { Secrets } from '../../core/secrets.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { CloudSession, HandOver, HandOverPlace, Log, Rerun, SelfCommand, UndoRecord } from '../../flow/cloud.js';
import { checkHandOvers, exchange } from '../../flow/exchange.js';
import { claimsWitness, failedRunReport, type ClaimsWitness } from '../../flow/failure.js';
import { flowDeps, jsonGetter, lineLog, networkRetry, runReport, stsEndpointFromEnvironment } from '../../flow/wiring.js';
import { appendToEnvFile, takeBackLines, writtenLines, type WrittenLines } from '../shared/env-file.js';
import { circleciJobFacts, circleciSessionName } from './claims.js';
import { orbInputSource, withExpansionNote } from './inputs.js';
import { claimcheckFolder } from '../../files/private-folder.js';
import { cannotWriteError, unwritableFolder } from '../../files/writable-folder.js';
import { orbFolder, orbRoot, readState, removeState, writeState, type OrbState } from './state.js';
import { circleciTokenSource } from './token.js';
import { laterProcesses } from '../shared/later-processes.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** CircleCI's token (or web_identity_token_file's) and session names: what the orb's bundle brings to the shared flow. */
function circleciDoor(env: Environment, settings: Settings, log: Log, fresh: boolean) {
  const retry = networkRetry(settings.retryMaxAttempts, log);
  return {
    get: jsonGetter(),
    ...circleciTokenSource(settings.webIdentityTokenFile, env, { ...retry, onRetry: (message, attempt, delay) => log.info(`Attempt ${attempt} failed (${message}); retrying in ${delay} ms.`) }, fresh),
    defaultSessionName: (claims: Readonly<Record<string, unknown>>) => circleciSessionName(env, claims),
    runLabel: () => circleciRunLabel(env),
  };
}

/** What an assume_role run has learned so far, for the report of its failure. */
interface AssumeRun {
  settings?: Settings;
  readonly witness: ClaimsWitness;
}

export async function runOrbCommand(env: Environment, self: SelfCommand, print: (line: string) => void, printError: (line: string) => void): Promise<number> {
  const secrets = new Secrets(() => {});
  const log = lineLog(print, secrets.redact, env);
  const run: AssumeRun = { witness: claimsWitness() };
  try {
    if (env.CLAIMCHECK_COMMAND === 'cleanup') cleanup(env, log);
    else await assume(env, self, secrets, log, run);
    return 0;
  } catch (error) {
    const failure = withExpansionNote(asClaimcheckError(error), env);
    // The claims presented, the rules and the next step, then the error's two lines last.
    if (env.CLAIMCHECK_COMMAND !== 'cleanup') log.info(failureText(failedRunReport(failure, run.settings, run.witness)));
    printError(secrets.redact(formatError(failure)));
    return 1;
  }
}

async function assume(env: Environment, self: SelfCommand, secrets: Secrets, log: Log, run: AssumeRun): Promise<void> {
  const inputs = orbInputSource(env);
  const readRulesFile = await preloadRulesFile(inputs);
  const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(env), readRulesFile });
  run.settings = settings;
  if (settings.aws?.export === 'none' || settings.gcp?.outputsOnly) throw exportNoneRefused();
  if (!env.BASH_ENV && ((settings.aws && (settings.aws.refresh || settings.aws.export === 'env')) || settings.gcp)) {
    throw new ClaimcheckError('EXPORT_FAILED', 'BASH_ENV is not set, so the credentials cannot reach later steps.', 'Run assume_role in a CircleCI job (which sets BASH_ENV), or set profile_name to write a named profile instead.');
  }
  const home = env.HOME || homedir();
  const targets = cloudTargets(settings);
  // Renewals start through the orb's launcher, which checks the bundle's digest again each time.
  const rerun: Rerun = { self, inputs: givenInputs(inputs), token: { kind: 'circleci' }, launcher: env.CLAIMCHECK_LAUNCHER || undefined };
  checkStateFolder(home, log);
  const recorder = stateRecorder(home, readState(home, env, log));
  const place = orbPlace(env, home, rerun, recorder);
  checkHandOvers(targets, place);
  const door = circleciDoor(env, settings, log, false);
  const sessions = await exchange(settings, targets, run.witness.watch(flowDeps(settings, { ...door, log, mask: secrets.add })));
  const handovers = sessions.map((session) => session.handOver(place));
  exportToBashEnv(env, recorder, handovers, log);
  report(env, settings, sessions, log);
}

/** The folder of the job's state can be written, found before any token is requested (the state is written before anything it names). */
function checkStateFolder(home: string, log: Log): void {
  const root = orbRoot(home);
  const why = unwritableFolder(root);
  if (why) throw cannotWriteError(root, why, home, 'set TMPDIR to a folder the job can write: claimcheck keeps the job\'s state there when HOME cannot take it.');
  if (root !== claimcheckFolder(home)) log.info(`HOME (${home}) cannot take claimcheck's folder, so this job's state is kept in ${root} instead.`);
}

/**
 * Outputs only (the Action's export: none) has no CircleCI form: steps have no outputs, and
 * CircleCI masks nothing made at run time, so claimcheck never prints credentials there.
 * Refused before any token is used, rather than run and hand over nothing.
 */
function exportNoneRefused(): ClaimcheckError {
  return new ClaimcheckError(
    'INPUT_INVALID',
    'Parameter export is none, which the orb cannot honour: CircleCI steps have no outputs, and claimcheck never prints credentials in a CircleCI log.',
    'Set export to env or profile; to get the credentials as data, run `claimcheck assume --export none` (JSON on standard output) in your own step.',
  );
}

/** Every input as the orb's parameters gave it (expanded), for a later run of claimcheck (a renewal). */
function givenInputs(inputs: InputSource): Record<string, string> {
  return Object.fromEntries((Object.keys(INPUTS) as InputName[]).map((name) => [name, inputs(name) ?? '']));
}

/** The job's state, written to disk before anything it names is written. */
interface StateRecorder {
  readonly update: (change: (state: OrbState) => OrbState) => void;
}

function stateRecorder(home: string, initial: OrbState): StateRecorder {
  let state = initial;
  return {
    update: (change) => {
      state = change(state);
      writeState(home, state);
    },
  };
}

/** In a job: private folders in ~/.claimcheck, records in its state file, variables that bash can unset. */
function orbPlace(env: Environment, home: string, rerun: Rerun, recorder: StateRecorder): HandOverPlace {
  return {
    env,
    home,
    privateFolder: (name) => orbFolder(home, name),
    // A record of the same thing as one kept (a profile written again in this job) replaces it.
    record: (undo) => recorder.update((state) => ({ ...state, handovers: [...state.handovers.filter((kept) => !sameThing(kept, undo)), undo] })),
    rerun,
    canUnset: true,
  };
}

function sameThing(a: UndoRecord, b: UndoRecord): boolean {
  const key = (record: UndoRecord) => JSON.stringify([record.cloud, record.kind, record.name ?? record.profile ?? record.clientId]);
  return key(a) === key(b);
}

/**
 * Appends each hand-over's lines to $BASH_ENV, recorded first so that cleanup can take them
 * out again. The record names only the variables set: cleanup unsets those, and taking the
 * `unset` line out gives the job back what it had before (a context's keys, say).
 */
function exportToBashEnv(env: Environment, recorder: StateRecorder, handovers: readonly HandOver[], log: Log): void {
  for (const handover of handovers) {
    const names = handover.set.map(([name]) => name);
    if (names.length + handover.clear.length > 0) {
      const lines = handoverShellLines(handover);
      recorder.update((state) => ({ ...state, exports: [...state.exports, writtenLines(names, lines)] }));
      appendToEnvFile('BASH_ENV', env.BASH_ENV as string, lines);
      if (handover.notes.length === 0) log.info(`Exported ${names.join(', ')} to $BASH_ENV for the steps that follow.`);
    }
    for (const note of handover.notes) log.info(note);
    for (const warning of handover.warnings) log.warning(warning);
  }
}

function report(env: Environment, settings: Settings, sessions: readonly CloudSession[], log: Log): void {
  const facts = runReport(settings, sessions, circleciJobFacts(env, (sessions[0] as CloudSession).token.verified.claims));
  log.info(summaryText(facts, Date.now()));
  log.info(`claimcheck-audit ${auditRecord(facts)}`);
}

/** Undoes what assume_role recorded in this job: every part is tried, and the first failure reported. */
function cleanup(env: Environment, log: Log): void {
  const home = env.HOME || homedir();
  const state = readState(home, env, log);
  const failures: unknown[] = [];
  const attempt = (action: () => string) => {
    try {
      log.info(action());
    } catch (error) {
      failures.push(error);
      log.warning(asClaimcheckError(error).message);
    }
  };
  const bashEnv = env.BASH_ENV;
  if (state.exports.length > 0 && bashEnv) attempt(() => clearExports(bashEnv, state.exports, log));
  for (const record of state.handovers) attempt(() => undoHandOver(record));
  if (state.exports.length + state.handovers.length === 0) log.info('Nothing to clean up: assume_role left no credentials in this job.');
  if (failures.length > 0) throw failures[0];
  removeState(home);
}

/** Takes the recorded lines out of $BASH_ENV (takeBackLines); says so, and warns of lines no longer found. */
function clearExports(bashEnv: string, exports: readonly WrittenLines[], log: Log): string {
  const missing = takeBackLines('BASH_ENV', bashEnv, exports);
  if (missing.length === 0) return 'Removed the lines assume_role wrote to $BASH_ENV: the steps that follow have the variables the job had before.';
  log.warning(`${missing.length} of the ${exports.length} export blocks assume_role wrote were no longer in $BASH_ENV as written; an unset line clears their variables instead.`);
  return 'Removed the lines assume_role wrote to $BASH_ENV, and unset the variables of those no longer found.';
}

/** How a later process of this bundle gets a token: `circleci run oidc get`, as every step of the job can. */
const renewalDoor: CredentialProcessDoor = (token, settings, log) => {
  if (token.kind !== 'circleci') throw new Error(`this bundle cannot get a ${token.kind} token`);
  return circleciDoor(process.env, settings, log, true);
};

/** What later processes of the job run through this bundle: credential-process, google-subject-token, azure-refresh. */
export const LATER_PROCESSES = laterProcesses(renewalDoor);
