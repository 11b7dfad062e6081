// `credential-process <config>`: what the refresh profile's credential_process runs. It
// answers from its private cache while the session has time left; otherwise it gets a fresh
// OIDC token and assumes the role again with the same verification and rules. Clients that
// start together near expiry renew once: the first takes the cache's lock and renews, the
// others wait on it and answer with what it wrote. Its output is the documented
// {"Version":1,…} document; errors go to standard error, which the AWS CLI shows.
import { join } from 'node:path';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { Secrets } from '../../core/secrets.js';
import { holdFileLock, type LockTiming } from '../../files/file-lock.js';
import { writePrivateFile } from '../../files/private-file.js';
import { OWN_FILE } from '../../files/private-folder.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { Log, TokenSpec } from '../../flow/cloud.js';
import { exchange } from '../../flow/exchange.js';
import { flowDeps, type FrontDoor } from '../../flow/wiring.js';
import { awsTarget, type AwsSession } from './cloud.js';
import { CACHE, freshCachedCredentials, processOutput, readRefreshConfig, type CachedCredentials, type RefreshConfig } from './credential-cache.js';
import { cacheOf } from './refresh.js';

export { CLIENT_REFRESH_WINDOW_MS, renewBeforeMs } from './credential-cache.js';

/** Renewals of one profile take turns; one may wait on STS's retries (60 s) and the token's. */
const RENEWAL_LOCK: LockTiming = { waitMs: 150_000, staleMs: 150_000, orphanMs: 2_000 };

export interface CredentialProcessIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
}

/** What a platform's bundle brings to the credential process: its HTTP, and its way to a token. */
export type CredentialProcessDoor = (token: TokenSpec, settings: Settings, log: Log) => Omit<FrontDoor, 'log' | 'mask'>;

export async function runCredentialProcess(configPath: string, door: CredentialProcessDoor, io: CredentialProcessIo): Promise<number> {
  const secrets = new Secrets(() => {});
  try {
    const dir = join(configPath, '..');
    const config = readRefreshConfig(configPath);
    const cached = freshCachedCredentials(configPath, config, io.now());
    if (cached) {
      io.stdout(processOutput(cached));
      return 0;
    }
    const release = holdFileLock(join(dir, CACHE), RENEWAL_LOCK);
    try {
      // Another client may have renewed while this one waited for the lock: its answer is ours.
      io.stdout(processOutput(freshCachedCredentials(configPath, config, io.now()) ?? (await renew(dir, config, door, secrets))));
    } finally {
      release();
    }
    return 0;
  } catch (error) {
    io.stderr(`claimcheck credential-process: ${secrets.redact(formatError(asClaimcheckError(error)))}\n`);
    return 1;
  }
}

/** A fresh token, the same checks and a new session, written to the cache. */
async function renew(dir: string, config: RefreshConfig, door: CredentialProcessDoor, secrets: Secrets): Promise<CachedCredentials> {
  const log: Log = { info: () => {}, debug: () => {}, warning: () => {} };
  const source: InputSource = (name) => config.inputs[name];
  const settings = parseSettings(source, { readRulesFile: await preloadRulesFile(source) });
  if (!settings.aws) throw new Error('the renewal config names no role');
  const deps = flowDeps(settings, { ...door(config.token, settings, log), log, mask: secrets.add });
  const [session] = (await exchange(settings, [awsTarget(settings, settings.aws)], deps)) as AwsSession[];
  const { assumed } = session as AwsSession;
  const renewed = cacheOf(assumed.session, assumed.target.durationSeconds);
  writePrivateFile(join(dir, CACHE), JSON.stringify(renewed), OWN_FILE);
  return renewed;
}
