// What each path of the built bundles loads, recorded by a loader hook in the real processes:
// the AWS SDK (the largest chunk) loads while the token request is on its way, not after the
// answer; paths that need no STS never load it (a step refused for
// its inputs, Google Cloud, the post step, the CLI's offline commands); a credential_process
// that its cache answers loads its entry file and nothing else, not even an HTTP client.
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, run, runStep, startTokenEndpoint, visibleOutput, type TokenEndpoint } from '../harness/github.ts';
import { startGoogle, type GoogleDouble } from '../harness/google.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { bundleFilesWith, loadedBuiltins, loadedFiles, loadRecorder, type LoadRecorder } from '../harness/loaded-modules.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE } from '../harness/world.ts';

/** The token endpoint and the issuer answer this much later: time enough to see what loads meanwhile. */
const TOKEN_LATENCY_MS = 1_500;
const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github';
const ACCOUNT = 'deploy@acme-prod.iam.gserviceaccount.com';
const HTTP_MODULES = ['http', 'https', 'tls'];
const [node24] = nodeRuntimes();
const CLI = join(REPO_ROOT, 'dist/cli/index.js');

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let google: GoogleDouble;

beforeAll(async () => {
  issuer = await startIssuer({ latencyMs: TOKEN_LATENCY_MS });
  endpoint = await startTokenEndpoint(issuer, { latencyMs: TOKEN_LATENCY_MS });
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: DEPLOY_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
  google = await startGoogle({
    providers: [{ name: PROVIDER, issuerUri: issuer.url, attributeMapping: { 'google.subject': 'assertion.sub' }, attributeCondition: 'assertion.repository_id == "123456789"' }],
    serviceAccounts: [{ email: ACCOUNT, workloadIdentityUsers: [`principalSet://iam.googleapis.com/${PROVIDER.replace(/\/providers\/.*$/, '')}/*`] }],
  });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), google?.close()]).then(() => issuer?.close()));

/** A fresh folder in this test's temp folder (removed with it). */
const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `${name}-`));

/** The chunk of a bundle that holds the AWS SDK: exactly one, or the test is looking for the wrong thing. */
function sdkChunk(bundle: string): string {
  const files = bundleFilesWith(bundle, 'class STSClient');
  expect(files).toHaveLength(1);
  return files[0] as string;
}

function mainStep(recorder: LoadRecorder, inputs: Record<string, string>) {
  return runStep({
    node: node24!.node,
    script: join(REPO_ROOT, 'dist/main/index.js'),
    tokenEndpoint: endpoint,
    inputs: { issuer: issuer.url, ...inputs },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...recorder.env },
  });
}

const awsInputs = () => ({ 'role-to-assume': DEPLOY_ROLE, 'aws-region': 'us-east-1', 'sts-endpoint': sts.url });

describe('the Action', () => {
  it('loads the AWS SDK while its token request is on its way, not after the answer', async () => {
    const recorder = loadRecorder(tempDir('loads'));
    const before = endpoint.arrivals.length;
    const step = await mainStep(recorder, awsInputs());
    expect(step.code, visibleOutput(step)).toBe(0);
    const requested = endpoint.arrivals[before];
    const sdk = recorder.loaded().find((load) => load.url.endsWith(`/${sdkChunk('main').split('/').at(-1)}`));
    expect(requested).toBeDefined();
    expect(sdk).toBeDefined();
    // The answer left the endpoint TOKEN_LATENCY_MS after the request reached it.
    expect(sdk!.at).toBeLessThan(requested! + TOKEN_LATENCY_MS);
  });

  it('loads no AWS SDK and sends no request when its inputs are refused', async () => {
    const recorder = loadRecorder(tempDir('loads'));
    const before = endpoint.requests.length;
    const step = await mainStep(recorder, { ...awsInputs(), 'role-to-assume': 'arn:aws:iam::1111:role/deploy' });
    expect(step.code).toBe(1);
    expect(endpoint.requests.length).toBe(before);
    expect(loadedFiles(recorder.loaded())).not.toContain(sdkChunk('main'));
  });

  it('loads no AWS SDK for Google Cloud alone', async () => {
    const recorder = loadRecorder(tempDir('loads'));
    const step = await mainStep(recorder, { 'workload-identity-provider': PROVIDER, 'service-account': ACCOUNT, 'gcp-sts-endpoint': google.stsUrl, 'gcp-iam-credentials-endpoint': google.iamUrl, 'project-id': 'acme-prod' });
    expect(step.code, visibleOutput(step)).toBe(0);
    expect(step.exported.GOOGLE_APPLICATION_CREDENTIALS).toBeDefined();
    expect(loadedFiles(recorder.loaded())).not.toContain(sdkChunk('main'));
  });

  it('carries no AWS SDK in the post step\'s bundle at all', () => {
    expect(bundleFilesWith('post', 'class STSClient')).toEqual([]);
    expect(bundleFilesWith('main', 'class STSClient')).toHaveLength(1);
  });

  it('loads no AWS SDK in the post step', async () => {
    const main = await mainStep(loadRecorder(tempDir('loads')), { ...awsInputs(), refresh: 'true' });
    expect(main.code, visibleOutput(main)).toBe(0);
    const recorder = loadRecorder(tempDir('loads'));
    const post = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state: main.state, env: { HOME: main.dir, ...recorder.env } });
    expect(post.code, visibleOutput(post)).toBe(0);
    expect(loadedFiles(recorder.loaded())).not.toContain(sdkChunk('main').replace('/main/', '/post/'));
    expect(loadedFiles(recorder.loaded()).some((file) => file.includes('/dist/post/'))).toBe(true);
  });

  it('answers a credential_process from its fresh cache with its entry file alone: no HTTP client, no crypto', async () => {
    const main = await mainStep(loadRecorder(tempDir('loads')), { ...awsInputs(), refresh: 'true' });
    expect(main.code, visibleOutput(main)).toBe(0);
    const config = readFileSync(join(main.dir, '.aws', 'config'), 'utf8');
    const [, script, ...args] = /^credential_process = (.*)$/m.exec(config)![1]!.split(' ');
    const recorder = loadRecorder(tempDir('loads'));
    const answer = await run(node24!.node, [script!, ...args], { PATH: '/usr/bin:/bin', HOME: main.dir, RUNNER_TEMP: main.dir, ...recorder.env }, 60_000);
    expect(answer.code, answer.stderr).toBe(0);
    expect(JSON.parse(answer.stdout)).toMatchObject({ Version: 1, AccessKeyId: main.exported.AWS_ACCESS_KEY_ID ?? expect.any(String) });
    const loads = recorder.loaded();
    expect(loadedFiles(loads)).toEqual([join(REPO_ROOT, 'dist/main/index.js')]);
    expect(loadedBuiltins(loads).filter((name) => [...HTTP_MODULES, 'crypto'].includes(name))).toEqual([]);
  });
});

