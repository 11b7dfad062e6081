// Issue #11 against the built Action: a regex rule that backtracks for hours on a fork's
// branch name, rules files that are no files (/dev/zero, a FIFO), a JSON rules file that
// names a key twice, and a signed exp of 1e20. Each run must end, with one error line of
// the right code, exit 1, and nothing exported. A run of the code before the fixes hangs
// (killed by the harness) or ends otherwise; no assertion is about time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorAnnotation, REPO_ROOT, run, type StepRun } from '../harness/github.ts';
import { githubClaims } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { DEPLOY_ROLE, runMainStep, startGithubWorld, type GithubWorld } from '../harness/world.ts';

// Below vitest's 30 s per test: the code before the fixes is killed and fails the assertions.
const STEP_LIMIT_MS = 25_000;

let world: GithubWorld;
let dir: string;
const runs: StepRun[] = [];

beforeAll(async () => {
  world = await startGithubWorld({ trustedSubject: 'repo:acme/api:*' });
});
afterAll(async () => world?.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-hostile-input-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const run of runs.splice(0)) rmSync(run.dir, { recursive: true, force: true });
});

async function runAction(inputs: Record<string, string>, token?: string): Promise<StepRun> {
  if (token !== undefined) world.endpoint.faults.push({ kind: 'value', value: token });
  const run = await runMainStep(world, inputs, { timeoutMs: STEP_LIMIT_MS });
  runs.push(run);
  return run;
}

function expectRefused(run: StepRun, code: string, message: RegExp): void {
  const lines = errorAnnotation(run).split('\n');
  expect([run.code, lines.length, lines[0]]).toEqual([1, 2, expect.stringMatching(new RegExp(`^${code}: `))]);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^Hint: /);
  expect(run.exported).toEqual({});
  expect(run.outputs).toEqual({});
}

function rulesFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const pullRequest = (headRef: string) => world.issuer.sign(githubClaims({ sub: 'repo:acme/api:pull_request', event_name: 'pull_request', head_ref: headRef }));

describe('a regex rule on a branch name a fork chooses', () => {
  const rules = 'version: 1\nclaims:\n  head_ref: { regex: "(a+)+$" }\n';

  it('decides (a+)+$ against 50 a and a ! (hours of backtracking for RegExp): RULE_FAILED', async () => {
    const run = await runAction({ 'role-to-assume': DEPLOY_ROLE, 'rules-file': rulesFile('rules.yml', rules) }, await pullRequest(`${'a'.repeat(50)}!`));
    expectRefused(run, 'RULE_FAILED', /^RULE_FAILED: Claim rule head_ref=\{"regex":"\(a\+\)\+\$"\} does not hold: the token's head_ref is "a{50}!"\.$/);
  });

  it('still matches what the regex means: 50 a get credentials', async () => {
    const run = await runAction({ 'role-to-assume': DEPLOY_ROLE, 'rules-file': rulesFile('rules.yml', rules) }, await pullRequest('a'.repeat(50)));
    expect(run.code).toBe(0);
    expect(Object.keys(run.exported)).toContain('AWS_SESSION_TOKEN');
  });

  it('refuses a backreference, saying that matching is linear-time', async () => {
    const run = await runAction({ 'rules-file': rulesFile('rules.yml', 'version: 1\nclaims:\n  head_ref: { regex: "(a*)\\\\1" }\n') });
    expectRefused(run, 'INPUT_INVALID', /claims\.head_ref: the regular expression "\(a\*\)\\\\1" is not supported: claimcheck matches regular expressions in linear time, without backtracking, which cannot do backreferences/);
  });
});

describe('rules files that are not files', () => {
  it('refuses /dev/zero instead of reading it without end', async () => {
    const run = await runAction({ 'rules-file': '/dev/zero' });
    expectRefused(run, 'INPUT_INVALID', /^INPUT_INVALID: Input rules-file: \/dev\/zero: it is a device\.$/);
  });

  it('refuses a FIFO instead of blocking on its open', async () => {
    const fifo = join(dir, 'claimcheck.yml');
    execFileSync('mkfifo', [fifo]);
    const run = await runAction({ 'rules-file': fifo });
    expectRefused(run, 'INPUT_INVALID', /^INPUT_INVALID: Input rules-file: .*claimcheck\.yml: it is a named pipe \(FIFO\)\.$/);
  });
});

describe('a JSON rules file that names a key twice', () => {
  it('refuses it, naming the key and where (JSON.parse kept the last, which would hold)', async () => {
    const path = rulesFile('claimcheck.json', JSON.stringify({ version: 1, roles: [{ role: DEPLOY_ROLE, claims: { ref: 'refs/heads/main' } }] }).replace('"ref":', '"ref":"refs/heads/release","ref":'));
    const run = await runAction({ 'role-to-assume': '', 'rules-file': path });
    expectRefused(run, 'INPUT_INVALID', /^INPUT_INVALID: Rules file .*claimcheck\.json: roles\[0\]\.claims: the key ref appears twice\.$/);
  });
});

describe('a signed exp of 1e20', () => {
  it('is a token error, not INTERNAL: RangeError', async () => {
    const run = await runAction({}, await world.issuer.sign(githubClaims({ exp: 1e20 })));
    expectRefused(run, 'TOKEN_CLAIMS', /^TOKEN_CLAIMS: The token's exp claim is 100000000000000000000; expected a number of seconds since 1970 from 0 to 253402300799/);
  });

  it('is shown by claimcheck explain --no-verify without a date, not as INTERNAL: RangeError', async () => {
    const path = rulesFile('token', await world.issuer.sign(githubClaims({ exp: 1e20 })));
    const node = (nodeRuntimes()[0] as { node: string }).node;
    const result = await run(node, [join(REPO_ROOT, 'bin/claimcheck.js'), 'explain', '--no-verify', '--token-file', path], { PATH: '/usr/bin:/bin', HOME: dir }, STEP_LIMIT_MS);
    expect([result.code, result.stderr]).toEqual([0, expect.not.stringContaining('INTERNAL')]);
    expect(result.stdout).toMatch(/^ {2}exp +100000000000000000000$/m);
  });
});
