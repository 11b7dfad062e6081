// A renewing profile whose files live in a home whose path has what shells and cmd.exe act on
// (on POSIX a quote, #, ;, $, a backtick, a backslash and spaces; on Windows &, parentheses,
// ^, ; and spaces): the credential_process line claimcheck writes must run the same command in
// each real client that reads it (Debian's AWS CLI, Debian's boto3, the AWS SDK for JavaScript,
// which runs it through /bin/sh or cmd.exe).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from '../harness/github.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const ARN = /^arn:aws:sts::111122223333:assumed-role\/deploy\/\S+$/;
const PYTHON = '/usr/bin/python3';
const hasBoto3 = spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const [node24] = nodeRuntimes();
const HOME_NAME = process.platform === 'win32' ? "R&D (new) a^b,c;d=e'f " : "o'brien #1; $HOME `id` a\\b \"q\" ";

let issuer: TestIssuer;
let sts: StsDouble;
let home: string;

beforeAll(async () => {
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
  home = mkdtempSync(join(tmpdir(), HOME_NAME));
  const tokenPath = join(home, 'token');
  writeFileSync(tokenPath, `${await issuer.sign(githubClaims())}\n`);
  const args = ['assume', '--token-file', tokenPath, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url, '--refresh'];
  const result = await run(node24!.node, [CLI, ...args], laterStep(), 60_000);
  if (result.code !== 0) throw new Error(`claimcheck assume --refresh failed: ${result.stderr}`);
});
afterAll(async () => {
  if (home) rmSync(home, { recursive: true, force: true });
  await Promise.all([sts?.close(), issuer?.close()]);
});

function laterStep(): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: home, AWS_PROFILE: 'claimcheck', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** The client's answer: were the line split wrongly, node would find no bundle or config, and the client would fail. */
async function callerArn(command: string, args: string[]): Promise<string> {
  const result = await run(command, args, laterStep(), 60_000);
  return result.code === 0 ? result.stdout.trim() : result.stderr;
}

describe(`a renewing profile in a home whose path has ${JSON.stringify(HOME_NAME)}`, () => {
  it.skipIf(!hasDebianAws)('works in the AWS CLI', async () => {
    expect(await callerArn(DEBIAN_AWS, ['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--query', 'Arn', '--output', 'text'])).toMatch(ARN);
  });

  it.skipIf(!hasBoto3)('works in boto3', async () => {
    const script = `import boto3, sys; print(boto3.Session().client('sts', endpoint_url=sys.argv[1]).get_caller_identity()['Arn'])`;
    expect(await callerArn(PYTHON, ['-c', script, sts.url])).toMatch(ARN);
  });

  it('works in the AWS SDK for JavaScript', async () => {
    // An absolute import: the script runs from the home, not the repository.
    const sdk = pathToFileURL(join(REPO_ROOT, 'node_modules', '@aws-sdk', 'client-sts', 'dist-cjs', 'index.js')).href;
    const script = `
      import { GetCallerIdentityCommand, STSClient } from ${JSON.stringify(sdk)};
      const client = new STSClient({ endpoint: ${JSON.stringify(sts.url)} });
      console.log((await client.send(new GetCallerIdentityCommand({}))).Arn);`;
    expect(await callerArn(node24!.node, ['--input-type=module', '--eval', script])).toMatch(ARN);
  });
});
