// Credentials that outlive their session: the Action's refresh mode writes a profile whose
// credential_process renews them. STS here issues credentials of a few seconds; the AWS CLI
// and the JS SDK keep working past their expiry because a second AssumeRoleWithWebIdentity
// happens behind them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maskedValues, REPO_ROOT, runStep, startTokenEndpoint, visibleOutput, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { callerArns, countCredentialProcess } from '../harness/clients.ts';
import { DEBIAN_AWS, hasDebianAws, hasDebianBoto3, nodeRuntimes } from '../harness/runtimes.ts';
import { findLeaks } from '../harness/leaks.ts';
import { startSts, type StsDouble, type StsOptions } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE as ROLE, runMainStep } from '../harness/world.ts';

const [node24] = nodeRuntimes();
const LIFETIME_SECONDS = 3;

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let shortLived: StsDouble;
let longLived: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  endpoint.signOptions = { expiresIn: 30 }; // short tokens too: each renewal needs a fresh one
  const options = { providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] };
  [shortLived, longLived] = await Promise.all([startSts({ ...options, credentialLifetimeSeconds: LIFETIME_SECONDS }), startSts(options)]);
});
afterAll(async () => Promise.all([shortLived?.close(), longLived?.close(), endpoint?.close(), issuer?.close()]));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const webIdentityCalls = (sts: StsDouble) => sts.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity' && call.status === 200).length;

