// The exchange with fakes at its edges: which failures are retried, when a fresh token is
// requested, and that every secret is masked the moment it exists.
import { describe, expect, it } from 'vitest';
import { StsCallFailed, type StsSession, type WebIdentityRequest } from '../../src/clouds/aws/sts.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { assumeRole, type AssumeRoleDeps } from '../harness/aws-flow.ts';
import type { VerifiedToken } from '../../src/oidc/verify.js';

const settings = (extra: Record<string, string> = {}) => {
  const inputs: Record<string, string> = { 'role-to-assume': 'arn:aws:iam::123456789012:role/deploy', 'aws-region': 'us-east-1', ...extra };
  return parseSettings((name) => inputs[name]);
};

const session: StsSession = {
  accessKeyId: 'ASIAFAKE',
  secretAccessKey: 'secret-key',
  sessionToken: 'session-token',
  expiration: new Date('2030-01-01T00:00:00Z'),
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/deploy/s',
  assumedRoleId: 'AROA:s',
};

const failure = (code: string, message = code) => new StsCallFailed({ code, message, status: 400, requestId: undefined });

function harness(outcomes: Array<StsSession | StsCallFailed>, claims: Record<string, unknown> = { sub: 'repo:acme/api:ref:refs/heads/main', ref: 'refs/heads/main' }) {
  const events: string[] = [];
  let tokens = 0;
  const deps: AssumeRoleDeps = {
    requestToken: async () => {
      const token = `token-${++tokens}`;
      events.push(`request ${token}`);
      await Promise.resolve();
      events.push(`received ${token}`);
      return token;
    },
    prepare: () => events.push('prepare'),
    verifyToken: async (token) => {
      events.push(`verify ${token}`);
      return { claims, algorithm: 'RS256', expiresAt: new Date() } as VerifiedToken;
    },
    sts: {
      endpoint: 'https://sts.us-east-1.amazonaws.com',
      prepare: () => {},
      async assumeRoleWithWebIdentity(request: WebIdentityRequest) {
        events.push(`sts ${request.token}`);
        const next = outcomes.shift();
        if (!next) throw new Error('no more outcomes');
        if (next instanceof StsCallFailed) throw next;
        return next;
      },
      async assumeRole(request) {
        events.push(`chain ${request.roleArn} from ${request.from.accessKeyId}`);
        const next = outcomes.shift();
        if (!next) throw new Error('no more outcomes');
        if (next instanceof StsCallFailed) throw next;
        return next;
      },
    },
    mask: (secret) => events.push(`mask ${secret}`),
    log: { info: () => {}, warning: () => {}, debug: () => {} },
    clock: { now: () => 0, sleep: async () => {} },
    defaultSessionName: () => 'derived',
  };
  return { deps, events };
}

describe('the exchange', () => {
  it('prepares keys and STS while the token is on its way, masks the token before verifying it, and the credentials before returning them', async () => {
    const { deps, events } = harness([session]);
    const assumed = await assumeRole(settings(), deps);
    expect(assumed.sessionName).toBe('derived');
    expect(events).toEqual(['request token-1', 'prepare', 'received token-1', 'mask token-1', 'verify token-1', 'sts token-1', 'mask ASIAFAKE', 'mask secret-key', 'mask session-token']);
  });

  it('gets, verifies and checks a fresh token once when STS says the token expired', async () => {
    const { deps, events } = harness([failure('ExpiredTokenException'), session]);
    await assumeRole(settings({ claims: 'ref=refs/heads/main' }), deps);
    expect(events.filter((event) => /^(verify|sts) /.test(event))).toEqual(['verify token-1', 'sts token-1', 'verify token-2', 'sts token-2']);
  });

  it('gives up after one fresh token that STS also calls expired', async () => {
    const { deps } = harness([failure('ExpiredTokenException'), failure('ExpiredTokenException'), session]);
    await expect(assumeRole(settings(), deps)).rejects.toMatchObject({ code: 'STS_TOKEN_REJECTED' });
  });

  it('retries a key-fetch failure at STS only twice', async () => {
    const keyFetch = () => failure('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider");
    const { deps, events } = harness([keyFetch(), keyFetch(), keyFetch(), session]);
    await expect(assumeRole(settings(), deps)).rejects.toMatchObject({ code: 'STS_TOKEN_REJECTED' });
    expect(events.filter((event) => event.startsWith('sts'))).toHaveLength(3);
  });

  it('never retries AccessDenied', async () => {
    const { deps, events } = harness([failure('AccessDenied', 'Not authorized'), session]);
    await expect(assumeRole(settings(), deps)).rejects.toMatchObject({ code: 'STS_ACCESS_DENIED' });
    expect(events.filter((event) => event.startsWith('sts'))).toHaveLength(1);
  });

  it('stops at retry-max-attempts on transient failures', async () => {
    const { deps, events } = harness([failure('Throttling'), failure('Throttling'), session]);
    await expect(assumeRole(settings({ 'retry-max-attempts': '2' }), deps)).rejects.toMatchObject({ code: 'STS_UNAVAILABLE' });
    expect(events.filter((event) => event.startsWith('sts'))).toHaveLength(2);
  });

  it('checks the account of the session STS returned against allowed-account-ids', async () => {
    const { deps } = harness([{ ...session, assumedRoleArn: 'arn:aws:sts::999999999999:assumed-role/deploy/s' }]);
    await expect(assumeRole(settings({ 'allowed-account-ids': '123456789012' }), deps)).rejects.toMatchObject({ code: 'ACCOUNT_NOT_ALLOWED', message: expect.stringContaining('The assumed role is in account 999999999999') });
  });
});
