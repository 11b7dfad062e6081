// The orb's commands: `assume_role` (CLAIMCHECK_COMMAND=assume) runs the shared flow and
// appends quoted exports to $BASH_ENV or writes a named profile; `cleanup` undoes what
// assume_role recorded. CircleCI masks nothing made at run time, so every line we print
// goes through the secrets filter, and the token and credentials are never printed.
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { profileFiles, removeProfile, writeProfile, type ProfileFiles } from '../../aws/profile.js';
import { asClaimcheckError, ClaimcheckError, formatError } from '../../core/errors.js';
import { EXPORTED_VARIABLES } from '../../core/exported-variables.js';
import { auditRecord, summaryText } from '../../core/report.js';
import { systemClock } from '../../core/retry.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type Settings } from '../../core/settings.js';
import { exportLines, unsetLine } from '../../core/shell.js';
import { assumeRole, type Assumed, type Log } from '../../flow/assume-role.js';
import { assumeRoleDeps, networkRetry, runReport, stsEndpointFromEnvironment, USER_AGENT } from '../../flow/wiring.js';
import { createFetchJsonGetter } from '../../net/fetch-http.js';
import { preloadRulesFile } from '../shared/rules-file.js';
import { circleciJobFacts, circleciSessionName } from './claims.js';
import { orbInputSource } from './inputs.js';
import { circleciTokenRequester } from './token.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** What assume_role left behind, for cleanup. */
interface State {
  exported: boolean;
  profiles: Array<{ name: string; files: ProfileFiles }>;
}

export async function runOrbCommand(env: Environment, print: (line: string) => void, printError: (line: string) => void): Promise<number> {
  const secrets = new Secrets(() => {});
  const log: Log = {
    info: (text) => print(secrets.redact(text)),
    warning: (text) => print(`Warning: ${secrets.redact(text)}`),
    debug: (text) => (env.CLAIMCHECK_DEBUG === '1' || env.CLAIMCHECK_DEBUG === 'true' ? print(`[debug] ${secrets.redact(text)}`) : undefined),
  };
  try {
    if (env.CLAIMCHECK_COMMAND === 'cleanup') cleanup(env, log);
    else await assume(env, secrets, log);
    return 0;
  } catch (error) {
    printError(secrets.redact(formatError(asClaimcheckError(error))));
    return 1;
  }
}

async function assume(env: Environment, secrets: Secrets, log: Log): Promise<void> {
  const inputs = orbInputSource(env);
  const readRulesFile = await preloadRulesFile(inputs);
  const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(env), readRulesFile });
  const bashEnv = env.BASH_ENV;
  if (!settings.awsProfile && !bashEnv) {
    throw new ClaimcheckError('EXPORT_FAILED', 'BASH_ENV is not set, so the credentials cannot reach later steps.', 'Run assume_role in a CircleCI job (which sets BASH_ENV), or set profile_name to write a named profile instead.');
  }
  const retry = networkRetry(settings.retryMaxAttempts, log);
  const assumed = await assumeRole(settings, assumeRoleDeps(settings, {
    get: createFetchJsonGetter({ userAgent: USER_AGENT, timeoutMs: 10_000 }),
    log,
    mask: secrets.add,
    requestToken: circleciTokenRequester(env, { ...retry, onRetry: (message, attempt, delay) => log.info(`Attempt ${attempt} failed (${message}); retrying in ${delay} ms.`) }),
    defaultSessionName: (claims) => circleciSessionName(env, claims),
  }));
  const state = readState(env);
  if (settings.awsProfile) {
    const files = profileFiles(env, env.HOME || homedir());
    writeProfile(files, settings.awsProfile, assumed.session, settings.region);
    state.profiles = [...state.profiles.filter((profile) => profile.name !== settings.awsProfile), { name: settings.awsProfile, files }];
    log.info(`Wrote profile ${settings.awsProfile} to ${files.credentials} and ${files.config}; use it with --profile ${settings.awsProfile} or AWS_PROFILE=${settings.awsProfile}.`);
  } else {
    appendFileSync(bashEnv as string, exportLines(exportsOf(settings, assumed)));
    state.exported = true;
    log.info(`Exported ${EXPORTED_VARIABLES.join(', ')} to $BASH_ENV for the steps that follow.`);
  }
  writeState(env, state);
  report(env, settings, assumed, log);
}

function exportsOf(settings: Settings, assumed: Assumed): Array<[string, string]> {
  const { session } = assumed;
  const values = [session.accessKeyId, session.secretAccessKey, session.sessionToken, settings.region, settings.region];
  return EXPORTED_VARIABLES.map((name, index) => [name, values[index] ?? '']);
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
  for (const { name, files } of state.profiles) {
    removeProfile(files, name);
    log.info(`Removed profile ${name} from ${files.credentials} and ${files.config}.`);
  }
  if (!state.exported && state.profiles.length === 0) log.info('Nothing to clean up: assume_role left no credentials in this job.');
  rmSync(stateFile(env), { force: true });
}

function stateFile(env: Environment): string {
  return join(env.HOME || homedir(), '.claimcheck', 'state.json');
}

function readState(env: Environment): State {
  try {
    const parsed = JSON.parse(readFileSync(stateFile(env), 'utf8')) as Partial<State>;
    return { exported: parsed.exported === true, profiles: Array.isArray(parsed.profiles) ? parsed.profiles : [] };
  } catch {
    return { exported: false, profiles: [] };
  }
}

function writeState(env: Environment, state: State): void {
  const file = stateFile(env);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
}
