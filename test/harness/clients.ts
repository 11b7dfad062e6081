// The three real AWS clients a later step would run, each calling STS GetCallerIdentity with
// whatever credentials its own default chain (or the profile named) finds: boto3 from
// Debian's python3-boto3, Debian's awscli, and the JS SDK v3's default chain
// (@aws-sdk/client-sts → credential-provider-node). Each is pointed at the STS double the way
// it supports: boto3 1.26 and awscli 2.9 ignore AWS_ENDPOINT_URL_STS, so endpoint_url in code
// and --endpoint-url; the JS SDK's endpoint in the client's config. The double verifies the
// SigV4 signature, so the ARN a client reports is the session whose keys signed the call.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { close, listen, port, REPO_ROOT } from './github.ts';
import { DEBIAN_AWS, DEBIAN_PYTHON, nodeRuntimes } from './runtimes.ts';

export type ClientName = 'boto3' | 'awscli' | 'js-sdk' | 'js-sdk-v2' | 'awscli-v1';
export const CLIENTS: readonly ClientName[] = ['boto3', 'awscli', 'js-sdk'];

/**
 * An AWS CLI v1 (botocore 1.3x+, pip only: PyPI is not reachable from these machines), where
 * one was installed by other means: CLAIMCHECK_AWSCLI_V1, else an `aws` on this PATH (pyenv
 * resolved to its real script) that says it is aws-cli/1.
 */
function findAwsCliV1(): string | undefined {
  const pyenv = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
  const onPath = (process.env.PATH ?? '').split(':').map((dir) => join(dir, 'aws')).filter(existsSync);
  const candidates = [process.env.CLAIMCHECK_AWSCLI_V1, pyenv.status === 0 ? pyenv.stdout.trim() : undefined, ...onPath].filter((path): path is string => Boolean(path));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const path = realpathSync(candidate);
    if (path === realpathSync(DEBIAN_AWS)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: tmpdir() } });
    if (version.status === 0 && /^aws-cli\/1\./.test(`${version.stdout}${version.stderr}`)) return path;
  }
  return undefined;
}

export const AWSCLI_V1 = existsSync(DEBIAN_AWS) ? findAwsCliV1() : undefined;

/** The JS SDK v2 (aws-sdk, a devDependency), in maintenance mode but still run by many actions. */
export const hasJsSdkV2 = existsSync(join(REPO_ROOT, 'node_modules', 'aws-sdk', 'package.json'));

/** Every client this machine has: the three above, then AWS CLI v1 and the JS SDK v2 where present. */
export const ALL_CLIENTS: readonly ClientName[] = [...CLIENTS, ...(AWSCLI_V1 ? (['awscli-v1'] as const) : []), ...(hasJsSdkV2 ? (['js-sdk-v2'] as const) : [])];

export interface ClientCall {
  /** The later step's whole environment. */
  readonly env: Record<string, string>;
  readonly stsUrl: string;
  /** A profile named explicitly (--profile, Session(profile_name=…), the SDK's `profile`). */
  readonly profile?: string;
  /** GetCallerIdentity calls in one process (boto3 and the JS SDK); default 1. */
  readonly calls?: number;
}

const BOTO3 = `
import json, sys, boto3
endpoint, calls, profile = sys.argv[1], int(sys.argv[2]), sys.argv[3] or None
session = boto3.session.Session(profile_name=profile)
client = session.client('sts', endpoint_url=endpoint, region_name=session.region_name or 'us-east-1')
print(json.dumps([client.get_caller_identity()['Arn'] for _ in range(calls)]))
`;

const JS_SDK = `
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
const [endpoint, calls, profile] = process.argv.slice(-3);
const client = new STSClient({ endpoint, region: process.env.AWS_REGION || 'us-east-1', ...(profile ? { profile } : {}) });
const arns = [];
for (let i = 0; i < Number(calls); i++) arns.push((await client.send(new GetCallerIdentityCommand({}))).Arn);
console.log(JSON.stringify(arns));
`;

