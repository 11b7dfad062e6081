// `trust-policy --cloud gcp --check` through the built CLI on providers the Google STS double
// serves: OK for a condition that says what the rules say; FAIL with a token that, signed by
// the issuer, the double exchanges (its CEL evaluation of mapping and condition admits it) and
// that the rules refuse; CANNOT VERIFY (exit 3) when the answer turns on a part of CEL
// claimcheck does not read; and the provider file read strictly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkClaimRules, parseClaimRules } from '../../src/core/rules/rules.ts';
import { REPO_ROOT, run } from '../harness/github.ts';
import { startGoogle, type GoogleDouble, type GoogleProvider } from '../harness/google.ts';
import { githubClaims, startIssuer, type TestIssuer } from '../harness/issuer.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';

const CLI = join(REPO_ROOT, 'bin/claimcheck.js');
const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/ci';
const [node24] = nodeRuntimes();
const RULES = 'repository_id=123456789\nref=refs/heads/main';
const CONDITIONS = {
  ok: 'assertion.repository_id == "123456789" && assertion.ref == "refs/heads/main"',
  gap: 'assertion.repository_id == "123456789" && assertion.ref.startsWith("refs/heads/")',
  unread: 'assertion.repository_id == "123456789" && (assertion.ref == "refs/heads/main" || size(assertion.sub) > 300)',
} as const;

let issuer: TestIssuer;
let google: GoogleDouble;
let dir: string;

