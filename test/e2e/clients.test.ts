// What a later step's real AWS clients do with each hand-over: boto3 (Debian's python3-boto3),
// the AWS CLI (Debian's awscli) and the JS SDK's default chain each call STS GetCallerIdentity,
// which the double answers for the session whose keys signed the call. Every mode, for the
// Action, the CLI and the orb: variables, a named profile, a renewing profile (renewal seen
// on a short session), keys or a profile an earlier step left in the environment, export: none.
// Two roles trust the job: `old`, for what an earlier step (or the runner) had, and `deploy`,
// for what this step hands over. A client that reports `old` used stale credentials.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOrb, newJob, packTarball, renderCommand, runBashStep, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job } from '../harness/circleci.ts';
import { ALL_CLIENTS, callerArn, CLIENTS, hasJsSdkV2, startContainerCredentials, type ClientName } from '../harness/clients.ts';
import { REPO_ROOT, run, runStep, startTokenEndpoint, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { circleciClaims, githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { hasDebianAws, hasDebianBoto3, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble, type StsOptions } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE, runMainStep } from '../harness/world.ts';

const OLD_ROLE = 'arn:aws:iam::111122223333:role/old';
const DEPLOY = expect.stringMatching(/:assumed-role\/deploy\//);
const OLD = expect.stringMatching(/:assumed-role\/old\//);
const [node24] = nodeRuntimes();
const CLI = join(REPO_ROOT, 'bin/claimcheck.js');

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
/** Read by the double on every issue: a test may shorten the next session. */
const stsOptions: StsOptions = { providers: [], roles: [] };

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  // Who may assume the roles is not what these tests are about: any token of the issuer.
  const trustPolicy = webIdentityTrustPolicy(issuer.host, '*', 'sts.amazonaws.com');
  Object.assign(stsOptions, { providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: DEPLOY_ROLE, trustPolicy }, { arn: OLD_ROLE, trustPolicy }] });
  sts = await startSts(stsOptions);
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), issuer?.close()]));

/** Every folder a test's steps made (runner folders, homes, jobs), removed after it. */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-clients-'));
  dirs.push(dir);
  return dir;
}

/** What each client reports, with the same environment (and profile, if any). */
async function arnsOf(env: Record<string, string>, profile?: string): Promise<Record<ClientName, string>> {
  const arns = {} as Record<ClientName, string>;
  for (const client of CLIENTS) arns[client] = await callerArn(client, { env, stsUrl: sts.url, ...(profile ? { profile } : {}) });
  return arns;
}

const every = (arn: unknown) => Object.fromEntries(CLIENTS.map((client) => [client, arn]));
const everyOf = (clients: readonly ClientName[], arn: unknown) => Object.fromEntries(clients.map((client) => [client, arn]));

/** What each of `clients` reports (every client this machine has, AWS CLI v1 and the JS SDK v2 included). */
async function arnsOfAll(env: Record<string, string>, profile?: string, clients: readonly ClientName[] = ALL_CLIENTS): Promise<Record<string, string>> {
  const arns: Record<string, string> = {};
  for (const client of clients) {
    arns[client] = await callerArn(client, { env, stsUrl: sts.url, ...(profile ? { profile } : {}) }).catch((error: Error) => error.message);
  }
  return arns;
}
const webIdentityCalls = () => sts.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity' && call.status === 200).length;

