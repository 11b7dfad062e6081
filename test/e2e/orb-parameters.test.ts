// The packed orb's assume_role, run by bash as CircleCI compiles it: parameters that name
// variables of the job's environment (`role_to_assume: ${DEPLOY_ROLE}` with the role in a
// context), a token read from a projected service account token file, and what a failed
// run prints: the claims presented, the rules and the next step, then the two error lines.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrb, newJob, packTarball, renderCommand, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job, type StepResult } from '../harness/circleci.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const SERVICE_ACCOUNT = 'system:serviceaccount:ci:runner';
const [node24] = nodeRuntimes();
const orb = loadOrb();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let bundle: BundleServer;
const dirs: string[] = [];

beforeAll(async () => {
  const tarball = await packTarball();
  [issuer, bundle] = await Promise.all([startIssuer(), startBundleServer(tarball, VERSION)]);
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: [CIRCLE_ORGANIZATION_ID, 'sts.amazonaws.com'] }], roles: [] });
});
beforeEach(() => {
  endpoint.claims = circleciClaims();
  sts.setRoles([
    { arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, `org/${CIRCLE_ORGANIZATION_ID}/project/${CIRCLE_PROJECT_ID}/user/*`) },
    { arn: 'arn:aws:iam::111122223333:role/cluster', trustPolicy: webIdentityTrustPolicy(issuer.host, SERVICE_ACCOUNT, 'sts.amazonaws.com') },
  ]);
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), bundle?.close()]).then(() => issuer?.close()));

/** A job whose contexts set `variables`, as CircleCI sets a context's variables in every step. */
async function job(variables: Record<string, string> = {}, token?: string): Promise<Job> {
  const jobToken = token ?? (await issuer.sign(circleciClaims(), { expiresIn: 3600 }));
  endpoint.issued.push(jobToken);
  const target = newJob({ nodeDir: dirname(node24!.node), token: token === '' ? undefined : jobToken, tokenEndpoint: endpoint, bundleUrl: bundle.url });
  dirs.push(target.dir);
  Object.assign(target.env, variables);
  return target;
}

function assumeRole(target: Job, parameters: Record<string, unknown>): Promise<StepResult> {
  const [step] = renderCommand(orb, 'assume_role', { issuer: issuer.url, sts_endpoint: sts.url, audience: CIRCLE_ORGANIZATION_ID, ...parameters });
  return runOrbStep(target, step!);
}

function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), endpoint.bearer];
}

/** The error's two lines on stderr, nothing exported, nothing secret printed. */
function expectFailure(result: StepResult, target: Job, first: string | RegExp) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(typeof first === 'string' ? new RegExp(`^${first.replace(/[$()[\]{}.*+?^|\\]/g, '\\$&')}$`) : first);
  expect(lines[1]).toMatch(/^Hint: \S/);
  expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, secrets())).toEqual([]);
}

