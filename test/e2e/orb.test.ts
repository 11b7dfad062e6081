// The packed orb, end to end: bash runs assume_role's command as CircleCI compiles it, with
// the job's environment; the command fetches the npm tarball of this build from loopback,
// checks its SHA-256 and runs it; later steps source $BASH_ENV and use the credentials with
// Debian's awscli. Every run is scanned for the token and the credentials.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrb, newJob, packTarball, renderCommand, runBashStep, runOrbStep, startBundleServer, VERSION, type BundleServer, type Job, type JobOptions, type StepResult } from '../harness/circleci.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_CONTEXT_ID, CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { DEBIAN_AWS, floorRuntime, hasDebianAws, nodeRuntimes } from '../harness/runtimes.ts';
import { findLeaks } from '../harness/leaks.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const [node24, node20] = nodeRuntimes();
const orb = loadOrb();

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;
let bundle: BundleServer;
let tarball: Buffer;
/** Every job's directory, removed after each test. */
const jobDirs: string[] = [];

beforeAll(async () => {
  tarball = await packTarball();
  [issuer, bundle] = await Promise.all([startIssuer(), startBundleServer(tarball, VERSION)]);
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({ providers: [{ issuer: issuer.url, clientIds: [CIRCLE_ORGANIZATION_ID, 'sts.amazonaws.com'] }], roles: [] });
});
beforeEach(() => {
  endpoint.claims = circleciClaims();
  bundle.body = tarball;
  const subject = `org/${CIRCLE_ORGANIZATION_ID}/project/${CIRCLE_PROJECT_ID}/user/*`;
  sts.setRoles([{ arn: ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, subject) }]);
});
afterEach(() => {
  for (const dir of jobDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), issuer?.close(), bundle?.close()]));

function tracked(target: Job): Job {
  jobDirs.push(target.dir);
  return target;
}

async function job(options: Partial<JobOptions> = {}): Promise<Job> {
  const token = await issuer.sign(circleciClaims(), { expiresIn: 3600 });
  endpoint.issued.push(token);
  return tracked(newJob({ nodeDir: dirname(node24!.node), token, tokenEndpoint: endpoint, bundleUrl: bundle.url, ...options }));
}

async function assumeRole(target: Job, parameters: Record<string, unknown> = {}): Promise<StepResult> {
  const [step] = renderCommand(orb, 'assume_role', { role_to_assume: ROLE, aws_region: 'us-east-1', issuer: issuer.url, sts_endpoint: sts.url, ...parameters });
  return runOrbStep(target, step!);
}

/** The same tarball with one comment added to the CircleCI bundle: valid, but not the packed bytes. */
async function tamperedTarball(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-tamper-'));
  try {
    writeFileSync(join(dir, 'in.tgz'), tarball);
    const sh = promisify(execFile);
    await sh('tar', ['-xzf', 'in.tgz'], { cwd: dir });
    writeFileSync(join(dir, 'package/dist/circleci/index.js'), `${readFileSync(join(dir, 'package/dist/circleci/index.js'), 'utf8')}\n// changed\n`);
    await sh('tar', ['-czf', 'out.tgz', 'package'], { cwd: dir });
    return readFileSync(join(dir, 'out.tgz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function secrets(): string[] {
  return [...endpoint.issued, ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), endpoint.bearer];
}

/** Nothing secret in the log, in $BASH_ENV beside the intended export lines, or in the state file. */
function expectNoLeak(result: StepResult, target?: Job) {
  const texts: Record<string, string> = { stdout: result.stdout, stderr: result.stderr };
  if (target) {
    texts.bashEnv = readFileSync(target.bashEnv, 'utf8').replace(/^export AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)='[^'\n]*'$/gm, '');
    const state = join(target.dir, '.claimcheck', 'state.json');
    if (existsSync(state)) texts.state = readFileSync(state, 'utf8');
  }
  expect(findLeaks(texts, secrets())).toEqual([]);
}

function expectFailure(result: StepResult, target: Job, code: string, message: RegExp) {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^Hint: \S/);
  expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  expectNoLeak(result, target);
}

