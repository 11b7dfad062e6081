// Real Azure clients read what the Action handed over: @azure/identity (npm) gets access tokens
// from the Entra double with the token file, also after the job's first token has expired
// (the refresher rewrote the file); once the post step has stopped the refresher, a client
// that needs a token after expiry is refused, which shows what the refresher is for.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runStep, type StepRun } from '../harness/github.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { az, azureIdentityCalls, DEBIAN_PYTHON_AZURE, hasDebianAz, pythonIdentityCall } from '../harness/azure-clients.ts';
import { CLIENT_ID, OBJECT_ID, refreshersStoppedAfterEach, refresherStatus, running, startAzureWorld, SUBSCRIPTION_ID, TENANT_ID, type AzureWorld } from '../harness/azure-world.ts';

const MAIN = join(REPO_ROOT, 'dist/main/index.js');
const POST = join(REPO_ROOT, 'dist/post/index.js');
const node24 = nodeRuntimes()[0] as { node: string };

let world: AzureWorld;
const refreshers = refreshersStoppedAfterEach();

beforeAll(async () => {
  world = await startAzureWorld();
});
afterAll(async () => {
  await world.close();
});

async function signedInStep(): Promise<StepRun> {
  const run = await runStep({ node: node24.node, script: MAIN, tokenEndpoint: world.endpoint, inputs: world.inputs, env: world.env });
  if (run.code !== 0) throw new Error(run.stdout);
  const status = refresherStatus(run.exported.AZURE_FEDERATED_TOKEN_FILE as string);
  refreshers.push(status.pid);
  return run;
}

/** A later step's environment: the runner's, the exported variables, and the route to the doubles. */
const laterStep = (run: StepRun) => ({ HOME: run.dir, ...world.env, ...run.exported });

describe('@azure/identity reads the hand-over', () => {
  it('DefaultAzureCredential gets an access token the resource accepts', async () => {
    world.endpoint.signOptions = {};
    const run = await signedInStep();
    const [result] = await azureIdentityCalls(laterStep(run), world.resource.url);
    expect(result).toEqual({ status: 200, caller: { appid: CLIENT_ID, oid: OBJECT_ID, tid: TENANT_ID } });
  });

  it.skipIf(!DEBIAN_PYTHON_AZURE)("azure-identity for Python (Debian's) reads it too", async () => {
    const run = await signedInStep();
    expect(await pythonIdentityCall(laterStep(run), world.resource.url)).toEqual({ status: 200, caller: { appid: CLIENT_ID, oid: OBJECT_ID, tid: TENANT_ID } });
  });
});

/** The token in the file: its exp (s) and the whole token. */
function fileToken(run: StepRun): { token: string; exp: number } {
  const token = readFileSync(run.exported.AZURE_FEDERATED_TOKEN_FILE as string, 'utf8');
  return { token, exp: (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { exp: number }).exp };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a job longer than the CI token', () => {
  // GitHub's tokens live 5 minutes; these live 6 s, so that the test sees several expire.
  it('gets tokens after the first CI token expired, because the refresher rewrote the file; a file nobody renews is refused', async () => {
    world.endpoint.signOptions = { expiresIn: 6 };
    try {
      const run = await signedInStep();
      const first = fileToken(run);
      await sleep((first.exp + 2) * 1000 - Date.now());
      const now = fileToken(run);
      expect(now.token).not.toBe(first.token);
      expect(now.exp * 1000).toBeGreaterThan(Date.now());
      const status = refresherStatus(run.exported.AZURE_FEDERATED_TOKEN_FILE as string);
      expect(status).toMatchObject({ state: 'running' });
      expect(status.renewals).toBeGreaterThanOrEqual(2);
      world.entra.calls.length = 0;
      const [result] = await azureIdentityCalls(laterStep(run), world.resource.url);
      expect(result).toMatchObject({ status: 200, caller: { appid: CLIENT_ID } });
      expect(world.entra.calls).toEqual([expect.objectContaining({ status: 200 })]);

      // The refresher ends (as if the runner had ended it): the file goes stale, and Entra refuses it.
      process.kill(status.pid);
      await sleep((fileToken(run).exp + 2) * 1000 - Date.now());
      await expect(azureIdentityCalls(laterStep(run), world.resource.url)).rejects.toThrow(/AADSTS700024/);

      const post = await runStep({ node: node24.node, script: POST, state: run.state, env: world.env });
      expect(post.code).toBe(0);
    } finally {
      world.endpoint.signOptions = {};
    }
  }, 60_000);
});

describe('the Azure CLI (Debian azure-cli)', () => {
  it.skipIf(!hasDebianAz)('signs in from the token file (azure-cli-login) and calls ARM; the post step signs it out', async () => {
    const config = join(tmpdir(), 'azure-config');
    const env = { ...world.env, AZURE_CONFIG_DIR: config, AZURE_CORE_COLLECT_TELEMETRY: 'false' };
    const run = await runStep({ node: node24.node, script: MAIN, tokenEndpoint: world.endpoint, inputs: { ...world.inputs, 'azure-cli-login': 'true', 'azure-subscription-id': SUBSCRIPTION_ID }, env });
    expect(run.code, run.stdout).toBe(0);
    refreshers.push(refresherStatus(run.exported.AZURE_FEDERATED_TOKEN_FILE as string).pid);
    const account = JSON.parse(await az(['account', 'show', '--output', 'json'], env)) as { id: string; tenantId: string; user: { name: string; type: string } };
    expect(account).toMatchObject({ id: SUBSCRIPTION_ID, tenantId: TENANT_ID, user: { name: CLIENT_ID, type: 'servicePrincipal' } });
    const caller = JSON.parse(await az(['rest', '--method', 'get', '--url', 'https://management.azure.com/whoami'], env)) as { appid: string };
    expect(caller.appid).toBe(CLIENT_ID);
    const post = await runStep({ node: node24.node, script: POST, state: run.state, env });
    expect(post.stdout).toContain(`Signed app ${CLIENT_ID} out of the Azure CLI`);
    await expect(az(['account', 'show'], env)).rejects.toThrow(/az login/);
  }, 120_000);
});
