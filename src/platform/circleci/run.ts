// The orb's commands: `assume_role` (CLAIMCHECK_COMMAND=assume) runs the shared flow and
// appends quoted exports to $BASH_ENV or writes a named profile; `cleanup` undoes what
// assume_role recorded. CircleCI masks nothing made at run time, so every line we print
// goes through the secrets filter, and the token and credentials are never printed.
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writePrivateFile } from '../../aws/private-file.js';
import { profileFiles, removeProfile, writeProfile, type ProfileFiles } from '../../aws/profile.js';
import { asClaimcheckError, ClaimcheckError, formatError } from '../../core/errors.js';
import { credentialVariables, EXPORTED_VARIABLES, PROFILE_VARIABLES, profileVariables } from '../../core/exported-variables.js';
import { auditRecord, summaryText } from '../../core/report.js';
import { systemClock } from '../../core/retry.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type InputSource, type Settings } from '../../core/settings.js';
import { exportLines, unsetLine } from '../../core/shell.js';
import { assumeRole, type Assumed, type Log } from '../../flow/assume-role.js';
import { assumeRoleDeps, jsonGetter, lineLog, networkRetry, runReport, stsEndpointFromEnvironment } from '../../flow/wiring.js';
import { runCredentialProcess } from '../shared/credential-process.js';
import { installRefresh, pinnedInputs, uninstallRefresh, type RefreshSetup, type SelfCommand } from '../shared/refresh.js';
import { preloadRulesFile } from '../shared/rules-file.js';
import { circleciJobFacts, circleciSessionName } from './claims.js';
import { orbInputSource } from './inputs.js';
import { circleciTokenRequester } from './token.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** What assume_role left behind, for cleanup. */
interface State {
  exported: boolean;
  profiles: Array<{ name: string; files: ProfileFiles }>;
  renewing: RefreshSetup[];
}

/** CircleCI's token and session names: what the orb's bundle brings to the shared flow. */
function circleciDoor(env: Environment, maxAttempts: number, log: Log, fresh: boolean) {
  const retry = networkRetry(maxAttempts, log);
  return {
    get: jsonGetter(),
    requestToken: circleciTokenRequester(env, { ...retry, onRetry: (message, attempt, delay) => log.info(`Attempt ${attempt} failed (${message}); retrying in ${delay} ms.`) }, fresh),
    defaultSessionName: (claims: Readonly<Record<string, unknown>>) => circleciSessionName(env, claims),
  };
}

export async function runOrbCommand(env: Environment, self: SelfCommand, print: (line: string) => void, printError: (line: string) => void): Promise<number> {
  const secrets = new Secrets(() => {});
  const log = lineLog(print, secrets.redact, env);
  try {
    if (env.CLAIMCHECK_COMMAND === 'cleanup') cleanup(env, log);
    else await assume(env, self, secrets, log);
    return 0;
  } catch (error) {
    printError(secrets.redact(formatError(asClaimcheckError(error))));
    return 1;
  }
}

async function assume(env: Environment, self: SelfCommand, secrets: Secrets, log: Log): Promise<void> {
  const inputs = orbInputSource(env);
  const readRulesFile = await preloadRulesFile(inputs);
  const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(env), readRulesFile });
  if ((settings.refresh || !settings.awsProfile) && !env.BASH_ENV) {
    throw new ClaimcheckError('EXPORT_FAILED', 'BASH_ENV is not set, so the credentials cannot reach later steps.', 'Run assume_role in a CircleCI job (which sets BASH_ENV), or set profile_name to write a named profile instead.');
  }
  const door = circleciDoor(env, settings.retryMaxAttempts, log, false);
  const assumed = await assumeRole(settings, assumeRoleDeps(settings, { ...door, log, mask: secrets.add }));
  handOver(env, settings, assumed, { self, inputs }, log);
  report(env, settings, assumed, log);
}

