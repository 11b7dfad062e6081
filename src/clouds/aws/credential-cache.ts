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

/**
 * The JS SDK's window. A session of at most 15 minutes (role-duration-seconds 900) starts
 * inside botocore's window, so no renewal could leave it; renewing there would call STS on
 * every boto3 call. Such sessions are renewed at 5 minutes, once per session.
 */
const SHORT_SESSION_RENEW_MS = 5 * 60_000;

/** Answer from the cache while the session has at least this long left. */
export function renewBeforeMs(sessionSeconds: number): number {
  return sessionSeconds * 1000 > CLIENT_REFRESH_WINDOW_MS ? CLIENT_REFRESH_WINDOW_MS : SHORT_SESSION_RENEW_MS;
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
  return cached && Date.parse(cached.expiration) - now > renewBeforeMs(sessionSeconds(config)) ? cached : undefined;
}

/** What credential_process prints from a fresh cache; undefined when the full renewal must run (it says why). */
export function answerFromCache(configPath: string, now: number): string | undefined {
  try {
    const fresh = freshCachedCredentials(configPath, readRefreshConfig(configPath), now);
    return fresh && processOutput(fresh);
  } catch {
    return undefined;
  }
}
