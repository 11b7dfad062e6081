// How `claimcheck assume` hands the credentials over: shell exports, JSON, the AWS
// credential_process format, or the GitHub/CircleCI environment files.
import { randomUUID } from 'node:crypto';
import { credentialHandover, credentialVariables, handoverShellLines, type IsSet } from '../core/exported-variables.js';

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
