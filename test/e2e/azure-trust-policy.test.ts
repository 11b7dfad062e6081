// `claimcheck trust-policy --cloud azure` end to end: the credentials it prints for a rules
// file, loaded into the Entra double, accept the jobs the rules allow (both of GitHub's
// subject formats) and refuse one they do not, even when that job skips claimcheck's own
// check; what Azure cannot enforce is refused with the reason, never printed wider.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorAnnotation, REPO_ROOT, run, runStep } from '../harness/github.ts';
import { githubClaims } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';
import { refreshersStoppedAfterEach, refresherStatus, startAzureWorld, type AzureWorld } from '../harness/azure-world.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const MAIN = join(REPO_ROOT, 'dist/main/index.js');
const node24 = nodeRuntimes()[0] as { node: string };
let world: AzureWorld;
const refreshers = refreshersStoppedAfterEach();

beforeAll(async () => {
  world = await startAzureWorld();
});
afterAll(async () => world?.close());

const RULES = `version: 1
platform: github
claims:
  repository: acme/api
  repository_owner_id: "987654"
  repository_id: "123456789"
  ref: [refs/heads/main, refs/heads/release]
`;

function cli(args: string[]) {
  return run(node24.node, [CLI, ...args], { PATH: '/usr/bin:/bin', HOME: tmpdir() }, 60_000);
}

function rulesFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'claimcheck-rules-')), 'claimcheck.yml');
  writeFileSync(path, text);
  return path;
}

describe('trust-policy --cloud azure', () => {
  it('prints credentials the Entra double then enforces: the allowed jobs in both subject formats pass, another branch is refused even without the rules', async () => {
    const printed = await cli(['trust-policy', '--cloud', 'azure', '--rules-file', rulesFile(RULES), '--issuer', world.issuer.url]);
    expect(printed.code, printed.stderr).toBe(0);
    const credentials = JSON.parse(printed.stdout) as Array<{ issuer: string; subject: string; audiences: string[] }>;
    expect(credentials.map((credential) => credential.subject)).toEqual([
      'repo:acme/api:ref:refs/heads/main',
      'repo:acme/api:ref:refs/heads/release',
      'repo:acme@987654/api@123456789:ref:refs/heads/main',
      'repo:acme@987654/api@123456789:ref:refs/heads/release',
    ]);
    expect(printed.stderr).toMatch(/Azure enforces +repository="acme\/api" +\(subject\)/);
    expect(printed.stderr).toMatch(/claimcheck only +repository_id="123456789" +\(the credentials for the name-based subject/);
    world.credentials = credentials.map(({ issuer, subject, audiences }) => ({ issuer, subject, audiences }));

    const step = (sub: string, ref: string) => {
      world.endpoint.claims = githubClaims({ sub, ref });
      return runStep({ node: node24.node, script: MAIN, tokenEndpoint: world.endpoint, inputs: world.inputs, env: world.env });
    };
    for (const sub of ['repo:acme/api:ref:refs/heads/release', 'repo:acme@987654/api@123456789:ref:refs/heads/main']) {
      const passed = await step(sub, sub.slice(sub.indexOf(':ref:') + 5));
      expect(passed.code, passed.stdout).toBe(0);
      refreshers.push(refresherStatus(passed.exported.AZURE_FEDERATED_TOKEN_FILE as string).pid);
    }
    // No claims input here: the job skips claimcheck's rules, and Entra still holds it to them.
    expect(errorAnnotation(await step('repo:acme/api:ref:refs/heads/dev', 'refs/heads/dev'))).toMatch(/^ENTRA_SUBJECT_MISMATCH: /);
  });

  it('--format az prints the commands, the GA one for exact credentials and az rest for flexible ones', async () => {
    const printed = await cli(['trust-policy', '--cloud', 'azure', '--claims', 'repository=acme/api\nrepository_id=123456789\nref=refs/heads/main|refs/heads/release/**', '--sub-format', 'legacy', '--format', 'az', '--app-id', '0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d']);
    expect(printed.code, printed.stderr).toBe(0);
    const lines = printed.stdout.trim().split('\n');
    expect(lines[1]).toBe('app="0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"');
    expect(lines[2]).toMatch(/^az ad app federated-credential create --id "\$app" --parameters '\{"name":"github-repo-acme-api-ref-refs-heads-main-[0-9a-f]{8}","issuer":"https:\/\/token\.actions\.githubusercontent\.com","subject":"repo:acme\/api:ref:refs\/heads\/main"/);
    expect(lines[3]).toMatch(/^az rest --method post --url "https:\/\/graph\.microsoft\.com\/beta\/applications\(appId='\$app'\)\/federatedIdentityCredentials" --body '\{.*"claimsMatchingExpression":\{"value":"claims\['\\''sub'\\''\] matches/);
    const bash = await run('/bin/bash', ['-c', `az() { printf '%s\\n' "$@"; }\n${printed.stdout}`], { PATH: '/usr/bin:/bin' }, 10_000);
    const bodies = bash.stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(bodies.map((body) => JSON.parse(body) as { subject?: string; claimsMatchingExpression?: { value: string } })).toMatchObject([
      { subject: 'repo:acme/api:ref:refs/heads/main' },
      { claimsMatchingExpression: { value: "claims['sub'] matches 'repo:acme/api:ref:refs/heads/release/*' and claims['repository_id'] eq '123456789'" } },
    ]);
  });

  it('refuses what Azure cannot enforce, with the reason, and prints nothing', async () => {
    const circleci = await cli(['trust-policy', '--cloud', 'azure', '--platform', 'circleci', '--org-id', 'c3b3a1d2-5f4e-4c1a-9a3b-2d1e0f9c8b7a', '--claims', 'oidc.circleci.com/project-id=8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77']);
    expect(circleci.code).toBe(1);
    expect(circleci.stdout).toBe('');
    expect(circleci.stderr).toMatch(/^INPUT_INVALID: CircleCI's subject names the user who started the job/);
    const bad = await cli(['trust-policy', '--cloud', 'gcp', '--claims', 'sub=x']);
    expect(bad.code).toBe(2);
  });
});
