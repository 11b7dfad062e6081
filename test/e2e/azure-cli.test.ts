// `claimcheck assume` for Azure from any CI: the token from a file, a variable or a command,
// the hand-over printed as shell exports, JSON, or written to GitHub's or CircleCI's env
// file; a token source that can give fresh tokens gets a refresher, one that cannot gets a
// warning with the file's expiry.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandFile, REPO_ROOT, run } from '../harness/github.ts';
import { githubClaims } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { azureIdentityCalls } from '../harness/azure-clients.ts';
import { CLIENT_ID, ENTRA_AUDIENCE, eventually, refreshersStoppedAfterEach, refresherStatus, running, startAzureWorld, SUBSCRIPTION_ID, TENANT_ID, type AzureWorld } from '../harness/azure-world.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const node24 = nodeRuntimes()[0] as { node: string };
let world: AzureWorld;
let dir: string;
const refreshers = refreshersStoppedAfterEach();

beforeAll(async () => {
  world = await startAzureWorld();
});
afterAll(async () => world?.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}) {
  return run(node24.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: dir, ...world.env, ...env }, 60_000);
}

async function tokenFile(): Promise<string> {
  const path = join(dir, 'token');
  writeFileSync(path, `${await world.issuer.sign({ ...githubClaims(), aud: ENTRA_AUDIENCE })}\n`);
  return path;
}

const azureArgs = ['--issuer', '', '--audience', ENTRA_AUDIENCE, '--azure-client-id', CLIENT_ID, '--azure-tenant-id', TENANT_ID];
const args = (...more: string[]) => ['assume', ...azureArgs.map((arg) => (arg === '' ? world.issuer.url : arg)), ...more];

/** The refresher's pid, from the status file beside the token file. */
function refresherIn(file: string): number {
  const { pid } = refresherStatus(file);
  refreshers.push(pid);
  return pid;
}

describe('claimcheck assume --azure-client-id', () => {
  it('--format env prints exports that @azure/identity uses; --token-command renews, and removing the folder stops the refresher', async () => {
    const path = await tokenFile();
    const result = await cli(args('--token-command', `cat ${path}`, '--azure-subscription-id', SUBSCRIPTION_ID));
    expect(result.code, result.stderr).toBe(0);
    const exported = Object.fromEntries([...result.stdout.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)].map((match) => [match[1], match[2]])) as Record<string, string>;
    expect(exported).toMatchObject({ AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID, AZURE_SUBSCRIPTION_ID: SUBSCRIPTION_ID, ARM_USE_OIDC: 'true' });
    const file = exported.AZURE_FEDERATED_TOKEN_FILE as string;
    expect(file).toBe(join(dir, '.claimcheck', `azure-${CLIENT_ID}`, 'federated-token'));
    expect(result.stderr).toMatch(/A background process \(pid \d+\) keeps the file fresh/);
    const [call] = await azureIdentityCalls({ HOME: dir, ...world.env, ...exported }, world.resource.url);
    expect(call).toMatchObject({ status: 200, caller: { appid: CLIENT_ID } });
    const pid = refresherIn(file);
    rmSync(dirname(file), { recursive: true });
    expect(await eventually(() => !running(pid), 5_000)).toBe(true);
  });

  it('--format json prints the hand-over as data; --token-env cannot renew, and says when the file expires', async () => {
    const token = readFileSync(await tokenFile(), 'utf8').trim();
    const result = await cli(args('--token-env', 'CI_TOKEN', '--format', 'json'), { CI_TOKEN: token });
    expect(result.code, result.stderr).toBe(0);
    const data = JSON.parse(result.stdout) as Record<string, string>;
    expect(data).toMatchObject({ ClientId: CLIENT_ID, TenantId: TENANT_ID, AuthorityHost: 'https://login.microsoftonline.com' });
    expect(readFileSync(data.FederatedTokenFile as string, 'utf8')).toBe(token);
    expect(result.stderr).toMatch(/Warning: Nothing here can get a fresh token .* expires at \d{4}-/);
    expect(existsSync(join(dirname(data.FederatedTokenFile as string), 'refresher.json'))).toBe(false);
  });

  it('--format github and --format circleci write the CI env files', async () => {
    const path = await tokenFile();
    const githubEnv = join(dir, 'github_env');
    const bashEnv = join(dir, 'bash_env');
    writeFileSync(githubEnv, '');
    writeFileSync(bashEnv, '');
    const github = await cli(args('--token-file', path, '--format', 'github'), { GITHUB_ENV: githubEnv });
    expect(github.code, github.stderr).toBe(0);
    expect(parseCommandFile(readFileSync(githubEnv, 'utf8'))).toMatchObject({ AZURE_CLIENT_ID: CLIENT_ID, ARM_TENANT_ID: TENANT_ID });
    const file = parseCommandFile(readFileSync(githubEnv, 'utf8')).AZURE_FEDERATED_TOKEN_FILE as string;
    const first = refresherIn(file);
    const circleci = await cli(args('--token-file', path, '--format', 'circleci'), { BASH_ENV: bashEnv });
    expect(circleci.code, circleci.stderr).toBe(0);
    expect(readFileSync(bashEnv, 'utf8')).toContain(`export AZURE_CLIENT_ID='${CLIENT_ID}'`);
    // The same app's folder again: the second run's refresher takes it over, and the first one stops.
    const second = refresherIn(file);
    expect(second).not.toBe(first);
    expect(await eventually(() => !running(first), 5_000)).toBe(true);
    expect(running(second)).toBe(true);
  });
});