describe.skipIf(!hasDebianBoto3 || !hasDebianAws)('the Action, then a later step\'s clients', () => {
  async function step(inputs: Record<string, string>, options: { role?: string; env?: Record<string, string> } = {}): Promise<StepRun> {
    const result = await runMainStep({ issuer, endpoint, sts }, { 'role-to-assume': options.role ?? DEPLOY_ROLE, ...inputs }, { env: options.env ?? {} });
    dirs.push(result.dir);
    expect(result.code, result.stdout).toBe(0);
    return result;
  }

  /** A later step's environment: the runner's, then what the steps exported, in order (as GITHUB_ENV). */
  function later(home: string, ...exported: Array<Record<string, string>>): Record<string, string> {
    return Object.assign({ PATH: '/usr/bin:/bin', HOME: home }, ...exported) as Record<string, string>;
  }

  it('env: every client uses the exported keys', async () => {
    const handed = await step({});
    expect(await arnsOf(later(handed.dir, handed.exported))).toEqual(every(DEPLOY));
  });

  it('refresh after a step that exported keys: the keys are blanked, and every client uses the renewing profile', async () => {
    const earlier = await step({}, { role: OLD_ROLE });
    const handed = await step({ refresh: 'true' }, { env: earlier.exported });
    expect(await arnsOf(later(handed.dir, earlier.exported, handed.exported))).toEqual(every(DEPLOY));
    expect(handed.exported).toMatchObject({ AWS_PROFILE: 'claimcheck', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
    expect(handed.stdout).toContain('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which an earlier step or the job had set, for the steps that follow: boto3 and the AWS CLI would use those keys before AWS_PROFILE.');
  });

  it('refresh: each client\'s first call renews a session that is inside the refresh window, and uses the new one', async () => {
    for (const client of CLIENTS) {
      stsOptions.credentialLifetimeSeconds = 14 * 60;
      let handed: StepRun;
      try {
        handed = await step({ refresh: 'true' });
      } finally {
        delete stsOptions.credentialLifetimeSeconds;
      }
      const first = sts.issued.at(-1)!;
      const before = webIdentityCalls();
      expect([client, await callerArn(client, { env: later(handed.dir, handed.exported), stsUrl: sts.url })]).toEqual([client, DEPLOY]);
      expect([client, webIdentityCalls() - before]).toEqual([client, 1]);
      const signer = sts.calls.filter((call) => call.action === 'GetCallerIdentity').at(-1)!.signedBy;
      expect([client, signer]).toEqual([client, sts.issued.at(-1)!.accessKeyId]);
      expect(signer).not.toBe(first.accessKeyId);
    }
  });

  it('profile, with keys of an earlier step still set: every client given the profile uses it, as the log says', async () => {
    const earlier = await step({}, { role: OLD_ROLE });
    const home = tempDir();
    const handed = await step({ export: 'profile', 'aws-profile': 'ci' }, { env: { ...earlier.exported, HOME: home } });
    expect(handed.exported).toEqual({});
    expect(handed.stdout).toContain('boto3 and the AWS CLI use them before AWS_PROFILE: select profile ci with --profile ci');
    expect(await arnsOf(later(home, earlier.exported), 'ci')).toEqual(every(DEPLOY));
  });

  it('env after a step that exported AWS_PROFILE: boto3 and the AWS CLI use the keys; the JS SDK the profile, as the warning says', async () => {
    const home = tempDir();
    const earlier = await step({ refresh: 'true', 'aws-profile': 'old' }, { role: OLD_ROLE, env: { HOME: home } });
    const handed = await step({}, { env: { ...earlier.exported, HOME: home } });
    expect(handed.stdout).toMatch(/^::warning::AWS_PROFILE is set in this job .*the JS SDK uses that profile before the keys exported here/m);
    expect(await arnsOf(later(home, earlier.exported, handed.exported))).toEqual({ boto3: DEPLOY, awscli: DEPLOY, 'js-sdk': OLD });
  });

  it('none: nothing is exported, later steps keep the credentials they had, and the outputs hold the role\'s', async () => {
    const runners = await step({}, { role: OLD_ROLE }); // stands for the runner's own credentials
    const own = { AWS_ACCESS_KEY_ID: runners.exported.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: runners.exported.AWS_SECRET_ACCESS_KEY!, AWS_SESSION_TOKEN: runners.exported.AWS_SESSION_TOKEN!, AWS_DEFAULT_REGION: 'us-east-1' };
    const handed = await step({ export: 'none' }, { env: own });
    expect(handed.exported).toEqual({});
    expect(handed.state.exported).toBeUndefined();
    expect(handed.stdout).toContain('Exported nothing (export: none)');
    expect(await arnsOf(later(handed.dir, own))).toEqual(every(OLD));
    const fromOutputs = { AWS_ACCESS_KEY_ID: handed.outputs['aws-access-key-id']!, AWS_SECRET_ACCESS_KEY: handed.outputs['aws-secret-access-key']!, AWS_SESSION_TOKEN: handed.outputs['aws-session-token']! };
    expect(await arnsOf(later(handed.dir, own, fromOutputs))).toEqual(every(DEPLOY));
  });

  /** Keys of OLD_ROLE, as an earlier step (or the runner) would have them. */
  async function oldKeys(): Promise<Record<string, string>> {
    const earlier = await step({}, { role: OLD_ROLE });
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = earlier.exported;
    return { AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: AWS_SECRET_ACCESS_KEY!, AWS_SESSION_TOKEN: AWS_SESSION_TOKEN! };
  }

  /**
   * A job that already has credentials of its own, of every kind a client takes before a profile:
   * AWS_DEFAULT_PROFILE naming a profile of OLD_ROLE, a web identity role (IRSA on a Kubernetes
   * pod: AWS_ROLE_ARN and a token file; AWS_ENDPOINT_URL_STS points the clients that honour it
   * at the double) and container credentials of OLD_ROLE on loopback.
   */
  async function jobWithItsOwn(home: string): Promise<{ env: Record<string, string>; close: () => Promise<void> }> {
    await step({ export: 'profile', 'aws-profile': 'old' }, { role: OLD_ROLE, env: { HOME: home } });
    const container = await startContainerCredentials(await oldKeys().then((keys) => ({ accessKeyId: keys.AWS_ACCESS_KEY_ID!, secretAccessKey: keys.AWS_SECRET_ACCESS_KEY!, sessionToken: keys.AWS_SESSION_TOKEN! })));
    const tokenFile = join(home, 'pod-token');
    writeFileSync(tokenFile, await issuer.sign(githubClaims()));
    const env = { AWS_DEFAULT_PROFILE: 'old', AWS_ROLE_ARN: OLD_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_ENDPOINT_URL_STS: sts.url };
    return { env, close: container.close };
  }

  it('refresh in a job with AWS_DEFAULT_PROFILE, a web identity role and container credentials: every client uses the renewing profile, as the log says', async () => {
    const home = tempDir();
    const job = await jobWithItsOwn(home);
    try {
      const handed = await step({ refresh: 'true' }, { env: { ...job.env, HOME: home } });
      expect(handed.exported).toMatchObject({ AWS_PROFILE: 'claimcheck', AWS_DEFAULT_PROFILE: 'claimcheck', AWS_SDK_LOAD_CONFIG: '1', AWS_ROLE_ARN: '', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '' });
      expect(handed.stdout).toContain('Set AWS_DEFAULT_PROFILE to claimcheck as well, which the job had set to "old": boto3 and AWS CLI v1 read it before AWS_PROFILE.');
      expect(handed.stdout).toContain('AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, which an earlier step or the job had set, for the steps that follow: boto3 and the AWS CLI would assume that web identity role');
      expect(handed.stdout).toContain("AWS_CONTAINER_CREDENTIALS_FULL_URI, which an earlier step or the job had set, for the steps that follow: the JS SDK v2 would take the container's credentials");
      expect(await arnsOfAll(later(home, job.env, handed.exported))).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
    } finally {
      await job.close();
    }
  });

  it.skipIf(!hasJsSdkV2)('refresh: the JS SDK v2 uses the renewing profile because AWS_SDK_LOAD_CONFIG=1 is exported, and not without it', async () => {
    const handed = await step({ refresh: 'true' });
    expect(handed.exported.AWS_SDK_LOAD_CONFIG).toBe('1');
    expect(await callerArn('js-sdk-v2', { env: later(handed.dir, handed.exported), stsUrl: sts.url })).toEqual(DEPLOY);
    const { AWS_SDK_LOAD_CONFIG: _, ...without } = handed.exported;
    await expect(callerArn('js-sdk-v2', { env: later(handed.dir, without), stsUrl: sts.url })).rejects.toThrow(/js-sdk-v2 failed/);
  });

  it('env and profile in the same job: the exported keys, or the profile given by name, win in every client, as the log says', async () => {
    const home = tempDir();
    const job = await jobWithItsOwn(home);
    try {
      const keys = await step({}, { env: { ...job.env, HOME: home } });
      expect(keys.stdout).toContain('AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_DEFAULT_PROFILE are set in this job; boto3, the AWS CLI and the JS SDK take the keys exported here before them.');
      expect(await arnsOfAll(later(home, job.env, keys.exported))).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
      const profile = await step({ export: 'profile', 'aws-profile': 'ci' }, { env: { ...job.env, HOME: home } });
      expect(profile.stdout).toContain('AWS_DEFAULT_PROFILE is set in this job, and boto3 and AWS CLI v1 read it before AWS_PROFILE; AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set in this job');
      expect(await arnsOfAll(later(home, job.env), 'ci')).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
    } finally {
      await job.close();
    }
  });

  it('the post step gives the job back its own region and credentials: none left empty', async () => {
    // The job's own credentials (container credentials) and region; then a refresh step, then its post step.
    const home = tempDir();
    const container = await startContainerCredentials(await oldKeys().then((keys) => ({ accessKeyId: keys.AWS_ACCESS_KEY_ID!, secretAccessKey: keys.AWS_SECRET_ACCESS_KEY!, sessionToken: keys.AWS_SESSION_TOKEN! })));
    try {
      const job = { AWS_REGION: 'eu-west-1', AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url };
      const handed = await step({ refresh: 'true' }, { env: { ...job, HOME: home } });
      const post = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state: handed.state, env: { ...job, ...handed.exported, HOME: home } });
      dirs.push(post.dir);
      expect(post.code, post.stdout).toBe(0);
      expect(post.exported).toEqual({ AWS_REGION: 'eu-west-1', AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_SDK_LOAD_CONFIG: '' });
      const after = later(home, job, handed.exported, post.exported);
      expect([after.AWS_REGION, after.AWS_DEFAULT_REGION, after.AWS_PROFILE]).toEqual(['eu-west-1', 'us-east-1', 'claimcheck']);
      expect(await arnsOfAll(after)).toEqual(everyOf(ALL_CLIENTS, OLD));
      // Keys the job had: put back, with the region the step exported left in place of none.
      const own = await oldKeys();
      const keys = await step({}, { env: { ...own, HOME: home } });
      const keysPost = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state: keys.state, env: { ...own, ...keys.exported, HOME: home } });
      dirs.push(keysPost.dir);
      expect(keysPost.exported).toEqual(own);
      expect(await arnsOfAll(later(home, own, keys.exported, keysPost.exported))).toEqual(everyOf(ALL_CLIENTS, OLD));
    } finally {
      await container.close();
    }
  });

  it('refuses to write over a profile the user has, before any token; with replace-profile the post step puts it back', async () => {
    const home = tempDir();
    const own = await oldKeys();
    mkdirSync(join(home, '.aws'));
    const config = '[default]\nregion = eu-west-1\noutput = table\n\n[profile chained]\nsource_profile = default\n';
    const credentials = `[default]\naws_access_key_id = ${own.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${own.AWS_SECRET_ACCESS_KEY}\naws_session_token = ${own.AWS_SESSION_TOKEN}\n`;
    writeFileSync(join(home, '.aws', 'config'), config);
    writeFileSync(join(home, '.aws', 'credentials'), credentials);
    const before = { tokens: endpoint.requests.length, sts: sts.calls.length };
    const refused = await runMainStep({ issuer, endpoint, sts }, { 'aws-profile': 'default' }, { env: { HOME: home } });
    dirs.push(refused.dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain(`::error::PROFILE_EXISTS: Profile default is already in ${join(home, '.aws', 'credentials')} and ${join(home, '.aws', 'config')}, and claimcheck did not write it`);
    expect({ tokens: endpoint.requests.length, sts: sts.calls.length }).toEqual(before);
    expect([readFileSync(join(home, '.aws', 'config'), 'utf8'), readFileSync(join(home, '.aws', 'credentials'), 'utf8')]).toEqual([config, credentials]);

    for (const inputs of [{ 'aws-profile': 'default' }, { 'aws-profile': 'default', refresh: 'true' }]) {
      const handed = await step({ ...inputs, 'replace-profile': 'true' }, { env: { HOME: home } });
      expect(handed.stdout).toMatch(/Profile default was already in \S+ and \S+ \(not written by claimcheck\); replace-profile is true, so its sections were saved to/);
      expect(await arnsOfAll(later(home, handed.exported), 'default')).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
      const post = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state: handed.state, env: { ...handed.exported, HOME: home } });
      dirs.push(post.dir);
      expect(post.stdout).toContain('put back the profile default that was there before');
      expect([readFileSync(join(home, '.aws', 'config'), 'utf8'), readFileSync(join(home, '.aws', 'credentials'), 'utf8')]).toEqual([config, credentials]);
      expect(await arnsOfAll(later(home, handed.exported, post.exported), 'default')).toEqual(everyOf(ALL_CLIENTS, OLD));
    }
  });

  it('expands a literal ~ in AWS_CONFIG_FILE as the clients do, and writes nothing into a ./~ folder', async () => {
    const home = tempDir();
    const env = { AWS_CONFIG_FILE: '~/.aws/ci-config', AWS_SHARED_CREDENTIALS_FILE: '~/.aws/ci-credentials' };
    const handed = await step({ refresh: 'true' }, { env: { ...env, HOME: home } });
    expect(readFileSync(join(home, '.aws', 'ci-config'), 'utf8')).toContain('[profile claimcheck]');
    expect(existsSync(join(REPO_ROOT, '~'))).toBe(false);
    // The JS SDK v2 reads the path as written (a folder named ~), the others expand it.
    const expanding = ALL_CLIENTS.filter((client) => client !== 'js-sdk-v2');
    expect(await arnsOfAll(later(home, env, handed.exported), undefined, expanding)).toEqual(everyOf(expanding, DEPLOY));
  });
});

