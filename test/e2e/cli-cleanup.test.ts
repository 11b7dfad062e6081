// `claimcheck cleanup` after `claimcheck assume`, run as a CI job on a machine that keeps its
// home between jobs would run them: named profiles (the user's own left byte for byte), a
// renewing profile whose credentials only the job that wrote it is served, $GITHUB_ENV keys
// blanked, and the lines `--format circleci` appended to $BASH_ENV, which the orb's cleanup
// takes out as it does its own.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrb, renderCommand } from '../harness/circleci.ts';
import { parseCommandFile, REPO_ROOT, run, startTokenEndpoint } from '../harness/github.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const [node24] = nodeRuntimes();
const USERS_OWN = '[mine]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = kept\n';

let issuer: TestIssuer;
let sts: StsDouble;
let home: string;

beforeAll(async () => {
  issuer = await startIssuer();
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com'] }], roles: [{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') }] });
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'claimcheck-agent-'));
  mkdirSync(join(home, '.aws'), { mode: 0o700 });
  writeFileSync(join(home, '.aws', 'credentials'), USERS_OWN, { mode: 0o600 });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));
afterAll(async () => Promise.all([sts?.close(), issuer?.close()]));

/** A job on the agent: GitLab names it CI_JOB_ID; the home is the agent's, kept between jobs. */
function inJob(job: string, env: Record<string, string> = {}) {
  return (args: string[]) => run(node24!.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: home, CI_JOB_ID: job, ...env }, 60_000);
}

