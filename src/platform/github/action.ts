// The GitHub Action's main step: inputs through @actions/core, the job's OIDC token from
// GitHub's endpoint, the shared flow, then exports, outputs, summary and audit line.
import * as core from '@actions/core';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { EXPORTED_VARIABLES } from '../../core/exported-variables.js';
import { auditRecord, summaryMarkdown, type RunReport } from '../../core/report.js';
import { systemClock, type RetryPolicy } from '../../core/retry.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type Settings } from '../../core/settings.js';
import { VERSION } from '../../core/version.generated.js';
import { profileFiles, writeProfile } from '../../aws/profile.js';
import { createWebIdentitySts } from '../../aws/sts.js';
import { assumeRole, type Assumed, type Log } from '../../flow/assume-role.js';
import { createActionsJsonGetter } from '../../net/actions-http.js';
import type { RetryContext } from '../../net/http.js';
import { issuerJsonFetcher, issuerKeySource } from '../../oidc/keys.js';
import { verifyToken } from '../../oidc/verify.js';
import { githubJobFacts, githubSessionName } from './claims.js';
import { githubTokenRequester } from './token.js';

const USER_AGENT = `claimcheck/${VERSION}`;

export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const secrets = new Secrets(core.setSecret);
  const log: Log = { info: (text) => core.info(secrets.redact(text)), debug: (text) => core.debug(secrets.redact(text)) };
  try {
    const settings = parseSettings((name) => core.getInput(name), { endpointFromEnvironment: stsEndpointFromEnvironment(env) });
    const assumed = await assumeRole(settings, wire(settings, env, secrets, log));
    await publish(settings, assumed, secrets, env);
  } catch (error) {
    core.setFailed(secrets.redact(formatError(asClaimcheckError(error))));
  }
}

function stsEndpointFromEnvironment(env: NodeJS.ProcessEnv): { variable: string; value: string } | undefined {
  const variable = ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'].find((name) => env[name]);
  return variable ? { variable, value: env[variable] ?? '' } : undefined;
}

function networkRetry(settings: Settings, log: Log): RetryContext {
  const policy: RetryPolicy = { maxAttempts: settings.retryMaxAttempts, baseDelayMs: 250, maxDelayMs: 4_000, budgetMs: 30_000 };
  return {
    policy,
    clock: systemClock,
    onRetry: (failure, attempt, delay) => log.info(`Attempt ${attempt} at ${failure.target} failed (${failure.reason}); retrying in ${delay} ms.`),
  };
}

function wire(settings: Settings, env: NodeJS.ProcessEnv, secrets: Secrets, log: Log) {
  const get = createActionsJsonGetter({ userAgent: USER_AGENT, timeoutMs: 10_000 });
  const retry = networkRetry(settings, log);
  const keys = issuerKeySource(settings.issuer, issuerJsonFetcher(get, retry));
  const verifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockToleranceSeconds: settings.clockToleranceSeconds,
    now: () => systemClock.now(),
  };
  return {
    requestToken: githubTokenRequester(env, get, retry, secrets.add),
    verifyToken: (token: string) => verifyToken(token, verifyOptions, keys),
    sts: createWebIdentitySts({ region: settings.region, endpoint: settings.stsEndpoint, userAgent: USER_AGENT }),
    mask: secrets.add,
    log,
    clock: systemClock,
    defaultSessionName: githubSessionName,
  };
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

  const report = runReport(settings, assumed);
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

function runReport(settings: Settings, assumed: Assumed): RunReport {
  const { claims } = assumed.token;
  return {
    version: VERSION,
    job: githubJobFacts(claims),
    issuer: settings.issuer,
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    roleArn: settings.roleArn.arn,
    assumedRoleArn: assumed.session.assumedRoleArn,
    accountId: assumed.accountId,
    sessionName: assumed.sessionName,
    region: settings.region,
    expiration: assumed.session.expiration,
    rules: assumed.rules.map((result) => ({ rule: result.rule.source, held: result.held })),
  };
}
