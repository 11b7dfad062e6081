// `claimcheck trust-policy --cloud azure --check` end to end, through the built CLI: credentials
// compiled for a rules file check OK; a FAIL's counterexample token, presented by a job that
// skips claimcheck's rules, is admitted by the Entra double (so the FAIL is real) and refused
// by those rules; what Entra does not document is "cannot verify" (exit 3), never OK.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorAnnotation, REPO_ROOT, run, runStep } from '../harness/github.ts';
import { githubClaims } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { ENTRA_AUDIENCE, refreshersStoppedAfterEach, refresherStatus, startAzureWorld, type AzureWorld } from '../harness/azure-world.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const MAIN = join(REPO_ROOT, 'dist/main/index.js');
const node24 = nodeRuntimes()[0] as { node: string };
let world: AzureWorld;
const refreshers = refreshersStoppedAfterEach();

beforeAll(async () => {
  world = await startAzureWorld();
});
afterAll(async () => world?.close());

// The loopback issuer is GitHub Enterprise Server's kind to claimcheck: name-based subjects only.
const RULES = 'repository=acme/api\nref=refs/heads/main';

function cli(args: string[]) {
  return run(node24.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: tmpdir() }, 60_000);
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'claimcheck-azure-check-')), name);
  writeFileSync(path, text);
  return path;
}

/** The claims a report line shows (`name="value", …`). */
function shownClaims(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/([a-z_]+)=("(?:[^"\\]|\\.)*")/g)].map((match) => [match[1] as string, JSON.parse(match[2] as string) as string]));
}

const check = (path: string, extra: string[] = []) => cli(['trust-policy', '--cloud', 'azure', '--check', path, '--claims', RULES, '--platform', 'github', '--issuer', world.issuer.url, ...extra]);

