// Hostile files around what claimcheck writes (issue 11, findings 4, 5, 9 and 10), against
// the built bundles: a refresh that fails half-way leaves no bearer and no credentials on
// disk; the orb's cleanup takes its exports out of $BASH_ENV; env files claimcheck creates
// are 0600; the orb's state and renewal folders are never written through a link, reused from
// another user or named by a planted state; a FIFO where a file should be is refused at once
// instead of hanging the step. Every file left in each test's folders is leak-scanned.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOrb, newJob, renderCommand, type Job } from '../harness/circleci.ts';
import { errorAnnotation, parseCommandFile, REPO_ROOT, run, runStep, startTokenEndpoint, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { CIRCLE_ORGANIZATION_ID, CIRCLE_PROJECT_ID, circleciClaims, githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { findLeaks } from '../harness/leaks.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { startSts, type StsDouble } from '../harness/sts.ts';
import { webIdentityTrustPolicy } from '../harness/trust-policy.ts';
import { DEPLOY_ROLE, runMainStep } from '../harness/world.ts';

const [node24] = nodeRuntimes();
const CIRCLE_ROLE = 'arn:aws:iam::111122223333:role/circle-deploy';
const CIRCLECI_BUNDLE = join(REPO_ROOT, 'dist/circleci/index.js');
const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
/** A step that would hang is killed after this long; the asserts are on what it printed, never on time. */
const HANG_GUARD_MS = 15_000;
const orb = loadOrb();
const isRoot = process.getuid?.() === 0;

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;

beforeAll(async () => {
  issuer = await startIssuer();
  endpoint = await startTokenEndpoint(issuer);
  sts = await startSts({
    providers: [{ issuer: issuer.url, clientIds: ['sts.amazonaws.com', CIRCLE_ORGANIZATION_ID] }],
    roles: [
      { arn: DEPLOY_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, 'repo:acme/api:*', 'sts.amazonaws.com') },
      { arn: CIRCLE_ROLE, trustPolicy: webIdentityTrustPolicy(issuer.host, `org/${CIRCLE_ORGANIZATION_ID}/project/${CIRCLE_PROJECT_ID}/user/*`) },
    ],
  });
});
afterAll(async () => Promise.all([sts?.close(), endpoint?.close(), issuer?.close()]));

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `claimcheck-${prefix}-`));
  made.push(dir);
  return dir;
}

function secrets(): string[] {
  return [endpoint.bearer, ...endpoint.issued, ...sts.issued.flatMap((issued) => [issued.secretAccessKey, issued.sessionToken])];
}

/** Every regular file under the folders, by path (FIFOs and links are not opened). */
function filesUnder(...dirs: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stats = lstatSync(path);
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) files[path] = readFileSync(path, 'utf8');
    }
  };
  for (const dir of dirs) walk(dir);
  return files;
}

function expectNothingLeftOnDisk(...dirs: string[]) {
  expect(findLeaks(filesUnder(...dirs), secrets())).toEqual([]);
}

const fifo = (path: string) => execFileSync('mkfifo', ['-m', '600', path]);
const mode = (path: string) => statSync(path).mode & 0o777;

// ---- GitHub Action ----------------------------------------------------------------------