async function tokenFile(): Promise<string> {
  const path = join(home, `token-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, await issuer.sign(githubClaims()));
  return path;
}

const assume = async (...flags: string[]) => ['assume', '--token-file', await tokenFile(), '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url, ...flags];
const credentials = () => readFileSync(join(home, '.aws', 'credentials'), 'utf8');
const config = () => readFileSync(join(home, '.aws', 'config'), 'utf8');

describe('claimcheck cleanup', () => {
  it('removes the named profiles assume wrote, one with --aws-profile, and leaves the user\'s own byte for byte', async () => {
    const job = inJob('101');
    for (const profile of ['staging', 'production']) expect((await job(await assume('--aws-profile', profile))).code).toBe(0);
    expect(credentials()).toMatch(/^\[staging\]$/m);
    const one = await job(['cleanup', '--aws-profile', 'staging']);
    expect([one.code, one.stdout]).toEqual([0, '']);
    expect(one.stderr).toMatch(/^Removed profile staging from /m);
    expect(credentials()).not.toMatch(/^\[staging\]$/m);
    expect(credentials()).toMatch(/^\[production\]$/m);
    const rest = await job(['cleanup']);
    expect(rest.code).toBe(0);
    expect(credentials()).toBe(USERS_OWN);
    expect(config()).not.toMatch(/staging|production/);
    const again = await job(['cleanup']);
    expect(again.stderr).toBe('Nothing to clean up: claimcheck assume recorded nothing in this job.\n');
  });

  it('prints the unset line for what --format env printed, for eval "$(claimcheck cleanup)"', async () => {
    const script = `set -e; creds="$("$0" "$@")" && eval "$creds"; test -n "$AWS_SESSION_TOKEN"; eval "$("$0" "${CLI}" cleanup)"; echo "left:\${AWS_ACCESS_KEY_ID-}\${AWS_SESSION_TOKEN-}:"`;
    const result = await run('/bin/bash', ['-c', script, node24!.node, CLI, ...(await assume())], { PATH: '/usr/bin:/bin', HOME: home, CI_JOB_ID: '102' }, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('left::\n');
  });

  it('binds a renewing profile to its job: a later job on the agent is refused it, and cleanup removes it', async () => {
    const first = inJob('201');
    const made = await first(await assume('--refresh'));
    expect(made.code, made.stderr).toBe(0);
    const configPath = /credential_process = .* credential-process (\S+)$/m.exec(config())?.[1] as string;
    expect(configPath).toContain(join(home, '.claimcheck', 'refresh-claimcheck'));
    const calls = sts.calls.length;
    const served = await first(['credential-process', configPath]);
    expect([served.code, JSON.parse(served.stdout).Version]).toEqual([0, 1]);
    // The next job on the same agent, with the profile still in ~/.aws/config.
    const later = await inJob('202')(['credential-process', configPath]);
    expect([later.code, later.stdout]).toEqual([1, '']);
    expect(later.stderr).toMatch(/^claimcheck credential-process: REFRESH_OTHER_JOB: This renewing profile was written by another job \(gitlab:201\), not this one \(gitlab:202\); its credentials are not handed over\.\nHint: /);
    expect(sts.calls.length).toBe(calls);
    if (hasDebianAws) {
      const aws = await run(DEBIAN_AWS, ['sts', 'get-caller-identity', '--profile', 'claimcheck', '--endpoint-url', sts.url], { PATH: `${node24!.node.replace(/\/node$/, '')}:/usr/bin:/bin`, HOME: home, CI_JOB_ID: '202' }, 60_000);
      expect(aws.code).not.toBe(0);
      expect(aws.stderr).toContain('REFRESH_OTHER_JOB');
    }
    expect((await first(['cleanup'])).code).toBe(0);
    expect(existsSync(join(home, '.claimcheck', 'refresh-claimcheck'))).toBe(false);
    expect(config()).not.toContain('credential_process');
    expect(credentials()).toBe(USERS_OWN);
  });

  it('renews a profile made with --platform github from GitHub\'s token endpoint, as the Action would', async () => {
    const endpoint = await startTokenEndpoint(issuer);
    try {
      const github = inJob('', { GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy', ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: endpoint.bearer });
      const made = await github(['assume', '--platform', 'github', '--issuer', issuer.url, '--role-to-assume', ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url, '--refresh']);
      expect(made.code, made.stderr).toBe(0);
      expect(endpoint.requests.map((request) => request.audience)).toEqual(['sts.amazonaws.com']);
      const configPath = /credential_process = .* credential-process (\S+)$/m.exec(config())?.[1] as string;
      // The cached session is near its end: the next call renews it with a fresh token.
      const cache = join(dirname(configPath), 'credentials.json');
      writeFileSync(cache, JSON.stringify({ ...JSON.parse(readFileSync(cache, 'utf8')), expiration: new Date(Date.now() + 60_000).toISOString() }));
      const renewed = await github(['credential-process', configPath]);
      expect([renewed.code, renewed.stderr]).toEqual([0, '']);
      expect(endpoint.requests.length).toBe(2);
      expect(JSON.parse(renewed.stdout).AccessKeyId).toBe(sts.issued.at(-1)!.accessKeyId);
      expect((await github(['cleanup'])).code).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  it('warns when no CI variable tells this job from a later one, at assume --refresh', async () => {
    const result = await run(node24!.node, [CLI, ...(await assume('--refresh'))], { PATH: '/usr/bin:/bin', HOME: home }, 60_000);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Warning: No CI job variable tells this job from a later one on this machine \(set CLAIMCHECK_JOB/m);
  });

  it('undoes only this job\'s runs, unless --all', async () => {
    expect((await inJob('301')(await assume('--aws-profile', 'left-behind'))).code).toBe(0);
    const other = await inJob('302')(['cleanup']);
    expect(other.stderr).toContain('Nothing to clean up');
    expect(credentials()).toMatch(/^\[left-behind\]$/m);
    const all = await inJob('302')(['cleanup', '--all']);
    expect(all.code).toBe(0);
    expect(credentials()).toBe(USERS_OWN);
  });

  it('blanks the keys --format github appended, in the $GITHUB_ENV of the step that cleans up', async () => {
    const step = (name: string) => {
      const path = join(home, name);
      writeFileSync(path, '');
      return inJob('', { GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy', GITHUB_ENV: path });
    };
    expect((await step('env-1')(await assume('--format', 'github'))).code).toBe(0);
    const cleaned = await step('env-2')(['cleanup']);
    expect(cleaned.code).toBe(0);
    expect(parseCommandFile(readFileSync(join(home, 'env-2'), 'utf8'))).toEqual({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
  });
});

describe('assume --format circleci, in a CircleCI job', () => {
  const job = (bashEnv: string) => ({ PATH: '/usr/bin:/bin', HOME: home, CIRCLECI: 'true', CIRCLE_WORKFLOW_JOB_ID: 'c0ffee', BASH_ENV: bashEnv });

  it.each(['the orb\'s cleanup', 'claimcheck cleanup'])('%s takes its lines out of $BASH_ENV', async (who) => {
    const bashEnv = join(home, 'bash_env');
    writeFileSync(bashEnv, "export BEFORE='kept'\n");
    const made = await run(node24!.node, [CLI, ...(await assume('--format', 'circleci'))], job(bashEnv), 60_000);
    expect(made.code, made.stderr).toBe(0);
    expect(readFileSync(bashEnv, 'utf8')).toContain(sts.issued.at(-1)!.secretAccessKey);
    const cleaned =
      who === 'claimcheck cleanup'
        ? await run(node24!.node, [CLI, 'cleanup'], job(bashEnv), 60_000)
        : await run(node24!.node, [join(REPO_ROOT, 'dist/circleci/index.js')], { ...job(bashEnv), ...(renderCommand(loadOrb(), 'cleanup')[0]!.environment as Record<string, string>) }, 60_000);
    expect(cleaned.code, cleaned.stderr + cleaned.stdout).toBe(0);
    // Each step sources $BASH_ENV afresh: without the lines, later steps never see the credentials.
    expect(readFileSync(bashEnv, 'utf8')).toBe("export BEFORE='kept'\n");
    expect(existsSync(join(home, '.claimcheck', 'state.json'))).toBe(false);
  });
});
