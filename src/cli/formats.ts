// How `claimcheck assume` hands the credentials over: shell exports, JSON, the AWS
// credential_process format, or the GitHub/CircleCI environment files.
import { randomUUID } from 'node:crypto';
import { ClaimcheckError } from '../core/errors.js';
import { credentialHandover, credentialVariables, handoverShellLines, type IsSet } from '../core/aws/exported-variables.js';

export const OUTPUT_FORMATS = ['env', 'json', 'credential-process', 'github', 'circleci'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly region: string;
  readonly assumedRoleArn: string;
}

/**
 * `export NAME='value'` lines, for `eval "$(claimcheck assume …)"` or $BASH_ENV, after an
 * `unset AWS_PROFILE` when one is set: the JS SDK would use it before these keys.
 */
export function shellExports(credentials: IssuedCredentials, isSet: IsSet): string {
  return handoverShellLines(credentialHandover(credentials, credentials.region, isSet));
}

export function credentialsJson(credentials: IssuedCredentials): string {
  return `${JSON.stringify({
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString(),
    Region: credentials.region,
    AssumedRoleArn: credentials.assumedRoleArn,
  })}\n`;
}

/** The documented credential_process output that AWS SDKs and the CLI read. */
export function credentialProcessJson(credentials: IssuedCredentials): string {
  return `${JSON.stringify({
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString(),
  })}\n`;
}

/** GITHUB_ENV entries in the runner's heredoc form, with a delimiter no value contains. */
export function githubEnvEntries(credentials: IssuedCredentials, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return credentialVariables(credentials, credentials.region)
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
