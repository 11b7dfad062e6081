// The built CLI (bin/claimcheck.js → dist/cli) run as a process: help, usage errors,
// the output formats of `assume` used by bash and the AWS CLI, `explain`, and
// `trust-policy`, whose policies the STS double then enforces.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandFile, REPO_ROOT, run } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { findLeaks } from '../harness/leaks.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const [node24] = nodeRuntimes();
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

let issuer: TestIssuer;
let sts: StsDouble;
let dir: string;

beforeAll(async () => {
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com', CIRCLE_ORGANIZATION_ID] }], roles: [] });
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-cli-'));
  sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }]);
});
afterAll(async () => Promise.all([sts?.close(), issuer?.close()]));

function cli(args: string[], env: Record<string, string> = {}) {
  return run(node24!.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, 60_000);
}

async function tokenFile(claims = githubClaims()): Promise<{ path: string; token: string }> {
  const token = await issuer.sign(claims);
  const path = join(dir, 'token');
  writeFileSync(path, `${token}\n`);
  return { path, token };
}

const assumeArgs = (path: string) => ['assume', '--token-file', path, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url];

function expectNoSecret(output: string, token: string) {
  const secrets = [token, ...sts.issued.flatMap((issued) => [issued.secretAccessKey, issued.sessionToken])];
  expect(findLeaks({ output }, secrets)).toEqual([]);
}

