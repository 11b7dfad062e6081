// The CLI's manners: a CI format outside its CI fails before anything is asked for (so no
// `::add-mask::<secret>` line reaches another CI's log), the log says where the token is read
// from, boolean inputs take the true/false their help names, the AWS SDK's Node version
// warning is not printed on every run, and below Node 22 nothing runs at all; --token-file
// refuses what no token file is; errors name flags, and help sections are never empty.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

// Node 22 is the oldest the CLI declares (engines), and the oldest it runs on.
describe('on the oldest Node.js it accepts', () => {
  it("assume works and does not print the AWS SDK's Node version warning", async () => {
    const env = { PATH: '/usr/bin:/bin', HOME: dir };
    const result = await run(floorRuntime().node, [CLI, ...assumeArgs('--token-file', await tokenFile())], env, 60_000);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning|node >=22/);
    expect(result.stderr).toMatch(/^Assumed arn:aws:sts::111122223333:assumed-role\/deploy\//m);
  });
});

describe('on Node 20, below package.json\'s engines', () => {
  it.each([[['--version']], [['assume', '--help']], [['credential-process', join(REPO_ROOT, 'missing.json')]]])('%j stops first with NODE_TOO_OLD, reading and asking for nothing', async (args) => {
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=22');
    const [calls, issuerRequests] = [sts.calls.length, issuer.requests.length];
    const result = await run(node20!.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
    expect([result.code, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toMatch(/^NODE_TOO_OLD: claimcheck needs Node\.js 22 or later; this is Node\.js v20\.\d+\.\d+ \(\S+\/node\)\.\nHint: Run claimcheck with Node\.js 22 or later: .*\n$/);
    expect([sts.calls.length, issuer.requests.length]).toEqual([calls, issuerRequests]);
  });

  it('the bundle run directly (as a renewing profile runs it) stops the same way', async () => {
    const result = await run(node20!.node, [join(REPO_ROOT, 'dist/cli/index.js'), '--version'], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
    expect([result.code, result.stderr]).toEqual([1, expect.stringMatching(/^NODE_TOO_OLD: /)]);
  });
});

describe('--token-file is read as the token files of the Action and the orb are', () => {
  it.each([
    ['a FIFO, at once and without waiting for a writer', () => {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      return join(dir, 'fifo');
    }, /it is a named pipe \(FIFO\)/],
    ['/dev/zero, without reading it', () => '/dev/zero', /it is a device/],
    ['a directory', () => dir, /it is a directory/],
    ['a file over 64 KiB', () => {
      writeFileSync(join(dir, 'big'), 'x'.repeat(64 * 1024 + 1));
      return join(dir, 'big');
    }, /it is larger than 64 KiB, which no token is/],
  ])('refuses %s with TOKEN_REQUEST_FAILED, naming --token-file', async (_, make, why) => {
    const path = make();
    const result = await cli(assumeArgs('--token-file', path));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^TOKEN_REQUEST_FAILED: Could not read the OIDC token from --token-file ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${why.source}\\.\\nHint: Point --token-file at a regular file`, 'm'));
  });

  it('follows a link to the token, as a kubelet lays it out', async () => {
    const path = await tokenFile();
    symlinkSync(path, join(dir, 'link'));
    expect((await cli(assumeArgs('--token-file', join(dir, 'link')))).code).toBe(0);
  });

  it('takes standard input with -, but never more than a token could be', async () => {
    const zero = await run('/bin/bash', ['-c', `head -c 10000000 /dev/zero | "$0" "$@"`, node24!.node, CLI, ...assumeArgs('--token-file', '-')], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/^TOKEN_REQUEST_FAILED: Could not read the OIDC token: standard input holds more than 64 KiB, which no token is\./m);
  });
});

describe('the CLI speaks in flags', () => {
  it('names --aws-region, not the Action\'s input, when the region is missing', async () => {
    const result = await cli(['assume', '--token-file', await tokenFile(), '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^INPUT_REQUIRED: --aws-region is required but was not set\.\nHint: Add --aws-region: AWS region for STS/);
    expect(result.stderr).not.toMatch(/step's inputs|Input aws-region/);
    const invalid = await cli([...assumeArgs('--token-file', await tokenFile()), '--role-duration-seconds', '5']);
    expect(invalid.stderr).toMatch(/^INPUT_INVALID: --role-duration-seconds is "5", which is not a whole number of seconds from 900 to 43200\.\nHint: Set --role-duration-seconds to /);
  });

  it.each([
    ['buildkite', {}, /^Hint: With --platform buildkite, the issuer is https:\/\/agent\.buildkite\.com; give --issuer only for another issuer/m],
    ['bitbucket', { BITBUCKET_WORKSPACE: 'acme' }, /^Hint: With --platform bitbucket, the issuer is the workspace's identity provider URL/m],
  ])('a wrong issuer on %s gets that platform\'s hint, not GitHub\'s', async (platform, env, hint) => {
    const token = readFileSync(await tokenFile(), 'utf8').trim();
    const source = platform === 'bitbucket' ? ['--token-env', 'T'] : ['--token-command', `printf %s '${token}'`];
    const result = await cli(['assume', '--platform', platform, ...source, '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url], { ...env, T: token });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^TOKEN_ISSUER: /m);
    expect(result.stderr).toMatch(hint);
    expect(result.stderr).not.toMatch(/GHES|token\.actions\.githubusercontent\.com|the issuer input/);
  });

  it('says which token command ran when the preset chose it, and never "--token-command" when none was given', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'buildkite-agent'), `#!/bin/sh\ncat '${await tokenFile()}'\n`, { mode: 0o755 });
    const result = await cli(['assume', '--platform', 'buildkite', '--issuer', issuer.url, '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url], { PATH: `${bin}:/usr/bin:/bin` });
    expect(result.stderr).toContain("Reading the OIDC token from the Buildkite token command (buildkite-agent oidc request-token --audience 'sts.amazonaws.com' --claim organization_id,pipeline_id).\n");
    expect(result.stderr).not.toContain('--token-command');
  });

  it('every section of every command\'s help has content', async () => {
    const commands = (await cli(['--help'])).stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').map((line) => line.trim().split(/\s+/)[0]!);
    expect(commands).toEqual(expect.arrayContaining(['assume', 'explain', 'trust-policy', 'credential-process', 'cleanup']));
    for (const command of commands) {
      const help = (await cli([command, '--help'])).stdout;
      const sections = help.trimEnd().split('\n\n');
      for (const section of sections) expect([command, section.split('\n').length > 1 || /: \S/.test(section)]).toEqual([command, true]);
    }
  });
});