describe.skipIf(!hasDebianBoto3 || !hasDebianAws)('the CLI, then the clients in the shell that used its output', () => {
  let home: string;
  let tokenPath: string;

  async function prepare(): Promise<void> {
    home = tempDir();
    tokenPath = join(home, 'token');
    writeFileSync(tokenPath, await issuer.sign(githubClaims()));
  }

  function cli(args: string[], env: Record<string, string>) {
    const assume = ['assume', '--token-file', tokenPath, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--aws-region', 'us-east-1', '--sts-endpoint', sts.url];
    return run(node24!.node, [CLI, ...assume, ...args], { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, 60_000);
  }

  /** The environment after bash evaluates the printed lines, as `eval "$(claimcheck assume …)"` would. */
  async function evaluated(lines: string, env: Record<string, string>): Promise<Record<string, string>> {
    const { stdout } = await promisify(execFile)('/bin/bash', ['-c', 'eval "$1" && exec env -0', 'bash', lines], { env });
    return Object.fromEntries(stdout.split('\0').filter(Boolean).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  }

  const base = () => ({ PATH: '/usr/bin:/bin', HOME: home });

  it('--refresh after keys were exported: the lines unset them, and every client uses the renewing profile', async () => {
    await prepare();
    const earlier = await cli(['--role-to-assume', OLD_ROLE], base());
    const shell = await evaluated(earlier.stdout, base());
    const handed = await cli(['--role-to-assume', DEPLOY_ROLE, '--refresh'], shell);
    expect(handed.code, handed.stderr).toBe(0);
    expect(await arnsOf(await evaluated(handed.stdout, shell))).toEqual(every(DEPLOY));
    expect(handed.stdout).toBe("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN\nexport AWS_PROFILE='claimcheck'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\nexport AWS_SDK_LOAD_CONFIG='1'\n");
    expect(handed.stderr).toContain('Unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN');
  });

  it('--format env after --refresh set AWS_PROFILE: the lines unset it, so the JS SDK uses the keys too', async () => {
    await prepare();
    const earlier = await cli(['--role-to-assume', OLD_ROLE, '--refresh', '--aws-profile', 'old'], base());
    const shell = await evaluated(earlier.stdout, base());
    const handed = await cli(['--role-to-assume', DEPLOY_ROLE], shell);
    expect(handed.code, handed.stderr).toBe(0);
    expect(await arnsOf(await evaluated(handed.stdout, shell))).toEqual(every(DEPLOY));
    expect(handed.stdout).toMatch(/^unset AWS_PROFILE\nexport AWS_ACCESS_KEY_ID='/);
  });

  it('--export profile: writes the profile and prints nothing; every client given the profile uses it', async () => {
    await prepare();
    const shell = await evaluated((await cli(['--role-to-assume', OLD_ROLE], base())).stdout, base());
    const handed = await cli(['--role-to-assume', DEPLOY_ROLE, '--export', 'profile'], shell);
    expect(handed.code, handed.stderr).toBe(0);
    expect(handed.stdout).toBe('');
    expect(handed.stderr).toContain('select profile claimcheck with --profile claimcheck');
    expect(await arnsOf(shell, 'claimcheck')).toEqual(every(DEPLOY));
  });

  it('--refresh with AWS_DEFAULT_PROFILE and a web identity role set: the lines override and unset them, and every client uses the renewing profile', async () => {
    await prepare();
    const profiled = await cli(['--role-to-assume', OLD_ROLE, '--export', 'profile', '--aws-profile', 'old'], base());
    expect(profiled.code, profiled.stderr).toBe(0);
    const shell = { ...base(), AWS_DEFAULT_PROFILE: 'old', AWS_ROLE_ARN: OLD_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenPath, AWS_ENDPOINT_URL_STS: sts.url };
    const handed = await cli(['--role-to-assume', DEPLOY_ROLE, '--refresh'], shell);
    expect(handed.code, handed.stderr).toBe(0);
    expect(handed.stdout).toBe("unset AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE\nexport AWS_PROFILE='claimcheck'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\nexport AWS_SDK_LOAD_CONFIG='1'\nexport AWS_DEFAULT_PROFILE='claimcheck'\n");
    expect(handed.stderr).toContain('Set AWS_DEFAULT_PROFILE to claimcheck as well');
    expect(await arnsOfAll(await evaluated(handed.stdout, shell))).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
  });

  it('--aws-profile naming a profile the user has is refused before the token is used; --replace-profile takes it over', async () => {
    await prepare();
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\noutput = table\n');
    const before = sts.calls.length;
    const refused = await cli(['--role-to-assume', DEPLOY_ROLE, '--aws-profile', 'default'], base());
    expect([refused.code, sts.calls.length]).toEqual([1, before]);
    expect(refused.stderr).toContain(`PROFILE_EXISTS: Profile default is already in ${join(home, '.aws', 'config')}, and claimcheck did not write it`);
    const replaced = await cli(['--role-to-assume', DEPLOY_ROLE, '--aws-profile', 'default', '--replace-profile'], base());
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toMatch(/its sections were saved to \S+\/\.claimcheck\/saved-default/);
    expect(await arnsOfAll(base(), 'default')).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
  });

  it('--export none: prints the credentials as JSON and nothing to evaluate; refuses a format that exports', async () => {
    await prepare();
    const handed = await cli(['--role-to-assume', DEPLOY_ROLE, '--export', 'none'], base());
    expect(handed.code, handed.stderr).toBe(0);
    const json = JSON.parse(handed.stdout) as Record<string, string>;
    const keys = { AWS_ACCESS_KEY_ID: json.AccessKeyId!, AWS_SECRET_ACCESS_KEY: json.SecretAccessKey!, AWS_SESSION_TOKEN: json.SessionToken!, AWS_DEFAULT_REGION: json.Region! };
    expect(await arnsOf({ ...base(), ...keys })).toEqual(every(DEPLOY));
    const refused = await cli(['--role-to-assume', DEPLOY_ROLE, '--export', 'none', '--format', 'env'], base());
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(/--export none hands nothing over: use --format json or credential-process, not env/);
  });
});

describe.skipIf(!hasDebianBoto3 || !hasDebianAws)('the orb, then a later step\'s clients', () => {
  const orb = loadOrb();
  let bundle: BundleServer;
  let circleEndpoint: TokenEndpoint;

  beforeAll(async () => {
    bundle = await startBundleServer(await packTarball(), VERSION);
    circleEndpoint = await startTokenEndpoint(issuer);
    circleEndpoint.claims = circleciClaims();
  });
  afterAll(async () => Promise.all([bundle?.close(), circleEndpoint?.close()]));

  /** A CircleCI job whose every step has `context` in its environment (a context's variables). */
  function job(context: Record<string, string>): Job {
    const target = newJob({ nodeDir: dirname(node24!.node), tokenEndpoint: circleEndpoint, bundleUrl: bundle.url });
    dirs.push(target.dir);
    Object.assign(target.env, context);
    return target;
  }

  async function assume(target: Job, parameters: Record<string, unknown>) {
    const [command] = renderCommand(orb, 'assume_role', { role_to_assume: DEPLOY_ROLE, aws_region: 'us-east-1', issuer: issuer.url, sts_endpoint: sts.url, ...parameters });
    return runOrbStep(target, command!);
  }

  /** A later step's environment, after bash sourced $BASH_ENV. */
  async function laterStep(target: Job): Promise<Record<string, string>> {
    const { stdout } = await runBashStep(target, 'exec env -0');
    return Object.fromEntries(stdout.split('\0').filter(Boolean).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  }

  async function oldKeys(): Promise<Record<string, string>> {
    const home = tempDir();
    const step = await runMainStep({ issuer, endpoint, sts }, { 'role-to-assume': OLD_ROLE }, { env: { HOME: home } });
    dirs.push(step.dir);
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = step.exported;
    return { AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: AWS_SECRET_ACCESS_KEY!, AWS_SESSION_TOKEN: AWS_SESSION_TOKEN! };
  }

  it('refresh with a context\'s keys: $BASH_ENV unsets them for later steps, and cleanup gives them back', async () => {
    const context = await oldKeys();
    const target = job(context);
    const result = await assume(target, { refresh: true });
    expect(result.code, result.stderr).toBe(0);
    expect(await arnsOf(await laterStep(target))).toEqual(every(DEPLOY));
    expect(readFileSync(target.bashEnv, 'utf8')).toBe("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN\nexport AWS_PROFILE='claimcheck'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\nexport AWS_SDK_LOAD_CONFIG='1'\n");
    expect(result.stdout).toContain('Unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which an earlier step or the job had set');

    expect((await runOrbStep(target, renderCommand(orb, 'cleanup')[0]!)).code).toBe(0);
    const after = await laterStep(target);
    expect(after.AWS_PROFILE).toBeUndefined();
    expect(after.AWS_ACCESS_KEY_ID).toBe(context.AWS_ACCESS_KEY_ID);
  });

  it('env with a context\'s AWS_PROFILE: $BASH_ENV unsets it, so the JS SDK uses the keys too', async () => {
    const target = job({ AWS_PROFILE: 'context-profile' });
    const result = await assume(target, {});
    expect(result.code, result.stderr).toBe(0);
    expect(await arnsOf(await laterStep(target))).toEqual(every(DEPLOY));
    expect(readFileSync(target.bashEnv, 'utf8')).toMatch(/^unset AWS_PROFILE\nexport AWS_ACCESS_KEY_ID='/);
  });

  it('refresh with a context\'s AWS_DEFAULT_PROFILE, web identity role and region: every client uses the renewing profile; cleanup gives the context\'s back', async () => {
    const tokenFile = join(tempDir(), 'pod-token');
    writeFileSync(tokenFile, await issuer.sign(githubClaims()));
    const context = { AWS_DEFAULT_PROFILE: 'old', AWS_ROLE_ARN: OLD_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: 'eu-west-1' };
    const target = job(context);
    const old = await runMainStep({ issuer, endpoint, sts }, { 'role-to-assume': OLD_ROLE, export: 'profile', 'aws-profile': 'old' }, { env: { HOME: target.dir } });
    dirs.push(old.dir);
    const result = await assume(target, { refresh: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Set AWS_DEFAULT_PROFILE to claimcheck as well, which the job had set to "old"');
    expect(await arnsOfAll(await laterStep(target))).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
    expect((await runOrbStep(target, renderCommand(orb, 'cleanup')[0]!)).code).toBe(0);
    const after = await laterStep(target);
    expect([after.AWS_DEFAULT_PROFILE, after.AWS_ROLE_ARN, after.AWS_REGION, after.AWS_PROFILE]).toEqual(['old', OLD_ROLE, 'eu-west-1', undefined]);
    expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  });

  it('profile_name default, which the job already has, is refused before any token; replace_profile takes it over and cleanup puts it back', async () => {
    const target = job({});
    mkdirSync(join(target.dir, '.aws'));
    const config = '[default]\nregion = eu-west-1\noutput = table\n';
    writeFileSync(join(target.dir, '.aws', 'config'), config);
    const before = { sts: sts.calls.length, tokens: circleEndpoint.requests.length };
    const refused = await assume(target, { profile_name: 'default' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^PROFILE_EXISTS: Profile default is already in \S+\/\.aws\/config, and claimcheck did not write it/);
    expect({ sts: sts.calls.length, tokens: circleEndpoint.requests.length }).toEqual(before);
    const replaced = await assume(target, { profile_name: 'default', replace_profile: true });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await arnsOfAll(await laterStep(target), 'default')).toEqual(everyOf(ALL_CLIENTS, DEPLOY));
    const cleaned = await runOrbStep(target, renderCommand(orb, 'cleanup')[0]!);
    expect(cleaned.stdout).toContain('put back the profile default that was there before');
    expect(readFileSync(join(target.dir, '.aws', 'config'), 'utf8')).toBe(config);
    expect(existsSync(join(target.dir, '.aws', 'credentials')) ? readFileSync(join(target.dir, '.aws', 'credentials'), 'utf8') : '').toBe('');
  });

  it('refuses export none before any token is used: CircleCI steps have no outputs', async () => {
    const target = job({});
    const before = { sts: sts.calls.length, tokens: circleEndpoint.requests.length };
    const result = await assume(target, { export: 'none' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^INPUT_INVALID: Parameter export is none, which the orb cannot honour: CircleCI steps have no outputs/);
    expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
    expect({ sts: sts.calls.length, tokens: circleEndpoint.requests.length }).toEqual(before);
  });
});
