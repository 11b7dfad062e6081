// `azure-refresh <folder>`: the process that keeps the token file fresh for the rest of the
// job. The main step starts it detached and gives it, on standard input, what it needs to get
// tokens: the step's inputs and the token source (on GitHub the request URL and its bearer,
// which therefore live in this process's memory only, never in a file). It wakes when the
// schedule says (refresh-schedule.ts), gets a token for the same audience, verifies it and
// checks every rule as the step did, and replaces the file in one rename. It stops when the
// folder is gone (cleanup) or a later hand-over's refresher owns it, when renewals have failed for long after the file's token expired
// (the job is over), after a day, or when the runner ends the job's processes.
import { join } from 'node:path';
import { GIVE_UP_AFTER_MS, MAX_REFRESH_MS, nextRenewal, retryAfterFailure } from '../../core/azure/refresh-schedule.js';
import { parseSettings, type InputSource } from '../../core/config/settings.js';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { Secrets } from '../../core/secrets.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { Settings } from '../../core/config/settings.js';
import type { Log, TokenSpec } from '../../flow/cloud.js';
import { checkedToken, type FlowDeps } from '../../flow/exchange.js';
import { flowDeps, type FrontDoor } from '../../flow/wiring.js';
import { OWNER_FILE, ownsFolder, STATUS_FILE, TOKEN_FILE, writeIntoFolder, type RefresherStatus } from './token-folder.js';

/** What a platform's bundle brings to the refresher: its HTTP, and its way to a token of the kind the spec names. */
export type RefresherDoor = (token: TokenSpec, settings: Settings, log: Log) => Omit<FrontDoor, 'log' | 'mask'>;

/** What the main step sends on standard input, as one line of JSON. */
export interface RefresherConfig {
  readonly version: 1;
  readonly inputs: Readonly<Record<string, string>>;
  readonly token: TokenSpec;
  /** The token in the file now: when it was issued and when it expires (ms since the epoch). */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface RefresherIo {
  /** The config line the main step wrote to standard input. */
  readonly readConfig: () => Promise<string>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pid: number;
}

/** How often the refresher looks whether its folder is still there while it waits. */
const POLL_MS = 1_000;

interface Running {
  status: RefresherStatus;
  issuedAt: number;
  expiresAt: number;
  failingSince: number | undefined;
  failures: number;
}

export async function runAzureRefresher(dir: string, door: RefresherDoor, io: RefresherIo): Promise<number> {
  const secrets = new Secrets(() => {});
  const log: Log = { info: () => {}, debug: () => {}, warning: () => {} };
  const started = io.now();
  const config = JSON.parse(await io.readConfig()) as RefresherConfig;
  const run: Running = {
    status: { pid: io.pid, started: new Date(started).toISOString(), state: 'running', renewals: 0, tokenExpires: new Date(config.expiresAt).toISOString() },
    issuedAt: config.issuedAt,
    expiresAt: config.expiresAt,
    failingSince: undefined,
    failures: 0,
  };
  if (!writeIntoFolder(dir, OWNER_FILE, String(io.pid)) || !writeIntoFolder(dir, STATUS_FILE, JSON.stringify(run.status))) return 0;
  const mine = () => ownsFolder(dir, io.pid);
  const source: InputSource = (name) => config.inputs[name];
  const settings = parseSettings(source, { readRulesFile: await preloadRulesFile(source) });
  const audience = settings.azure?.audience;
  if (audience === undefined) return stop(dir, run, 'the config names no Azure app');
  const deps: FlowDeps = flowDeps(settings, { ...door(config.token, settings, log), log, mask: secrets.add });
  let next = nextRenewal(run.issuedAt, run.expiresAt);
  for (;;) {
    while (io.now() < next) {
      if (!mine()) return 0;
      if (io.now() - started > MAX_REFRESH_MS) return stop(dir, run, 'it had run for a day');
      await io.sleep(Math.min(POLL_MS, next - io.now()));
    }
    if (!mine()) return 0;
    try {
      const token = await checkedToken(settings, { audience, prepare: () => {} }, deps);
      const issuedAt = typeof token.verified.claims.iat === 'number' ? token.verified.claims.iat * 1000 : io.now();
      if (!mine() || !writeIntoFolder(dir, TOKEN_FILE, token.raw)) return 0;
      Object.assign(run, { issuedAt, expiresAt: token.verified.expiresAt.getTime(), failingSince: undefined, failures: 0 });
      run.status = { ...run.status, renewals: run.status.renewals + 1, lastRenewal: new Date(io.now()).toISOString(), tokenExpires: token.verified.expiresAt.toISOString(), lastError: undefined };
      next = nextRenewal(run.issuedAt, run.expiresAt);
    } catch (error) {
      run.failingSince ??= io.now();
      run.failures += 1;
      run.status = { ...run.status, lastError: secrets.redact(formatError(asClaimcheckError(error))).replace(/\n/g, ' ') };
      if (io.now() - run.failingSince > GIVE_UP_AFTER_MS && io.now() > run.expiresAt) return stop(dir, run, `renewals failed for ${Math.round((io.now() - run.failingSince) / 60_000)} min and the token in the file has expired`);
      next = io.now() + retryAfterFailure(run.issuedAt, run.expiresAt, run.failures);
    }
    if (!mine() || !writeIntoFolder(dir, STATUS_FILE, JSON.stringify(run.status))) return 0;
  }
}

function stop(dir: string, run: Running, why: string): number {
  writeIntoFolder(dir, STATUS_FILE, JSON.stringify({ ...run.status, state: 'stopped', stopped: why }));
  return 0;
}

/** The token file's path in a folder. */
export const tokenFileIn = (dir: string) => join(dir, TOKEN_FILE);

/** The refresher's standard input (one line of JSON), clock and pid, as a real process has them. */
export function processRefresherIo(): RefresherIo {
  return {
    readConfig: async () => {
      let text = '';
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        text += chunk.toString('utf8');
        if (text.includes('\n') || text.length > 256 * 1024) break;
      }
      return text.split('\n')[0] ?? '';
    },
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pid: process.pid,
  };
}
