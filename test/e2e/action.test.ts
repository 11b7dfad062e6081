// The built Action (dist/), run by a simulated GitHub runner against a real OIDC issuer,
// GitHub's token endpoint and STS on loopback; a later step uses what it exported with
// Debian's awscli. Every run is scanned for the token and the credentials.
import { execFile } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorAnnotation, maskedValues, REPO_ROOT, runStep, visibleOutput, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { githubClaims, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { findLeaks } from '../harness/leaks.ts';
import type { StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE as ROLE, runMainStep, startGithubWorld, type GithubWorld, type MainStepOptions } from '../harness/world.ts';

const POST = join(REPO_ROOT, 'dist/post/index.js');
const [node24, node20] = nodeRuntimes();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let world: GithubWorld | undefined;

beforeAll(async () => {
  world = await startGithubWorld();
  ({ issuer, endpoint, sts } = world);
});
beforeEach(() => {
  endpoint.claims = githubClaims();
  endpoint.fixedAudience = undefined;
  endpoint.signOptions = {};
  endpoint.faults.length = 0;
  sts.faults.length = 0;
  sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:ref:refs/heads/main', 'sts.amazonaws.com') }]);
});
afterAll(async () => world?.close());

function runAction(inputs: Record<string, string> = {}, options: MainStepOptions = {}) {
  return runMainStep({ issuer, endpoint, sts }, inputs, options);
}

/** Every secret of the run: tokens handed out and credentials issued. */
function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), endpoint.bearer];
}

/** Nothing secret in what people can see: logs (debug on), outputs, state, summary. */
function expectNoLeak(run: StepRun) {
  expect(findLeaks({ log: visibleOutput(run), outputs: run.files.GITHUB_OUTPUT ?? '', state: run.files.GITHUB_STATE ?? '', summary: run.summary }, secrets())).toEqual([]);
}

function expectFailure(run: StepRun, code: string, message: RegExp) {
  expect(run.code).not.toBe(0);
  const annotation = errorAnnotation(run);
  expect(annotation).toMatch(new RegExp(`^${code}: `));
  expect(annotation).toMatch(message);
  expect(annotation.split('\n')).toHaveLength(2);
  expect(annotation.split('\n')[1]).toMatch(/^Hint: \S/);
  expect(run.exported).toEqual({});
  expect(run.outputs).toEqual({});
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expectNoLeak(run);
}

async function callerIdentity(exported: Record<string, string>): Promise<{ Arn: string; Account: string }> {
  const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...exported };
  const { stdout } = await promisify(execFile)(DEBIAN_AWS, ['sts', 'get-caller-identity', '--endpoint-url', sts.url, '--output', 'json'], { env });
  return JSON.parse(stdout) as { Arn: string; Account: string };
}