describe('claimcheck help and usage', () => {
  it('lists the commands, and each command its options', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/assume +Verify/);
    expect(help.stdout).toMatch(/explain +Show/);
    expect(help.stdout).toMatch(/trust-policy +Print/);
    for (const [command, option] of [['assume', '--role-to-assume'], ['explain', '--no-verify'], ['trust-policy', '--account-id']]) {
      const result = await cli([command!, '--help']);
      expect([command, result.code]).toEqual([command, 0]);
      expect(result.stdout).toContain(option);
      expect(result.stdout).toContain('Example:');
    }
    expect((await cli(['--version'])).stdout).toBe(`${version}\n`);
  });

  it.each([
    [[], /^claimcheck/],
    [['deploy'], /^claimcheck: unknown command "deploy"/],
    [['assume', '--bogus'], /^claimcheck assume: unknown option --bogus \(see claimcheck assume --help\)\n$/],
    [['assume', '--format', 'yaml', '--token-env', 'X', '--issuer', 'https://i', '--audience', 'a'], /--format must be one of env, json, credential-process, github, circleci/],
    [['assume', '--issuer', 'https://i', '--audience', 'a'], /give exactly one of --token-file, --token-env or --token-command/],
    [['assume', '--token-env', 'X', '--audience', 'a'], /--issuer is required/],
    [['explain', '--token-env', 'X', '--issuer'], /--issuer needs a value/],
    [['trust-policy', '--account-id', '42', '--platform', 'github'], /--account-id must be a 12-digit AWS account ID/],
    [['trust-policy', '--account-id', '123456789012', '--platform', 'github', '--repository', 'acme/api'], /say what to trust/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    const output = args.length === 0 ? result.stdout : result.stderr;
    expect(output).toMatch(message);
    if (args.length > 0) expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('claimcheck assume', () => {
  it('prints export lines that bash evaluates and the AWS CLI uses', async () => {
    const { path, token } = await tokenFile();
    const result = await cli(assumeArgs(path));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA[A-Z2-7]{16}'\n/);
    expectNoSecret(result.stderr, token);
    if (hasDebianAws) {
      const script = `eval "$1"; ${DEBIAN_AWS} sts get-caller-identity --endpoint-url ${sts.url} --query Arn --output text`;
      const { stdout } = await promisify(execFile)('bash', ['-c', script, 'bash', result.stdout], { env: { PATH: '/usr/bin:/bin', HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
      expect(stdout.trim()).toBe('arn:aws:sts::111122223333:assumed-role/deploy/acme.api@4242424242-1');
    }
  });

  it('prints the credential_process document and JSON', async () => {
    const { path } = await tokenFile();
    const processOutput = JSON.parse((await cli([...assumeArgs(path), '--format', 'credential-process'])).stdout) as Record<string, unknown>;
    expect(Object.keys(processOutput)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(processOutput.Version).toBe(1);
    const json = JSON.parse((await cli([...assumeArgs(path), '--format', 'json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ Region: 'eu-west-1', AssumedRoleArn: expect.stringMatching(/assumed-role\/deploy\//) });
  });

  it('appends to $GITHUB_ENV as the runner reads it, masking the secrets', async () => {
    const { path } = await tokenFile();
    const githubEnv = join(dir, 'github_env');
    writeFileSync(githubEnv, '');
    const result = await cli([...assumeArgs(path), '--format', 'github'], { GITHUB_ENV: githubEnv });
    expect(result.code).toBe(0);
    const issued = sts.issued.at(-1)!;
    expect(parseCommandFile(readFileSync(githubEnv, 'utf8'))).toEqual({ AWS_ACCESS_KEY_ID: issued.accessKeyId, AWS_SECRET_ACCESS_KEY: issued.secretAccessKey, AWS_SESSION_TOKEN: issued.sessionToken, AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(result.stdout).toContain(`::add-mask::${issued.secretAccessKey}`);
  });

  it('reads the token from a command, and appends to $BASH_ENV for CircleCI', async () => {
    const { path } = await tokenFile();
    const bashEnv = join(dir, 'bash_env');
    writeFileSync(bashEnv, '');
    const args = assumeArgs(path);
    args.splice(1, 2, '--token-command', `cat '${path}'`);
    const result = await cli([...args, '--format', 'circleci'], { BASH_ENV: bashEnv });
    expect(result.code).toBe(0);
    expect(readFileSync(bashEnv, 'utf8')).toMatch(/^export AWS_ACCESS_KEY_ID='[^']+'\nexport AWS_SECRET_ACCESS_KEY=/);
  });

  it('fails with the error and its hint, exit 1, printing nothing on stdout', async () => {
    const { path, token } = await tokenFile(githubClaims({ sub: 'repo:evil/api:ref:refs/heads/main', repository: 'evil/api' }));
    const result = await cli(assumeArgs(path));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^STS_ACCESS_DENIED: .*sub="repo:evil\/api:ref:refs\/heads\/main"/m);
    expect(result.stderr).toMatch(/^Hint: /m);
    expectNoSecret(result.stderr, token);
  });
});

describe('claimcheck assume --refresh', () => {
  it.skipIf(!hasDebianAws)('writes a renewing profile that reads the token command again', async () => {
    const { path } = await tokenFile();
    const args = assumeArgs(path);
    args.splice(1, 2, '--token-command', `cat '${path}'`);
    const result = await cli([...args, '--refresh']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("export AWS_PROFILE='claimcheck'\nexport AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\nexport AWS_SDK_LOAD_CONFIG='1'\n");
    const config = readFileSync(join(dir, '.aws', 'config'), 'utf8');
    expect(config).toMatch(/credential_process = \S+\/node \S+\/dist\/cli\/index.js credential-process \S+\/\.claimcheck\/refresh-claimcheck\/config.json/);
    rmSync(join(dir, '.claimcheck', 'refresh-claimcheck', 'credentials.json')); // as if the session had run out
    const before = sts.calls.length;
    const { stdout } = await promisify(execFile)(DEBIAN_AWS, ['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--query', 'Arn', '--output', 'text'], { env: { PATH: '/usr/bin:/bin', HOME: dir, AWS_PROFILE: 'claimcheck', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(stdout.trim()).toMatch(/assumed-role\/deploy\//);
    expect(sts.calls.slice(before).map((call) => call.action)).toContain('AssumeRoleWithWebIdentity');
  });

  it('refuses a token source that cannot be read again', async () => {
    const result = await cli(['assume', '--token-env', 'X', '--issuer', 'https://i', '--audience', 'a', '--refresh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--refresh needs --platform github\|circleci, --token-command or --token-file \(a path\)/);
  });
});

describe('claimcheck explain', () => {
  it('verifies the token and shows its claims, the rules and the role it gets, never the token', async () => {
    const { path, token } = await tokenFile();
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, 'version: 1\nroles:\n  - { name: prs, role: "arn:aws:iam::111122223333:role/ro", claims: { event_name: pull_request } }\n  - { name: main, role: "arn:aws:iam::111122223333:role/deploy", claims: { ref: refs/heads/main } }\n');
    const result = await cli(['explain', '--token-file', path, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--claims', 'repository=acme/api', '--rules-file', rules]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Token: verified \(RS256, issuer http:\/\/127\.0\.0\.1:\d+, audience sts\.amazonaws\.com\)/);
    expect(result.stdout).toMatch(/ repository +acme\/api\n/);
    expect(result.stdout).toMatch(/ exp +\d+ \(20\d\d-/);
    expect(result.stdout).toContain('  held    repository=acme/api');
    expect(result.stdout).toContain('  matched main: arn:aws:iam::111122223333:role/deploy');
    expect(result.stdout).toContain(`{"StringEquals":{"${issuer.host}:aud":"sts.amazonaws.com","${issuer.host}:sub":"repo:acme/api:ref:refs/heads/main"}}`);
    expectNoSecret(result.stdout + result.stderr, token);
  });

  it('exits 1 when a rule fails, and says when it did not verify', async () => {
    const { path } = await tokenFile(githubClaims({ ref: 'refs/heads/dev' }));
    const failed = await cli(['explain', '--token-file', path, '--no-verify', '--claims', 'ref=refs/heads/main']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^WARNING: --no-verify: the signature, issuer, audience and expiry of this token were NOT checked/);
    expect(failed.stdout).toContain('Token: NOT VERIFIED (decoded only)');
    expect(failed.stdout).toContain('  FAILED  ref=refs/heads/main: ref is "refs/heads/dev"');
  });

  it('rejects a token from another issuer when verifying', async () => {
    const { path } = await tokenFile();
    const result = await cli(['explain', '--token-file', path, '--issuer', 'https://token.actions.githubusercontent.com', '--audience', 'sts.amazonaws.com']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^TOKEN_ISSUER: /);
  });
});

describe('claimcheck trust-policy', () => {
  async function policy(args: string[]): Promise<object> {
    const result = await cli(['trust-policy', '--account-id', '111122223333', ...args]);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as object;
  }

  async function assumeWith(trustPolicy: object, claims: Record<string, unknown>, audience = 'sts.amazonaws.com'): Promise<number | null> {
    sts.setRoles([{ arn: ROLE, trustPolicy }]);
    const { path } = await tokenFile({ ...claims, aud: audience });
    const args = assumeArgs(path);
    args[6] = audience;
    return (await cli(args)).code;
  }

  it('from a token: STS accepts that token and refuses another branch or repository', async () => {
    const { path } = await tokenFile();
    const generated = await policy(['--token-file', path]);
    expect(await assumeWith(generated, githubClaims())).toBe(0);
    expect(await assumeWith(generated, githubClaims({ sub: 'repo:acme/api:ref:refs/heads/dev' }))).toBe(1);
    expect(await assumeWith(generated, githubClaims({ sub: 'repo:acme/web:ref:refs/heads/main' }))).toBe(1);
  });

  it('from GitHub flags on an issuer with no GitHub keys: the subject carries them, or the flags are refused', async () => {
    const generated = await policy(['--platform', 'github', '--issuer', issuer.url, '--repository', 'acme/api', '--branch', 'main']);
    expect(await assumeWith(generated, githubClaims())).toBe(0);
    expect(await assumeWith(generated, githubClaims({ sub: 'repo:acme/api:ref:refs/heads/dev' }))).toBe(1);
    expect(await assumeWith(generated, githubClaims({ sub: 'repo:acme/api:environment:prod' }))).toBe(1);
    expect(await assumeWith(generated, githubClaims({ sub: 'repo:acme/api:pull_request' }))).toBe(1);
    // main AND prod: a job in an environment has the environment subject, which names no ref.
    const both = await cli(['trust-policy', '--account-id', '111122223333', '--platform', 'github', '--issuer', issuer.url, '--repository', 'acme/api', '--branch', 'main', '--environment', 'prod']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^INPUT_INVALID: The rules cannot be written as a trust policy for 127\.0\.0\.1:\d+: .* no subject of the issuer carries repository=acme\/api and ref=refs\/heads\/main and environment=prod together/m);
  });

  it('from CircleCI flags: the named project, any user', async () => {
    const generated = await policy(['--platform', 'circleci', '--issuer', issuer.url, '--org-id', CIRCLE_ORGANIZATION_ID, '--project-id', CIRCLE_PROJECT_ID, '--audience', CIRCLE_ORGANIZATION_ID]);
    expect(await assumeWith(generated, circleciClaims(), CIRCLE_ORGANIZATION_ID)).toBe(0);
    const otherProject = circleciClaims({ sub: `org/${CIRCLE_ORGANIZATION_ID}/project/00000000-0000-4000-8000-000000000000/user/u` });
    expect(await assumeWith(generated, otherProject, CIRCLE_ORGANIZATION_ID)).toBe(1);
  });

  it('writes Terraform whose role policy is the same document, pointing at the provider resource', async () => {
    const result = await cli(['trust-policy', '--account-id', '111122223333', '--platform', 'github', '--repository', 'acme/api', '--tag', 'v*', '--format', 'terraform']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('resource "aws_iam_openid_connect_provider" "ci" {\n  url            = "https://token.actions.githubusercontent.com"\n  client_id_list = ["sts.amazonaws.com"]\n}');
    expect(result.stdout).toContain('"Federated" = aws_iam_openid_connect_provider.ci.arn');
    expect(result.stdout).toContain('"StringLike" = {\n          "token.actions.githubusercontent.com:ref" = "refs/tags/v*"');
    expect(result.stdout).toContain('"StringNotLike" = {\n          "token.actions.githubusercontent.com:ref" = ["*/*/*/*", "*:*"]');
  });
});
