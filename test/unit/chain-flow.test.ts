// The chain in the exchange, with a fake STS: what each call is asked for, in which order,
// and the source identity a token already set (which a chain keeps, and may not change).
import { describe, expect, it } from 'vitest';
import type { ChainRequest, StsSession, WebIdentityRequest } from '../../src/clouds/aws/sts.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { assumeRole, type AssumeRoleDeps } from '../harness/aws-flow.ts';
import type { VerifiedToken } from '../../src/oidc/verify.js';

const ENTRY = 'arn:aws:iam::111122223333:role/deploy';
const HUB = 'arn:aws:iam::222233334444:role/hub';
const CLAIMS = { sub: 'repo:acme/api:ref:refs/heads/main', repository: 'acme/api', run_id: '7', run_attempt: '2' };

function session(role: string, extra: Partial<StsSession> = {}): StsSession {
  const name = role.replace(/^.*role\//, '');
  return {
    accessKeyId: `ASIA${name.toUpperCase()}`,
    secretAccessKey: `secret-${name}`,
    sessionToken: `token-${name}`,
    expiration: new Date('2030-01-01T00:00:00Z'),
    assumedRoleArn: role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/s',
    assumedRoleId: 'AROA:s',
    requestId: `req-${name}`,
    ...extra,
  };
}

function harness(claims: Record<string, unknown>, first: Partial<StsSession> = {}) {
  const web: WebIdentityRequest[] = [];
  const chained: ChainRequest[] = [];
  const deps: AssumeRoleDeps = {
    requestToken: async () => 'token',
    prepare: () => {},
    verifyToken: async () => ({ claims, algorithm: 'RS256', expiresAt: new Date() }) as VerifiedToken,
    sts: {
      endpoint: 'https://sts.us-east-1.amazonaws.com',
      prepare: () => {},
      async assumeRoleWithWebIdentity(request) {
        web.push(request);
        return session(request.roleArn, first);
      },
      async assumeRole(request) {
        chained.push(request);
        return session(request.roleArn, { sourceIdentity: request.from.sourceIdentity ?? request.sourceIdentity });
      },
    },
    mask: () => {},
    log: { info: () => {}, warning: () => {}, debug: () => {} },
    clock: { now: () => 0, sleep: async () => {} },
    defaultSessionName: () => 'acme.api@7-2',
    runLabel: () => [['github.run_id', '7']],
  };
  return { deps, web, chained };
}

const settings = (inputs: Record<string, string>) => {
  const all: Record<string, string> = { 'role-to-assume': ENTRY, 'aws-region': 'us-east-1', ...inputs };
  return parseSettings((name) => all[name]);
};

describe('a chain in the exchange', () => {
  it('asks each call for what its hop declares, with the run, and reports each request ID', async () => {
    const { deps, web, chained } = harness(CLAIMS);
    const assumed = await assumeRole(settings({ 'role-chain': `${HUB} external-id=acme tags=Repo={claims.repository}`, 'inline-session-policy': '{"Statement":[]}' }), deps);
    expect(web[0]).toMatchObject({ inlineSessionPolicy: undefined, managedSessionPolicies: [], run: [['github.run_id', '7']] });
    expect(chained[0]).toMatchObject({ roleArn: HUB, externalId: 'acme', tags: [{ key: 'Repo', value: 'acme/api' }], sourceIdentity: 'acme.api@7-2', inlineSessionPolicy: '{"Statement":[]}', run: [['github.run_id', '7']] });
    expect(assumed.steps).toEqual([{ roleArn: ENTRY, requestId: 'req-deploy' }, { roleArn: HUB, requestId: 'req-hub' }]);
    expect(assumed.sourceIdentity).toBe('acme.api@7-2');
  });

  it('without a chain, the policies narrow the web-identity session as before', async () => {
    const { deps, web } = harness(CLAIMS);
    await assumeRole(settings({ 'inline-session-policy': '{"Statement":[]}', 'managed-session-policies': 'arn:aws:iam::aws:policy/A' }), deps);
    expect(web[0]).toMatchObject({ inlineSessionPolicy: '{"Statement":[]}', managedSessionPolicies: ['arn:aws:iam::aws:policy/A'] });
  });

  it('keeps a source identity the token set, and refuses a declared one that differs', async () => {
    const kept = harness(CLAIMS, { sourceIdentity: 'from-token' });
    const assumed = await assumeRole(settings({ 'role-chain': HUB }), kept.deps);
    expect(kept.chained[0]?.sourceIdentity).toBeUndefined();
    expect(assumed.sourceIdentity).toBe('from-token');

    const same = harness(CLAIMS, { sourceIdentity: 'acme-api' });
    await assumeRole(settings({ 'role-chain': `${HUB} source-identity={claims.repository}` }), same.deps);
    expect(same.chained[0]?.sourceIdentity).toBeUndefined();

    const other = harness(CLAIMS, { sourceIdentity: 'from-token' });
    await expect(assumeRole(settings({ 'role-chain': `${HUB} source-identity={claims.repository}` }), other.deps)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: "The role chain's source-identity is acme-api, but the token already set the session's source identity to from-token, which AWS does not let a chain change.",
    });
    expect(other.chained).toEqual([]);
  });

  it('fails on a claim a template names before any STS call', async () => {
    const { deps, web } = harness(CLAIMS);
    await expect(assumeRole(settings({ 'role-chain': `${HUB} tags=Env={claims.environment}` }), deps)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('tag Env: the token has no environment claim') });
    expect(web).toEqual([]);
  });

  it('holds every role of a role map entry\'s chain to allowed-account-ids before any request', async () => {
    const { deps, web } = harness(CLAIMS);
    const rules = { version: 1, roles: [{ name: 'deploy', role: ENTRY, chain: [HUB] }] };
    const all: Record<string, string> = { 'rules-file': 'rules.yml', 'aws-region': 'us-east-1', 'allowed-account-ids': '111122223333' };
    const parsed = parseSettings((name) => all[name], { readRulesFile: () => rules });
    await expect(assumeRole(parsed, deps)).rejects.toMatchObject({ code: 'ACCOUNT_NOT_ALLOWED', message: expect.stringContaining(`The role ${HUB} is in account 222233334444`) });
    expect(web).toEqual([]);
  });
});
