// The GitHub Action's main step: inputs through @actions/core, the job's OIDC token from
// GitHub's endpoint, the shared flow, then exports, outputs, summary and audit line.
import * as core from '@actions/core';
import { randomUUID } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudTargets } from '../../clouds/registry.js';
import { INPUTS, type InputName } from '../../core/config/inputs.generated.js';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { auditRecord, summaryMarkdown } from '../../core/report/report.js';
import { Secrets } from '../../core/secrets.js';
import { inertLine, inertLines } from '../../core/text/inert-text.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { CloudSession, HandOver, HandOverPlace, Log, Rerun, SelfCommand, UndoRecord } from '../../flow/cloud.js';
import { checkHandOvers, exchange } from '../../flow/exchange.js';
import { claimsWitness, failedRunReport } from '../../flow/failure.js';
import { flowDeps, jsonGetter, networkRetry, runReport, stsEndpointFromEnvironment } from '../../flow/wiring.js';
import type { CredentialProcessDoor } from '../../clouds/aws/credential-process.js';
import { createPrivateIfMissing } from '../shared/env-file.js';
import { laterProcesses } from '../shared/later-processes.js';
import { githubJobFacts, githubSessionName } from './claims.js';
import { troubleshootingUrl, writeFailureSummary } from './failure-summary.js';
import { HANDOVER_STATE, VARIABLES_STATE } from './state.js';
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
    const targets = cloudTargets(settings);
    const rerun: Rerun = { self, inputs: givenInputs(inputs), token: { kind: 'github', url: env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '', bearer: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '' } };
    const place = githubPlace(env, rerun);
    checkHandOvers(targets, place);
    const sessions = await exchange(settings, targets, witness.watch(flowDeps(settings, { ...door, log, mask: secrets.add })));
    const handovers = sessions.map((session) => session.handOver(place));
    applyHandovers(env, handovers, log);
    await publish(settings, sessions, secrets, env);
  } catch (error) {
    const failure = asClaimcheckError(error);
    core.setFailed(inertLines(secrets.redact(formatError(failure))));
    // Where people look first: the summary says what the job presented and what to do next.
    await writeFailureSummary(failedRunReport(failure, settings, witness, troubleshootingUrl(env)), secrets, env, log);
  }
}

/** Every input as the step was given it, for a later run of claimcheck (a renewal). */
function givenInputs(inputs: InputSource): Record<string, string> {
  return Object.fromEntries((Object.keys(INPUTS) as InputName[]).map((name) => [name, inputs(name) ?? '']));
}

/**
 * On a runner: private folders in RUNNER_TEMP under names nobody can guess, and each record
 * kept in the step's state, before what it names is written, so that the post step removes it
 * even when this step stops half-way. A step cannot unset a variable, only set it empty.
 */
function githubPlace(env: NodeJS.ProcessEnv, rerun: Rerun): HandOverPlace {
  const records: UndoRecord[] = [];
  return {
    env,
    home: homedir(),
    privateFolder: () => join(env.RUNNER_TEMP || tmpdir(), `claimcheck-${randomUUID()}`),
    record: (undo) => {
      records.push(undo);
      core.saveState(HANDOVER_STATE, JSON.stringify(records));
    },
    rerun,
    canUnset: false,
  };
}

/**
 * What the post step does with each variable a hand-over set or cleared: put back the value
 * the job had before this step, or, where it had none, set it empty (every client reads an
 * empty key as unset) unless the cloud asked to keep it (an empty region is an invalid one).
 */
interface VariableRecord {
  readonly name: string;
  readonly before: string | null;
  readonly keep: boolean;
}

function variableRecords(env: NodeJS.ProcessEnv, handovers: readonly HandOver[]): VariableRecord[] {
  const records = new Map<string, VariableRecord>();
  for (const handover of handovers) {
    for (const name of [...handover.set.map(([variable]) => variable), ...handover.clear]) {
      if (!records.has(name)) records.set(name, { name, before: env[name] ?? null, keep: handover.keep?.includes(name) ?? false });
    }
  }
  return [...records.values()];
}

/**
 * The variables every cloud hands over, through $GITHUB_ENV (made 0600 first if missing, as
 * @actions/core appends with the default mode), recorded first for the post step to put back;
 * a variable to clear is set empty, which every client reads as unset.
 */
function applyHandovers(env: NodeJS.ProcessEnv, handovers: readonly HandOver[], log: Log): void {
  const variables = handovers.flatMap((handover) => [...handover.set, ...handover.clear.map((name) => [name, ''] as const)]);
  if (variables.length > 0) {
    core.saveState(VARIABLES_STATE, JSON.stringify(variableRecords(env, handovers)));
    if (env.GITHUB_ENV) createPrivateIfMissing(env.GITHUB_ENV);
    for (const [name, value] of variables) core.exportVariable(name, value);
  }
  for (const handover of handovers) {
    for (const [name, value] of handover.outputs) core.setOutput(name, value);
    for (const note of handover.notes) log.info(note);
    for (const warning of handover.warnings) log.warning(warning);
  }
}

async function publish(settings: Settings, sessions: readonly CloudSession[], secrets: Secrets, env: NodeJS.ProcessEnv): Promise<void> {
  const log = runnerLog(secrets);
  const report = runReport(settings, sessions, githubJobFacts((sessions[0] as CloudSession).token.verified.claims));
  log.info(`claimcheck-audit ${auditRecord(report)}`);
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(secrets.redact(summaryMarkdown(report, Date.now()))).write();
    } catch (error) {
      log.warning(`Could not write the step summary: ${(error as Error).message}`);
    }
  }
}

/**
 * How a later process of this bundle gets a token: from the request URL and bearer a renewal
 * config holds (AWS's renewing profile) or the Azure refresher was handed, or from its own
 * environment, where every step of the job has them (Google's credentials file).
 */
const renewalDoor: CredentialProcessDoor = (token, settings, log) => {
  if (token.kind === 'github-env') return githubDoor(settings, process.env, log, () => {});
  if (token.kind !== 'github') throw new Error(`this bundle cannot get a ${token.kind} token`);
  return githubDoor(settings, { ...process.env, ACTIONS_ID_TOKEN_REQUEST_URL: token.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: token.bearer }, log, () => {});
};

/** What later processes of the job run through this bundle: credential-process, google-subject-token, azure-refresh. */
export const LATER_PROCESSES = laterProcesses(renewalDoor);