async function callerIdentity(target: Job, args = ''): Promise<{ Arn: string }> {
  const later = await runBashStep(target, `${DEBIAN_AWS} sts get-caller-identity --endpoint-url ${sts.url} --output json ${args}`);
  expect(later.stderr).toBe('');
  return JSON.parse(later.stdout) as { Arn: string };
}

describe.each([node24!, floorRuntime()])('assume_role on $name', (runtime) => {
  it('exports quoted credentials to $BASH_ENV that later steps use; cleanup unsets them', async () => {
    const target = await job({ nodeDir: dirname(runtime.node) });
    const claims = `oidc.circleci.com/project-id=${CIRCLE_PROJECT_ID}\noidc.circleci.com/vcs-ref=refs/heads/main\noidc.circleci.com/context-ids=${CIRCLE_CONTEXT_ID}`;
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, claims });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('All 3 claim rule(s) hold.');
    expect(result.stdout).toMatch(/Project: +github.com\/acme\/api/);
    expectNoLeak(result, target);

    const issued = sts.issued.at(-1)!;
    expect(readFileSync(target.bashEnv, 'utf8')).toBe(
      `export AWS_ACCESS_KEY_ID='${issued.accessKeyId}'\nexport AWS_SECRET_ACCESS_KEY='${issued.secretAccessKey}'\nexport AWS_SESSION_TOKEN='${issued.sessionToken}'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\n`,
    );
    expect(issued.sessionName).toBe('acme.api@318');
    if (hasDebianAws) expect((await callerIdentity(target)).Arn).toBe('arn:aws:sts::111122223333:assumed-role/deploy/acme.api@318');

    const [cleanup] = renderCommand(orb, 'cleanup');
    expect(cleanup!.when).toBe('always');
    const cleaned = await runOrbStep(target, cleanup!);
    expect(cleaned.code).toBe(0);
    const after = await runBashStep(target, 'echo "${AWS_ACCESS_KEY_ID:-unset} ${AWS_SESSION_TOKEN:-unset}"');
    expect(after.stdout.trim()).toBe('unset unset');
  });
});