describe.each([node24!, node20!])('the Action on $name', (runtime) => {
  it('exports credentials that a later step uses with the AWS CLI; the post step blanks the keys and leaves the region', async () => {
    const run = await runAction({ claims: 'repository=acme/api\nref=refs/heads/main|refs/tags/v*' }, { node: runtime.node });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const issued = sts.issued.at(-1)!;
    expect(run.exported).toEqual({
      AWS_ACCESS_KEY_ID: issued.accessKeyId,
      AWS_SECRET_ACCESS_KEY: issued.secretAccessKey,
      AWS_SESSION_TOKEN: issued.sessionToken,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    const arn = 'arn:aws:sts::111122223333:assumed-role/deploy/acme.api@4242424242-1';
    expect(run.outputs).toEqual({ 'aws-account-id': '111122223333', 'authenticated-arn': arn, 'aws-expiration': issued.expiration.toISOString() });
    expect(maskedValues(run.stdout)).toEqual(expect.arrayContaining([endpoint.issued.at(-1), issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]));
    expectNoLeak(run);

    expect(run.summary).toContain('claimcheck assumed `deploy`');
    expect(run.summary).toContain('| Repository | `acme/api` |');
    expect(run.summary).toContain('acme.api@4242424242-1');
    expect(run.summary).toContain('- ✅ `ref=refs/heads/main|refs/tags/v*`');
    const audit = JSON.parse(/^claimcheck-audit (.*)$/m.exec(run.stdout)?.[1] ?? '{}') as Record<string, unknown>;
    expect(audit).toMatchObject({ event: 'claimcheck.credentials', subject: 'repo:acme/api:ref:refs/heads/main', clouds: [{ cloud: 'aws', assumed_role: arn, account: '111122223333' }] });

    if (hasDebianAws) expect(await callerIdentity(run.exported)).toMatchObject({ Arn: arn, Account: '111122223333' });

    const post = await runStep({ node: runtime.node, script: POST, state: run.state });
    expect(post.code).toBe(0);
    // The job had none of them: the keys go; an empty region would be an invalid one to every client.
    expect(post.exported).toEqual({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' });
  });
});

describe('the Action', () => {
  it('sets the credentials as outputs only when asked, masked', async () => {
    const run = await runAction({ 'output-credentials': 'true', 'role-session-name': 'release-42' });
    expect(run.code).toBe(0);
    const issued = sts.issued.at(-1)!;
    expect(run.outputs).toMatchObject({ 'aws-access-key-id': issued.accessKeyId, 'aws-secret-access-key': issued.secretAccessKey, 'aws-session-token': issued.sessionToken });
    expect(run.outputs['authenticated-arn']).toMatch(/\/release-42$/);
    expect(maskedValues(run.stdout)).toEqual(expect.arrayContaining([issued.secretAccessKey, issued.sessionToken]));
  });

  it('masks the account ID everywhere when asked', async () => {
    const run = await runAction({ 'mask-aws-account-id': 'true' });
    expect(run.code).toBe(0);
    expect(maskedValues(run.stdout)).toContain('111122223333');
    expect(visibleOutput(run)).not.toContain('111122223333');
    expect(run.summary).not.toContain('111122223333');
  });

  it('writes a named profile instead of exporting, which the AWS CLI uses and post removes', async () => {
    const credentialsFile = join(mkdtempSync(join(tmpdir(), 'claimcheck-aws-')), 'credentials');
    writeFileSync(credentialsFile, '[other]\naws_access_key_id = AKIAOTHER\n');
    const run = await runAction({ 'aws-profile': 'ci' }, { env: { AWS_SHARED_CREDENTIALS_FILE: credentialsFile } });
    expect(run.code).toBe(0);
    expect(run.exported).toEqual({});
    expect(lstatSync(credentialsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(credentialsFile, 'utf8')).toContain('[other]\naws_access_key_id = AKIAOTHER\n');
    const configFile = join(run.dir, '.aws', 'config');
    if (hasDebianAws) {
      const env = { PATH: '/usr/bin:/bin', HOME: run.dir, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile };
      const { stdout } = await promisify(execFile)(DEBIAN_AWS, ['sts', 'get-caller-identity', '--profile', 'ci', '--endpoint-url', sts.url], { env });
      expect(JSON.parse(stdout)).toMatchObject({ Arn: run.outputs['authenticated-arn'] });
    }
    const post = await runStep({ node: node24!.node, script: POST, state: run.state });
    expect(post.code).toBe(0);
    expect(readFileSync(credentialsFile, 'utf8')).toBe('[other]\naws_access_key_id = AKIAOTHER\n');
    expect(readFileSync(configFile, 'utf8')).toBe('');
  });

  it('picks the role from a role map in a YAML rules file, and warns about renamable names', async () => {
    const rulesFile = join(mkdtempSync(join(tmpdir(), 'claimcheck-rules-')), 'claimcheck.yml');
    writeFileSync(rulesFile, [
      'version: 1',
      'platform: github',
      'claims: { repository: acme/api }',
      'roles:',
      '  - { name: deploy, role: "arn:aws:iam::111122223333:role/deploy", claims: { ref: refs/heads/main, event_name: push } }',
      '  - { name: pull-requests, role: "arn:aws:iam::111122223333:role/read-only", claims: { event_name: pull_request } }',
    ].join('\n'));
    const readOnly = 'arn:aws:iam::111122223333:role/read-only';
    sts.setRoles([{ arn: readOnly, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:pull_request', 'sts.amazonaws.com') }]);
    endpoint.claims = githubClaims({ sub: 'repo:acme/api:pull_request', event_name: 'pull_request', ref: 'refs/pull/7/merge' });
    const run = await runAction({ 'role-to-assume': '', 'rules-file': rulesFile });
    expect(run.code).toBe(0);
    expect(run.outputs['authenticated-arn']).toMatch(/:assumed-role\/read-only\//);
    expect(run.stdout).toContain('Role map entry pull-requests matches: arn:aws:iam::111122223333:role/read-only.');
    expect(run.stdout).toMatch(/^::warning::The rules file checks repository but not repository_id/m);
    expect(run.summary).toContain('- ✅ `event_name="pull_request"`');
    expect(run.summary).toContain('(role map entry `pull-requests`)');
  });

  it('chains to a further role with AssumeRole signed by the first session, and exports the last', async () => {
    const chained = 'arn:aws:iam::111122223333:role/team/chained';
    sts.setRoles([
      { arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') },
      // The chain sets a source identity (the run) on its first hop by default.
      { arn: chained, trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] } },
    ]);
    const before = sts.calls.length;
    const run = await runAction({ 'role-chain': chained });
    expect(run.code).toBe(0);
    const calls = sts.calls.slice(before);
    expect(calls.map((call) => [call.action, call.status])).toEqual([['AssumeRoleWithWebIdentity', 200], ['AssumeRole', 200]]);
    expect(calls[1]!.signedBy).toBe(sts.issued.at(-2)!.accessKeyId);
    expect(run.outputs['authenticated-arn']).toBe('arn:aws:sts::111122223333:assumed-role/chained/acme.api@4242424242-1');
    expect(run.exported.AWS_ACCESS_KEY_ID).toBe(sts.issued.at(-1)!.accessKeyId);
    expect(maskedValues(run.stdout)).toEqual(expect.arrayContaining([sts.issued.at(-2)!.secretAccessKey, sts.issued.at(-1)!.secretAccessKey]));
    if (hasDebianAws) expect((await callerIdentity(run.exported)).Arn).toBe(run.outputs['authenticated-arn']);

    const denied = await runAction({ 'role-chain': 'arn:aws:iam::111122223333:role/untrusting' });
    expectFailure(denied, 'STS_ACCESS_DENIED', /refused to let arn:aws:sts::111122223333:assumed-role\/deploy\/\S+ assume arn:aws:iam::111122223333:role\/untrusting in the role chain/);
    const tooLong = await runAction({ 'role-chain': chained, 'role-duration-seconds': '7200' });
    expectFailure(tooLong, 'INPUT_INVALID', /role chaining \(role-chain\) caps every chained session at 1 hour \(3600 s\)/);
  });

  it('leaves post alone when main exported nothing', async () => {
    const post = await runStep({ node: node24!.node, script: POST });
    expect(post.code).toBe(0);
    expect(post.exported).toEqual({});
  });

  it('retries STS throttling and succeeds', async () => {
    sts.faults.push({ kind: 'throttle' }, { kind: 'idp-communication' });
    const before = sts.calls.length;
    const run = await runAction();
    expect(run.code).toBe(0);
    expect(sts.calls.length - before).toBe(3);
    expect(run.stdout).toMatch(/STS attempt 1 failed \(Throttling: Rate exceeded\); retrying/);
  });

  it('retries the token endpoint on 5xx and resets', async () => {
    endpoint.faults.push({ kind: 'status', status: 503 }, { kind: 'reset' });
    const run = await runAction();
    expect(run.code).toBe(0);
    expect(endpoint.requests.slice(-3).map((request) => request.audience)).toEqual(['sts.amazonaws.com', 'sts.amazonaws.com', 'sts.amazonaws.com']);
  });
});

describe('the Action fails closed, with one line and a hint', () => {
  it('without id-token: write', async () => {
    const run = await runAction({}, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } });
    expectFailure(run, 'TOKEN_PERMISSION', /ACTIONS_ID_TOKEN_REQUEST_URL/);
    expect(errorAnnotation(run)).toMatch(/permissions: id-token: write/);
  });

  it('on a bad input, before any request', async () => {
    const before = endpoint.requests.length;
    const run = await runAction({ 'role-duration-seconds': '90000' });
    expectFailure(run, 'INPUT_INVALID', /Input role-duration-seconds is "90000", which is not a whole number of seconds from 900 to 43200\./);
    expect(endpoint.requests.length).toBe(before);
  });

  it('on a token from another issuer', async () => {
    const run = await runAction({ issuer: 'https://token.actions.githubusercontent.com' });
    expectFailure(run, 'TOKEN_ISSUER', new RegExp(`issuer is "${issuer.url}"; expected https://token.actions.githubusercontent.com`));
  });

  it('on a token for another audience', async () => {
    endpoint.fixedAudience = 'https://github.com/acme';
    const run = await runAction();
    expectFailure(run, 'TOKEN_AUDIENCE', /audience is "https:\/\/github.com\/acme"; expected sts.amazonaws.com/);
  });

  it('on an audience the IAM OIDC provider does not list', async () => {
    const run = await runAction({ audience: 'api://claimcheck' });
    expectFailure(run, 'STS_TOKEN_REJECTED', /Incorrect token audience/);
    expect(errorAnnotation(run)).toMatch(/Add "api:\/\/claimcheck" as a client ID/);
  });

  it('on an expired token', async () => {
    endpoint.signOptions = { expiresIn: -600 };
    const run = await runAction();
    expectFailure(run, 'TOKEN_EXPIRED', /The token expired 6\d\d s ago/);
  });

  it('on a claim rule that does not hold, without calling STS', async () => {
    const before = sts.calls.length;
    const run = await runAction({ claims: 'repository=acme/api\nenvironment=production' });
    expectFailure(run, 'RULE_FAILED', /Claim rule environment=production does not hold: the token has no environment claim\. Rules that held: repository=acme\/api\./);
    expect(sts.calls.length).toBe(before);
  });

  it('on AccessDenied, in one call, naming the claims and the condition that would match', async () => {
    endpoint.claims = githubClaims({ sub: 'repo:acme/api:ref:refs/heads/dev', ref: 'refs/heads/dev' });
    const before = sts.calls.length;
    const run = await runAction();
    expectFailure(run, 'STS_ACCESS_DENIED', /sub="repo:acme\/api:ref:refs\/heads\/dev", aud="sts.amazonaws.com", iss="http:\/\/127.0.0.1:\d+", repository="acme\/api", ref="refs\/heads\/dev"/);
    expect(errorAnnotation(run)).toContain(`{"StringEquals":{"${issuer.host}:aud":"sts.amazonaws.com","${issuer.host}:sub":"repo:acme/api:ref:refs/heads/dev"}}`);
    expect(sts.calls.length - before).toBe(1);
  });

  it('when STS keeps failing past the retry budget', async () => {
    sts.faults.push(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 500, code: 'InternalFailure' })));
    const before = sts.calls.length;
    const run = await runAction({ 'retry-max-attempts': '3' });
    expectFailure(run, 'STS_UNAVAILABLE', /did not succeed after 3 attempts over [\d.]+ s; the last failure was InternalFailure/);
    expect(sts.calls.length - before).toBe(3);
  });

  it('when the role is in an account that is not allowed, before any request', async () => {
    const before = endpoint.requests.length;
    const run = await runAction({ 'allowed-account-ids': '123456789012' });
    expectFailure(run, 'ACCOUNT_NOT_ALLOWED', /role-to-assume is in account 111122223333/);
    expect(endpoint.requests.length).toBe(before);
  });
});
