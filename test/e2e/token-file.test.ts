// web-identity-token-file: a self-hosted runner on Kubernetes (Actions Runner Controller on
// EKS) reads its pod's projected service account token instead of asking GitHub. The token
// lies where the kubelet puts it — `token -> ..data/token`, `..data` a link to a timestamped
// folder swapped at each rotation — and is signed by the cluster's issuer (here the test
// issuer), which the role trusts for `system:serviceaccount:<namespace>:<name>`.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorAnnotation, visibleOutput, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE as ROLE, runMainStep } from '../harness/world.ts';
import { startTokenEndpoint } from '../harness/github.ts';

const SERVICE_ACCOUNT = 'system:serviceaccount:arc-runners:arc-runner-set';

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
/** Issues credentials of a few seconds, so that every renewal assumes the role again. */
let shortLived: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  const options = { providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, SERVICE_ACCOUNT, 'sts.amazonaws.com') }] };
  [sts, shortLived] = await Promise.all([startSts(options), startSts({ ...options, credentialLifetimeSeconds: 3 })]);
});
afterAll(async () => Promise.all([sts?.close(), shortLived?.close(), endpoint?.close()]).then(() => issuer?.close()));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A token shaped like a projected service account token for the audience sts.amazonaws.com. */
function serviceAccountToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return issuer.sign({
    sub: SERVICE_ACCOUNT,
    aud: ['sts.amazonaws.com'],
    'kubernetes.io': { namespace: 'arc-runners', pod: { name: 'arc-runner-set-x7k2p', uid: 'a1b2' }, serviceaccount: { name: 'arc-runner-set', uid: 'c3d4' } },
    ...overrides,
  });
}

/** The kubelet's layout of a projected volume, and its atomic swap of `..data` at rotation. */
function projectedVolume(token: string) {
  const dir = tempDir('claimcheck-serviceaccount-');
  let generation = 0;
  const write = (value: string) => {
    const folder = `..2026_12_01_10_00_0${generation++}.000000001`;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, 'token'), value, { mode: 0o644 });
    symlinkSync(folder, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    return folder;
  };
  let current = write(token);
  symlinkSync('..data/token', join(dir, 'token'));
  return {
    path: join(dir, 'token'),
    rotate(next: string) {
      const old = current;
      current = write(next);
      rmSync(join(dir, old), { recursive: true });
    },
  };
}

function runWithTokenFile(path: string, inputs: Record<string, string> = {}, env: Record<string, string | undefined> = {}, on: StsDouble = sts): Promise<StepRun> {
  return runMainStep({ issuer, endpoint, sts: on }, { 'web-identity-token-file': path, ...inputs }, { env: { GITHUB_RUN_ATTEMPT: '2', ...env } });
}

function webIdentityTokens(on: StsDouble): string[] {
  return on.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity').map((call) => call.params.WebIdentityToken ?? '');
}

