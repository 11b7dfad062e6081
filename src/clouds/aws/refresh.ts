// Credentials that outlive their session: a profile whose credential_process runs this very
// bundle again (`<node> <bundle> credential-process <config>`). Every AWS SDK and the AWS CLI
// run it when they need credentials; it answers from a private cache while the session has
// time left, and otherwise gets a fresh OIDC token and assumes the role again, with the same
// verification and rules. What it needs to get a token (on GitHub: the request URL and its
// bearer, which live for the job) is kept in a 0600 file, never in the environment or a log.
import { isAbsolute, join, resolve } from 'node:path';
import { writePrivateFile } from '../../files/private-file.js';
import { claimcheckFolder, freshPrivateFolder, OWN_FILE, removeOwnFolder } from '../../files/private-folder.js';
import { removeProfile, writeProcessProfile, type ProfileFiles, type SavedSections } from './profile.js';
import type { StsSession } from './sts.js';
import { credentialProcessLine } from '../../core/text/command-line.js';
import { INPUTS, type InputName } from '../../core/config/inputs.generated.js';
import type { AwsSettings } from '../../core/aws/settings.js';
import type { SelfCommand, TokenSpec } from '../../flow/cloud.js';

import { CACHE, type CachedCredentials, type RefreshConfig } from './credential-cache.js';

export { CACHE, type CachedCredentials, type RefreshConfig };

/** Where a renewing profile's files go: known, and recorded, before anything is written. */
export interface RefreshSetup {
  readonly dir: string;
  readonly profile: string;
  readonly files: ProfileFiles;
}

const CONFIG = 'config.json';

/** The inputs the credential process re-reads: as given, with what depended on the moment pinned, and AWS's alone. */
export function pinnedInputs(given: Readonly<Record<string, string>>, aws: AwsSettings): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const name of Object.keys(INPUTS) as InputName[]) inputs[name] = given[name] ?? '';
  const rulesFile = inputs['rules-file'];
  if (rulesFile) inputs['rules-file'] = isAbsolute(rulesFile) ? rulesFile : resolve(rulesFile);
  inputs['sts-endpoint'] = aws.stsEndpoint ?? '';
  inputs.refresh = 'false';
  inputs['aws-profile'] = '';
  return inputs;
}

export function cacheOf(session: StsSession, sessionSeconds: number): CachedCredentials {
  const { accessKeyId, secretAccessKey, sessionToken } = session;
  return { accessKeyId, secretAccessKey, sessionToken, expiration: session.expiration.toISOString(), sessionSeconds };
}

/** The orb's and the CLI's renewal folder; a profile name is one path segment, never `/`. */
export function homeRefreshDir(home: string, profile: string): string {
  return join(claimcheckFolder(home), `refresh-${profile}`);
}

export interface InstallOptions {
  readonly self: SelfCommand;
  readonly inputs: Readonly<Record<string, string>>;
  readonly token: TokenSpec;
  readonly session: StsSession;
  /** The duration asked of STS for it. */
  readonly sessionSeconds: number;
  readonly region: string;
  /**
   * The orb's launcher (its text): renewals run it instead of the bundle, so the bundle's
   * digest is checked again before every renewal, wherever the cache it came from stands.
   */
  readonly launcher?: string;
  /** The sections of a profile the user had (replace-profile), put back should the install fail. */
  readonly saved?: SavedSections;
}

const LAUNCHER = 'launch.mjs';

/**
 * Writes the renewal files into a fresh private folder and the profile that runs them. If any
 * step fails, what was written is removed before the error goes on: the config holds the
 * token source (on GitHub the request bearer) and the cache the credentials. The folder's
 * parent must be closed to others (ownFolder) or its name unguessable.
 */
export function installRefresh(setup: RefreshSetup, options: InstallOptions): void {
  try {
    freshPrivateFolder(setup.dir);
    const configPath = join(setup.dir, CONFIG);
    const config: RefreshConfig = { version: 1, inputs: options.inputs, token: options.token };
    writePrivateFile(configPath, JSON.stringify(config), OWN_FILE);
    writePrivateFile(join(setup.dir, CACHE), JSON.stringify(cacheOf(options.session, options.sessionSeconds)), OWN_FILE);
    const script = options.launcher === undefined ? options.self.script : join(setup.dir, LAUNCHER);
    if (options.launcher !== undefined) writePrivateFile(script, options.launcher, OWN_FILE);
    // Quoted as the clients on this OS split the line (core/text/command-line.ts).
    const command = credentialProcessLine([options.self.node, script, 'credential-process', configPath], process.platform);
    writeProcessProfile(setup.files, setup.profile, command, options.region);
  } catch (error) {
    try {
      uninstallRefresh(setup, undefined, options.saved);
    } catch {
      // The first error says what went wrong; the post step or cleanup tries the rest again.
    }
    throw error;
  }
}

/**
 * Removes the private files first (they hold the secrets), then the profile, trying both: the
 * profile is removed, put back as the user had it (`saved`), or handed to `leave` instead.
 */
export function uninstallRefresh(setup: RefreshSetup, leave?: (files: ProfileFiles, profile: string) => void, saved?: SavedSections): void {
  let failure: unknown;
  const profile = () => (leave ? leave(setup.files, setup.profile) : removeProfile(setup.files, setup.profile, saved));
  for (const step of [() => removeOwnFolder(setup.dir), profile]) {
    try {
      step();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