describe('assume_role', () => {
  it('gets a token for a custom audience from circleci run oidc get', async () => {
    const target = await job({ token: '' });
    const before = endpoint.requests.length;
    const result = await assumeRole(target, { audience: 'sts.amazonaws.com' });
    expect(result.code).toBe(0);
    expect(endpoint.requests.slice(before)).toEqual([{ audience: 'sts.amazonaws.com', authorized: true }]);
    expectNoLeak(result);
  });

  it('takes claim rules and a role map from a rules file, with CircleCI\'s short claim names', async () => {
    const target = await job();
    const rulesFile = join(target.dir, 'claimcheck.yml');
    writeFileSync(rulesFile, [
      'version: 1',
      'platform: circleci',
      `claims: { project-id: ${CIRCLE_PROJECT_ID} }`,
      'roles:',
      '  - { name: release, role: "arn:aws:iam::111122223333:role/release", claims: { vcs-ref: "refs/tags/v*" } }',
      `  - { name: main, role: "${ROLE}", claims: { vcs-ref: refs/heads/main, context-ids: ${CIRCLE_CONTEXT_ID} } }`,
    ].join('\n'));
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, role_to_assume: '', rules_file: rulesFile });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Role map entry main matches: ${ROLE}.`);
    expect(result.stdout).toMatch(/Role: +arn:aws:iam::111122223333:role\/deploy \(role map entry main\)/);
  });

  it.skipIf(!hasDebianAws)('refresh: writes a renewing profile; a renewal gets a fresh token from circleci run oidc get; cleanup removes it', async () => {
    const target = await job();
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, refresh: true });
    expect(result.code).toBe(0);
    expect(readFileSync(target.bashEnv, 'utf8')).toBe("export AWS_PROFILE='claimcheck'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\nexport AWS_SDK_LOAD_CONFIG='1'\n");
    const config = readFileSync(join(target.dir, '.aws', 'config'), 'utf8');
    const configPath = /credential_process = .* credential-process (\S+)$/m.exec(config)![1]!;
    expect(configPath.startsWith(join(target.dir, '.claimcheck'))).toBe(true);
    rmSync(join(configPath, '..', 'credentials.json')); // as if the session had run out
    const before = { calls: sts.calls.length, tokens: endpoint.requests.length };
    expect((await callerIdentity(target)).Arn).toMatch(/assumed-role\/deploy\/acme.api@318$/);
    expect(sts.calls.slice(before.calls).filter((call) => call.action === 'AssumeRoleWithWebIdentity')).toHaveLength(1);
    expect(endpoint.requests.slice(before.tokens)).toEqual([{ audience: CIRCLE_ORGANIZATION_ID, authorized: true }]);
    expect((await runOrbStep(target, renderCommand(orb, 'cleanup')[0]!)).code).toBe(0);
    expect(existsSync(configPath)).toBe(false);
    expect((await runBashStep(target, 'echo "${AWS_PROFILE:-unset}"')).stdout.trim()).toBe('unset');
  });

  it('fetches the bundle once per job and reuses it', async () => {
    const target = await job();
    const before = bundle.requests.length;
    expect((await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID })).code).toBe(0);
    expect((await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID })).code).toBe(0);
    expect(bundle.requests.length - before).toBe(1);
  });

  it('refuses a bundle whose digest differs from the one packed into the orb, and runs nothing', async () => {
    const target = await job();
    bundle.body = await tamperedTarball();
    const before = sts.calls.length;
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID });
    expect(result.code).not.toBe(0);
    expectFailure(result, target, 'BUNDLE_CHECKSUM', /does not match the digest this orb was packed with; it was not run/);
    expect(sts.calls.length).toBe(before);
    expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
  });

  it('writes named profiles side by side, which cleanup removes', async () => {
    const target = await job();
    expect((await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, profile_name: 'staging' })).code).toBe(0);
    expect((await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, profile_name: 'production', role_session_name: 'promote' })).code).toBe(0);
    expect(readFileSync(target.bashEnv, 'utf8')).toBe('');
    const credentials = readFileSync(join(target.dir, '.aws', 'credentials'), 'utf8');
    expect(credentials).toMatch(/\[staging\][\s\S]*\[production\]/);
    if (hasDebianAws) expect((await callerIdentity(target, '--profile production')).Arn).toMatch(/assumed-role\/deploy\/promote$/);

    expect((await runOrbStep(target, renderCommand(orb, 'cleanup')[0]!)).code).toBe(0);
    expect(readFileSync(join(target.dir, '.aws', 'credentials'), 'utf8')).toBe('');
  });

  it('keeps hostile parameter values out of the shell: nothing runs, no variable appears', async () => {
    const target = await job();
    const marker = join(target.dir, 'pwned');
    const hostile = `x'; touch ${marker}; echo '$(touch ${marker})\`touch ${marker}\`\nexport INJECTED=1`;
    for (const parameters of [{ role_session_name: hostile }, { profile_name: hostile }, { claims: `oidc.circleci.com/vcs-ref=${hostile}` }]) {
      const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, ...parameters });
      expect(result.code).not.toBe(0);
      expectNoLeak(result);
    }
    const ok = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, claims: 'oidc.circleci.com/vcs-ref=refs/heads/*' });
    expect(ok.code).toBe(0);
    const names = await runBashStep(target, 'compgen -e | sort');
    const baseline = await runBashStep({ ...target, env: { ...target.env, BASH_ENV: '/dev/null' } }, 'compgen -e | sort');
    const added = names.stdout.split('\n').filter((name) => !baseline.stdout.split('\n').includes(name));
    expect(added).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('assume_role fails closed, with one line and a hint', () => {
  it('when the audience is not a client ID of the IAM OIDC provider', async () => {
    const target = await job();
    expectFailure(await assumeRole(target, { audience: 'api://unknown' }), target, 'STS_TOKEN_REJECTED', /Incorrect token audience/);
  });

  it('when a claim rule does not hold, without calling STS', async () => {
    const target = await job();
    const before = sts.calls.length;
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID, claims: 'oidc.circleci.com/vcs-ref=refs/heads/release' });
    expectFailure(result, target, 'RULE_FAILED', /oidc.circleci.com\/vcs-ref is "refs\/heads\/main"/);
    expect(sts.calls.length).toBe(before);
  });

  it('on AccessDenied, naming the claims presented', async () => {
    const target = await job();
    sts.setRoles([]);
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID });
    expectFailure(result, target, 'STS_ACCESS_DENIED', /sub="org\/c3b3a1d2[^"]*vcs-ref\/refs\/heads\/main", aud="c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a".*oidc.circleci.com\/project-id="8f1d9c0e/);
  });

  it('when circleci is missing for a custom audience', async () => {
    const target = await job({ tokenEndpoint: undefined });
    const result = await assumeRole(target, { audience: 'sts.amazonaws.com' });
    expectFailure(result, target, 'TOKEN_REQUEST_FAILED', /the circleci command was not found/);
  });

  it('when the executor has no node', async () => {
    const target = tracked(newJob({ bundleUrl: bundle.url }));
    const result = await assumeRole(target);
    expectFailure(result, target, 'NODE_MISSING', /needs Node.js 22 or later/);
    expect(result.stderr).toMatch(/cimg\/node/);
  });

  it('when the executor\'s node is older than 22 (Node 20 here), before anything is downloaded', async () => {
    const target = await job({ nodeDir: dirname(node20!.node) });
    const before = bundle.requests.length;
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID });
    expectFailure(result, target, 'NODE_TOO_OLD', /^NODE_TOO_OLD: claimcheck needs Node.js 22 or later; this executor has v20\.\d+\.\d+\.$/);
    expect(result.stderr).toMatch(/cimg\/node/);
    expect(bundle.requests.length).toBe(before);
  });

  it('on a bad parameter, before any request', async () => {
    const target = await job();
    const before = sts.calls.length;
    expectFailure(await assumeRole(target, { role_duration_seconds: 60 }), target, 'INPUT_INVALID', /Input role-duration-seconds is "60"/);
    expect(sts.calls.length).toBe(before);
  });
});