describe('orb parameters from the job\'s environment', () => {
  it('role_to_assume: ${DEPLOY_ROLE} and aws_region: $AWS_REGION take their values from a context', async () => {
    const target = await job({ DEPLOY_ROLE: ROLE, AWS_REGION: 'eu-west-1' });
    const result = await assumeRole(target, { role_to_assume: '${DEPLOY_ROLE}', aws_region: '$AWS_REGION' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sts.calls.at(-1)!.params).toMatchObject({ Action: 'AssumeRoleWithWebIdentity', RoleArn: ROLE });
    expect(readFileSync(target.bashEnv, 'utf8')).toContain("export AWS_REGION='eu-west-1'\n");
  });

  it('fails naming the parameter and the variable when the context is missing, before any token or STS call', async () => {
    const target = await job({ AWS_REGION: 'eu-west-1' });
    const [calls, requests] = [sts.calls.length, endpoint.requests.length];
    const result = await assumeRole(target, { role_to_assume: '${DEPLOY_ROLE}', aws_region: '$AWS_REGION' });
    expectFailure(result, target, 'INPUT_INVALID: Parameter role_to_assume names ${DEPLOY_ROLE}, which is not set in this job.');
    expect(result.stderr).toMatch(/\nHint: Set DEPLOY_ROLE in the job's environment or in a context the job uses/);
    expect([sts.calls.length, endpoint.requests.length]).toEqual([calls, requests]);
    expect(result.stdout).toContain('claimcheck failed (INPUT_INVALID).\n  No claims to show: no token was verified.\n');
  });

  it('says which variable a value that does not parse came from', async () => {
    const target = await job({ DEPLOY_ROLE: 'deploy', AWS_REGION: 'eu-west-1' });
    const result = await assumeRole(target, { role_to_assume: '${DEPLOY_ROLE}', aws_region: '$AWS_REGION' });
    expectFailure(result, target, /^INPUT_INVALID: Input role-to-assume is "deploy", which is not an IAM role ARN .* \(role_to_assume is "\$\{DEPLOY_ROLE\}" in the job's configuration, expanded from its environment\)$/);
  });
});

describe('a failed assume_role prints what the job presented', () => {
  it('on AccessDenied: the claims, the rules, the next step and the section, then the error', async () => {
    endpoint.claims = circleciClaims({ 'oidc.circleci.com/vcs-ref': 'refs/heads/feature' });
    const token = await issuer.sign(endpoint.claims, { expiresIn: 3600 });
    const target = await job({}, token);
    sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'org/someone-else/*') }]);
    const result = await assumeRole(target, { role_to_assume: ROLE, aws_region: 'us-east-1', claims: `oidc.circleci.com/project-id=${CIRCLE_PROJECT_ID}` });
    expectFailure(result, target, /^STS_ACCESS_DENIED: STS refused to let this token assume arn:aws:iam::111122223333:role\/deploy/);
    const block = result.stdout.slice(result.stdout.indexOf(`claimcheck did not assume ${ROLE} (STS_ACCESS_DENIED).`));
    expect(block).toMatch(/^ {4}oidc\.circleci\.com\/vcs-ref: +refs\/heads\/feature$/m);
    expect(block).toContain(`  Claim rules (1, all held):\n    held:   oidc.circleci.com/project-id=${CIRCLE_PROJECT_ID}\n`);
    expect(block).toMatch(/^ {4}aws iam get-role --role-name deploy > role\.json && claimcheck explain --token-file <this job's token> --issuer http:\/\/127\.0\.0\.1:\d+ --audience c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a --trust-policy role\.json$/m);
    expect(block).toContain(`  Troubleshooting: docs/TROUBLESHOOTING.md#sts_access_denied (claimcheck ${VERSION})`);
  });
});

describe('web_identity_token_file', () => {
  it("reads a projected service account token through the kubelet's links instead of CircleCI's", async () => {
    const volume = mkdtempSync(join(tmpdir(), 'claimcheck-serviceaccount-'));
    dirs.push(volume);
    const token = await issuer.sign({ sub: SERVICE_ACCOUNT, aud: 'sts.amazonaws.com', 'kubernetes.io': { namespace: 'ci' } });
    mkdirSync(join(volume, '..2026_12_01_10_00_00.1'));
    writeFileSync(join(volume, '..2026_12_01_10_00_00.1', 'token'), token);
    symlinkSync('..2026_12_01_10_00_00.1', join(volume, '..data'));
    symlinkSync('..data/token', join(volume, 'token'));
    const target = await job({ TOKEN_FILE: join(volume, 'token') }, '');
    const requests = endpoint.requests.length;
    const result = await assumeRole(target, { role_to_assume: 'arn:aws:iam::111122223333:role/cluster', aws_region: 'us-east-1', audience: 'sts.amazonaws.com', web_identity_token_file: '$TOKEN_FILE' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Reading the OIDC token from the file ${join(volume, 'token')} (web_identity_token_file).`);
    expect(endpoint.requests.length).toBe(requests);
    expect(sts.calls.at(-1)!.params.WebIdentityToken).toBe(token);
    expect(findLeaks({ stdout: result.stdout }, [token])).toEqual([]);
  });

  it("needs the cluster's issuer: CircleCI's is not the default then", async () => {
    const target = await job();
    const [step] = renderCommand(orb, 'assume_role', { role_to_assume: ROLE, aws_region: 'us-east-1', sts_endpoint: sts.url, web_identity_token_file: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' });
    const result = await runOrbStep(target, step!);
    expectFailure(result, target, /^INPUT_REQUIRED: Input issuer is required with web-identity-token-file/);
  });
});
