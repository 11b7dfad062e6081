// The provider compiled from rules, judged by a maintained CEL implementation (@bufbuild/cel,
// whose matches() is an RE2 port): Google admits exactly the tokens claimcheck's rules hold
// for, no claim or rule value can escape its CEL string, and Google's limits are enforced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProviderName } from '../../src/core/gcp/provider.js';
import { readRulesDocument } from '../../src/core/rules/rules-file.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { celString, globRe2 } from '../../src/core/trust/gcp/cel.js';
import { compileProvider, GcpProviderError, type GcpCompileInput } from '../../src/core/trust/gcp/compile.js';
import { describeJson, gcloudCommands, terraform } from '../../src/core/trust/gcp/formats.js';
import { re2FromJavaScript } from '../../src/core/trust/gcp/re2.js';
import { admit, evaluateCel } from '../harness/cel.ts';
import { githubClaims } from '../harness/issuer.ts';

const provider = parseProviderName('projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github')!;

function input(rules: readonly ClaimRule[], extra: Partial<GcpCompileInput> = {}): GcpCompileInput {
  return { platform: 'github', rules, roles: [], issuer: 'https://token.actions.githubusercontent.com', audiences: [], provider, subject: undefined, allowUnpinned: false, ...extra };
}

const document = (value: unknown) => readRulesDocument(value, (text) => text);

/** Whether Google (the CEL double) and claimcheck agree on these claims. */
function agree(rules: readonly ClaimRule[], claims: Record<string, unknown>): { google: boolean; claimcheck: boolean } {
  const config = compileProvider(input(rules));
  return { google: admit(config, claims).admitted, claimcheck: checkClaimRules(rules, claims).every((result) => result.held) };
}

describe('the attribute condition', () => {
  const rules = document({
    version: 1,
    claims: {
      repository: 'acme/api',
      repository_id: 123456789,
      ref: ['refs/heads/main', 'refs/tags/v*'],
      workflow_ref: 'acme/api/.github/workflows/**',
      environment: { regex: 'prod(-[a-z]+)?' },
    },
  }).rules;

  it('admits the tokens the rules hold for and refuses the others, rule kind by rule kind', () => {
    const ok = githubClaims({ environment: 'prod-eu', ref: 'refs/tags/v1.2', workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/tags/v1.2' });
    expect(agree(rules, ok)).toEqual({ google: true, claimcheck: true });
    for (const change of [{ repository_id: '1' }, { ref: 'refs/heads/dev' }, { ref: 'refs/tags/v1/x' }, { environment: 'production' }, { environment: 'prod-' }, { workflow_ref: 'acme/api2/.github/workflows/x' }, { environment: undefined }]) {
      expect([change, agree(rules, { ...ok, ...change })]).toEqual([change, { google: false, claimcheck: false }]);
    }
  });

  it('compiles exact values to ==, lists to in, prefix/** to startsWith, and puts immutable ids first', () => {
    const { attributeCondition } = compileProvider(input(rules));
    expect(attributeCondition.startsWith('assertion.repository_id == "123456789" && ')).toBe(true);
    expect(attributeCondition).toContain('assertion.repository == "acme/api"');
    expect(attributeCondition).toContain('assertion.workflow_ref.startsWith("acme/api/.github/workflows/")');
    expect(attributeCondition).toContain('assertion.ref == "refs/heads/main" || assertion.ref.matches("^(?:refs/tags/v[^/:]*)$")');
    expect(attributeCondition).toContain('assertion.environment.matches(');
  });

  it('keeps * within a path segment and ** across, as claimcheck does, in RE2', () => {
    const glob = parseClaimRules('sub=repo:acme/*:ref:refs/heads/**')[0]!;
    const pattern = globRe2((glob.alternatives[0] as { glob: never }).glob);
    for (const value of ['repo:acme/api:ref:refs/heads/main', 'repo:acme/api:ref:refs/heads/a/b', 'repo:acme/a/b:ref:refs/heads/x', 'repo:acme/api:pull_request', 'repo:acme/api:ref:refs/heads/x\ny']) {
      const google = evaluateCel(`v.matches(${celString(pattern)})`, { v: value });
      expect([value, (google as { value: unknown }).value]).toEqual([value, checkClaimRules([glob], { sub: value })[0]!.held]);
    }
  });

  it('escapes every value so that no claim or rule value can close its string or change the condition', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (ruleValue, other) => {
      const literal = celString(ruleValue);
      expect(evaluateCel(`${literal} == v`, { v: ruleValue })).toEqual({ value: true });
      if (other !== ruleValue && !/[\ud800-\udfff]/.test(other)) expect(evaluateCel(`${literal} == v`, { v: other })).toEqual({ value: false });
    }));
  });

  it('refuses a token without the claim (an error in CEL is a refusal at Google)', () => {
    const ruled = parseClaimRules('repository_id=123456789\nenvironment=prod');
    expect(agree(ruled, githubClaims())).toEqual({ google: false, claimcheck: false });
  });
});

