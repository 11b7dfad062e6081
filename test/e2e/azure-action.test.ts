// The Action's main step signing in to Azure against the Entra double: the token is verified and
// the rules checked before Entra is called, Entra's checks decide, and the step hands over a
// private token file (kept fresh by a refresher that the post step stops) and the variables
// azure-identity and Terraform read. Entra's refusals name the claims presented and the
// federated credential that would accept them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorAnnotation, REPO_ROOT, runStep, visibleOutput, type StepRun } from '../harness/github.ts';
import { githubClaims } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { CLIENT_ID, ENTRA_AUDIENCE, eventually, githubCredential, OBJECT_ID, refreshersStoppedAfterEach, refresherStatus, running, startAzureWorld, SUBSCRIPTION_ID, TENANT_DOMAIN, TENANT_ID, type AzureWorld } from '../harness/azure-world.ts';

const MAIN = join(REPO_ROOT, 'dist/main/index.js');
const POST = join(REPO_ROOT, 'dist/post/index.js');
const node24 = nodeRuntimes()[0] as { node: string };

let world: AzureWorld;
let sts: StsDouble;
const refreshers = refreshersStoppedAfterEach();
const ROLE = 'arn:aws:iam::111122223333:role/deploy';

beforeAll(async () => {
  world = await startAzureWorld();
  sts = await startSts({ providers: [{ issuer: world.issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(world.issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
});
afterAll(async () => {
  await sts.close();
  await world.close();
});
beforeEach(() => {
  world.credentials = [githubCredential(world.issuer.url, 'repo:acme/api:ref:refs/heads/main')];
  world.endpoint.claims = githubClaims();
  world.endpoint.signOptions = {};
  world.entra.faults.length = 0;
  world.entra.calls.length = 0;
});
// A test that fails half-way must not leave its refresher behind: it is this test's process to end.

function mainStep(inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<StepRun> {
  return runStep({ node: node24.node, script: MAIN, tokenEndpoint: world.endpoint, inputs: { ...world.inputs, ...inputs }, env: { RUNNER_DEBUG: '1', ...world.env, ...env } });
}

function refresherOf(run: StepRun): number {
  const pid = refresherStatus(run.exported.AZURE_FEDERATED_TOKEN_FILE as string).pid;
  refreshers.push(pid);
  return pid;
}

function visible(run: StepRun): Record<string, string> {
  return { log: visibleOutput(run), summary: run.summary, outputs: run.files.GITHUB_OUTPUT ?? '', env: run.files.GITHUB_ENV ?? '', state: run.files.GITHUB_STATE ?? '' };
}

describe('the Action signs in to Azure', () => {
  it('hands over a private token file and the variables azure-identity and Terraform read; the post step removes it and stops its refresher', async () => {
    const run = await mainStep({ 'azure-subscription-id': SUBSCRIPTION_ID, claims: 'repository=acme/api' });
    expect(run.code, run.stdout).toBe(0);
    const file = run.exported.AZURE_FEDERATED_TOKEN_FILE as string;
    expect(run.exported).toEqual({
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_FEDERATED_TOKEN_FILE: file,
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
      ARM_USE_OIDC: 'true',
      ARM_CLIENT_ID: CLIENT_ID,
      ARM_TENANT_ID: TENANT_ID,
      ARM_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
      ARM_OIDC_TOKEN_FILE_PATH: file,
    });
    expect(file.startsWith(run.dir)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const token = readFileSync(file, 'utf8');
    expect(JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).aud).toBe(ENTRA_AUDIENCE);
    expect(run.outputs).toMatchObject({ 'azure-tenant-id': TENANT_ID, 'azure-object-id': OBJECT_ID, 'azure-federated-token-file': file });
    expect(world.entra.calls.filter((call) => call.method === 'POST')).toEqual([expect.objectContaining({ clientId: CLIENT_ID, subject: 'repo:acme/api:ref:refs/heads/main', status: 200 })]);
    expect(run.summary).toContain('signed in to Azure as');
    expect(run.stdout).toMatch(/claimcheck-audit .*"cloud":"azure","client_id":"0b4c1d2e/);
    const pid = refresherOf(run);
    expect(running(pid)).toBe(true);
    const secrets = [token, world.endpoint.bearer, ...world.entra.issued];
    expect(findLeaks(visible(run), secrets)).toEqual([]);
    // The bearer reached the refresher through a pipe: not in its command line or environment, nor in any file it keeps.
    const proc = { cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8'), environ: readFileSync(`/proc/${pid}/environ`, 'utf8') };
    const folder = Object.fromEntries(readdirSync(dirname(file)).filter((name) => name !== 'federated-token').map((name) => [name, readFileSync(join(dirname(file), name), 'utf8')]));
    expect(findLeaks({ ...proc, ...folder }, [world.endpoint.bearer, ...world.entra.issued])).toEqual([]);
    expect(proc.environ).toContain('GITHUB_ACTIONS=true');

    const post = await runStep({ node: node24.node, script: POST, state: run.state, env: world.env });
    expect(post.code, post.stdout).toBe(0);
    expect(post.stdout).toContain('Removed the Azure token file');
    expect(existsSync(dirname(file))).toBe(false);
    expect(await eventually(() => !running(pid), 5_000)).toBe(true);
    expect(post.exported).toMatchObject({ AZURE_FEDERATED_TOKEN_FILE: '', ARM_OIDC_TOKEN_FILE_PATH: '' });
  });

  it('takes the tenant as a verified domain, and reports the tenant ID Entra resolved it to', async () => {
    const run = await mainStep({ 'azure-tenant-id': TENANT_DOMAIN });
    expect(run.code, run.stdout).toBe(0);
    refresherOf(run);
    expect(run.exported.AZURE_TENANT_ID).toBe(TENANT_DOMAIN);
    expect(run.outputs['azure-tenant-id']).toBe(TENANT_ID);
  });
});

describe("Entra's refusals", () => {
  it('names the subject presented and the credential that would accept it (AADSTS700213), exporting nothing', async () => {
    world.endpoint.claims = githubClaims({ sub: 'repo:acme/api:ref:refs/heads/dev', ref: 'refs/heads/dev' });
    const run = await mainStep();
    expect(run.code).not.toBe(0);
    const error = errorAnnotation(run);
    expect(error).toContain('ENTRA_SUBJECT_MISMATCH');
    expect(error).toContain('sub="repo:acme/api:ref:refs/heads/dev"');
    expect(error).toContain(`"issuer":"${world.issuer.url}","subject":"repo:acme/api:ref:refs/heads/dev","audiences":["${ENTRA_AUDIENCE}"]`);
    expect(error).toContain('az ad app federated-credential create --id');
    expect(run.exported).toEqual({});
    expect(run.summary).toContain(`az ad app federated-credential list --id ${CLIENT_ID}`);
    expect(run.summary).toContain('| `sub` | `repo:acme/api:ref:refs/heads/dev` |');
    expect(world.entra.calls.filter((call) => call.method === 'POST')).toHaveLength(1);
  });
});

describe("Entra's other refusals and faults", () => {
  const posts = () => world.entra.calls.filter((call) => call.method === 'POST');

  it('a subject in GitHub\'s immutable format, where the credential names the repository by name: ENTRA_SUBJECT_FORMAT, with the legacy form named', async () => {
    world.endpoint.claims = githubClaims({ sub: 'repo:acme@987654/api@123456789:ref:refs/heads/main' });
    const run = await mainStep();
    const error = errorAnnotation(run);
    expect(error).toMatch(/^ENTRA_SUBJECT_FORMAT: .*immutable format/);
    expect(error).toContain('a credential written for repo:acme/api:ref:refs/heads/main no longer matches');
    expect(error).toContain('"subject":"repo:acme@987654/api@123456789:ref:refs/heads/main"');
  });

  it('a subject that matches only when case is ignored: AADSTS7002138, said as such', async () => {
    world.credentials = [githubCredential(world.issuer.url, 'repo:Acme/API:ref:refs/heads/main')];
    const error = errorAnnotation(await mainStep());
    expect(error).toMatch(/^ENTRA_SUBJECT_MISMATCH: .*AADSTS7002138.*only when case is ignored/);
  });

  it('an issuer no credential names (AADSTS700211) and an audience none lists (AADSTS700212) get their own codes', async () => {
    world.credentials = [githubCredential('https://token.actions.githubusercontent.com', 'repo:acme/api:ref:refs/heads/main')];
    expect(errorAnnotation(await mainStep())).toMatch(new RegExp(`^ENTRA_ISSUER_MISMATCH: .*iss="${world.issuer.url}"`));
    world.credentials = [githubCredential(world.issuer.url, 'repo:acme/api:ref:refs/heads/main')];
    expect(errorAnnotation(await mainStep({ audience: 'api://another' }))).toMatch(/^ENTRA_AUDIENCE_MISMATCH: .*aud="api:\/\/another"/);
  });

  it('an unknown app or tenant fails in one call, naming the input', async () => {
    const unknownApp = await mainStep({ 'azure-client-id': '99999999-9999-4999-8999-999999999999' });
    expect(errorAnnotation(unknownApp)).toMatch(/^ENTRA_APP_NOT_FOUND: Entra ID has no application with client ID 99999999-9999-4999-8999-999999999999/);
    expect(errorAnnotation(await mainStep({ 'azure-tenant-id': 'nobody.onmicrosoft.com' }))).toMatch(/^ENTRA_TENANT_NOT_FOUND: .*nobody\.onmicrosoft\.com/);
    expect(posts().map((call) => call.code)).toEqual([700016, 90002]);
  });

  it('retries what passes with time (503, a reset), then succeeds', async () => {
    world.entra.faults.push({ kind: 'status', status: 503 }, { kind: 'reset' });
    const run = await mainStep();
    expect(run.code, run.stdout).toBe(0);
    refresherOf(run);
    expect(run.stdout).toMatch(/Entra ID attempt 1 failed .* retrying in \d+ ms/);
    expect(world.entra.calls.map((call) => call.status)).toEqual([503, 0, 200]);
  });

  it('a claim rule that fails stops the step before Entra is called', async () => {
    const run = await mainStep({ claims: 'ref=refs/heads/release' });
    expect(errorAnnotation(run)).toMatch(/^RULE_FAILED: /);
    expect(posts()).toEqual([]);
  });
});

describe('several clouds in one step', () => {
  it('assumes the AWS role and signs in to Azure, each with a token for its own audience; the summary and the audit line name both', async () => {
    const run = await mainStep({ 'role-to-assume': ROLE, 'aws-region': 'us-east-1', 'sts-endpoint': sts.url });
    expect(run.code, run.stdout).toBe(0);
    refresherOf(run);
    expect(run.exported).toMatchObject({ AWS_REGION: 'us-east-1', AZURE_CLIENT_ID: CLIENT_ID, ARM_USE_OIDC: 'true' });
    expect(run.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(world.endpoint.requests.map((request) => request.audience)).toEqual(expect.arrayContaining(['sts.amazonaws.com', ENTRA_AUDIENCE]));
    expect(run.summary).toMatch(/claimcheck assumed `deploy`, signed in to Azure as `0b4c1d2e/);
    expect(run.summary).toMatch(/^\| \*\*AWS\*\* \| +\|$/m);
    expect(run.summary).toMatch(/^\| \*\*Azure\*\* \| +\|$/m);
    const audit = JSON.parse(/claimcheck-audit (.*)/.exec(run.stdout)?.[1] ?? '{}') as { clouds: Array<{ cloud: string }> };
    expect(audit.clouds.map((cloud) => cloud.cloud)).toEqual(['aws', 'azure']);
  });
});