function handOver(env: Environment, settings: Settings, assumed: Assumed, refresh: { self: SelfCommand; inputs: InputSource }, log: Log): void {
  const state = readState(env);
  const bashEnv = env.BASH_ENV as string;
  if (settings.refresh) {
    const profile = settings.awsProfile ?? 'claimcheck';
    const dir = join(stateDir(env), `refresh-${profile}`);
    const setup = installRefresh({
      dir,
      profile,
      env,
      self: throughLauncher(env, refresh.self, dir),
      inputs: pinnedInputs(refresh.inputs, settings),
      token: { kind: 'circleci' },
      session: assumed.session,
      region: settings.region,
    });
    state.renewing = [...state.renewing.filter((entry) => entry.profile !== profile), setup];
    appendFileSync(bashEnv, exportLines(profileVariables(profile, settings.region)));
    log.info(`Wrote profile ${profile} to ${setup.files.config}; it renews its own credentials, and AWS_PROFILE selects it in the steps that follow.`);
  } else if (settings.awsProfile) {
    const files = profileFiles(env, env.HOME || homedir());
    writeProfile(files, settings.awsProfile, assumed.session, settings.region);
    state.profiles = [...state.profiles.filter((profile) => profile.name !== settings.awsProfile), { name: settings.awsProfile, files }];
    log.info(`Wrote profile ${settings.awsProfile} to ${files.credentials} and ${files.config}; use it with --profile ${settings.awsProfile} or AWS_PROFILE=${settings.awsProfile}.`);
  } else {
    appendFileSync(bashEnv, exportLines(credentialVariables(assumed.session, settings.region)));
    state.exported = true;
    log.info(`Exported ${EXPORTED_VARIABLES.join(', ')} to $BASH_ENV for the steps that follow.`);
  }
  writeState(env, state);
}

/**
 * Renewals start the way every orb step does, through the orb's launcher (kept beside the
 * profile's config): it checks the bundle's digest again before each run, where the cache
 * path it was loaded from could hold anything by then.
 */
function throughLauncher(env: Environment, self: SelfCommand, dir: string): SelfCommand {
  if (!env.CLAIMCHECK_LAUNCHER) return self;
  const script = join(dir, 'launch.mjs');
  writePrivateFile(script, env.CLAIMCHECK_LAUNCHER);
  return { node: self.node, script };
}

function report(env: Environment, settings: Settings, assumed: Assumed, log: Log): void {
  const facts = runReport(settings, assumed, circleciJobFacts(env, assumed.token.claims));
  log.info(`Assumed ${assumed.session.assumedRoleArn}.`);
  log.info(summaryText(facts, Date.now()));
  log.info(`claimcheck-audit ${auditRecord(facts)}`);
}

function cleanup(env: Environment, log: Log): void {
  const state = readState(env);
  if (state.exported && env.BASH_ENV) {
    appendFileSync(env.BASH_ENV, unsetLine(EXPORTED_VARIABLES));
    log.info(`Unset ${EXPORTED_VARIABLES.join(', ')} for the steps that follow.`);
  }
  for (const setup of state.renewing) {
    uninstallRefresh(setup);
    log.info(`Removed the renewing profile ${setup.profile} and its files.`);
  }
  if (state.renewing.length > 0 && env.BASH_ENV) appendFileSync(env.BASH_ENV, unsetLine(PROFILE_VARIABLES));
  for (const { name, files } of state.profiles) {
    removeProfile(files, name);
    log.info(`Removed profile ${name} from ${files.credentials} and ${files.config}.`);
  }
  if (!state.exported && state.profiles.length === 0 && state.renewing.length === 0) log.info('Nothing to clean up: assume_role left no credentials in this job.');
  rmSync(stateFile(env), { force: true });
}

function stateDir(env: Environment): string {
  return join(env.HOME || homedir(), '.claimcheck');
}

function stateFile(env: Environment): string {
  return join(stateDir(env), 'state.json');
}

function readState(env: Environment): State {
  try {
    const parsed = JSON.parse(readFileSync(stateFile(env), 'utf8')) as Partial<State>;
    const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);
    return { exported: parsed.exported === true, profiles: list(parsed.profiles), renewing: list(parsed.renewing) };
  } catch {
    return { exported: false, profiles: [], renewing: [] };
  }
}

function writeState(env: Environment, state: State): void {
  const file = stateFile(env);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
}

/** `credential-process <config>`, run by the renewing profile's credential_process. */
export function runCredentialProcessCommand(configPath: string): Promise<number> {
  return runCredentialProcess(
    configPath,
    (token, settings, log) => {
      if (token.kind !== 'circleci') throw new Error(`this bundle cannot get a ${token.kind} token`);
      return circleciDoor(process.env, settings.retryMaxAttempts, log, true);
    },
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), now: Date.now },
  );
}