describe('trust-policy --cloud azure --check', () => {
  it('OK (exit 0) for the credentials trust-policy --cloud azure writes for the rules', async () => {
    const printed = await cli(['trust-policy', '--cloud', 'azure', '--claims', RULES, '--platform', 'github', '--sub-format', 'legacy', '--issuer', world.issuer.url]);
    expect(printed.code, printed.stderr).toBe(0);
    // az ad app federated-credential list prints ids and descriptions besides what create takes.
    const listed = (JSON.parse(printed.stdout) as object[]).map((credential, index) => ({ id: `00000000-0000-4000-8000-00000000000${index}`, ...credential }));
    const checked = await check(file('credentials.json', JSON.stringify(listed, null, 2)));
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/^OK: no token the issuer could issue/m);
  });

  it('FAIL (exit 1) with a token Entra admits and the rules refuse: an environment subject fixes no ref', async () => {
    const credentials = [{ name: 'prod', issuer: world.issuer.url, subject: 'repo:acme/api:environment:prod', audiences: [ENTRA_AUDIENCE], description: null }];
    const checked = await check(file('credentials.json', JSON.stringify(credentials)));
    expect(checked.code, checked.stdout).toBe(1);
    const lines = checked.stdout.split('\n');
    const at = lines.findIndex((line) => line.startsWith('FAIL: the credential prod admits a token the rule ref=refs/heads/main refuses'));
    expect(at, checked.stdout).toBeGreaterThan(0);
    const token = shownClaims(lines[at + 1] as string);
    expect(token.ref).not.toBe('refs/heads/main');

    world.credentials = credentials.map(({ issuer, subject, audiences }) => ({ issuer, subject, audiences }));
    world.endpoint.claims = githubClaims({ ...token, environment: 'prod', aud: ENTRA_AUDIENCE });
    // A job that skips claimcheck's rules: Entra admits the counterexample.
    const admitted = await runStep({ node: node24.node, script: MAIN, tokenEndpoint: world.endpoint, inputs: world.inputs, env: world.env });
    expect(admitted.code, admitted.stdout).toBe(0);
    refreshers.push(refresherStatus(admitted.exported.AZURE_FEDERATED_TOKEN_FILE as string).pid);
    // The same job with the rules: claimcheck refuses it.
    const refused = await runStep({ node: node24.node, script: MAIN, tokenEndpoint: world.endpoint, inputs: { ...world.inputs, claims: RULES }, env: world.env });
    expect(refused.code).not.toBe(0);
    expect(errorAnnotation(refused)).toMatch(/ref/);
  });

  it('CANNOT VERIFY (exit 3) for an expression beyond what Entra documents; FAIL for another issuer', async () => {
    const flexible = [{ name: 'flex', issuer: world.issuer.url, audiences: [ENTRA_AUDIENCE], claimsMatchingExpression: { value: "claims['sub'] matches 'repo:acme/api:*' or claims['sub'] eq 'x'", languageVersion: 1 } }];
    const undecided = await check(file('credentials.json', JSON.stringify({ value: flexible })));
    expect(undecided.code, undecided.stdout).toBe(3);
    expect(undecided.stdout).toMatch(/^CANNOT VERIFY: .*joins clauses with something other than " and "/m);
    const other = [...flexible.map((entry) => ({ ...entry, claimsMatchingExpression: undefined, subject: 'repo:acme/api:ref:refs/heads/main' })), { name: 'aks', issuer: 'https://oidc.prod-aks.azure.com/00000000-0000-4000-8000-000000000000/', subject: 'system:serviceaccount:default:app', audiences: [ENTRA_AUDIENCE] }];
    const failed = await check(file('credentials.json', JSON.stringify(other)));
    expect(failed.code, failed.stdout).toBe(1);
    expect(failed.stdout).toMatch(/^FAIL: the credential aks trusts another issuer/m);
  });

  it('refuses a file that is not a credential list, and one with a key written twice', async () => {
    const twice = await check(file('credentials.json', `[{"name":"a","issuer":"${world.issuer.url}","subject":"s","subject":"t","audiences":["${ENTRA_AUDIENCE}"]}]`));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^INPUT_INVALID: .*the key subject appears twice/);
    // Names and subjects from the file reach the terminal inert: escapes, not control or bidi characters.
    const hostile = [{ name: 'x\u001b[31mred\u202e', issuer: world.issuer.url, subject: 'repo:evil/api:ref:refs/heads/main\u001b[2J', audiences: [ENTRA_AUDIENCE] }];
    const shown = await check(file('credentials.json', JSON.stringify(hostile)));
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain('x\\u001b[31mred\\u202e');
    expect(shown.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
  });

  it('explain --azure-credentials names the credential that admits the token, the field that differs for the others, and whether the rules agree', async () => {
    const credentials = [
      { name: 'prod', issuer: world.issuer.url, subject: 'repo:acme/api:environment:prod', audiences: [ENTRA_AUDIENCE] },
      { name: 'main', issuer: world.issuer.url, subject: 'repo:acme/api:ref:refs/heads/main', audiences: [ENTRA_AUDIENCE] },
    ];
    const path = file('credentials.json', JSON.stringify(credentials));
    const claims = { iss: world.issuer.url, aud: ENTRA_AUDIENCE, sub: 'repo:acme/api:environment:prod', repository: 'acme/api', ref: 'refs/heads/dev', environment: 'prod' };
    const jwt = ['{"alg":"RS256"}', JSON.stringify(claims), 'x'].map((part) => Buffer.from(part).toString('base64url')).join('.');
    const explained = await cli(['explain', '--no-verify', '--token-file', file('token', jwt), '--claims', RULES, '--azure-credentials', path]);
    expect(explained.code, explained.stdout + explained.stderr).toBe(1);
    expect(explained.stdout).toMatch(/^ {2}ADMITS {3}prod: issuer, audience and subject match$/m);
    expect(explained.stdout).toMatch(/^ {2}refuses {2}main: its subject "repo:acme\/api:ref:refs\/heads\/main" is not the token's "repo:acme\/api:environment:prod"$/m);
    expect(explained.stdout).toMatch(/=> Entra admits this token, and the rules refuse it: they disagree/);
  });
});

