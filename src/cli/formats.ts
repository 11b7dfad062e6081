// How `claimcheck assume` prints or writes what the clouds hand over: shell exports, JSON, a
// cloud's own document (AWS's credential_process format), or the GitHub/CircleCI env files.
import { randomUUID } from 'node:crypto';
import { ClaimcheckError } from '../core/errors.js';
import type { HandOver } from '../flow/cloud.js';
import { UsageError } from './args.js';

export const OUTPUT_FORMATS = ['env', 'json', 'credential-process', 'github', 'circleci'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The hand-overs' credentials as JSON: one cloud's as they are, several as a list in the step's order. */
export function dataJson(handovers: readonly HandOver[]): string {
  const data = handovers.map((handover) => handover.data).filter((entry) => entry !== undefined);
  if (data.length === 0) throw new UsageError('--format json: this hand-over has no credentials to print (they are in a file)');
  return `${JSON.stringify(data.length === 1 ? data[0] : data)}\n`;
}

/** A cloud's own document for a format (AWS's credential-process output). */
export function documentOf(handovers: readonly HandOver[], format: OutputFormat): string {
  const documents = handovers.flatMap((handover) => handover.formats?.[format] ?? []);
  if (documents.length !== 1) throw new UsageError(`--format ${format} prints the credentials of one AWS role: use it with --role-to-assume alone`);
  return documents[0] as string;
}

/** GITHUB_ENV entries in the runner's heredoc form, with a delimiter no value contains. */
export function githubEnvEntries(variables: ReadonlyArray<readonly [string, string]>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return variables
    .map(([name, value]) => {
      if (value.includes(delimiter)) throw new Error('a value contains the delimiter');
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

/**
 * The CI env file a format writes to must exist before anything is asked for: outside GitHub,
 * `--format github` would print `::add-mask::<secret>` lines that other CIs log in clear.
 */
export function assertExportTarget(format: OutputFormat, env: Readonly<Record<string, string | undefined>>): void {
  const variable = format === 'github' ? 'GITHUB_ENV' : format === 'circleci' ? 'BASH_ENV' : undefined;
  if (variable === undefined || env[variable]) return;
  const where = format === 'github' ? 'a GitHub Actions step' : 'a CircleCI job';
  throw new ClaimcheckError(
    'EXPORT_FAILED',
    `${variable} is not set, so the credentials cannot reach later steps (--format ${format}); no token was read and STS was not called.`,
    `Use --format ${format} only in ${where}, which sets ${variable}; elsewhere use --format env (creds="$(claimcheck assume …)" && eval "$creds") or --format json.`,
  );
}
