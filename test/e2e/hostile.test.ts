// Hostile inputs and hostile tokens against the built Action and the packed orb: every bad
// value ends in one clear line naming the input, a non-zero exit, nothing exported and
// nothing written; every bad token is rejected with its own code before STS is called.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrb, newJob, renderCommand, runOrbStep } from '../harness/circleci.ts';
import { errorAnnotation, REPO_ROOT, type StepRun, type TokenEndpoint } from '../harness/github.ts';
import { githubClaims, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import type { StsDouble } from '../harness/sts.ts';
import { DEPLOY_ROLE as ROLE, runMainStep, startGithubWorld, type GithubWorld } from '../harness/world.ts';
const [node24] = nodeRuntimes();
const INJECTION = '$(touch /tmp/claimcheck-injected)`id`\n::set-output name=x::y\nexport INJECTED=1';

let issuer: TestIssuer;
let endpoint: TokenEndpoint;
let sts: StsDouble;

let world: GithubWorld | undefined;

beforeAll(async () => {
  world = await startGithubWorld({ trustedSubject: 'repo:acme/api:*' });
  ({ issuer, endpoint, sts } = world);
});
afterAll(async () => world?.close());

function runAction(inputs: Record<string, string>) {
  return runMainStep({ issuer, endpoint, sts }, inputs);
}

function errorLines(run: StepRun): string[] {
  return errorAnnotation(run).split('\n');
}

const BAD_INPUTS: Array<[string, string]> = [
  ['role-to-assume', 'arn:aws:s3:::my-bucket'],
  ['role-to-assume', 'arn:aws:iam::123456789012:user/alice'],
  ['role-to-assume', `arn:aws:iam::123456789012:role/x${INJECTION}`],
  ['aws-region', 'us-east-1; rm -rf /'],
  ['aws-region', 'moon-1'],
  ['audience', 'two audiences'],
  ['audience', INJECTION],
  ['claims', 'repository'],
  ['claims', `ref=${INJECTION}`],
  ['rules-file', '/nonexistent/claimcheck.yml'],
  ['role-chain', 'arn:aws:lambda:us-east-1:123456789012:function:x'],
  ['issuer', 'http://evil.example.com'],
  ['issuer', 'javascript:alert(1)'],
  ['role-session-name', INJECTION],
  ['role-session-name', 'x'],
  ['role-duration-seconds', '-1'],
  ['role-duration-seconds', '3600; id'],
  ['role-duration-seconds', '0x1000'],
  ['inline-session-policy', '{"Statement": '],
  ['inline-session-policy', JSON.stringify({ Version: '2012-10-17', Sid: 'x'.repeat(3000) })],
  ['managed-session-policies', 'arn:aws:iam::aws:policy/ReadOnlyAccess\narn:aws:iam::123:policy/too-short-account'],
  ['allowed-account-ids', '1234567890123'],
  ['mask-aws-account-id', 'yes'],
  ['refresh', 'on'],
  ['aws-profile', `ci${INJECTION}`],
  ['aws-profile', '../../etc/passwd'],
  ['output-credentials', 'TRUE!'],
  ['sts-endpoint', 'ftp://127.0.0.1'],
  ['retry-max-attempts', '1000'],
  ['clock-tolerance', '3600'],
];

describe('hostile inputs to the Action', () => {
  it.each(BAD_INPUTS)('%s = %j: one line naming it, exit 1, nothing exported or written, no request', async (name, value) => {
    const requests = endpoint.requests.length;
    const run = await runAction({ [name]: value });
    expect(run.code).toBe(1);
    const [message, hint] = errorLines(run);
    expect(message).toMatch(/^INPUT_(INVALID|REQUIRED): /);
    expect(message).toContain(name);
    expect(hint).toMatch(/^Hint: /);
    // Nothing is exported or saved; the step summary explains the failure and nothing else.
    const { GITHUB_STEP_SUMMARY: summary, ...files } = run.files;
    expect(files).toEqual({ GITHUB_ENV: '', GITHUB_OUTPUT: '', GITHUB_STATE: '', GITHUB_PATH: '' });
    expect(summary).toMatch(/^### ❌ claimcheck failed\n\n\*\*`INPUT_(INVALID|REQUIRED)`\*\*/);
    expect(summary).toContain('No claims to show: no token was verified.');
    expect(run.stdout.split('\n').filter((line) => /^::(set-output|set-env|add-path)/.test(line))).toEqual([]);
    expect(endpoint.requests.length).toBe(requests);
    expect(existsSync('/tmp/claimcheck-injected')).toBe(false);
  });
});

describe('hostile parameters to the orb', () => {
  const orb = loadOrb();
  const PARAMETERS: Array<[string, unknown]> = [
    ['role_to_assume', 'not-an-arn'],
    ['aws_region', INJECTION],
    ['role_duration_seconds', 99999],
    ['role_session_name', INJECTION],
    ['profile_name', INJECTION],
    ['claims', `vcs-ref=${INJECTION}`],
    ['sts_endpoint', 'http://10.0.0.1'],
  ];

  it.each(PARAMETERS)('%s = %j: one line, exit 1, $BASH_ENV untouched, nothing ran', async (name, value) => {
    const job = newJob({ nodeDir: dirname(node24!.node), token: 'unused', bundleUrl: 'http://127.0.0.1:9/unused' });
    // Run the bundle straight from dist (the launcher's download is tested in orb.test.ts).
    const [step] = renderCommand(orb, 'assume_role', { role_to_assume: ROLE, aws_region: 'us-east-1', [name]: value });
    const command = `exec node ${join(REPO_ROOT, 'dist/circleci/index.js')}`;
    const result = await runOrbStep(job, { ...step!, command });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    // Values with a $ are refused by the parameter expansion itself, which names the orb's parameter.
    expect(lines[0]).toMatch(/^INPUT_(INVALID|REQUIRED): (Input [a-z-]+|Parameter [a-z_]+)[ :]/);
    expect(readFileSync(job.bashEnv, 'utf8')).toBe('');
    expect(existsSync(join(job.dir, '.claimcheck'))).toBe(false);
    expect(existsSync(join(job.dir, '.aws'))).toBe(false);
    expect(existsSync('/tmp/claimcheck-injected')).toBe(false);
  });
});

describe('hostile tokens handed to the Action', () => {
  const segment = (value: object) => base64url.encode(JSON.stringify(value));
  const claims = () => ({ ...githubClaims(), iss: issuer.url, aud: 'sts.amazonaws.com' });
  const TOKENS: Array<[string, () => Promise<string>, string]> = [
    ['alg none', async () => `${segment({ alg: 'none' })}.${segment(claims())}.`, 'TOKEN_ALGORITHM'],
    ['HS256 keyed with a public key', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(JSON.stringify(await (await fetch(`${issuer.url}/jwks`)).json()))), 'TOKEN_ALGORITHM'],
    ['another issuer', () => issuer.sign({ ...githubClaims(), iss: 'https://token.actions.githubusercontent.com' }), 'TOKEN_ISSUER'],
    ['another audience', () => issuer.sign({ ...githubClaims(), aud: 'api://other' }), 'TOKEN_AUDIENCE'],
    ['several audiences', () => issuer.sign({ ...githubClaims(), aud: ['sts.amazonaws.com', 'api://other'] }), 'TOKEN_AUDIENCE'],
    ['expired', () => issuer.sign(githubClaims(), { expiresIn: -3600 }), 'TOKEN_EXPIRED'],
    ['nbf far ahead', () => issuer.sign({ ...githubClaims(), nbf: Math.floor(Date.now() / 1000) + 3600 }), 'TOKEN_NOT_YET_VALID'],
    ['iat far ahead', () => issuer.sign({ ...githubClaims(), iat: Math.floor(Date.now() / 1000) + 3600 }), 'TOKEN_NOT_YET_VALID'],
    ['no exp', () => issuer.sign(githubClaims(), { omit: ['exp'] }), 'TOKEN_CLAIMS'],
    ['unknown kid', () => issuer.sign(githubClaims(), { header: { kid: 'rotated-away' } }), 'TOKEN_KEY_UNKNOWN'],
    ['tampered payload', async () => {
      const [header, payload, signature] = (await issuer.sign(githubClaims())).split('.') as [string, string, string];
      const signed = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as object;
      return `${header}.${segment({ ...signed, repository: 'acme/api-but-not' })}.${signature}`;
    }, 'TOKEN_SIGNATURE'],
    ['oversized', async () => `${segment({ alg: 'RS256' })}.${'A'.repeat(21_000)}.sig`, 'TOKEN_MALFORMED'],
    ['garbage', async () => 'this is not a token', 'TOKEN_MALFORMED'],
    ['a JWE', async () => 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d', 'TOKEN_MALFORMED'],
  ];

  it.each(TOKENS)('%s: rejected with %s before STS is called', async (_, make, code) => {
    endpoint.faults.push({ kind: 'value', value: await make() });
    const calls = sts.calls.length;
    const run = await runAction({});
    expect(run.code).toBe(1);
    expect(errorLines(run)[0]).toMatch(new RegExp(`^${code}: `));
    expect(run.exported).toEqual({});
    expect(sts.calls.length).toBe(calls);
  });
});
