// The orb's commands: `assume_role` (CLAIMCHECK_COMMAND=assume) runs the shared flow and
// appends quoted exports to $BASH_ENV or writes a named profile, each recorded in the job's
// state before it is written; `cleanup` undoes what assume_role recorded, taking its lines
// out of $BASH_ENV. CircleCI masks nothing made at run time, so every line we print
// goes through the secrets filter, and the token and credentials are never printed.
import { homedir } from 'node:os';
import { profileFiles, removeProfile, writeProfile } from '../../clouds/aws/profile.js';
import { asClaimcheckError, ClaimcheckError, formatError } from '../../core/errors.js';
import { clearedNote, credentialHandover, DEFAULT_PROFILE, EXPORTED_VARIABLES, handoverShellLines, keysShadowingProfile, profileHandover, setIn, shadowedProfileNote, type Handover } from '../../core/aws/exported-variables.js';
import { auditRecord, failureText, summaryText } from '../../core/report/report.js';
import { systemClock } from '../../core/retry.js';
import { circleciRunLabel } from '../../core/report/run-label.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { unsetLine } from '../../core/text/shell.js';
import { assumeRole, type Assumed, type Log } from '../../flow/assume-role.js';
import { claimsWitness, failedRunReport, type ClaimsWitness } from '../../flow/failure.js';
import { assumeRoleDeps, jsonGetter, lineLog, networkRetry, runReport, stsEndpointFromEnvironment } from '../../flow/wiring.js';
import { runCredentialProcess } from '../shared/credential-process.js';
import { appendToEnvFile, removeWrittenLines, writtenLines, type WrittenLines } from '../shared/env-file.js';
import { homeRefreshDir, installRefresh, pinnedInputs, uninstallRefresh, type RefreshSetup, type SelfCommand } from '../../clouds/aws/refresh.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import { circleciJobFacts, circleciSessionName } from './claims.js';
import { orbInputSource, withExpansionNote } from './inputs.js';
import { readState, removeState, writeState, type OrbState } from './state.js';
import { circleciTokenSource } from './token.js';

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
  if (settings.export === 'none') throw exportNoneRefused();
  if ((settings.refresh || settings.export === 'env') && !env.BASH_ENV) {
    throw new ClaimcheckError('EXPORT_FAILED', 'BASH_ENV is not set, so the credentials cannot reach later steps.', 'Run assume_role in a CircleCI job (which sets BASH_ENV), or set profile_name to write a named profile instead.');
  }
  const door = circleciDoor(env, settings, log, false);
  const assumed = await assumeRole(settings, run.witness.watch(assumeRoleDeps(settings, { ...door, log, mask: secrets.add })));
  handOver(env, settings, assumed, { self, inputs }, log);
  report(env, settings, assumed, log);
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

type RefreshSource = { self: SelfCommand; inputs: InputSource };

/** The credentials reach later steps as a renewing profile, a named profile, or exports; each recorded first. */
function handOver(env: Environment, settings: Settings, assumed: Assumed, refresh: RefreshSource, log: Log): void {
  const home = env.HOME || homedir();
  const state = readState(home, env, log);
  const notes = settings.refresh
    ? handOverRenewing(env, home, state, settings, assumed, refresh)
    : settings.export === 'profile'
      ? handOverProfile(env, home, state, settings.awsProfile ?? DEFAULT_PROFILE, settings, assumed)
      : handOverVariables(env, home, state, settings, assumed);
  for (const note of notes) if (note) log.info(note);
}

function handOverVariables(env: Environment, home: string, state: OrbState, settings: Settings, assumed: Assumed): string[] {
  const handover = credentialHandover(assumed.session, settings.region, setIn(env));
  exportToBashEnv(env, home, state, handover);
  return [`Exported ${EXPORTED_VARIABLES.join(', ')} to $BASH_ENV for the steps that follow.`, clearedNote(handover.clear, 'unset')];
}

