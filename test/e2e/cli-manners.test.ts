// The CLI's manners: a CI format outside its CI fails before anything is asked for (so no
// `::add-mask::<secret>` line reaches another CI's log), the log says where the token is read
// from, boolean inputs take the true/false their help names, and the AWS SDK's Node 20
// warning is not printed on every run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, run, startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { floorRuntime, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const [node24, node20] = nodeRuntimes();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let dir: string;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-cli-'));
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close()]).then(() => issuer?.close()));

function cli(args: string[], env: Record<string, string> = {}, node = node24!.node) {
  return run(node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, 60_000);
}

async function tokenFile(): Promise<string> {
  const path = join(dir, 'token');
  writeFileSync(path, `${await issuer.sign(githubClaims())}\n`);
  return path;
}

const assumeArgs = (...source: string[]) => ['assume', ...source, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url];

/** A --token-command that asks GitHub's token endpoint, as a job would: the endpoint counts it. */
function endpointCommand(): string {
  const script = join(dir, 'request-token.mjs');
  const url = `${endpoint.requestUrl}&audience=sts.amazonaws.com`;
  writeFileSync(script, `const r = await fetch(${JSON.stringify(url)}, { headers: { authorization: 'Bearer ${endpoint.bearer}' } });\nprocess.stdout.write((await r.json()).value);\n`);
  return `'${node24!.node}' '${script}'`;
}

describe('--format github and --format circleci outside their CI', () => {
  it.each([
    ['github', 'GITHUB_ENV'],
    ['circleci', 'BASH_ENV'],
  ])('--format %s without $%s fails before any token or STS call, printing nothing on stdout', async (format, variable) => {
    const [calls, tokenRequests, issuerRequests] = [sts.calls.length, endpoint.requests.length, issuer.requests.length];
    const result = await cli([...assumeArgs('--token-command', endpointCommand()), '--format', format]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `EXPORT_FAILED: ${variable} is not set, so the credentials cannot reach later steps (--format ${format}); no token was read and STS was not called.\n` +
        `Hint: Use --format ${format} only in ${format === 'github' ? 'a GitHub Actions step' : 'a CircleCI job'}, which sets ${variable}; elsewhere use --format env (creds="$(claimcheck assume …)" && eval "$creds") or --format json.\n`,
    );
    expect([sts.calls.length, endpoint.requests.length, issuer.requests.length]).toEqual([calls, tokenRequests, issuerRequests]);
  });

  it('still hands over to $GITHUB_ENV where it is set', async () => {
    const githubEnv = join(dir, 'github_env');
    writeFileSync(githubEnv, '');
    const result = await cli([...assumeArgs('--token-command', endpointCommand()), '--format', 'github'], { GITHUB_ENV: githubEnv });
    expect(result.code).toBe(0);
    expect(readFileSync(githubEnv, 'utf8')).toContain(`AWS_ACCESS_KEY_ID<<`);
  });
});

describe('the log says where the token comes from', () => {
  it('reading a file or a variable, never "Requesting"', async () => {
    const path = await tokenFile();
    const fromFile = await cli(assumeArgs('--token-file', path));
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toContain(`Reading the OIDC token from the file ${path}.\n`);
    const fromVariable = await cli(assumeArgs('--token-env', 'CI_ID_TOKEN'), { CI_ID_TOKEN: readFileSync(path, 'utf8').trim() });
    expect(fromVariable.code).toBe(0);
    expect(fromVariable.stderr).toContain('Reading the OIDC token from the environment variable CI_ID_TOKEN.\n');
    const fromCommand = await cli(assumeArgs('--token-command', endpointCommand()));
    expect(fromCommand.stderr).toContain('Reading the OIDC token from the output of --token-command.\n');
    for (const result of [fromFile, fromVariable, fromCommand]) expect(result.stderr).not.toContain('Requesting');
  });
});

describe('boolean inputs as flags', () => {
  it.each([
    [['--mask-aws-account-id', 'true'], true],
    [['--mask-aws-account-id=true'], true],
    [['--mask-aws-account-id'], true],
    [['--mask-aws-account-id', 'false'], false],
    [['--mask-aws-account-id=FALSE'], false],
  ])('%j is accepted as its help says', async (flag, masked) => {
    const result = await cli([...assumeArgs('--token-file', await tokenFile()), ...flag]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Assumed arn:aws:sts::/m);
    expect(result.stderr.includes('111122223333')).toBe(!masked);
  });

  it('a value other than true or false is a usage error', async () => {
    const result = await cli([...assumeArgs('--token-file', 'token'), '--mask-aws-account-id=yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('claimcheck assume: --mask-aws-account-id takes true or false, or no value (see claimcheck assume --help)\n');
  });

  it('a bare boolean flag before another flag stays a bare flag', async () => {
    const result = await cli(['assume', '--mask-aws-account-id', '--token-file', await tokenFile(), ...assumeArgs().slice(1)]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('111122223333');
  });
});

// Node 22 is the oldest the CLI declares (engines); Node 20 still runs it.
describe.each([floorRuntime(), node20!])('on $name', (runtime) => {
  it("assume works and does not print the AWS SDK's Node version warning", async () => {
    const env = { PATH: '/usr/bin:/bin', HOME: dir };
    const result = await run(runtime.node, [CLI, ...assumeArgs('--token-file', await tokenFile())], env, 60_000);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning|node >=22/);
    expect(result.stderr).toMatch(/^Assumed arn:aws:sts::111122223333:assumed-role\/deploy\//m);
  });
});
