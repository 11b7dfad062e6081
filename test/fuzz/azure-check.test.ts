// `trust-policy --cloud azure --check` against the Entra matcher of the test harness
// (test/harness/entra-match.ts: Microsoft's documented matching, written apart from src/), on
// random credential lists (exact subjects, flexible expressions, undocumented forms, other
// issuers and audiences) and random rules: whenever the verdict is OK, no generated GitHub
// token is admitted by the matcher and refused by the rules; whenever it is FAIL, every token
// it shows is admitted (and its rule refuses it), every other issuer it names is really
// there; a witness is admitted and allowed; a note's token is refused and allowed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCredentials, type AzureCheckResult } from '../../src/core/trust/azure/check/check.js';
import { parseLiveCredentials } from '../../src/core/trust/azure/check/live-credentials.js';
import { modelledClaims } from '../../src/core/trust/grammar/grammar.js';
import { checkClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { entraAdmits, type CredentialToMatch } from '../harness/entra-match.ts';
import { runs, runsFactor } from './budget.ts';
import { GITHUB_ISSUER, githubToken, holds, ruleLines, rulesOf } from './trust-arbitraries.ts';
import { PLATFORM_CASES, platformRules, type PlatformCase } from './trust-platforms.ts';

const TIMEOUT = 60_000 * runsFactor();
const AUD = 'api://AzureADTokenExchange';
const OTHER_AUD = 'other';
const ISSUER = GITHUB_ISSUER.url;

type Claims = Readonly<Record<string, string>>;

const SUBJECTS = [
  'repo:acme/api:ref:refs/heads/main', 'repo:acme/api:ref:refs/heads/dev', 'repo:acme/api:environment:prod', 'repo:acme/api:pull_request',
  'repo:acme@2/api@1:ref:refs/heads/main', 'repo:acme@2/api@1:environment:prod', 'repo:evil/api:ref:refs/heads/main', 'repo:acme/web:ref:refs/tags/v1',
];
const PATTERNS = ['repo:acme/api:*', 'repo:acme/*', 'repo:acme/api:ref:refs/heads/*', '*', 'repo:*:environment:prod', 'repo:acme@*/api@*:*', 'repo:acme/api:ref:refs/heads/ma??', 'repo:acme/ap?:*', 'repo:acme@2/*'];
const EXTRA_CLAUSES = ["claims['repository_id'] eq '1'", "claims['repository_owner_id'] eq '2'", "claims['repository_id'] eq '2'", "claims['job_workflow_ref'] matches 'acme/api/.github/workflows/*@refs/heads/main'", "claims['job_workflow_ref'] matches '*'"];
const UNDOCUMENTED = ["claims['actor'] eq 'acme'", "claims['sub'] matches 'repo:acme/*' or claims['sub'] eq 'x'", "claims['repository_id'] matches '1*'"];

const audiences = fc.constantFrom([AUD], [AUD], [AUD], [OTHER_AUD], [AUD, OTHER_AUD]);

const exactCredential = fc.record({ subject: fc.constantFrom(...SUBJECTS), audiences });

const flexibleCredential = fc
  .record({
    sub: fc.oneof(fc.constantFrom(...PATTERNS).map((pattern) => `claims['sub'] matches '${pattern}'`), fc.constantFrom(...SUBJECTS).map((subject) => `claims['sub'] eq '${subject}'`)),
    extra: fc.subarray(EXTRA_CLAUSES, { maxLength: 2 }),
    odd: fc.option(fc.constantFrom(...UNDOCUMENTED), { freq: 6 }),
    version: fc.constantFrom(1, 1, 1, 1, 1, 1, 1, 1, 2),
    audiences,
  })
  .map(({ sub, extra, odd, version, audiences: listed }) => ({ claimsMatchingExpression: { value: [sub, ...extra, ...(odd ? [odd] : [])].join(' and '), languageVersion: version }, audiences: listed }));

const foreignCredential = fc.constant({ issuer: 'https://gitlab.com', subject: 'project_path:acme/api:ref_type:branch:ref:main', audiences: [AUD] });

const credentialList = fc
  .array(fc.oneof({ weight: 4, arbitrary: exactCredential }, { weight: 3, arbitrary: flexibleCredential }, { weight: 1, arbitrary: foreignCredential }), { minLength: 1, maxLength: 4 })
  .map((list) => list.map((entry, index): CredentialToMatch => ({ name: `c${index}`, issuer: ISSUER, ...entry })));

const tokens = fc.array(
  fc.tuple(githubToken(GITHUB_ISSUER), fc.constantFrom(AUD, AUD, AUD, OTHER_AUD)).map(([claims, aud]) => ({ ...claims, aud })),
  { minLength: 15, maxLength: 30 },
);



/**
 * Claims no documented subject of the platform mentions and no flexible credential may name,
 * written here from the platforms' documents: Entra cannot hold a token to them, so a rule on
 * one is claimcheck's alone. The check may call a claim that only if it is listed here.
 */
const BLIND_TO_ENTRA = new Set([
  'actor', 'actor_id', 'event_name', 'sha', 'run_id', 'run_number', 'run_attempt', 'workflow', 'workflow_ref', 'workflow_sha', 'head_ref', 'base_ref', 'job_workflow_sha', 'runner_environment', 'repository_visibility', 'enterprise', 'enterprise_id',
  'ref_protected', 'namespace_id', 'user_login', 'user_id', 'user_email', 'user_access_level', 'pipeline_source', 'pipeline_id', 'job_id', 'runner_id', 'environment_protected', 'deployment_tier', 'ci_config_ref_uri', 'ci_config_sha', 'project_visibility',
  'organization_id', 'cluster_id', 'cluster_name', 'agent_id', 'build_number', 'build_source',
  'oidc.circleci.com/context-ids', 'oidc.circleci.com/ssh-rerun',
  'workspaceUuid', 'pipelineUuid',
]);

/** What the verdict promises, against the matcher and the rules. */
function keepsPromises(credentials: readonly CredentialToMatch[], allRules: readonly ClaimRule[], result: AzureCheckResult, sample: readonly Claims[], issuer = ISSUER): void {
  for (const rule of result.claimcheckOnly) holds(BLIND_TO_ENTRA.has(rule.claim), () => `${rule.claim} was called a claim Entra never sees`);
  // The promises are of the rules on claims Entra can see.
  const rules = allRules.filter((rule) => !result.claimcheckOnly.includes(rule));
  const modelled = rules.filter((rule) => modelledClaims(result.grammar).has(rule.claim));
  const allows = (claims: Claims, which: readonly ClaimRule[] = modelled) => checkClaimRules(which, claims).every((outcome) => outcome.held);
  const show = (what: unknown) => () => JSON.stringify({ credentials, rules: rules.map((rule) => rule.source), what, findings: result.findings });
  if (result.witness) holds(entraAdmits(credentials, result.witness) === 'admitted' && allows(result.witness) && result.witness.aud === AUD, show(result.witness));
  for (const finding of result.findings) {
    if (finding.kind === 'gap') holds(entraAdmits(credentials, finding.token) === 'admitted' && !allows(finding.token, [finding.rule]), show(finding));
    if (finding.kind === 'unpinned') holds(entraAdmits(credentials, finding.token) === 'admitted', show(finding));
    if (finding.kind === 'other-issuer') holds(credentials.some((credential) => credential.name === finding.credential && credential.issuer !== issuer), show(finding));
    if (finding.kind === 'narrower') holds(entraAdmits(credentials, finding.token) === 'refused' && allows(finding.token), show(finding));
    if (finding.kind === 'unusable') for (const token of sample) holds(!(token.aud === AUD && entraAdmits(credentials, token) === 'admitted' && allows(token)), show(token));
  }
  if (result.verdict !== 'ok') return;
  holds(credentials.every((credential) => credential.issuer === issuer), show('another issuer'));
  // OK: no token is admitted (or perhaps admitted) and refused by a rule.
  for (const token of sample) holds(entraAdmits(credentials, token) === 'refused' || checkClaimRules(rules, token).every((outcome) => outcome.held), show(token));
}

function run(numRuns: number, allowUnpinned: boolean): Record<string, number> {
  const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
  fc.assert(
    // A rule on the audience now and then: Entra matches it, so it must stay in the decision.
    fc.property(credentialList, ruleLines, tokens, fc.boolean(), (credentials, lines, sample, onAudience) => {
      const rules = rulesOf(onAudience ? [...lines, { claim: 'aud', value: AUD, regex: false }] : lines);
      const result = checkCredentials({ credentials: parseLiveCredentials(JSON.stringify(credentials), 'credentials.json'), rules, issuer: ISSUER, audience: AUD, platform: 'github', allowUnpinned });
      tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
      keepsPromises(credentials, rules, result, sample);
    }),
    runs(numRuns),
  );
  return tally;
}

/** Another platform's credentials: exact subjects of its tokens (some of them the sample's), and flexible ones where Entra has them (GitLab). */
function platformCredentials(platform: PlatformCase): fc.Arbitrary<CredentialToMatch[]> {
  const exactOne = fc.record({ subject: platform.token.map((token) => token.sub as string), audiences });
  const patterns = platform.values.filter((value) => value.includes('*'));
  const flexibleOne = fc.record({ claimsMatchingExpression: fc.constantFrom(...patterns).map((pattern) => ({ value: `claims['sub'] matches '${pattern}'`, languageVersion: 1 })), audiences });
  const one = platform.name === 'gitlab' ? fc.oneof({ weight: 3, arbitrary: exactOne }, { weight: 2, arbitrary: flexibleOne }) : exactOne;
  return fc.array(one, { minLength: 1, maxLength: 4 }).map((list) => list.map((entry, index): CredentialToMatch => ({ name: `c${index}`, issuer: platform.url, ...entry })));
}

function runPlatform(platform: PlatformCase, numRuns: number): Record<string, number> {
  const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
  const sample = fc.array(fc.tuple(platform.token, fc.constantFrom(AUD, AUD, OTHER_AUD)).map(([claims, aud]) => ({ ...claims, aud })), { minLength: 10, maxLength: 25 });
  fc.assert(
    fc.property(platformCredentials(platform), platformRules(platform), sample, (credentials, lines, tokens) => {
      const rules = rulesOf(lines);
      const result = checkCredentials({ credentials: parseLiveCredentials(JSON.stringify(credentials), 'credentials.json'), rules, issuer: platform.url, audience: AUD, platform: platform.name, allowUnpinned: false });
      tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
      keepsPromises(credentials, rules, result, tokens, platform.url);
    }),
    runs(numRuns),
  );
  return tally;
}

describe('trust-policy --cloud azure --check against the Entra matcher', () => {
  it('keeps its promises on random credential lists and rules', () => {
    const tally = run(600, false);
    // Every verdict is reached often enough for the property to mean something.
    expect(tally.fail).toBeGreaterThan(150);
    expect(tally['cannot-verify']).toBeGreaterThan(30);
    expect(tally.ok).toBeGreaterThan(10);
  }, TIMEOUT);

  it('keeps them with --allow-unpinned, where open credentials are no FAIL of their own', () => {
    const tally = run(200, true);
    expect(tally.fail).toBeGreaterThan(40);
  }, TIMEOUT);

  it.each(PLATFORM_CASES.map((platform) => [platform.name, platform] as const))('keeps them on %s', (_, platform) => {
    const tally = runPlatform(platform, 100);
    expect(tally.fail).toBeGreaterThan(10);
  }, TIMEOUT);
});
