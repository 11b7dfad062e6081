// `credential-process <config>`: what the refresh profile's credential_process runs. It
// answers from its private cache while the session has time left; otherwise it gets a fresh
// OIDC token and assumes the role again with the same verification and rules. Clients that
// start together near expiry renew once: the first takes the cache's lock and renews, the
// others wait on it and answer with what it wrote. Its output is the documented
// {"Version":1,…} document; errors go to standard error, which the AWS CLI shows.
import { join } from 'node:path';
import { INPUTS } from '../../core/config/inputs.generated.js';
import { parseInteger } from '../../core/config/input-values.js';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { Secrets } from '../../core/secrets.js';
import { holdFileLock, type LockTiming } from '../../files/file-lock.js';
import { readPrivateFile, writePrivateFile } from '../../files/private-file.js';
import { OWN_FILE } from '../../files/private-folder.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { Log, TokenSpec } from '../../flow/cloud.js';
import { exchange } from '../../flow/exchange.js';
import { flowDeps, type FrontDoor } from '../../flow/wiring.js';
import { awsTarget, type AwsSession } from './cloud.js';
import { CACHE, cacheOf, type CachedCredentials, type RefreshConfig } from './refresh.js';

/**
 * boto3 and the AWS CLI (botocore) refresh credentials that have less than 15 minutes left,
 * running credential_process again on every call until they get some with more (10 minutes
 * is their mandatory window). Renewing once fewer than 15 minutes remain hands them
 * credentials outside that window, so a renewal is one STS call, not a node process per
 * API call; the JS SDK, which refreshes at 5 minutes, is then outside its window too.
 */
export const CLIENT_REFRESH_WINDOW_MS = 15 * 60_000;

/** The JS SDK's window, used for sessions too short to leave botocore's window for long. */
const SHORT_SESSION_RENEW_MS = 5 * 60_000;

/**
 * Answer from the cache while the session has at least this long left. A session renews once
 * per (session - window): with the 15-minute window only when that leaves 15 minutes or more
 * (sessions of 30 minutes or more), else with the JS SDK's 5 minutes, once per 10 to 25
 * minutes (a session of 901 s would otherwise be due the moment it was made, and every call
 * would renew it). boto3 and the AWS CLI then run the process on every call in the last 15
 * minutes of such a session, answered from the cache: no STS call.
 */
export function renewBeforeMs(sessionSeconds: number): number {
  return sessionSeconds * 1000 - CLIENT_REFRESH_WINDOW_MS >= CLIENT_REFRESH_WINDOW_MS ? CLIENT_REFRESH_WINDOW_MS : SHORT_SESSION_RENEW_MS;
}

/** Renewals of one profile take turns; one may wait on STS's retries (60 s) and the token's. */
const RENEWAL_LOCK: LockTiming = { waitMs: 150_000, staleMs: 150_000, orphanMs: 2_000 };

/** The session length the config asks for; the default when it holds none it can read. */
function sessionSeconds(config: RefreshConfig): number {
  const fallback = INPUTS['role-duration-seconds'].default;
  return parseInteger(config.inputs['role-duration-seconds']?.trim() || fallback, 900, 43200) ?? Number(fallback);
}

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

/** The cached credentials when they have long enough left that no renewal is due. */
function fresh(dir: string, config: RefreshConfig, now: number): CachedCredentials | undefined {
  const cached = readCache(dir);
  const seconds = typeof cached?.sessionSeconds === 'number' ? cached.sessionSeconds : sessionSeconds(config);
  return cached && Date.parse(cached.expiration) - now > renewBeforeMs(seconds) ? cached : undefined;
}

export async function runCredentialProcess(configPath: string, door: CredentialProcessDoor, io: CredentialProcessIo): Promise<number> {
  const secrets = new Secrets(() => {});
  try {
    const dir = join(configPath, '..');
    const config = JSON.parse(readPrivateFile(configPath, OWN_FILE)) as RefreshConfig;
    const cached = fresh(dir, config, io.now());
    if (cached) {
      io.stdout(processOutput(cached));
      return 0;
    }
    const release = holdFileLock(join(dir, CACHE), RENEWAL_LOCK);
    try {
      // Another client may have renewed while this one waited for the lock: its answer is ours.
      io.stdout(processOutput(fresh(dir, config, io.now()) ?? (await renew(dir, config, door, secrets))));
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
