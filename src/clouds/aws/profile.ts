// Named profiles in the AWS shared credentials and config files, written as private files
// (private-file.ts: 0600, renamed into place, never through a symlink, never a FIFO or
// anything else but a regular file); only our own profile's section changes: other profiles
// stay byte for byte.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { removeSection, upsertSection } from '../../core/text/ini.js';
import { updatePrivateFile } from '../../files/private-file.js';

export interface ProfileFiles {
  readonly credentials: string;
  readonly config: string;
}

export interface ProfileCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** Where the AWS CLI and SDKs look: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws. */
export function profileFiles(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): ProfileFiles {
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
  };
}

function configSection(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

export function writeProfile(files: ProfileFiles, profile: string, credentials: ProfileCredentials, region: string): void {
  const note = `written by claimcheck; expires ${credentials.expiration.toISOString()}`;
  // The config first: should the credentials then fail, no profile points at stale keys.
  updatePrivateFile(files.config, (text) => upsertSection(text, configSection(profile), [['region', region]], 'written by claimcheck'));
  updatePrivateFile(files.credentials, (text) =>
    upsertSection(text, profile, [
      ['aws_access_key_id', credentials.accessKeyId],
      ['aws_secret_access_key', credentials.secretAccessKey],
      ['aws_session_token', credentials.sessionToken],
    ], note),
  );
}

/**
 * A profile whose credentials come from a command: every AWS SDK and the CLI run it again
 * when the credentials near expiry. A static entry of the same name would take precedence,
 * so it is removed from the credentials file.
 */
export function writeProcessProfile(files: ProfileFiles, profile: string, command: string, region: string): void {
  updatePrivateFile(files.config, (text) => upsertSection(text, configSection(profile), [['region', region], ['credential_process', command]], 'written by claimcheck; renews its credentials'));
  updatePrivateFile(files.credentials, (text) => removeSection(text, profile));
}

/** Removes our sections from both files; one file that cannot be changed does not keep the other as it was. */
export function removeProfile(files: ProfileFiles, profile: string): void {
  let failure: unknown;
  for (const [path, section] of [[files.credentials, profile], [files.config, configSection(profile)]] as const) {
    try {
      updatePrivateFile(path, (text) => removeSection(text, section));
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