describe('the Node.js floor', () => {
  /** A directory whose `node` reports `version` to the orb's check and is Node 24 otherwise. */
  function nodeReporting(target: Job, version: string): string {
    const dir = join(target.dir, `node-${version}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'node'), `#!/bin/bash\nif [ "$1" = -p ]; then echo ${version}; exit 0; fi\nexec ${node24!.node} "$@"\n`);
    chmodSync(join(dir, 'node'), 0o755);
    return dir;
  }

  it.each([['22.0.0', 'accepted'], ['21.7.3', 'refused'], ['9.11.2', 'refused']])('is 22: a node that says it is %s is %s', async (version, verdict) => {
    const target = await job();
    target.env.PATH = `${nodeReporting(target, version)}:${target.env.PATH}`;
    const result = await assumeRole(target, { audience: CIRCLE_ORGANIZATION_ID });
    if (verdict === 'accepted') expect([result.code, result.stderr]).toEqual([0, '']);
    else expectFailure(result, target, 'NODE_TOO_OLD', new RegExp(`this executor has v${version.replaceAll('.', '\\.')}\\.$`));
  });
});

describe('the packed orb', () => {
  it('costs little per use: the compiled assume_role step is a few kilobytes (over 500 uses fit in CircleCI\'s 8 MB)', () => {
    const [step] = renderCommand(orb, 'assume_role', { role_to_assume: ROLE, aws_region: 'us-east-1' });
    expect(Buffer.byteLength(JSON.stringify(step))).toBeLessThan(16 * 1024);
  });
});
