// A failed step's summary on GitHub: the failure report as Markdown, linking the
// TROUBLESHOOTING section of the very version of the action that ran, when the runner says
// which (GITHUB_ACTION_REPOSITORY and GITHUB_ACTION_REF; not for a local `uses: ./`).
import * as core from '@actions/core';
import { parseServiceUrl } from '../../core/config/input-values.js';
import type { FailureReport } from '../../core/report/failure-report.js';
import { failureMarkdown } from '../../core/report/report.js';
import type { Secrets } from '../../core/secrets.js';
import type { Log } from '../../flow/cloud.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** docs/TROUBLESHOOTING.md of the running action, from runner variables checked to be plain names. */
export function troubleshootingUrl(env: Environment): string | undefined {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_ACTION_REPOSITORY ?? '';
  const ref = env.GITHUB_ACTION_REF ?? '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository) || !/^[\w.-]+(\/[\w.-]+)*$/.test(ref) || ref.includes('..') || parseServiceUrl(server) === undefined) return undefined;
  return `${server.replace(/\/+$/, '')}/${repository}/blob/${ref}/docs/TROUBLESHOOTING.md`;
}

export async function writeFailureSummary(report: FailureReport, secrets: Secrets, env: Environment, log: Log): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(secrets.redact(failureMarkdown(report))).write();
  } catch (error) {
    log.warning(`Could not write the step summary: ${(error as Error).message}`);
  }
}