describe('regular expressions in RE2', () => {
  it('keep their JavaScript meaning where the two syntaxes differ', () => {
    const cases: Array<[string, string[]]> = [
      ['a.c', ['abc', 'a\rc', 'a\u2028c', 'a\nc']],
      ['a\\sc', ['a c', 'a\u00a0c', 'a\tc', 'a_c']],
      ['\\u00e9t\\u{e9}', ['été', 'ete']],
      ['(?<env>prod|stage)-[a-z]+', ['prod-eu', 'dev-eu']],
      ['[^/]+/[\\w.-]+', ['acme/api', 'acme/a/b']],
    ];
    for (const [source, values] of cases) {
      const re2 = `^(?:${re2FromJavaScript(source)})$`;
      const js = new RegExp(`^(?:${source})$`, 'u');
      for (const value of values) expect([source, value, evaluateCel(`v.matches(${celString(re2)})`, { v: value })]).toEqual([source, value, { value: js.test(value) }]);
    }
  });

  it('are refused where RE2 has no equal, with the reason', () => {
    expect(() => re2FromJavaScript('[\\S]')).toThrow(/\\S inside a class/);
    expect(() => re2FromJavaScript('\\p{Letter}')).toThrow(/Unicode property Letter/);
  });
});

describe('the mapping and the members', () => {
  it('maps google.subject and each ruled claim, within 127 bytes for CircleCI tokens', () => {
    const circle = compileProvider(input(parseClaimRules('oidc.circleci.com/project-id=8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77'), { platform: 'circleci', issuer: 'https://oidc.circleci.com/org/o' }));
    expect(circle.attributeMapping).toEqual({ 'google.subject': '"circleci:" + assertion["oidc.circleci.com/project-id"]', 'attribute.project_id': 'assertion["oidc.circleci.com/project-id"]' });
    const claims = { sub: `org/${'o'.repeat(36)}/project/${'p'.repeat(36)}/user/${'u'.repeat(36)}/vcs-origin/github.com/acme/api/vcs-ref/refs/heads/main`, 'oidc.circleci.com/project-id': '8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77' };
    expect(admit(circle, claims)).toMatchObject({ admitted: true, subject: 'circleci:8f1d9c0e-0a9b-4f0e-9c59-0c5e2c1f3a77' });
  });

  it('grants the pinned repository by id as a principalSet', () => {
    const config = compileProvider(input(parseClaimRules('repository_id=123456789\nref=refs/heads/main')));
    expect(config.members).toEqual([{ entry: undefined, member: 'principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/attribute.repository_id/123456789' }]);
  });

  it('grants a repository pinned by name as Google writes it, slash and all (attribute.repository/acme/api)', () => {
    const config = compileProvider(input(parseClaimRules('repository=acme/api\nref=refs/heads/main')));
    expect(config.members).toEqual([{ entry: undefined, member: 'principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/attribute.repository/acme/api' }]);
  });

  it('turns a role map into an attribute naming the first entry that matches, and one member per entry', () => {
    const rules = document({
      version: 1,
      claims: { repository_id: '123456789' },
      roles: [
        { name: 'deploy', role: 'arn:aws:iam::123456789012:role/deploy', claims: { ref: 'refs/heads/main', environment: 'prod' } },
        { name: 'read', role: 'arn:aws:iam::123456789012:role/read', claims: { ref: 'refs/heads/**' } },
      ],
    });
    const config = compileProvider(input(rules.rules, { roles: rules.roles }));
    expect(config.members.map((member) => member.member.replace(/.*\/attribute\./, ''))).toEqual(['claimcheck_role/deploy', 'claimcheck_role/read']);
    const role = (claims: Record<string, unknown>) => (admit(config, claims) as { attributes?: Record<string, string> }).attributes?.['attribute.claimcheck_role'];
    expect(role(githubClaims({ environment: 'prod' }))).toBe('deploy');
    expect(role(githubClaims())).toBe('read'); // no environment claim: entry deploy is skipped, not an error
    expect(admit(config, githubClaims({ ref: 'refs/tags/v1' })).admitted).toBe(false);
  });
});

