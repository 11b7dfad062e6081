// The GitHub Action's main step: inputs through @actions/core, the job's OIDC token from
// GitHub's endpoint, the shared flow, then exports, outputs, summary and audit line.
import * as core from '@actions/core';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { EXPORTED_VARIABLES } from '../../core/exported-variables.js';
import { auditRecord, summaryMarkdown } from '../../core/report.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type InputSource, type Settings } from '../../core/settings.js';
import { profileFiles, writeProfile } from '../../aws/profile.js';
import { assumeRole, type Assumed, type Log } from '../../flow/assume-role.js';
import { assumeRoleDeps, networkRetry, runReport, stsEndpointFromEnvironment, USER_AGENT } from '../../flow/wiring.js';
import { createActionsJsonGetter } from '../../net/actions-http.js';
import { preloadRulesFile } from '../shared/rules-file.js';
import { githubJobFacts, githubSessionName } from './claims.js';
import { githubTokenRequester } from './token.js';

export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const secrets = new Secrets(core.setSecret);
  const log: Log = {
    info: (text) => core.info(secrets.redact(text)),
    warning: (text) => core.warning(secrets.redact(text)),
    debug: (text) => core.debug(secrets.redact(text)),
  };
  try {
    const inputs: InputSource = (name) => core.getInput(name);
    const readRulesFile = await preloadRulesFile(inputs);
    const settings = parseSettings(inputs, { endpointFromEnvironment: stsEndpointFromEnvironment(env), readRulesFile });
    const get = createActionsJsonGetter({ userAgent: USER_AGENT, timeoutMs: 10_000 });
    const assumed = await assumeRole(settings, assumeRoleDeps(settings, {
      get,
      log,
      mask: secrets.add,
      requestToken: githubTokenRequester(env, get, networkRetry(settings.retryMaxAttempts, log), secrets.add),
      defaultSessionName: githubSessionName,
    }));
    await publish(settings, assumed, secrets, env);
  } catch (error) {
    core.setFailed(secrets.redact(formatError(asClaimcheckError(error))));
  }
}

async function publish(settings: Settings, assumed: Assumed, secrets: Secrets, env: NodeJS.ProcessEnv): Promise<void> {
  const { session } = assumed;
  if (settings.awsProfile) {
    const files = profileFiles(env);
    writeProfile(files, settings.awsProfile, session, settings.region);
    core.saveState('profile', JSON.stringify({ name: settings.awsProfile, files }));
    core.info(`Wrote profile ${settings.awsProfile} to ${files.credentials} and ${files.config}; use it with --profile ${settings.awsProfile} or AWS_PROFILE=${settings.awsProfile}.`);
  } else {
    const values = [session.accessKeyId, session.secretAccessKey, session.sessionToken, settings.region, settings.region];
    EXPORTED_VARIABLES.forEach((name, index) => core.exportVariable(name, values[index]));
    core.saveState('exported', 'true');
  }

  core.setOutput('aws-account-id', assumed.accountId);
  core.setOutput('authenticated-arn', session.assumedRoleArn);
  core.setOutput('aws-expiration', session.expiration.toISOString());
  if (settings.outputCredentials) {
    core.setOutput('aws-access-key-id', session.accessKeyId);
    core.setOutput('aws-secret-access-key', session.secretAccessKey);
    core.setOutput('aws-session-token', session.sessionToken);
  }

  const report = runReport(settings, assumed, githubJobFacts(assumed.token.claims));
  core.info(secrets.redact(`Assumed ${session.assumedRoleArn}; credentials expire at ${session.expiration.toISOString()}.`));
  core.info(secrets.redact(`claimcheck-audit ${auditRecord(report)}`));
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      await core.summary.addRaw(secrets.redact(summaryMarkdown(report, Date.now()))).write();
    } catch (error) {
      core.warning(`Could not write the step summary: ${(error as Error).message}`);
    }
  }
}