/** The JS SDK v2's default chain, or for a profile named explicitly its shared-file and process providers. */
const JS_SDK_V2 = `
const AWS = require('aws-sdk');
const [endpoint, calls, profile] = process.argv.slice(-3);
if (profile) {
  AWS.config.credentials = null;
  AWS.config.credentialProvider = new AWS.CredentialProviderChain([() => new AWS.SharedIniFileCredentials({ profile }), () => new AWS.ProcessCredentials({ profile })]);
}
const sts = new AWS.STS({ endpoint, region: process.env.AWS_REGION || 'us-east-1' });
(async () => {
  const arns = [];
  for (let i = 0; i < Number(calls); i++) arns.push((await sts.getCallerIdentity({}).promise()).Arn);
  console.log(JSON.stringify(arns));
})().catch((error) => { console.error(String(error && error.message || error)); process.exit(1); });
`;

/** The ARN each GetCallerIdentity call reported; throws with the client's stderr when it fails. */
export async function callerArns(client: ClientName, call: ClientCall): Promise<string[]> {
  const calls = call.calls ?? 1;
  const profile = call.profile ?? '';
  if (client === 'awscli' || client === 'awscli-v1') {
    const command = client === 'awscli' ? DEBIAN_AWS : AWSCLI_V1;
    if (!command) throw new Error('AWS CLI v1 is not installed here');
    const arns: string[] = [];
    for (let i = 0; i < calls; i++) {
      const args = ['sts', 'get-caller-identity', '--endpoint-url', call.stsUrl, '--query', 'Arn', '--output', 'text', ...(profile ? ['--profile', profile] : [])];
      arns.push((await checked(client, command, args, call.env)).trim());
    }
    return arns;
  }
  if (client === 'boto3') return JSON.parse(await checked(client, DEBIAN_PYTHON, ['-c', BOTO3, call.stsUrl, String(calls), profile], call.env)) as string[];
  const node = (nodeRuntimes()[0] as { node: string }).node;
  if (client === 'js-sdk-v2') {
    const env = { AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', ...call.env };
    return JSON.parse(await checked(client, node, ['--eval', JS_SDK_V2, call.stsUrl, String(calls), profile], env)) as string[];
  }
  const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...call.env };
  return JSON.parse(await checked(client, node, ['--input-type=module', '--eval', JS_SDK, call.stsUrl, String(calls), profile], env)) as string[];
}

/** The one ARN a client reported. */
export async function callerArn(client: ClientName, call: Omit<ClientCall, 'calls'>): Promise<string> {
  return (await callerArns(client, call))[0] as string;
}

/** Runs from the repository (where the JS SDK resolves), with the test's TMPDIR unless env names one. */
async function checked(client: ClientName, command: string, args: string[], env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd: REPO_ROOT, env: { TMPDIR: tmpdir(), ...env }, timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    throw new Error(`${client} failed (${String(code)}): ${(stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/**
 * Routes every credential_process line of an AWS config file through a shell script that
 * counts its runs, then runs the command as written: how often the clients spawned it.
 */
export function countCredentialProcess(configPath: string, dir: string): () => number {
  const counter = join(dir, 'count-credential-process.sh');
  const tally = join(dir, 'credential-process-runs');
  writeFileSync(counter, `#!/bin/sh\nprintf x >> '${tally}'\nexec "$@"\n`);
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^credential_process = /gm, `credential_process = /bin/sh ${counter} `));
  return () => (existsSync(tally) ? readFileSync(tally, 'utf8').length : 0);
}

export interface ContainerCredentials {
  /** What AWS_CONTAINER_CREDENTIALS_FULL_URI names (loopback http, which every client accepts). */
  readonly url: string;
  readonly requests: () => number;
  close(): Promise<void>;
}

/**
 * The container credentials endpoint of ECS or EKS Pod Identity, on loopback: it answers
 * every GET with `keys` in the documented form ({AccessKeyId, SecretAccessKey, Token, Expiration}).
 */
export async function startContainerCredentials(keys: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string }): Promise<ContainerCredentials> {
  let requests = 0;
  const server = createServer((_, response) => {
    requests += 1;
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ AccessKeyId: keys.accessKeyId, SecretAccessKey: keys.secretAccessKey, Token: keys.sessionToken, Expiration: expiration }));
  });
  await listen(server);
  return { url: `http://127.0.0.1:${port(server)}/v2/credentials/claimcheck-test`, requests: () => requests, close: () => close(server) };
}
