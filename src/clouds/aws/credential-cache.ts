// The credential process's answer from its cache, on its own: AWS clients run credential_process
// again whenever their credentials near expiry, so this path is paid many times a job. Each
// bundle's entry asks it first, before it loads the flow, the HTTP client or the AWS SDK; only
// a cache that is missing, unreadable or too close to expiry goes on to the full renewal
// (credential-process.ts), which reads both files again and reports what is wrong with them.
import { join } from 'node:path';
import { INPUTS } from '../../core/config/inputs.generated.js';
import { parseInteger } from '../../core/config/input-values.js';
import { readPrivateFile } from '../../files/private-file.js';
import { OWN_FILE } from '../../files/private-folder.js';
import type { TokenSpec } from '../../flow/cloud.js';
import { sameJob } from '../../core/config/ci-job.js';

/** The renewal config beside the cache (written by refresh.ts). */
export interface RefreshConfig {
  readonly version: 1;
  readonly inputs: Readonly<Record<string, string>>;
  readonly token: TokenSpec;
}

export interface CachedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: string;
  /** How long claimcheck asked STS for the session (the role's or role map entry's duration): when to renew depends on it. */
  readonly sessionSeconds?: number;
}

/** The credentials the process last got, beside its config. */
export const CACHE = 'credentials.json';

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

/** The session length the config asks for; the default when it holds none it can read. */
function sessionSeconds(config: RefreshConfig): number {
  const fallback = INPUTS['role-duration-seconds'].default;
  return parseInteger(config.inputs['role-duration-seconds']?.trim() || fallback, 900, 43200) ?? Number(fallback);
}

/** The documented credential_process output. */
export function processOutput(credentials: CachedCredentials): string {
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

/** The config read as the renewal reads it; it throws what is wrong with it. */
export function readRefreshConfig(configPath: string): RefreshConfig {
  return JSON.parse(readPrivateFile(configPath, OWN_FILE)) as RefreshConfig;
}

/** The credentials in the cache beside `config` while the session has time left; undefined otherwise. */
export function freshCachedCredentials(configPath: string, config: RefreshConfig, now: number): CachedCredentials | undefined {
  const cached = readCache(join(configPath, '..'));
  const seconds = typeof cached?.sessionSeconds === 'number' ? cached.sessionSeconds : sessionSeconds(config);
  return cached && Date.parse(cached.expiration) - now > renewBeforeMs(seconds) ? cached : undefined;
}

/**
 * What credential_process prints from a fresh cache; undefined when the full renewal must run
 * (it says why): also when the config is bound to another CI job than this process's, which
 * the full path refuses.
 */
export function answerFromCache(configPath: string, now: number, env: Readonly<Record<string, string | undefined>>): string | undefined {
  try {
    const config = readRefreshConfig(configPath);
    if (!sameJob(config.token.job, env)) return undefined;
    const fresh = freshCachedCredentials(configPath, config, now);
    return fresh && processOutput(fresh);
  } catch {
    return undefined;
  }
}