function handOverRenewing(env: Environment, home: string, state: OrbState, settings: Settings, assumed: Assumed, refresh: RefreshSource): string[] {
  const profile = settings.awsProfile ?? DEFAULT_PROFILE;
  const setup: RefreshSetup = { dir: homeRefreshDir(home, profile), profile, files: profileFiles(env, home) };
  const recorded: OrbState = { ...state, renewing: [...state.renewing.filter((entry) => entry.profile !== profile), { profile, files: setup.files }] };
  writeState(home, recorded);
  // Renewals start through the orb's launcher, which checks the bundle's digest again each time.
  const launcher = env.CLAIMCHECK_LAUNCHER ? { launcher: env.CLAIMCHECK_LAUNCHER } : {};
  installRefresh(setup, { self: refresh.self, inputs: pinnedInputs(refresh.inputs, settings), token: { kind: 'circleci' }, session: assumed.session, region: settings.region, ...launcher });
  const handover = profileHandover(profile, settings.region, setIn(env));
  exportToBashEnv(env, home, recorded, handover);
  return [`Wrote profile ${profile} to ${setup.files.config}; it renews its own credentials, and AWS_PROFILE selects it in the steps that follow.`, clearedNote(handover.clear, 'unset')];
}

function handOverProfile(env: Environment, home: string, state: OrbState, name: string, settings: Settings, assumed: Assumed): string[] {
  const files = profileFiles(env, home);
  writeState(home, { ...state, profiles: [...state.profiles.filter((profile) => profile.name !== name), { name, files }] });
  writeProfile(files, name, assumed.session, settings.region);
  return [`Wrote profile ${name} to ${files.credentials} and ${files.config}; use it with --profile ${name} or AWS_PROFILE=${name}.`, shadowedProfileNote(name, keysShadowingProfile(setIn(env)))];
}

/**
 * Appends the hand-over's lines to $BASH_ENV, recorded first so that cleanup can take them out
 * again. The record names only the variables set: cleanup unsets those, and taking the
 * `unset` line out gives the job back what it had before (a context's keys, say).
 */
function exportToBashEnv(env: Environment, home: string, state: OrbState, handover: Handover): void {
  const lines = handoverShellLines(handover);
  writeState(home, { ...state, exports: [...state.exports, writtenLines(handover.set.map(([name]) => name), lines)] });
  appendToEnvFile('BASH_ENV', env.BASH_ENV as string, lines);
}

function report(env: Environment, settings: Settings, assumed: Assumed, log: Log): void {
  const facts = runReport(settings, assumed, circleciJobFacts(env, assumed.token.claims));
  log.info(`Assumed ${assumed.session.assumedRoleArn}.`);
  log.info(summaryText(facts, Date.now()));
  log.info(`claimcheck-audit ${auditRecord(facts)}`);
}

/** Undoes what assume_role recorded in this job: every part is tried, and the first failure reported. */
function cleanup(env: Environment, log: Log): void {
  const home = env.HOME || homedir();
  const state = readState(home, env, log);
  const failures: unknown[] = [];
  const attempt = (action: () => void, done: string) => {
    try {
      action();
      log.info(done);
    } catch (error) {
      failures.push(error);
      log.warning(asClaimcheckError(error).message);
    }
  };
  const bashEnv = env.BASH_ENV;
  if (state.exports.length > 0 && bashEnv) attempt(() => clearExports(bashEnv, state.exports, log), 'Removed the lines assume_role wrote to $BASH_ENV, and unset their variables for the steps that follow.');
  for (const { profile, files } of state.renewing) {
    attempt(() => uninstallRefresh({ dir: homeRefreshDir(home, profile), profile, files }), `Removed the renewing profile ${profile} and its files.`);
  }
  for (const { name, files } of state.profiles) attempt(() => removeProfile(files, name), `Removed profile ${name} from ${files.credentials} and ${files.config}.`);
  if (state.exports.length + state.profiles.length + state.renewing.length === 0) log.info('Nothing to clean up: assume_role left no credentials in this job.');
  if (failures.length > 0) throw failures[0];
  removeState(home);
}

/** Takes the recorded lines out of $BASH_ENV, and still appends `unset` for their variables: any line not found is cleared too. */
function clearExports(bashEnv: string, exports: readonly WrittenLines[], log: Log): void {
  const found = removeWrittenLines('BASH_ENV', bashEnv, exports);
  const names = [...new Set(exports.flatMap((record) => record.names))];
  appendToEnvFile('BASH_ENV', bashEnv, unsetLine(names));
  if (found < exports.length) log.warning(`${exports.length - found} of the ${exports.length} export blocks assume_role wrote were no longer in $BASH_ENV as written; the unset line still clears their variables.`);
}

/** `credential-process <config>`, run by the renewing profile's credential_process. */
export function runCredentialProcessCommand(configPath: string): Promise<number> {
  return runCredentialProcess(
    configPath,
    (token, settings, log) => {
      if (token.kind !== 'circleci') throw new Error(`this bundle cannot get a ${token.kind} token`);
      return circleciDoor(process.env, settings, log, true);
    },
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), now: Date.now },
  );
}
