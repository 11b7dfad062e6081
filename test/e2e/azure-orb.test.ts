// The orb's assume_role signing in to Azure: the token from `circleci run oidc get` for Entra's
// audience, the Entra double's checks, the variables appended to $BASH_ENV for later steps, a
// refresher started through the orb's launcher (which checks the bundle's digest again) that
// rewrites the token file with fresh tokens, and cleanup, which removes it all.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrb, newJob, packTarball, renderCommand, runBashStep, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job } from '../harness/circleci.ts';
import { CIRCLE_ORGANIZATION_ID, circleciClaims } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { azureIdentityCalls } from '../harness/azure-clients.ts';
import { CLIENT_ID, ENTRA_AUDIENCE, eventually, githubCredential, refreshersStoppedAfterEach, refresherStatus, running, startAzureWorld, TENANT_ID, type AzureWorld } from '../harness/azure-world.ts';

const orb = loadOrb();
const node24 = nodeRuntimes()[0] as { node: string };
let world: AzureWorld;
let bundle: BundleServer;
const refreshers = refreshersStoppedAfterEach();

beforeAll(async () => {
  const tarball = await packTarball();
  [world, bundle] = await Promise.all([startAzureWorld(), startBundleServer(tarball, VERSION)]);
});
afterAll(async () => Promise.all([world?.close(), bundle?.close()]));
beforeEach(() => {
  world.endpoint.claims = circleciClaims();
  world.endpoint.signOptions = {};
  world.credentials = [githubCredential(world.issuer.url, String(circleciClaims().sub))];
});

async function azureJob(): Promise<Job> {
  const token = await world.issuer.sign(circleciClaims(), { expiresIn: 3600 });
  const job = newJob({ nodeDir: dirname(node24.node), token, tokenEndpoint: world.endpoint, bundleUrl: bundle.url });
  Object.assign(job.env, world.env);
  return job;
}

/** The variables a later step sees after sourcing $BASH_ENV. */
async function laterEnvironment(job: Job): Promise<Record<string, string>> {
  const later = await runBashStep(job, 'env -0');
  return Object.fromEntries(later.stdout.split('\0').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('assume_role with azure_client_id', () => {
  it('exports the variables to $BASH_ENV for @azure/identity, keeps the file fresh through the launcher, and cleanup removes it', async () => {
    world.endpoint.signOptions = { expiresIn: 8 };
    const job = await azureJob();
    const [step] = renderCommand(orb, 'assume_role', { azure_client_id: CLIENT_ID, azure_tenant_id: TENANT_ID, issuer: world.issuer.url });
    const result = await runOrbStep(job, step!);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`Signing in to Azure as app ${CLIENT_ID}`);
    const env = await laterEnvironment(job);
    expect(env).toMatchObject({ AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID, ARM_USE_OIDC: 'true', ARM_CLIENT_ID: CLIENT_ID });
    const file = env.AZURE_FEDERATED_TOKEN_FILE as string;
    expect(file).toBe(join(job.dir, '.claimcheck', `azure-${CLIENT_ID}`, 'federated-token'));
    const first = readFileSync(file, 'utf8');
    expect(JSON.parse(Buffer.from(first.split('.')[1] as string, 'base64url').toString())).toMatchObject({ aud: ENTRA_AUDIENCE, sub: circleciClaims().sub });
    const status = () => refresherStatus(file);
    const pid = status().pid;
    refreshers.push(pid);
    expect(await eventually(() => status().renewals >= 1, 15_000)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toBe(first);
    const [call] = await azureIdentityCalls({ HOME: job.dir, ...world.env, ...Object.fromEntries(Object.entries(env).filter(([name]) => /^(AZURE|ARM)_/.test(name))) }, world.resource.url);
    expect(call).toMatchObject({ status: 200, caller: { appid: CLIENT_ID } });
    expect(findLeaks({ stdout: result.stdout, stderr: result.stderr, bashEnv: readFileSync(job.bashEnv, 'utf8'), state: readFileSync(join(job.dir, '.claimcheck', 'state.json'), 'utf8') }, [...world.endpoint.issued, ...world.entra.issued, first])).toEqual([]);

    const [cleanup] = renderCommand(orb, 'cleanup');
    const cleaned = await runOrbStep(job, cleanup!);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('Removed the Azure token file');
    expect(await eventually(() => !running(pid), 5_000)).toBe(true);
    expect((await laterEnvironment(job)).AZURE_FEDERATED_TOKEN_FILE).toBeUndefined();
  }, 90_000);

  it('fails naming the claims when no federated credential matches, and exports nothing', async () => {
    world.credentials = [githubCredential(world.issuer.url, `org/${CIRCLE_ORGANIZATION_ID}/project/another/user/x`)];
    const job = await azureJob();
    const [step] = renderCommand(orb, 'assume_role', { azure_client_id: CLIENT_ID, azure_tenant_id: TENANT_ID, issuer: world.issuer.url });
    const result = await runOrbStep(job, step!);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^ENTRA_SUBJECT_MISMATCH: .*sub="org\//m);
    expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
  }, 60_000);
});
