// The GitHub Action's main step: inputs through @actions/core, the job's OIDC token from
// GitHub's endpoint, the shared flow, then exports, outputs, summary and audit line.
import * as core from '@actions/core';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { clearedNote, credentialHandover, DEFAULT_PROFILE, keysShadowingProfile, profileHandover, setIn, shadowedProfileNote, STALE_PROFILE_ON_GITHUB } from '../../core/aws/exported-variables.js';
import { inertLine, inertLines } from '../../core/text/inert-text.js';
import { auditRecord, summaryMarkdown } from '../../core/report/report.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileFiles, writeProfile } from '../../clouds/aws/profile.js';
import { assumeRole, type Assumed, type Log } from '../../flow/assume-role.js';
import { claimsWitness, failedRunReport } from '../../flow/failure.js';
import { assumeRoleDeps, jsonGetter, networkRetry, runReport, stsEndpointFromEnvironment } from '../../flow/wiring.js';
import { runCredentialProcess } from '../shared/credential-process.js';
import { createPrivateIfMissing } from '../shared/env-file.js';
import { installRefresh, pinnedInputs, type RefreshSetup, type SelfCommand } from '../../clouds/aws/refresh.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import { githubJobFacts, githubSessionName } from './claims.js';
import { troubleshootingUrl, writeFailureSummary } from './failure-summary.js';
import { githubTokenSource, runnerRunClaims, type RunnerRunEnvironment, type TokenRequestEnvironment } from './token.js';

/**
 * What the credential process and the main step share: HTTP through @actions/http-client,
 * GitHub's token endpoint or web-identity-token-file. A token from a file is not GitHub's, so
 * the session name comes from the runner's own variables then.
 */
function githubDoor(settings: Settings, tokenEnv: TokenRequestEnvironment & RunnerRunEnvironment, log: Log, mask: (secret: string) => void) {
  const get = jsonGetter();
  const source = githubTokenSource(settings.webIdentityTokenFile, tokenEnv, get, networkRetry(settings.retryMaxAttempts, log), mask);
  const defaultSessionName = settings.webIdentityTokenFile === undefined ? githubSessionName : () => githubSessionName(runnerRunClaims(tokenEnv));
  return { get, ...source, defaultSessionName };
}

/**
 * What the step prints, redacted and inert for the runner: core.info prints text as is, and
 * the runner runs a workflow command found in it (`##[…]` anywhere, `::…::` at the start);
 * annotations are escaped by @actions/core only for %, CR and LF.
 */
function runnerLog(secrets: Secrets): Log {
  const shown = (text: string) => inertLine(secrets.redact(text));
  return {
    info: (text) => core.info(shown(text)),
    warning: (text) => core.warning(shown(text)),
    debug: (text) => core.debug(shown(text)),
  };
}

export async function runMain(self: SelfCommand, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const secrets = new Secrets(core.setSecret);
  const log = runnerLog(secrets);
  const witness = claimsWitness();
  let settings: Settings | undefined;
  try {
    const inputs: InputSource = (name) => core.getInput(name);
    const readRulesFile = await preloadRulesFile(inputs);
    settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(env), readRulesFile });
    const door = githubDoor(settings, env, log, secrets.add);
    const assumed = await assumeRole(settings, witness.watch(assumeRoleDeps(settings, { ...door, log, mask: secrets.add })));
    handOver(settings, assumed, env, { self, inputs });
    await publish(settings, assumed, secrets, env);
  } catch (error) {
    const failure = asClaimcheckError(error);
    core.setFailed(inertLines(secrets.redact(formatError(failure))));
    // Where people look first: the summary says what the job presented and what to do next.
    await writeFailureSummary(failedRunReport(failure, settings, witness, troubleshootingUrl(env)), secrets, env, log);
  }
}

/**
 * The credentials reach later steps as a self-renewing profile, a named profile, variables, or
 * (export: none) only as outputs. Each is recorded in the step's state before it is written,
 * so that the post step removes it even when this step stops half-way.
 */
function handOver(settings: Settings, assumed: Assumed, env: NodeJS.ProcessEnv, refresh: { self: SelfCommand; inputs: InputSource }): void {
  if (settings.refresh) handOverRenewing(settings, assumed, env, refresh);
  else if (settings.export === 'profile') handOverProfile(settings, assumed, env);
  else if (settings.export === 'none') core.info('Exported nothing (export: none): the credentials are in this step\'s outputs, and later steps keep the credentials they had.');
  else handOverVariables(settings, assumed, env);
}