function action(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepRun> {
  return runMainStep({ issuer, endpoint, sts }, inputs, { env, timeoutMs: HANG_GUARD_MS }).then((step) => {
    made.push(step.dir);
    return step;
  });
}

async function post(state: Record<string, string>): Promise<StepRun> {
  const step = await runStep({ node: node24!.node, script: join(REPO_ROOT, 'dist/post/index.js'), state, timeoutMs: HANG_GUARD_MS });
  made.push(step.dir);
  return step;
}

/** A symlink standing where a profile file should be, pointing at a file that must stay as it is. */
function plantedLink(dir: string, name: string): { link: string; target: string } {
  const target = join(dir, `${name}-target`);
  writeFileSync(target, '# precious\n');
  const link = join(dir, name);
  symlinkSync(target, link);
  return { link, target };
}

describe('the Action in refresh mode, failing after its private files were written', () => {
  it('removes the request bearer and the credentials when ~/.aws/config is a symlink', async () => {
    const dir = tempDir('files');
    const { link, target } = plantedLink(dir, 'config');
    const step = await action({ refresh: 'true' }, { AWS_CONFIG_FILE: link });
    expect(step.code).toBe(1);
    expect(errorAnnotation(step)).toMatch(/^PROFILE_WRITE: Refusing to write \S+\/config: it is a symbolic link\./);
    expect(readFileSync(target, 'utf8')).toBe('# precious\n');
    expect(readdirSync(step.dir).filter((name) => name.startsWith('claimcheck-'))).toEqual([]);
    expect(step.exported).toEqual({});
    expectNothingLeftOnDisk(step.dir, dir);
  });

  it('removes them, and the profile that ran them, when ~/.aws/credentials is a symlink', async () => {
    const dir = tempDir('files');
    const { link, target } = plantedLink(dir, 'credentials');
    const step = await action({ refresh: 'true' }, { AWS_SHARED_CREDENTIALS_FILE: link });
    expect(step.code).toBe(1);
    expect(errorAnnotation(step)).toMatch(/^PROFILE_WRITE: Refusing to write \S+\/credentials: it is a symbolic link\./);
    expect(readFileSync(target, 'utf8')).toBe('# precious\n');
    // Found before the token: nothing was written, not even the config section.
    expect(existsSync(join(step.dir, '.aws', 'config'))).toBe(false);
    expectNothingLeftOnDisk(step.dir, dir);
  });

  it('post removes the recorded private files even when the profile files can no longer be read', async () => {
    const step = await action({ refresh: 'true' });
    expect(step.code).toBe(0);
    const configPath = /credential-process (\S+)$/m.exec(readFileSync(join(step.dir, '.aws', 'config'), 'utf8'))![1]!;
    expect(readFileSync(configPath, 'utf8')).toContain(endpoint.bearer);
    // As if the job had gone wrong after the main step: the config file is now a symlink.
    rmSync(join(step.dir, '.aws', 'config'));
    plantedLink(join(step.dir, '.aws'), 'config');
    const cleaned = await post(step.state);
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout).toMatch(/^::warning::claimcheck could not clean up: .*symbolic link/m);
    expect(existsSync(dirname(configPath))).toBe(false);
    expectNothingLeftOnDisk(step.dir);
  });
});

