import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/core/config/settings.js';
import { circleciJobFacts, circleciSessionName } from '../../src/platform/circleci/claims.js';
import { orbInputSource } from '../../src/platform/circleci/inputs.js';
import { emptyState, parseState } from '../../src/platform/circleci/state.js';
import { circleciTokenRequester } from '../../src/platform/circleci/token.js';
import { systemClock } from '../../src/core/retry.js';

const base = { CLAIMCHECK_ROLE_TO_ASSUME: 'arn:aws:iam::123456789012:role/deploy', CLAIMCHECK_AWS_REGION: 'us-east-1', CIRCLE_ORGANIZATION_ID: 'org-uuid' };

describe('orb parameters', () => {
  it('reads parameters from CLAIMCHECK_* and defaults the issuer to the organization\'s', () => {
    const settings = parseSettings(orbInputSource({ ...base, CLAIMCHECK_PROFILE_NAME: 'ci', CLAIMCHECK_ROLE_DURATION_SECONDS: '900' }));
    expect(settings).toMatchObject({ issuer: 'https://oidc.circleci.com/org/org-uuid', aws: { awsProfile: 'ci', durationSeconds: 900, audience: 'sts.amazonaws.com' } });
  });

  it('reads booleans as CircleCI renders them in environment entries (1/0) or as true/false', () => {
    expect(parseSettings(orbInputSource({ ...base, CLAIMCHECK_MASK_AWS_ACCOUNT_ID: '1' })).aws!.maskAccountId).toBe(true);
    expect(parseSettings(orbInputSource({ ...base, CLAIMCHECK_MASK_AWS_ACCOUNT_ID: '0' })).aws!.maskAccountId).toBe(false);
    expect(parseSettings(orbInputSource({ ...base, CLAIMCHECK_MASK_AWS_ACCOUNT_ID: 'true' })).aws!.maskAccountId).toBe(true);
    expect(() => parseSettings(orbInputSource({ ...base, CLAIMCHECK_ROLE_DURATION_SECONDS: '1' }))).toThrow(/role-duration-seconds/);
  });

  it('needs the organization ID when no issuer is given', () => {
    const { CIRCLE_ORGANIZATION_ID: _, ...withoutOrg } = base;
    expect(() => parseSettings(orbInputSource(withoutOrg))).toThrow(/CIRCLE_ORGANIZATION_ID is not set/);
    expect(parseSettings(orbInputSource({ ...withoutOrg, CLAIMCHECK_ISSUER: 'https://oidc.circleci.com/org/x' })).issuer).toBe('https://oidc.circleci.com/org/x');
  });
});

describe('CircleCI job facts', () => {
  const claims = { 'oidc.circleci.com/vcs-origin': 'github.com/acme/api', 'oidc.circleci.com/vcs-ref': 'refs/heads/main', 'oidc.circleci.com/context-ids': ['a', 'b'], 'oidc.circleci.com/project-id': 'p-1' };

  it('names the session after the project and build', () => {
    expect(circleciSessionName({ CIRCLE_PROJECT_USERNAME: 'acme', CIRCLE_PROJECT_REPONAME: 'api', CIRCLE_BUILD_NUM: '318' }, claims)).toBe('acme.api@318');
    expect(circleciSessionName({}, claims)).toBe('p-1');
  });

  it('lists project, ref, contexts and job', () => {
    expect(circleciJobFacts({ CIRCLE_JOB: 'deploy', CIRCLE_BUILD_NUM: '318' }, claims)).toEqual([
      ['Project', 'github.com/acme/api'],
      ['Project ID', 'p-1'],
      ['Ref', 'refs/heads/main'],
      ['Contexts', 'a, b'],
      ['Job', 'deploy #318'],
    ]);
  });
});

describe('CircleCI tokens', () => {
  const retry = { policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 100 }, clock: systemClock, onRetry: () => {} };

  it('uses CIRCLE_OIDC_TOKEN_V2 for the organization audience, then the v1 token', async () => {
    await expect(circleciTokenRequester({ CIRCLE_ORGANIZATION_ID: 'org', CIRCLE_OIDC_TOKEN_V2: 'v2', CIRCLE_OIDC_TOKEN: 'v1' }, retry)('org')).resolves.toBe('v2');
    await expect(circleciTokenRequester({ CIRCLE_ORGANIZATION_ID: 'org', CIRCLE_OIDC_TOKEN: 'v1' }, retry)('org')).resolves.toBe('v1');
  });

  it('says why when the job has no token', async () => {
    await expect(circleciTokenRequester({ CIRCLE_ORGANIZATION_ID: 'org' }, retry)('org')).rejects.toMatchObject({ code: 'TOKEN_PERMISSION' });
  });

  it('says when circleci is missing for another audience', async () => {
    await expect(circleciTokenRequester({ CIRCLE_ORGANIZATION_ID: 'org', PATH: '/nonexistent' }, retry)('sts.amazonaws.com')).rejects.toMatchObject({
      code: 'TOKEN_REQUEST_FAILED',
      message: expect.stringContaining('the circleci command was not found'),
    });
  });
});

describe('the orb\'s state', () => {
  const job = { CIRCLE_WORKFLOW_JOB_ID: 'job-1', BASH_ENV: '/tmp/.bash_env-job-1' };
  const files = { credentials: '/home/u/.aws/credentials', config: '/home/u/.aws/config' };
  const written = { names: ['AWS_PROFILE'], lines: 1, sha256: 'ab' };

  const home = '/home/u';
  const renewing = { cloud: 'aws', kind: 'renewing', profile: 'claimcheck', dir: '/home/u/.claimcheck/refresh-claimcheck', files };

  it('reads back what assume_role recorded in this job', () => {
    const state = { ...emptyState(job), exports: [written], handovers: [{ cloud: 'aws', kind: 'profile', name: 'ci', files }, renewing] };
    expect(parseState(JSON.stringify(state), job, home)).toEqual(state);
  });

  it('is not acted on when another job, or an older claimcheck, wrote it', () => {
    const state = { ...emptyState(job), handovers: [renewing] };
    expect(parseState(JSON.stringify(state), { ...job, CIRCLE_WORKFLOW_JOB_ID: 'job-2' }, home)).toBe('it was written in another job');
    expect(parseState(JSON.stringify({ version: 2, job: `${job.CIRCLE_WORKFLOW_JOB_ID} ${job.BASH_ENV}`, exports: [], profiles: [], renewing: [{ profile: 'x', files }] }), job, home)).toBe('it is not a state this version of claimcheck wrote');
    expect(parseState('{', job, home)).toBe('it is not JSON');
  });

  it('drops entries that could name a path: a renewal folder is the one its valid profile name gives', () => {
    const state = {
      ...emptyState(job),
      handovers: [
        { ...renewing, profile: '../../victim', dir: '/home/u/.claimcheck/refresh-../../victim' },
        { ...renewing, files: { credentials: 1 } },
        { ...renewing, dir: '/tmp/victim' },
        { cloud: 'aws', kind: 'profile', name: 'a/b', files },
        { cloud: 'elsewhere', kind: 'profile', name: 'ci', files },
        renewing,
      ],
      exports: [{ names: ['A;rm'], lines: 1, sha256: 'ab' }, written],
    };
    const parsed = parseState(JSON.stringify(state), job, home);
    expect(parsed).toStrictEqual({ ...emptyState(job), handovers: [renewing], exports: [written] });
  });
});
