// A HOME the job cannot write (a read-only image, a HOME owned by root in a container that runs
// as another user): a hand-over that writes files there fails before any token is requested or
// STS called, with an error about HOME; one that writes none (export: env) works, the orb too,
// keeping its job state in the temporary folder. As root (these machines), permissions do not
// stop a write, so the folder is made immutable (chattr +i) instead; as another user, 0555.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOrb, newJob, renderCommand, type Job } from '../harness/circleci.ts';
import { REPO_ROOT, run, startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, circleciClaims, githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE, runMainStep } from '../harness/world.ts';

const CIRCLE_ROLE = 'arn:aws:iam::111122223333:role/circle';
const [node24] = nodeRuntimes();
const orb = loadOrb();
const isRoot = process.getuid?.() === 0;

/** Whether this machine can make a folder the current user cannot write to. */
const canLock = (() => {
  if (!isRoot) return true;
  const probe = mkdtempSync(join(tmpdir(), 'claimcheck-chattr-'));
  const locked = spawnSync('chattr', ['+i', probe]).status === 0;
  if (locked) spawnSync('chattr', ['-i', probe]);
  rmSync(probe, { recursive: true, force: true });
  return locked;
})();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  const providers = [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com', CIRCLE_ORGANIZATION_ID] }];
  sts = await startSts({ providers, roles: [{ arn: DEPLOY_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, '*', 'sts.amazonaws.com') }, { arn: CIRCLE_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, '*', CIRCLE_ORGANIZATION_ID) }] });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), issuer?.close()]));

const locked: string[] = [];
const made: string[] = [];
afterEach(() => {
  for (const dir of locked.splice(0)) unlock(dir);
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lock(dir: string): void {
  if (isRoot) execFileSync('chattr', ['+i', dir]);
  else chmodSync(dir, 0o555);
  locked.push(dir);
}

function unlock(dir: string): void {
  if (isRoot) spawnSync('chattr', ['-i', dir]);
  else chmodSync(dir, 0o755);
}

/** A HOME that exists and takes no new file or folder. */
function readOnlyHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'claimcheck-readonly-home-'));
  made.push(home);
  lock(home);
  return home;
}

const calls = () => ({ tokens: endpoint.requests.length, sts: sts.calls.length });

describe.skipIf(!canLock)('a HOME the job cannot write', () => {
  it.each([{ refresh: 'true' }, { export: 'profile' }])('the Action with %j fails with HOME_NOT_WRITABLE before any token or STS call', async (inputs) => {
    const home = readOnlyHome();
    const before = calls();
    const step = await runMainStep({ issuer, endpoint, sts }, inputs, { env: { HOME: home } });
    made.push(step.dir);
    expect(step.code).not.toBe(0);
    expect(step.stdout).toContain(`::error::HOME_NOT_WRITABLE: Cannot write ${join(home, '.aws', 'config')}: ${home}, the nearest part of ${join(home, '.aws')} that exists, cannot be written: this user may not write to it (`);
    expect(step.stdout).toContain(`It is in HOME (${home}), which this job cannot write.`);
    expect(step.stdout).not.toMatch(/lock file/);
    expect(calls()).toEqual(before);
    expect(step.exported).toEqual({});
  });

  it('the Action hands keys over (export: env), which needs no file in HOME', async () => {
    const step = await runMainStep({ issuer, endpoint, sts }, {}, { env: { HOME: readOnlyHome() } });
    made.push(step.dir);
    expect(step.code, step.stdout).toBe(0);
    expect(step.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  });

  it('the CLI with --export profile fails before STS, naming HOME', async () => {
    const home = readOnlyHome();
    const work = mkdtempSync(join(tmpdir(), 'claimcheck-token-'));
    made.push(work);
    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, await issuer.sign(githubClaims()));
    const before = sts.calls.length;
    const args = ['assume', '--token-file', tokenFile, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', DEPLOY_ROLE, '--aws-region', 'us-east-1', '--sts-endpoint', sts.url, '--export', 'profile'];
    const result = await run(node24!.node, [join(REPO_ROOT, 'bin/claimcheck.js'), ...args], { PATH: '/usr/bin:/bin', HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, 60_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^HOME_NOT_WRITABLE: Cannot write \S+\/\.aws\/config: /m);
    expect(sts.calls.length).toBe(before);
  });

  describe('the orb', () => {
    async function circleJob(): Promise<Job> {
      const job = newJob({ nodeDir: dirname(node24!.node), token: await issuer.sign(circleciClaims(), { expiresIn: 3600 }) });
      made.push(job.dir);
      // The job's files ($BASH_ENV, steps) stay where they are; only HOME cannot be written.
      const home = join(job.dir, 'home');
      mkdirSync(home);
      lock(home);
      job.env.HOME = home;
      return job;
    }

    function orbStep(job: Job, command: 'assume_role' | 'cleanup', parameters: Record<string, unknown> = {}) {
      const values = command === 'assume_role' ? { role_to_assume: CIRCLE_ROLE, aws_region: 'us-east-1', audience: CIRCLE_ORGANIZATION_ID, issuer: issuer.url, sts_endpoint: sts.url, ...parameters } : parameters;
      const [step] = renderCommand(orb, command, values);
      return run('/bin/bash', ['-c', `exec node ${join(REPO_ROOT, 'dist/circleci/index.js')}`], { ...job.env, TMPDIR: job.dir, ...(step!.environment as Record<string, string>) }, 30_000);
    }

    it('exports keys to $BASH_ENV, keeping its state in the temporary folder, and cleanup takes them out again', async () => {
      const job = await circleJob();
      const result = await orbStep(job, 'assume_role');
      expect(result.code, result.stderr).toBe(0);
      const stateRoot = join(job.dir, `claimcheck-${process.getuid?.() ?? ''}`);
      expect(result.stdout).toContain(`HOME (${job.env.HOME}) cannot take claimcheck's folder, so this job's state is kept in ${stateRoot} instead.`);
      expect(readFileSync(job.bashEnv, 'utf8')).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/);
      const cleaned = await orbStep(job, 'cleanup');
      expect(cleaned.code, cleaned.stderr).toBe(0);
      expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
      expect(existsSync(join(stateRoot, 'state.json'))).toBe(false);
    });

    it('with profile_name fails with HOME_NOT_WRITABLE before any token or STS call', async () => {
      const job = await circleJob();
      const before = sts.calls.length;
      const result = await orbStep(job, 'assume_role', { profile_name: 'ci' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^HOME_NOT_WRITABLE: Cannot write \S+\/home\/\.aws\/config: .*It is in HOME/);
      expect(sts.calls.length).toBe(before);
      expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
    });
  });
});