describe('the Action and non-regular files', () => {
  it.each([
    ['exported variables', {}],
    ['a named profile', { 'aws-profile': 'ci' }],
    ['refresh', { refresh: 'true' }],
  ])('refuses a FIFO at ~/.aws/credentials with PROFILE_WRITE instead of hanging (%s)', { timeout: 60_000 }, async (_, inputs) => {
    const dir = tempDir('files');
    fifo(join(dir, 'credentials'));
    const step = await action(inputs, { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') });
    expect(step.code).toBe(1);
    expect(errorAnnotation(step)).toMatch(/^PROFILE_WRITE: Refusing to use \S+\/credentials: it is a named pipe \(FIFO\), and the AWS SDK's read of it would never finish\.\nHint: /);
    expect(lstatSync(join(dir, 'credentials')).isFIFO()).toBe(true);
    expect(step.exported).toEqual({});
    expectNothingLeftOnDisk(step.dir, dir);
  });

  it('refuses /dev/zero as AWS_CONFIG_FILE, and accepts /dev/null', { timeout: 60_000 }, async () => {
    const zero = await action({}, { AWS_CONFIG_FILE: '/dev/zero' });
    expect(zero.code).toBe(1);
    expect(errorAnnotation(zero)).toMatch(/^PROFILE_WRITE: Refusing to use \/dev\/zero: it is a device/);
    expect((await action({}, { AWS_CONFIG_FILE: '/dev/null' })).code).toBe(0);
  });

  it('creates a missing $GITHUB_ENV 0600 before exporting to it', async () => {
    const dir = tempDir('files');
    const githubEnv = join(dir, 'github_env');
    const step = await action({}, { GITHUB_ENV: githubEnv });
    expect(step.code).toBe(0);
    expect(mode(githubEnv)).toBe(0o600);
    expect(Object.keys(parseCommandFile(readFileSync(githubEnv, 'utf8')))).toContain('AWS_SECRET_ACCESS_KEY');
  });
});

// ---- CircleCI orb -----------------------------------------------------------------------

async function circleJob(): Promise<Job> {
  const token = await issuer.sign(circleciClaims(), { expiresIn: 3600 });
  endpoint.issued.push(token);
  const job = newJob({ nodeDir: dirname(node24!.node), token });
  made.push(job.dir);
  return job;
}

/** One orb step, as CircleCI compiles it, running the built bundle from dist (bash sources $BASH_ENV first). */
function orbStep(job: Job, command: 'assume_role' | 'cleanup', parameters: Record<string, unknown> = {}) {
  const values = command === 'assume_role' ? { role_to_assume: CIRCLE_ROLE, aws_region: 'us-east-1', audience: CIRCLE_ORGANIZATION_ID, issuer: issuer.url, sts_endpoint: sts.url, ...parameters } : parameters;
  const [step] = renderCommand(orb, command, values);
  const env = { ...job.env, ...(step!.environment as Record<string, string>) };
  return run('/bin/bash', ['-c', `exec node ${CIRCLECI_BUNDLE}`], env, HANG_GUARD_MS);
}

const claimcheckDir = (job: Job) => join(job.dir, '.claimcheck');
const stateFile = (job: Job) => join(claimcheckDir(job), 'state.json');
const CREDENTIAL_NAMES = /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=/m;

describe('the orb in refresh mode, failing after its private files were written', () => {
  it('removes the cached credentials when ~/.aws/config is a symlink; cleanup then has nothing left', async () => {
    const job = await circleJob();
    mkdirSync(join(job.dir, '.aws'), { mode: 0o700 });
    const { target } = plantedLink(join(job.dir, '.aws'), 'config');
    const result = await orbStep(job, 'assume_role', { refresh: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^PROFILE_WRITE: Refusing to write \S+\/config: it is a symbolic link\./);
    expect(readFileSync(target, 'utf8')).toBe('# precious\n');
    expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
    expect(existsSync(join(claimcheckDir(job), 'refresh-claimcheck'))).toBe(false);
    expectNothingLeftOnDisk(job.dir);
    await orbStep(job, 'cleanup');
    expectNothingLeftOnDisk(job.dir);
  });

  it('refuses a FIFO at ~/.aws/credentials for a named profile with PROFILE_WRITE instead of hanging', { timeout: 60_000 }, async () => {
    const job = await circleJob();
    mkdirSync(join(job.dir, '.aws'), { mode: 0o700 });
    fifo(join(job.dir, '.aws', 'credentials'));
    const result = await orbStep(job, 'assume_role', { profile_name: 'ci' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^PROFILE_WRITE: Refusing to use \S+\/credentials: it is a named pipe \(FIFO\), and the AWS SDK's read of it would never finish\.\nHint: /);
    expectNothingLeftOnDisk(job.dir);
  });
});

describe('the orb and $BASH_ENV', () => {
  it('cleanup takes the credentials out of $BASH_ENV, keeping every other line', async () => {
    const job = await circleJob();
    writeFileSync(job.bashEnv, "export BEFORE='kept'\n");
    expect((await orbStep(job, 'assume_role')).code).toBe(0);
    expect(readFileSync(job.bashEnv, 'utf8')).toContain(sts.issued.at(-1)!.secretAccessKey);
    writeFileSync(job.bashEnv, `${readFileSync(job.bashEnv, 'utf8')}export AFTER='kept too'\n`);
    const cleaned = await orbStep(job, 'cleanup');
    expect(cleaned.code).toBe(0);
    const bashEnv = readFileSync(job.bashEnv, 'utf8');
    // Later steps start from the job's environment again: no unset line is needed, or wanted (it would take a context's region too).
    expect(bashEnv).toBe("export BEFORE='kept'\nexport AFTER='kept too'\n");
    const later = execFileSync('bash', ['-c', 'source "$BASH_ENV"; env'], { encoding: 'utf8', env: job.env });
    expect(later).not.toMatch(CREDENTIAL_NAMES);
    expect(later).toMatch(/^AFTER=kept too$/m);
    expectNothingLeftOnDisk(job.dir);
    expect(findLeaks({ stdout: cleaned.stdout, stderr: cleaned.stderr }, secrets())).toEqual([]);
    // The job's own token is in its environment; the credentials must not be.
    expect(findLeaks({ later }, sts.issued.flatMap((issued) => [issued.secretAccessKey, issued.sessionToken]))).toEqual([]);
  });

  it('cleanup takes out the lines of a refresh run and of several runs', async () => {
    const job = await circleJob();
    expect((await orbStep(job, 'assume_role', { refresh: true })).code).toBe(0);
    expect((await orbStep(job, 'assume_role')).code).toBe(0);
    expect((await orbStep(job, 'assume_role', { role_session_name: 'second' })).code).toBe(0);
    expect((await orbStep(job, 'cleanup')).code).toBe(0);
    expect(readFileSync(job.bashEnv, 'utf8')).not.toMatch(/^export /m);
    expect(existsSync(join(claimcheckDir(job), 'refresh-claimcheck'))).toBe(false);
    expectNothingLeftOnDisk(job.dir);
  });

  it('creates a missing $BASH_ENV 0600', async () => {
    const job = await circleJob();
    rmSync(job.bashEnv);
    expect((await orbStep(job, 'assume_role')).code).toBe(0);
    expect(mode(job.bashEnv)).toBe(0o600);
  });

  it('refuses to append through a symlink at $BASH_ENV', async () => {
    const job = await circleJob();
    rmSync(job.bashEnv);
    const { target } = plantedLink(job.dir, 'bash_env');
    const result = await orbStep(job, 'assume_role');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^EXPORT_FAILED: Refusing to write \$BASH_ENV \(\S+\): it is a symbolic link\./);
    expect(readFileSync(target, 'utf8')).toBe('# precious\n');
  });
});

describe('the orb\'s state and folders', () => {
  it('cleanup does not delete a folder that a planted state names', async () => {
    const job = await circleJob();
    const victim = tempDir('victim');
    writeFileSync(join(victim, 'keep'), '# precious\n');
    mkdirSync(claimcheckDir(job), { mode: 0o700 });
    const files = { credentials: join(job.dir, 'c'), config: join(job.dir, 'f') };
    writeFileSync(stateFile(job), JSON.stringify({ exported: false, profiles: [], renewing: [{ dir: victim, profile: 'x', files }] }));
    const cleaned = await orbStep(job, 'cleanup');
    expect(cleaned.code).toBe(0);
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('# precious\n');
  });

  it('cleanup removes only claimcheck\'s own folders, even named in a state of this job', async () => {
    const job = await circleJob();
    const victim = tempDir('victim');
    writeFileSync(join(victim, 'keep'), '# precious\n');
    expect((await orbStep(job, 'assume_role', { refresh: true })).code).toBe(0);
    const state = JSON.parse(readFileSync(stateFile(job), 'utf8')) as { handovers: Array<Record<string, unknown>> };
    const files = { credentials: join(job.dir, 'c'), config: join(job.dir, 'f') };
    state.handovers.push({ cloud: 'aws', kind: 'renewing', dir: victim, profile: 'x', files }, { cloud: 'aws', kind: 'renewing', dir: victim, profile: `../../${victim}`, files });
    writeFileSync(stateFile(job), JSON.stringify(state));
    await orbStep(job, 'cleanup');
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('# precious\n');
    expect(existsSync(join(claimcheckDir(job), 'refresh-claimcheck'))).toBe(false);
  });

  it('cleanup leaves alone a state.json that a symlinked ~/.claimcheck leads to', async () => {
    const job = await circleJob();
    const elsewhere = tempDir('victim');
    writeFileSync(join(elsewhere, 'state.json'), '# precious\n');
    symlinkSync(elsewhere, claimcheckDir(job));
    const cleaned = await orbStep(job, 'cleanup');
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout).toMatch(/^Warning: Ignoring \S+\/state\.json: its folder is not safe to use \(it is a symbolic link\)/m);
    expect(readFileSync(join(elsewhere, 'state.json'), 'utf8')).toBe('# precious\n');
  });

  it('does not write its state through a symlink', async () => {
    const job = await circleJob();
    const elsewhere = tempDir('victim');
    mkdirSync(claimcheckDir(job), { mode: 0o700 });
    const { target } = plantedLink(elsewhere, 'state');
    symlinkSync(target, stateFile(job));
    expect((await orbStep(job, 'assume_role')).code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('# precious\n');
    expect(lstatSync(stateFile(job)).isFile()).toBe(true);
    expect(mode(stateFile(job))).toBe(0o600);
  });

  it('does not reuse a world-writable renewal folder: it makes a new one, 0700', async () => {
    const job = await circleJob();
    const refreshDir = join(claimcheckDir(job), 'refresh-claimcheck');
    mkdirSync(refreshDir, { recursive: true, mode: 0o700 });
    chmodSync(claimcheckDir(job), 0o700);
    chmodSync(refreshDir, 0o777);
    writeFileSync(join(refreshDir, 'planted'), 'x');
    expect((await orbStep(job, 'assume_role', { refresh: true })).code).toBe(0);
    expect(mode(refreshDir)).toBe(0o700);
    // Only what claimcheck wrote: its config, the cached credentials and the orb's launcher, nothing planted.
    expect(readdirSync(refreshDir).sort()).toEqual(['config.json', 'credentials.json', 'launch.mjs']);
  });

  it.skipIf(!isRoot)('does not reuse a renewal folder of another user (needs root to chown; skipped otherwise)', async () => {
    const job = await circleJob();
    const refreshDir = join(claimcheckDir(job), 'refresh-claimcheck');
    mkdirSync(refreshDir, { recursive: true, mode: 0o700 });
    chownSync(refreshDir, 65534, 65534);
    expect((await orbStep(job, 'assume_role', { refresh: true })).code).toBe(0);
    expect(statSync(refreshDir).uid).toBe(process.getuid!());
    expect(statSync(join(refreshDir, 'config.json')).uid).toBe(process.getuid!());
  });

  it('refuses a ~/.claimcheck that others can write, before exporting anything', async () => {
    const job = await circleJob();
    mkdirSync(claimcheckDir(job));
    chmodSync(claimcheckDir(job), 0o777);
    const result = await orbStep(job, 'assume_role');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^PROFILE_WRITE: Refusing to use \S+\/\.claimcheck: other users can write to it\./);
    expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
  });

  it.skipIf(!isRoot)('refuses a ~/.claimcheck of another user (needs root to chown; skipped otherwise)', async () => {
    const job = await circleJob();
    mkdirSync(claimcheckDir(job), { mode: 0o700 });
    chownSync(claimcheckDir(job), 65534, 65534);
    const result = await orbStep(job, 'assume_role');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^PROFILE_WRITE: Refusing to use \S+\/\.claimcheck: it belongs to another user \(uid 65534\)\./);
    expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
  });
});

// ---- CLI --------------------------------------------------------------------------------

async function cli(home: string, args: string[], env: Record<string, string> = {}) {
  const tokenPath = join(home, 'token');
  writeFileSync(tokenPath, await issuer.sign(githubClaims()));
  const base = ['assume', '--token-file', tokenPath, '--issuer', issuer.url, '--audience', 'sts.amazonaws.com', '--role-to-assume', DEPLOY_ROLE, '--aws-region', 'eu-west-1', '--sts-endpoint', sts.url];
  return run(node24!.node, [CLI, ...base, ...args], { PATH: '/usr/bin:/bin', HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env }, HANG_GUARD_MS);
}

describe('claimcheck assume', () => {
  it('--refresh removes the cached credentials when the profile cannot be written', async () => {
    const home = tempDir('cli');
    const { link } = plantedLink(home, 'config');
    const result = await cli(home, ['--refresh'], { AWS_CONFIG_FILE: link });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^PROFILE_WRITE: Refusing to write \S+\/config: it is a symbolic link\./m);
    expect(existsSync(join(home, '.claimcheck', 'refresh-claimcheck'))).toBe(false);
    expectNothingLeftOnDisk(home);
  });

  it('--refresh does not reuse a world-writable renewal folder', async () => {
    const home = tempDir('cli');
    const refreshDir = join(home, '.claimcheck', 'refresh-claimcheck');
    mkdirSync(refreshDir, { recursive: true, mode: 0o700 });
    chmodSync(refreshDir, 0o777);
    expect((await cli(home, ['--refresh'])).code).toBe(0);
    expect(mode(refreshDir)).toBe(0o700);
  });

  it.each([
    ['github', 'GITHUB_ENV'],
    ['circleci', 'BASH_ENV'],
  ])('--format %s creates a missing $%s 0600', async (format, variable) => {
    const home = tempDir('cli');
    const path = join(home, 'env-file');
    const result = await cli(home, ['--format', format], { [variable]: path });
    expect(result.code).toBe(0);
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toContain('AWS_SESSION_TOKEN');
  });
});