describe("Google's limits and pinning", () => {
  it('refuses a condition over 4096 characters', () => {
    const many = parseClaimRules(`repository_id=1\n${Array.from({ length: 60 }, (_, index) => `workflow=${'w'.repeat(60)}${index}`).join('\n')}`);
    expect(() => compileProvider(input(many))).toThrow(expect.objectContaining({ code: 'GCP_PROVIDER_LIMIT', message: expect.stringMatching(/at most 4096/) }));
  });

  it('refuses more than 50 custom attributes', () => {
    const wide = parseClaimRules(['repository_id=1', ...Array.from({ length: 51 }, (_, index) => `c${index}=x`)].join('\n'));
    expect(() => compileProvider(input(wide))).toThrow(/at most 50/);
  });

  it('refuses rules that pin no repository or project, unless told to accept them', () => {
    const loose = parseClaimRules('ref=refs/heads/main\nrepository=**');
    expect(() => compileProvider(input(loose))).toThrow(GcpProviderError);
    expect(compileProvider(input(loose, { allowUnpinned: true })).attributeCondition).toContain('assertion.ref == "refs/heads/main"');
  });
});

describe('the formats', () => {
  const config = compileProvider(input(parseClaimRules("repository_id=123456789\nref=refs/heads/it's|refs/heads/${x}")));
  const grants = [{ member: config.members[0]!.member, serviceAccount: 'deploy@acme.iam.gserviceaccount.com' }];

  it('prints describe JSON', () => {
    expect(JSON.parse(describeJson(config, provider))).toEqual({ name: provider.name, attributeCondition: config.attributeCondition, attributeMapping: config.attributeMapping, oidc: { issuerUri: 'https://token.actions.githubusercontent.com' }, state: 'ACTIVE' });
  });

  it('shell-quotes the gcloud commands, with gcloud list escaping where a value holds a comma', () => {
    const text = gcloudCommands(config, provider, grants);
    expect(text).toContain(`--attribute-condition='assertion.repository_id == "123456789" && assertion.ref in ["refs/heads/it'\\''s", "refs/heads/\${x}"]'`);
    expect(text).toContain('--attribute-mapping=\'google.subject=assertion.sub,attribute.repository_id=assertion.repository_id,attribute.ref=assertion.ref\'');
    expect(text).toMatch(/add-iam-policy-binding \\\n {2}'deploy@acme\.iam\.gserviceaccount\.com' \\\n {2}--role=roles\/iam\.workloadIdentityUser/);
  });

  it('writes Terraform whose strings cannot interpolate', () => {
    const text = terraform(config, provider, grants);
    expect(text).toContain('resource "google_iam_workload_identity_pool_provider" "claimcheck"');
    expect(text).toContain('$${x}');
    expect(text).not.toMatch(/[^$]\$\{x\}/);
    expect(text).toContain('role               = "roles/iam.workloadIdentityUser"');
  });
});
