// The refresher's life on a simulated clock: it gives up once renewals have failed for ten
// minutes and the file's token has expired, saying why; it stops at once when its folder is
// taken away (and never makes it again) or when a later refresher owns it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { runAzureRefresher, type RefresherConfig, type RefresherDoor } from '../../src/clouds/azure/refresher.js';

const CLIENT = '0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';
const START = Date.parse('2026-12-01T10:00:00Z');

function folder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'claimcheck-refresher-')), 'azure');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

const config: RefresherConfig = {
  version: 1,
  inputs: { 'azure-client-id': CLIENT, 'azure-tenant-id': 'acme.onmicrosoft.com', issuer: 'https://token.actions.githubusercontent.com' },
  token: { kind: 'command', command: 'true' },
  issuedAt: START,
  expiresAt: START + 5 * 60_000,
};

/** A door whose token source always fails (the job is over: GitHub answers 401), and a clock that moves only when the refresher sleeps. */
function simulated(onSleep: (now: number) => void = () => {}) {
  let now = START;
  let requests = 0;
  const door: RefresherDoor = () => ({
    get: async () => Promise.reject(new Error('no network in this test')),
    requestToken: async () => {
      requests++;
      throw new ClaimcheckError('TOKEN_REQUEST_FAILED', "GitHub's OIDC token endpoint did not issue a token: HTTP 401.", 'Re-run the job.');
    },
    defaultSessionName: () => 'x',
  });
  const io = {
    readConfig: async () => JSON.stringify(config),
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      onSleep(now);
    },
    pid: 4242,
  };
  return { door, io, requests: () => requests, now: () => now };
}

const status = (dir: string) => JSON.parse(readFileSync(join(dir, 'refresher.json'), 'utf8')) as { state: string; stopped?: string; lastError?: string; pid: number };

describe('the refresher', () => {
  it('gives up, saying why, once renewals have failed for 10 minutes and the token in the file has expired', async () => {
    const dir = folder();
    const run = simulated();
    expect(await runAzureRefresher(dir, run.door, run.io)).toBe(0);
    expect(status(dir)).toMatchObject({ pid: 4242, state: 'stopped', stopped: expect.stringMatching(/^renewals failed for 1\d min and the token in the file has expired$/) });
    expect(status(dir).lastError).toMatch(/^TOKEN_REQUEST_FAILED: GitHub's OIDC token endpoint did not issue a token: HTTP 401\. Hint: /);
    expect(run.now() - config.expiresAt).toBeGreaterThan(0);
    expect(run.now() - START).toBeLessThan(20 * 60_000);
    expect(run.requests()).toBeGreaterThan(3);
  });

  it('stops when cleanup takes its folder away, and does not make it again', async () => {
    const dir = folder();
    const run = simulated((now) => {
      if (now > START + 30_000 && existsSync(dir)) rmSync(dir, { recursive: true });
    });
    expect(await runAzureRefresher(dir, run.door, run.io)).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(run.now() - START).toBeLessThan(40_000);
    expect(run.requests()).toBe(0);
  });

  it('stops when a later hand-over into the same folder started another refresher', async () => {
    const dir = folder();
    const run = simulated((now) => {
      if (now > START + 10_000) writeFileSync(join(dir, 'owner'), '4343');
    });
    expect(await runAzureRefresher(dir, run.door, run.io)).toBe(0);
    expect(run.now() - START).toBeLessThan(15_000);
    expect(readFileSync(join(dir, 'owner'), 'utf8')).toBe('4343');
  });
});
