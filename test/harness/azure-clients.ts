// The real Azure clients a later step would run against what claimcheck handed over:
// @azure/identity's DefaultAzureCredential (which picks WorkloadIdentityCredential from
// AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE) getting an access token
// from the Entra double through the proxy, then calling the resource double with it; and
// Debian's Azure CLI, signed in from the token file.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { REPO_ROOT } from './github.ts';
import { nodeRuntimes } from './runtimes.ts';

const IDENTITY = `
import { request } from 'node:https';
import { DefaultAzureCredential } from '@azure/identity';
const [resource, calls] = process.argv.slice(-2);
const credential = new DefaultAzureCredential();
const results = [];
for (let i = 0; i < Number(calls); i++) {
  const token = await credential.getToken('https://management.azure.com/.default');
  results.push(await new Promise((resolve, reject) => {
    request(resource + '/whoami', { headers: { authorization: 'Bearer ' + token.token } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, caller: JSON.parse(body) }));
    }).on('error', reject).end();
  }));
}
console.log(JSON.stringify(results));
`;

export interface IdentityResult {
  readonly status: number;
  readonly caller: { readonly appid?: string; readonly oid?: string; readonly tid?: string };
}

/** What the resource double answered each call of a fresh process's DefaultAzureCredential; throws with the client's error when it fails. */
export async function azureIdentityCalls(env: Record<string, string>, resourceUrl: string, calls = 1): Promise<IdentityResult[]> {
  const node = (nodeRuntimes()[0] as { node: string }).node;
  try {
    const { stdout } = await promisify(execFile)(node, ['--input-type=module', '--eval', IDENTITY, resourceUrl, String(calls)], { cwd: REPO_ROOT, env: { TMPDIR: tmpdir(), PATH: '/usr/bin:/bin', ...env }, timeout: 60_000 });
    return JSON.parse(stdout) as IdentityResult[];
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    const text = stderr ?? String(error);
    const codes = [...new Set(text.match(/AADSTS\d+/g) ?? [])];
    throw new Error(`@azure/identity failed${codes.length === 0 ? '' : ` (${codes.join(', ')})`}: ${text.trim().split('\n').filter((line) => /Error/.test(line)).slice(0, 2).join(' | ')}`);
  }
}

export const DEBIAN_AZ = '/usr/bin/az';
export const hasDebianAz = existsSync(DEBIAN_AZ);

/** Runs Debian's az with the step's environment; its output, or an error with its stderr. */
export async function az(args: readonly string[], env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(DEBIAN_AZ, [...args], { env: { TMPDIR: tmpdir(), PATH: '/usr/bin:/bin', AZURE_CORE_COLLECT_TELEMETRY: 'false', AZURE_CORE_NO_COLOR: 'true', ...env }, timeout: 120_000 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`az ${args.slice(0, 2).join(' ')} failed: ${(stderr ?? String(error)).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

const PYTHON_IDENTITY = `
import json, ssl, sys, urllib.request
from azure.identity import DefaultAzureCredential
resource = sys.argv[1]
token = DefaultAzureCredential().get_token('https://management.azure.com/.default').token
context = ssl.create_default_context(cafile=__import__('os').environ['REQUESTS_CA_BUNDLE'])
request = urllib.request.Request(resource + '/whoami', headers={'Authorization': 'Bearer ' + token})
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
with opener.open(request) as response:
    print(json.dumps({'status': response.status, 'caller': json.loads(response.read())}))
`;

export const DEBIAN_PYTHON_AZURE = existsSync('/usr/lib/python3/dist-packages/azure/identity/__init__.py');

/** The same call from Debian's azure-identity for Python (python3-azure, which azure-cli brings). */
export async function pythonIdentityCall(env: Record<string, string>, resourceUrl: string): Promise<IdentityResult> {
  try {
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', PYTHON_IDENTITY, resourceUrl], { env: { TMPDIR: tmpdir(), PATH: '/usr/bin:/bin', ...env }, timeout: 60_000 });
    return JSON.parse(stdout) as IdentityResult;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`azure-identity for Python failed: ${(stderr ?? String(error)).trim().split('\n').slice(-2).join(' | ')}`);
  }
}
