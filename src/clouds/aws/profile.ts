// Named profiles in the AWS shared credentials and config files, written as private files
// (private-file.ts: 0600, renamed into place, never through a symlink, never a FIFO or
// anything else but a regular file); only our own profile's section changes: other profiles
// stay byte for byte. A section claimcheck writes says so in its first line, which is how a
// later run tells a profile of its own from one the user already had.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ClaimcheckError } from '../../core/errors.js';
import { removeSection, restoreSection, sectionText, upsertSection } from '../../core/text/ini.js';
import { readPrivateFile, updatePrivateFile } from '../../files/private-file.js';

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

/** How every section claimcheck writes begins, after its header. */
const OURS = /^# (?:written|left) by claimcheck\b/;

/**
 * A path from AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE, with `~` expanded as every SDK
 * that expands it does (a workflow's env: does no shell expansion): `~` and `~/…` are the home.
 * `~name/…` is another user's home to boto3 and the AWS CLI but a folder named ~name to the JS
 * SDK, so it is refused rather than guessed.
 */
function expandHome(variable: string, value: string, home: string): string {
  if (value === '~') return home;
  const separator = process.platform === 'win32' ? /^~[\\/]/ : /^~\//;
  if (separator.test(value)) return join(home, value.slice(2));
  if (value.startsWith('~')) {
    throw new ClaimcheckError(
      'PROFILE_WRITE',
      `${variable} is ${JSON.stringify(value)}: boto3 and the AWS CLI read ~name as that user's home folder, the JS SDK as a folder named ~name, so claimcheck cannot tell which file the clients will read.`,
      `Write ${variable} out as a full path, or start it with ~/ for this user's home (${home}).`,
    );
  }
  return value;
}

/** Where the AWS CLI and SDKs look: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (with ~ expanded), else ~/.aws. */
export function profileFiles(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): ProfileFiles {
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE;
  const config = env.AWS_CONFIG_FILE;
  return {
    credentials: credentials ? expandHome('AWS_SHARED_CREDENTIALS_FILE', credentials, home) : join(home, '.aws', 'credentials'),
    config: config ? expandHome('AWS_CONFIG_FILE', config, home) : join(home, '.aws', 'config'),
  };
}

export function configSection(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/** The profile's section in each file, as it stands: what the user had, to be put back later. */
export interface SavedSections {
  readonly credentials: string | undefined;
  readonly config: string | undefined;
}

export function sectionsOf(files: ProfileFiles, profile: string): SavedSections {
  return { credentials: sectionText(readPrivateFile(files.credentials), profile), config: sectionText(readPrivateFile(files.config), configSection(profile)) };
}

/** The files in which the profile has a section that claimcheck did not write. */
export function foreignSections(files: ProfileFiles, profile: string): string[] {
  const sections = sectionsOf(files, profile);
  const foreign = (text: string | undefined) => text !== undefined && !OURS.test(text.split('\n')[1] ?? '');
  return [...(foreign(sections.credentials) ? [files.credentials] : []), ...(foreign(sections.config) ? [files.config] : [])];
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

/** Removes the profile's credentials section, without touching (or locking) a file that has none. */
function removeCredentials(files: ProfileFiles, profile: string): void {
  if (sectionText(readPrivateFile(files.credentials), profile) === undefined) return;
  updatePrivateFile(files.credentials, (text) => removeSection(text, profile));
}

/**
 * A profile whose credentials come from a command: every AWS SDK and the CLI run it again
 * when the credentials near expiry. A static entry of the same name would take precedence,
 * so it is removed from the credentials file.
 */
export function writeProcessProfile(files: ProfileFiles, profile: string, command: string, region: string): void {
  updatePrivateFile(files.config, (text) => upsertSection(text, configSection(profile), [['region', region], ['credential_process', command]], 'written by claimcheck; renews its credentials'));
  removeCredentials(files, profile);
}

/**
 * What the post step leaves of a renewing profile on GitHub, where AWS_PROFILE cannot be unset:
 * the section without credentials, so that the name AWS_PROFILE still holds is a profile every
 * client finds (an empty or missing one is an error to boto3 and the AWS CLI), and each falls
 * back to what the job had before.
 */
export function leaveEmptyProfile(files: ProfileFiles, profile: string): void {
  const note = 'left by claimcheck: AWS_PROFILE names this profile until the job ends (a GitHub step cannot unset it); it holds no credentials';
  updatePrivateFile(files.config, (text) => upsertSection(text, configSection(profile), [], note));
  removeCredentials(files, profile);
}

/**
 * Removes our sections from both files, or puts back the sections the user had (`saved`);
 * one file that cannot be changed does not keep the other as it was.
 */
export function removeProfile(files: ProfileFiles, profile: string, saved?: SavedSections): void {
  let failure: unknown;
  const parts = [[files.credentials, profile, saved?.credentials], [files.config, configSection(profile), saved?.config]] as const;
  for (const [path, section, before] of parts) {
    try {
      updatePrivateFile(path, (text) => restoreSection(text, section, before));
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