/** Each step's runner folder (its HOME and RUNNER_TEMP), removed after the test. */
const runnerDirs: string[] = [];
afterEach(() => {
  for (const dir of runnerDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runRefresh(sts: StsDouble, inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  const run = await runMainStep({ issuer, endpoint, sts }, { refresh: 'true', ...inputs }, { env });
  runnerDirs.push(run.dir);
  return run;
}

/** A later step's environment: the runner's, plus what the step exported. */
function laterStep(run: StepRun): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: run.dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...run.exported };
}

async function awsCallerArn(run: StepRun, sts: StsDouble): Promise<string> {
  const { stdout } = await promisify(execFile)(DEBIAN_AWS, ['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--query', 'Arn', '--output', 'text'], { env: laterStep(run) });
  return stdout.trim();
}

describe('refresh: true', () => {
  it('exports AWS_PROFILE, not keys, and keeps no secret where later steps or logs can see it', async () => {
    const run = await runRefresh(shortLived);
    expect(run.code).toBe(0);
    expect(run.exported).toEqual({ AWS_PROFILE: 'claimcheck', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_SDK_LOAD_CONFIG: '1' });
    const config = readFileSync(join(run.dir, '.aws', 'config'), 'utf8');
    expect(config).toMatch(/\[profile claimcheck\]\n# written by claimcheck; renews its credentials\nregion = us-east-1\ncredential_process = \S+\/node \S+\/dist\/main\/index.js credential-process \S+\/config.json\n/);
    const configPath = /credential-process (\S+)$/m.exec(config)![1]!;
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(configPath, 'utf8')).toContain(endpoint.bearer); // where it must be, and only there
    expect(maskedValues(run.stdout)).toContain(endpoint.bearer);
    const secrets = [endpoint.bearer, ...endpoint.issued, ...shortLived.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken])];
    const seen = { log: visibleOutput(run), env: run.files.GITHUB_ENV ?? '', state: run.files.GITHUB_STATE ?? '', summary: run.summary, config };
    expect(findLeaks(seen, secrets)).toEqual([]);
  });

  it.skipIf(!hasDebianAws)('keeps the AWS CLI working after the credentials expire, by assuming the role again', async () => {
    const run = await runRefresh(shortLived);
    expect(run.code).toBe(0);
    const before = webIdentityCalls(shortLived);
    expect(await awsCallerArn(run, shortLived)).toMatch(/assumed-role\/deploy\//);
    const afterFirst = webIdentityCalls(shortLived);
    expect(afterFirst).toBeGreaterThan(before);
    const first = shortLived.issued.at(-1)!;
    await sleep((LIFETIME_SECONDS + 1) * 1000);
    expect(first.expiration.getTime()).toBeLessThan(Date.now());
    // botocore may ask twice per run for credentials this short; what matters is that it got new ones.
    expect(await awsCallerArn(run, shortLived)).toMatch(/assumed-role\/deploy\//);
    expect(webIdentityCalls(shortLived)).toBeGreaterThan(afterFirst);
    expect(shortLived.issued.at(-1)!.accessKeyId).not.toBe(first.accessKeyId);
  });

  it('keeps the JS SDK\'s default credential chain working past expiry', async () => {
    const run = await runRefresh(shortLived);
    const before = webIdentityCalls(shortLived);
    const script = `
      import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
      const client = new STSClient({ endpoint: ${JSON.stringify(shortLived.url)} });
      const first = await client.send(new GetCallerIdentityCommand({}));
      await new Promise((resolve) => setTimeout(resolve, ${(LIFETIME_SECONDS + 1) * 1000}));
      const second = await client.send(new GetCallerIdentityCommand({}));
      console.log(JSON.stringify([first.Arn, second.Arn]));`;
    const { stdout } = await promisify(execFile)(node24!.node, ['--input-type=module', '--eval', script], { cwd: REPO_ROOT, env: laterStep(run) });
    expect(JSON.parse(stdout)).toEqual([expect.stringMatching(/assumed-role\/deploy\//), expect.stringMatching(/assumed-role\/deploy\//)]);
    expect(webIdentityCalls(shortLived) - before).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(!hasDebianAws)('answers from its cache while the session has time left', async () => {
    const run = await runRefresh(longLived);
    const before = webIdentityCalls(longLived);
    await awsCallerArn(run, longLived);
    await awsCallerArn(run, longLived);
    expect(webIdentityCalls(longLived)).toBe(before);
  });

  it('fails a renewal with the error on standard error when the role no longer trusts the job', async () => {
    const run = await runRefresh(shortLived, { 'aws-profile': 'deploy' });
    expect(run.exported.AWS_PROFILE).toBe('deploy');
    const config = readFileSync(join(run.dir, '.aws', 'config'), 'utf8');
    const command = /credential_process = (.*)$/m.exec(config)![1]!.split(' ');
    await sleep((LIFETIME_SECONDS + 1) * 1000);
    shortLived.setRoles([]);
    try {
      const result = await promisify(execFile)(command[0]!, command.slice(1), { env: laterStep(run) }).catch((error: { code: number; stdout: string; stderr: string }) => error);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect((result as { stderr: string }).stderr).toMatch(/^claimcheck credential-process: STS_ACCESS_DENIED: /);
    } finally {
      shortLived.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }]);
    }
  });

  it('post removes the private files and the profile\'s credentials; AWS_PROFILE, which it cannot unset, still names a profile, empty', async () => {
    const run = await runRefresh(shortLived);
    const configPath = /credential-process (\S+)$/m.exec(readFileSync(join(run.dir, '.aws', 'config'), 'utf8'))![1]!;
    const post = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state: run.state });
    runnerDirs.push(post.dir);
    expect(post.code).toBe(0);
    // The job had no AWS_PROFILE or region: an empty one would be an invalid one to the clients.
    expect(post.exported).toEqual({ AWS_SDK_LOAD_CONFIG: '' });
    expect(post.stdout).toContain('claimcheck: left AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION as the step set them: the job had none');
    expect(existsSync(configPath)).toBe(false);
    expect(existsSync(join(configPath, '..'))).toBe(false);
    expect(readFileSync(join(run.dir, '.aws', 'config'), 'utf8')).toBe(
      '[profile claimcheck]\n# left by claimcheck: AWS_PROFILE names this profile until the job ends (a GitHub step cannot unset it); it holds no credentials\n',
    );
  });
});

/**
 * boto3 and the AWS CLI run credential_process again on every call while their credentials
 * have less than 15 minutes left. The double issues the step's first session with 14 minutes
 * (inside that window), and every later one with the hour asked for: counts of spawns and
 * STS calls show whether the profile renews before the window or hands the same keys back.
 */
describe('refresh: renewal before the clients\' refresh window', () => {
  const FIRST_SESSION_SECONDS = 14 * 60;
  const BOTO3_CALLS = 10;
  const AWSCLI_RUNS = 3;
  let windowed: StsDouble;
  const windowOptions: StsOptions = { providers: [], roles: [] };

  beforeAll(async () => {
    Object.assign(windowOptions, { providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
    windowed = await startSts(windowOptions);
  });
  afterAll(async () => windowed?.close());

  /** The refresh step, its first session 14 minutes long; the double reads its options on each issue. */
  async function stepWithShortFirstSession(inputs: Record<string, string> = {}) {
    windowOptions.credentialLifetimeSeconds = FIRST_SESSION_SECONDS;
    try {
      return await runRefresh(windowed, inputs);
    } finally {
      delete windowOptions.credentialLifetimeSeconds;
    }
  }

  function counted(run: StepRun) {
    const spawns = countCredentialProcess(join(run.dir, '.aws', 'config'), run.dir);
    const renewalsBefore = webIdentityCalls(windowed);
    return { spawns, renewals: () => webIdentityCalls(windowed) - renewalsBefore };
  }

  it.skipIf(!hasDebianBoto3)(`renews once for ${BOTO3_CALLS} back-to-back boto3 calls, instead of a node process per call`, async () => {
    const run = await stepWithShortFirstSession();
    expect(run.code).toBe(0);
    const { spawns, renewals } = counted(run);
    const arns = await callerArns('boto3', { env: laterStep(run), stsUrl: windowed.url, calls: BOTO3_CALLS });
    expect(arns).toEqual(Array(BOTO3_CALLS).fill(expect.stringMatching(/assumed-role\/deploy\//)));
    expect({ spawns: spawns(), renewals: renewals() }).toEqual({ spawns: 1, renewals: 1 });
  });

  it.skipIf(!hasDebianAws)(`renews once for ${AWSCLI_RUNS} AWS CLI commands, each of which then runs the process once`, async () => {
    const run = await stepWithShortFirstSession();
    const { spawns, renewals } = counted(run);
    const arns = await callerArns('awscli', { env: laterStep(run), stsUrl: windowed.url, calls: AWSCLI_RUNS });
    expect(arns).toEqual(Array(AWSCLI_RUNS).fill(expect.stringMatching(/assumed-role\/deploy\//)));
    expect({ spawns: spawns(), renewals: renewals() }).toEqual({ spawns: AWSCLI_RUNS, renewals: 1 });
  });

  it.skipIf(!hasDebianAws)('renews no session of 901 or 1500 s on every call: 5 AWS CLI commands, no STS call and no token request', async () => {
    // A 901-s session has 15 min 1 s left when made: with the 15-minute window it was due at
    // once, and every command renewed it. Such sessions renew 5 minutes before expiry instead.
    for (const duration of ['901', '1500']) {
      const run = await runRefresh(windowed, { 'role-duration-seconds': duration });
      expect(run.code).toBe(0);
      const { spawns, renewals } = counted(run);
      const tokens = endpoint.requests.length;
      await callerArns('awscli', { env: laterStep(run), stsUrl: windowed.url, calls: 5 });
      // The AWS CLI may run the process twice per command for credentials inside its window; the cache answers both.
      expect(spawns()).toBeGreaterThanOrEqual(5);
      expect({ duration, renewals: renewals(), tokens: endpoint.requests.length - tokens }).toEqual({ duration, renewals: 0, tokens: 0 });
    }
  }, 90_000); // ten AWS CLI commands, each a Python start

  it.skipIf(!hasDebianBoto3 || !hasDebianAws)('eight clients starting together near expiry renew once, with one token request: the others wait on the lock and take its result', async () => {
    const run = await stepWithShortFirstSession();
    expect(run.code).toBe(0);
    const { spawns, renewals } = counted(run);
    const tokens = endpoint.requests.length;
    const clients = ['boto3', 'awscli', 'boto3', 'awscli', 'boto3', 'awscli', 'boto3', 'awscli'] as const;
    const arns = await Promise.all(clients.map((client) => callerArns(client, { env: laterStep(run), stsUrl: windowed.url })));
    expect(arns.flat()).toEqual(Array(8).fill(expect.stringMatching(/assumed-role\/deploy\//)));
    expect(spawns()).toBeGreaterThanOrEqual(8);
    expect({ renewals: renewals(), tokens: endpoint.requests.length - tokens }).toEqual({ renewals: 1, tokens: 1 });
    // Every client signed with the one renewed session.
    const renewed = windowed.issued.at(-1)!.accessKeyId;
    expect(windowed.calls.filter((call) => call.action === 'GetCallerIdentity').slice(-8).map((call) => call.signedBy)).toEqual(Array(8).fill(renewed));
  });

  it.skipIf(!hasDebianBoto3)('does not call STS on every boto3 call when the sessions are 15 minutes long (role-duration-seconds 900)', async () => {
    // Such a session starts inside botocore's window, so boto3 runs the process on every
    // call whatever it answers; the cache must answer, or each call would be an STS call.
    const run = await runRefresh(windowed, { 'role-duration-seconds': '900' });
    expect(run.code).toBe(0);
    const { spawns, renewals } = counted(run);
    await callerArns('boto3', { env: laterStep(run), stsUrl: windowed.url, calls: BOTO3_CALLS });
    expect(spawns()).toBeGreaterThan(BOTO3_CALLS);
    expect(renewals()).toBe(0);
  });
});