describe("the Action's compile cache", () => {
  /** A main step with a renewing profile, in the runner temp folder `temp`. */
  const refreshStep = (temp: string) =>
    runStep({
      node: node24!.node,
      script: join(REPO_ROOT, 'dist/main/index.js'),
      tokenEndpoint: endpoint,
      inputs: { issuer: issuer.url, ...awsInputs(), refresh: 'true' },
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', RUNNER_TEMP: temp, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
    });

  /** The profile's credential_process after its cache ran out, as a client in the job runs it; Node says what its compile cache does. */
  async function renewal(temp: string, home: string) {
    const config = readFileSync(join(home, '.aws', 'config'), 'utf8');
    const [, script, ...args] = /^credential_process = (.*)$/m.exec(config)![1]!.split(' ');
    rmSync(join(args.at(-1)!, '..', 'credentials.json'));
    const env = { PATH: '/usr/bin:/bin', HOME: home, RUNNER_TEMP: temp, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_DEBUG_NATIVE: 'COMPILE_CACHE' };
    const result = await run(node24!.node, [script!, ...args], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ Version: 1 });
    return result;
  }

  it('is written by one renewal and read back by the next in the same runner temp folder, not by the main step', async () => {
    const temp = tempDir('runner-temp');
    const step = await refreshStep(temp);
    expect(step.code, visibleOutput(step)).toBe(0);
    expect(step.stderr).not.toContain('[compile cache]');
    await renewal(temp, step.dir);
    expect(lstatSync(join(temp, '.claimcheck-compile-cache')).mode & 0o777).toBe(0o700);
    const second = await renewal(temp, step.dir);
    expect(second.stderr).toMatch(/\[compile cache\] .*\/dist\/main\/\d+\.index\.js was accepted/);
  });

  it('is not used where others can write to the runner temp folder', async () => {
    const temp = tempDir('runner-temp');
    const step = await refreshStep(temp);
    expect(step.code, visibleOutput(step)).toBe(0);
    chmodSync(temp, 0o777);
    const renewed = await renewal(temp, step.dir);
    expect(renewed.stderr).not.toContain('[compile cache]');
    expect(existsSync(join(temp, '.claimcheck-compile-cache'))).toBe(false);
  });
});

describe('the CLI', () => {
  const cli = async (args: string[]) => {
    const recorder = loadRecorder(tempDir('loads'));
    const result = await run(node24!.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: tempDir('home'), ...recorder.env }, 60_000);
    return { ...result, files: loadedFiles(recorder.loaded()), builtins: loadedBuiltins(recorder.loaded()) };
  };

  it('shows its help with no HTTP client and no AWS SDK', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('trust-policy');
    expect(help.files).not.toContain(sdkChunk('cli'));
    expect(help.builtins.filter((name) => HTTP_MODULES.includes(name))).toEqual([]);
  });

  it('prints a trust policy with no HTTP client and no AWS SDK', async () => {
    const policy = await cli(['trust-policy', '--account-id', '123456789012', '--platform', 'github', '--repository', 'acme/api', '--branch', 'main']);
    expect(policy.code, policy.stderr).toBe(0);
    expect(JSON.parse(policy.stdout)).toMatchObject({ Version: '2012-10-17' });
    expect(policy.files).not.toContain(sdkChunk('cli'));
    expect(policy.builtins.filter((name) => HTTP_MODULES.includes(name))).toEqual([]);
  });

  it('explains a token with no AWS SDK', async () => {
    const tokenFile = join(tempDir('token'), 'token');
    writeFileSync(tokenFile, await issuer.sign(githubClaims()));
    const explained = await cli(['explain', '--token-file', tokenFile, '--no-verify', '--claims', 'repository=acme/api']);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.files).not.toContain(sdkChunk('cli'));
  });

  it('loads the AWS SDK to assume a role (so the checks above can see it)', async () => {
    const tokenFile = join(tempDir('token'), 'token');
    writeFileSync(tokenFile, await issuer.sign(githubClaims()));
    const assumed = await cli(['assume', '--token-file', tokenFile, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', DEPLOY_ROLE, '--aws-region', 'us-east-1', '--sts-endpoint', sts.url, '--format', 'json']);
    expect(assumed.code, assumed.stderr).toBe(0);
    expect(assumed.files).toContain(sdkChunk('cli'));
  });
});