function provider(name: keyof typeof CONDITIONS): GoogleProvider {
  return { name: `${POOL}/providers/${name}`, issuerUri: issuer.url, attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository_id': 'assertion.repository_id' }, attributeCondition: CONDITIONS[name] };
}

beforeAll(async () => {
  issuer = await startIssuer();
  google = await startGoogle({ providers: (Object.keys(CONDITIONS) as Array<keyof typeof CONDITIONS>).map(provider) });
});
afterAll(async () => Promise.all([google?.close()]).then(() => issuer?.close()));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-gcp-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The provider as `gcloud iam workload-identity-pools providers describe --format json` prints it. */
function describeFile(given: GoogleProvider, text?: string): string {
  const path = join(dir, 'provider.json');
  const document = { name: given.name, displayName: 'CI', state: 'ACTIVE', disabled: false, attributeCondition: given.attributeCondition, attributeMapping: given.attributeMapping, oidc: { issuerUri: given.issuerUri } };
  writeFileSync(path, text ?? JSON.stringify(document, null, 2));
  return path;
}

function check(path: string, extra: string[] = []) {
  return run(node24!.node, [CLI, 'trust-policy', '--cloud', 'gcp', '--check', path, '--platform', 'github', '--issuer', issuer.url, '--claims', RULES, ...extra], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
}

/** The claims a FAIL line shows: `  sub="…", repository_id="…", ref="…"`. */
function shownClaims(stdout: string): Record<string, string> {
  const line = stdout.split('\n').find((text) => text.startsWith('  sub='));
  expect(line, stdout).toBeDefined();
  return Object.fromEntries([...(line as string).matchAll(/(\w+)=("(?:[^"\\]|\\.)*")/g)].map((match) => [match[1] as string, JSON.parse(match[2] as string) as string]));
}

/** Whether the double's STS exchanges a token with these claims at the provider. */
async function googleAdmits(given: GoogleProvider, claims: Record<string, string>): Promise<boolean> {
  const token = await issuer.sign(githubClaims({ ...claims, aud: `https://iam.googleapis.com/${given.name}` }));
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', audience: `//iam.googleapis.com/${given.name}`, scope: 'https://www.googleapis.com/auth/cloud-platform',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', subject_token: token,
  });
  const response = await fetch(`${google.stsUrl}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return response.status === 200;
}

describe('trust-policy --cloud gcp --check', () => {
  it('says OK (exit 0) for a provider whose condition says what the rules say, and notes the IAM bindings it does not read', async () => {
    const result = await check(describeFile(provider('ok')));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^OK: no token the issuer could issue is admitted by the provider and refused by a rule \(exit 0\)\.$/m);
    expect(result.stdout).toContain("Not read: the service accounts' IAM bindings");
  });

  it('FAILs (exit 1) with a token the Google double exchanges and the rules refuse', async () => {
    const given = provider('gap');
    const result = await check(describeFile(given));
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^FAIL: the attribute condition admits a token the rule ref=refs\/heads\/main refuses:$/m);
    const claims = shownClaims(result.stdout);
    expect(claims.ref).not.toBe('refs/heads/main');
    expect(await googleAdmits(given, claims)).toBe(true);
    expect(checkClaimRules(parseClaimRules(RULES), githubClaims(claims)).every((rule) => rule.held)).toBe(false);
    // The same token with the ref the rules want is exchanged too: the double is not refusing everything.
    expect(await googleAdmits(given, { ...claims, ref: 'refs/heads/main', sub: 'repo:acme/api:ref:refs/heads/main' })).toBe(true);
  });

  it('says CANNOT VERIFY (exit 3), naming the part it does not read, never OK', async () => {
    const result = await check(describeFile(provider('unread')));
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toContain('size(assertion.sub) > 300');
    expect(result.stdout).toMatch(/^CANNOT VERIFY: the answer turns on a part of the provider claimcheck does not decide; this is not an OK \(exit 3\)\.$/m);
  });

  it('passes a provider it compiled from a rules file with a role map, noting the claim it does not model', async () => {
    const rules = join(REPO_ROOT, 'examples/rules/claimcheck.yml');
    const compiled = await run(node24!.node, [CLI, 'trust-policy', '--cloud', 'gcp', '--rules-file', rules, '--issuer', issuer.url], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
    expect(compiled.code, compiled.stderr).toBe(0);
    const path = join(dir, 'compiled.json');
    writeFileSync(path, compiled.stdout);
    const result = await run(node24!.node, [CLI, 'trust-policy', '--cloud', 'gcp', '--check', path, '--rules-file', rules, '--issuer', issuer.url], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('against the rules and their role map (any entry)');
    expect(result.stdout).toMatch(/^NOTE: that a job the rules were written for can use the provider assumes the issuer gives event_name the values shown/m);
  });

  it('refuses a provider file with a key written twice, or one that is not an OIDC provider', async () => {
    const twice = await check(describeFile(provider('ok'), '{"name": "a", "oidc": {"issuerUri": "https://x"}, "attributeCondition": "true", "attributeCondition": "false"}'));
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/^INPUT_INVALID: The provider .*provider\.json: it is not a provider as describe prints it: top level: the key attributeCondition appears twice/m);
    const saml = await check(describeFile(provider('ok'), '{"name": "a", "saml": {"idpMetadataXml": "<x/>"}}'));
    expect(saml.stderr).toMatch(/it is a saml provider, which takes no OIDC tokens/);
  });
});

describe('explain --gcp-provider', () => {
  async function explain(given: GoogleProvider, claims: Record<string, string>, rules: string) {
    const aud = `https://iam.googleapis.com/${given.name}`;
    const tokenPath = join(dir, 'token');
    writeFileSync(tokenPath, await issuer.sign(githubClaims({ ...claims, aud })));
    return run(node24!.node, [CLI, 'explain', '--token-file', tokenPath, '--issuer', issuer.url, '--audience', aud, '--claims', rules, '--gcp-provider', describeFile(given)], { PATH: '/usr/bin:/bin', HOME: dir }, 60_000);
  }

  it('shows the mapped attributes and agrees with the rules and with the double on a token both let in', async () => {
    const given = provider('gap');
    const result = await explain(given, {}, RULES);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('    attribute.repository_id = "123456789"');
    expect(result.stdout).toMatch(/^ {2}Google ADMITS this token\.$/m);
    expect(result.stdout).toMatch(/^ {2}Agrees with the rules: both let this token in\.$/m);
    expect(await googleAdmits(given, {})).toBe(true);
  });

  it('says the provider and the rules disagree (exit 1) on a token the double exchanges and the rules refuse', async () => {
    const given = provider('gap');
    const claims = { ref: 'refs/heads/dev', sub: 'repo:acme/api:ref:refs/heads/dev' };
    const result = await explain(given, claims, RULES);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^ {2}DISAGREES with the rules: the provider admits a token the rules refuse/m);
    expect(await googleAdmits(given, claims)).toBe(true);
  });

  it('is undecided (exit 3) when the condition calls a function claimcheck cannot evaluate', async () => {
    const given = { ...provider('ok'), attributeCondition: 'assertion.sub.extract("repo:{owner}/") == "acme"' };
    const result = await explain(given, {}, RULES);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/UNDECIDED: .*unbound function: extract/);
  });
});