function handOverRenewing(settings: Settings, assumed: Assumed, env: NodeJS.ProcessEnv, refresh: { self: SelfCommand; inputs: InputSource }): void {
  const bearer = { url: env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '', bearer: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '' };
  const profile = settings.awsProfile ?? DEFAULT_PROFILE;
  const setup: RefreshSetup = { dir: join(env.RUNNER_TEMP || tmpdir(), `claimcheck-${randomUUID()}`), profile, files: profileFiles(env) };
  core.saveState('refresh', JSON.stringify(setup));
  installRefresh(setup, { self: refresh.self, inputs: pinnedInputs(refresh.inputs, settings), token: { kind: 'github', ...bearer }, session: assumed.session, region: settings.region });
  const handover = profileHandover(profile, settings.region, setIn(env));
  // A step cannot unset a variable; an empty key is no key to boto3, the AWS CLI and the JS SDK.
  exportVariables(env, [...handover.set, ...handover.clear.map((name) => [name, ''] as const)]);
  core.info(`Wrote profile ${profile} to ${setup.files.config}; it renews its own credentials, and AWS_PROFILE selects it in the steps that follow.`);
  const cleared = clearedNote(handover.clear, 'blank');
  if (cleared) core.info(cleared);
}

function handOverProfile(settings: Settings, assumed: Assumed, env: NodeJS.ProcessEnv): void {
  const name = settings.awsProfile ?? DEFAULT_PROFILE;
  const files = profileFiles(env);
  core.saveState('profile', JSON.stringify({ name, files }));
  writeProfile(files, name, assumed.session, settings.region);
  core.info(`Wrote profile ${name} to ${files.credentials} and ${files.config}; use it with --profile ${name} or AWS_PROFILE=${name}.`);
  const shadowed = shadowedProfileNote(name, keysShadowingProfile(setIn(env)));
  if (shadowed) core.info(shadowed);
}

function handOverVariables(settings: Settings, assumed: Assumed, env: NodeJS.ProcessEnv): void {
  core.saveState('exported', 'true');
  const handover = credentialHandover(assumed.session, settings.region, setIn(env));
  exportVariables(env, handover.set);
  if (handover.clear.length > 0) core.warning(STALE_PROFILE_ON_GITHUB);
}

/** Through $GITHUB_ENV, which @actions/core appends to with the default mode: made 0600 first if missing. */
function exportVariables(env: NodeJS.ProcessEnv, variables: ReadonlyArray<readonly [string, string]>): void {
  if (env.GITHUB_ENV) createPrivateIfMissing(env.GITHUB_ENV);
  for (const [name, value] of variables) core.exportVariable(name, value);
}

async function publish(settings: Settings, assumed: Assumed, secrets: Secrets, env: NodeJS.ProcessEnv): Promise<void> {
  const { session } = assumed;
  const log = runnerLog(secrets);
  core.setOutput('aws-account-id', assumed.accountId);
  core.setOutput('authenticated-arn', session.assumedRoleArn);
  core.setOutput('aws-expiration', session.expiration.toISOString());
  if (settings.outputCredentials) {
    core.setOutput('aws-access-key-id', session.accessKeyId);
    core.setOutput('aws-secret-access-key', session.secretAccessKey);
    core.setOutput('aws-session-token', session.sessionToken);
  }

  const report = runReport(settings, assumed, githubJobFacts(assumed.token.claims));
  log.info(`Assumed ${session.assumedRoleArn}; credentials expire at ${session.expiration.toISOString()}.`);
  log.info(`claimcheck-audit ${auditRecord(report)}`);
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(secrets.redact(summaryMarkdown(report, Date.now()))).write();
    } catch (error) {
      log.warning(`Could not write the step summary: ${(error as Error).message}`);
    }
  }
}

/** `credential-process <config>`: run by the AWS CLI and SDKs through the refresh profile. */
export function runCredentialProcessCommand(configPath: string): Promise<number> {
  return runCredentialProcess(
    configPath,
    (token, settings, log) => {
      if (token.kind !== 'github') throw new Error(`this bundle cannot get a ${token.kind} token`);
      return githubDoor(settings, { ...process.env, ACTIONS_ID_TOKEN_REQUEST_URL: token.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: token.bearer }, log, () => {});
    },
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), now: Date.now },
  );
}
