// `credential-process <config>`: what the refresh profile's credential_process runs. It
// answers from its private cache while the session has time left; otherwise it gets a fresh
// OIDC token and assumes the role again with the same verification and rules. Its output is
// the documented {"Version":1,…} document; errors go to standard error, which the AWS CLI shows.
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../../aws/private-file.js';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { Secrets } from '../../core/secrets.js';
import { parseSettings, type InputSource, type Settings } from '../../core/settings.js';
import { assumeRole, type Log } from '../../flow/assume-role.js';
import { assumeRoleDeps, type FrontDoor } from '../../flow/wiring.js';
import { CACHE, cacheOf, OWN_FILE, type CachedCredentials, type RefreshConfig, type TokenSpec } from './refresh.js';
import { preloadRulesFile } from './rules-file.js';

/** Answer from the cache while the session has at least this long left. */
const RENEW_BEFORE_MS = 5 * 60_000;

function processOutput(credentials: CachedCredentials): string {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  return `${JSON.stringify({ Version: 1, AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, Expiration: expiration })}\n`;
}

function readCache(dir: string): CachedCredentials | undefined {
  try {
    const cached = JSON.parse(readPrivateFile(join(dir, CACHE), OWN_FILE)) as CachedCredentials;
    return typeof cached.sessionToken === 'string' && typeof cached.expiration === 'string' ? cached : undefined;
  } catch {
    return undefined;
  }
}

export interface CredentialProcessIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
}

/** What a platform's bundle brings to the credential process: its HTTP, and its way to a token. */
export type CredentialProcessDoor = (token: TokenSpec, settings: Settings, log: Log) => Omit<FrontDoor, 'log' | 'mask'>;

export async function runCredentialProcess(configPath: string, door: CredentialProcessDoor, io: CredentialProcessIo): Promise<number> {
  const log: Log = { info: () => {}, debug: () => {}, warning: () => {} };
  const secrets = new Secrets(() => {});
  try {
    const dir = join(configPath, '..');
    const cached = readCache(dir);
    if (cached && Date.parse(cached.expiration) - io.now() > RENEW_BEFORE_MS) {
      io.stdout(processOutput(cached));
      return 0;
    }
    const config = JSON.parse(readPrivateFile(configPath, OWN_FILE)) as RefreshConfig;
    const source: InputSource = (name) => config.inputs[name];
    const settings = parseSettings(source, { readRulesFile: await preloadRulesFile(source) });
    const deps = assumeRoleDeps(settings, { ...door(config.token, settings, log), log, mask: secrets.add });
    const assumed = await assumeRole(settings, deps);
    const fresh = cacheOf(assumed.session);
    writePrivateFile(join(dir, CACHE), JSON.stringify(fresh), OWN_FILE);
    io.stdout(processOutput(fresh));
    return 0;
  } catch (error) {
    io.stderr(`claimcheck credential-process: ${secrets.redact(formatError(asClaimcheckError(error)))}\n`);
    return 1;
  }
}