describe('the Action with web-identity-token-file', () => {
  it("exports credentials from the kubelet's symlinked token, without asking GitHub's endpoint", async () => {
    const token = await serviceAccountToken();
    const volume = projectedVolume(token);
    const requestsBefore = endpoint.requests.length;
    // Actions Runner Controller's runners need no id-token permission for this.
    const run = await runWithTokenFile(volume.path, { claims: 'sub=system:serviceaccount:arc-runners:*' }, { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(endpoint.requests.length).toBe(requestsBefore);
    expect(webIdentityTokens(sts).at(-1)).toBe(token);
    expect(run.exported.AWS_ACCESS_KEY_ID).toBe(sts.issued.at(-1)!.accessKeyId);
    expect(run.stdout).toContain(`Reading the OIDC token from the file ${volume.path} (web-identity-token-file).`);
    expect(run.stdout).not.toContain('Requesting an OIDC token');
    // The token is the cluster's, so the session is named from the runner's own variables.
    expect(run.outputs['authenticated-arn']).toBe('arn:aws:sts::111122223333:assumed-role/deploy/acme.api@4242424242-2');
    expect(findLeaks({ log: visibleOutput(run), summary: run.summary, state: run.files.GITHUB_STATE ?? '' }, [token, ...sts.issued.map((c) => c.secretAccessKey)])).toEqual([]);
  });

  it('reads the file again for a fresh token when STS says the token expired', async () => {
    const token = await serviceAccountToken();
    const volume = projectedVolume(token);
    sts.faults.push({ kind: 'status', status: 400, code: 'ExpiredTokenException', message: 'Token expired: current date/time 1 must be before the expiration date/time 0' });
    const before = webIdentityTokens(sts).length;
    const run = await runWithTokenFile(volume.path);
    expect(run.code).toBe(0);
    expect(webIdentityTokens(sts).length - before).toBe(2);
    expect(run.stdout.match(/Reading the OIDC token from the file /g)).toHaveLength(2);
  });

  it("renews with the rotated token: the refresh profile's credential_process reads the file again", async () => {
    const volume = projectedVolume(await serviceAccountToken());
    const run = await runWithTokenFile(volume.path, { refresh: 'true' }, {}, shortLived);
    dirs.push(run.dir);
    expect(run.code).toBe(0);
    const rotated = await serviceAccountToken({ 'kubernetes.io': { namespace: 'arc-runners', rotated: true } });
    volume.rotate(rotated);
    const command = /credential_process = (.*)$/m.exec(readFileSync(join(run.dir, '.aws', 'config'), 'utf8'))![1]!.split(' ');
    // Credentials of 3 s are always within the renewal window: this call assumes the role again.
    const { stdout } = await promisify(execFile)(command[0]!, command.slice(1), { env: { PATH: '/usr/bin:/bin', HOME: run.dir } });
    expect(JSON.parse(stdout)).toMatchObject({ Version: 1, AccessKeyId: shortLived.issued.at(-1)!.accessKeyId });
    expect(webIdentityTokens(shortLived).at(-1)).toBe(rotated);
  });
});

describe('web-identity-token-file refuses, with one line and a hint', () => {
  function expectRefused(run: StepRun, code: string, message: RegExp) {
    expect(run.code).not.toBe(0);
    const annotation = errorAnnotation(run);
    expect(annotation).toMatch(new RegExp(`^${code}: `));
    expect(annotation).toMatch(message);
    expect(run.exported).toEqual({});
  }

  it('a FIFO, at once and without waiting for a writer', async () => {
    const dir = tempDir('claimcheck-fifo-');
    const fifo = join(dir, 'token');
    execFileSync('mkfifo', [fifo]);
    symlinkSync('token', join(dir, 'link'));
    const run = await runWithTokenFile(join(dir, 'link'), {}, {});
    expectRefused(run, 'TOKEN_REQUEST_FAILED', /web-identity-token-file \S+\/link: it is a named pipe \(FIFO\)\./);
  });

  it.each([
    ['a device', '/dev/zero', /it is a device\./],
    ['a directory', '/', /it is a directory\./],
    ['a missing file', '/var/run/secrets/eks.amazonaws.com/serviceaccount/token-absent', /: ENOENT\./],
  ])('%s', async (_, path, message) => {
    expectRefused(await runWithTokenFile(path), 'TOKEN_REQUEST_FAILED', message);
  });

  it('a file larger than any token', async () => {
    const path = join(tempDir('claimcheck-large-'), 'token');
    writeFileSync(path, 'x'.repeat(65 * 1024));
    expectRefused(await runWithTokenFile(path), 'TOKEN_REQUEST_FAILED', /larger than 64 KiB/);
  });

  it('a relative path', async () => {
    expectRefused(await runWithTokenFile('serviceaccount/token'), 'INPUT_INVALID', /Input web-identity-token-file is "serviceaccount\/token", which is not an absolute path/);
  });

  it("a token file without the cluster's issuer, before reading it", async () => {
    const run = await runMainStep({ issuer, endpoint, sts }, { 'web-identity-token-file': '/var/run/secrets/eks.amazonaws.com/serviceaccount/token', issuer: '' });
    expectRefused(run, 'INPUT_REQUIRED', /Input issuer is required with web-identity-token-file/);
    expect(errorAnnotation(run)).toMatch(/aws eks describe-cluster/);
  });

  it("a token from the file that is not the issuer's", async () => {
    const volume = projectedVolume(await serviceAccountToken());
    const run = await runWithTokenFile(volume.path, { issuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE' });
    expectRefused(run, 'TOKEN_ISSUER', /expected https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\//);
  });
});
