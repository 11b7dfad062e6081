// `trust-policy --check` against the STS double's own evaluator (test/harness, written apart
// from src/), on random multi-statement policies and random rules: whenever the verdict is OK,
// no generated GitHub token is accepted by the double and refused by the rules, and no other
// principal gets in; whenever it is FAIL, every counterexample (a token, or another principal's
// request) is accepted by the double, and a token is refused by the rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs, runsFactor } from './budget.ts';

/** npm run fuzz multiplies the runs (FUZZ_RUNS); the time they may take grows with them. */
const TIMEOUT = 30_000 * runsFactor();
import { checkPolicy, type CheckResult } from '../../src/core/trust/aws/check/check.js';
import { issuerKeys } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { checkClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { evaluateTrustPolicy, type TrustPrincipal } from '../harness/trust-policy.ts';
import { webIdentityRequest } from '../harness/sts-context.ts';
import { ACCOUNT, AUD, GHES_ISSUER, GITHUB_ISSUER, githubToken, holds, providerArn, ruleLines, rulesOf, trustPolicy, type Issuer } from './trust-arbitraries.ts';
import { PLATFORM_CASES, platformPolicy, platformRules, type PlatformCase } from './trust-platforms.ts';

type Claims = Readonly<Record<string, string>>;



const ROOT: TrustPrincipal = { kind: 'AWS', roleArn: `arn:aws:iam::${ACCOUNT}:role/someone`, sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/someone/s`, accountId: ACCOUNT, partition: 'aws' };

interface Target {
  readonly url: string;
  readonly prefix: string;
  readonly family: 'github' | 'gitlab' | 'circleci' | 'buildkite' | undefined;
}

interface Judge {
  readonly accepts: (claims: Claims) => boolean;
  readonly allows: (claims: Claims) => boolean;
  readonly principal: (principal: TrustPrincipal, action: string, context: Claims) => boolean;
}

/**
 * Claims AWS cannot see for these issuers, written here from the Service Authorization
 * Reference's keys and the platforms' documented subjects: no condition key, and no subject
 * form carries them. The check may leave a rule to claimcheck only if its claim is listed.
 */
const BLIND_TO_AWS = new Set([
  'event_name', 'sha', 'run_id', 'run_number', 'run_attempt', 'head_ref', 'base_ref', 'workflow', 'workflow_ref', 'workflow_sha', 'job_workflow_sha', 'runner_environment', 'repository_visibility',
  'pipeline_id', 'job_id', 'ci_config_ref_uri', 'ci_config_sha', 'environment_protected', 'deployment_tier', 'project_visibility',
  'oidc.circleci.com/context-ids', 'oidc.circleci.com/ssh-rerun',
  'build_number', 'build_source', 'job_id', 'agent_id',
  'workspaceUuid', 'pipelineUuid',
]);

/** GitHub Enterprise Server has no condition keys, and its only subject is the legacy one: no ids, no actor. */
const BLIND_ON_GHES = new Set(['repository_id', 'repository_owner_id', 'actor', 'actor_id', 'job_workflow_ref', 'enterprise', 'enterprise_id']);

function judge(issuer: Target, policy: object, rules: readonly ClaimRule[], result: CheckResult): Judge {
  const blind = (claim: string) => BLIND_TO_AWS.has(claim) || (issuer.family === undefined && BLIND_ON_GHES.has(claim));
  for (const rule of result.claimcheckOnly) holds(blind(rule.claim), () => `${rule.claim} was called a claim AWS cannot see`);
  const visible = rules.filter((rule) => !result.claimcheckOnly.includes(rule));
  return {
    accepts: (claims) => evaluateTrustPolicy(policy, webIdentityRequest(issuer.prefix, claims, { ...(issuer.family ? { conditionKeys: issuer.family } : {}), accountId: ACCOUNT })).allowed,
    allows: (claims) => checkClaimRules(visible, claims).every((outcome) => outcome.held),
    principal: (principal, action, context) => evaluateTrustPolicy(policy, { action, principal, context: { ...context } }).allowed,
  };
}

/** A request of the principal a grantee finding names, by the action it would call. */
function granteePrincipal(type: string, value: string, action: string): TrustPrincipal {
  if (type === 'Service') return { kind: 'Service', service: value };
  if (action === 'sts:AssumeRole') return ROOT;
  if (type === 'Federated' && value !== '*') return { kind: 'Federated', arn: value };
  return { kind: 'Federated', arn: action === 'sts:AssumeRoleWithSAML' ? `arn:aws:iam::${ACCOUNT}:saml-provider/corp` : providerArn('other.example') };
}

/** What the verdict promises, against the double and the rules: every token shown is real, and no gap is missed. */
function holdsTo(issuer: Target, policy: object, rules: readonly ClaimRule[], result: CheckResult, tokens: readonly Claims[]): void {
  const j = judge(issuer, policy, rules, result);
  const show = (claims: unknown) => () => JSON.stringify({ policy, rules: rules.map((rule) => rule.source), claims, findings: result.findings });
  if (result.witness) holds(j.accepts(result.witness) && j.allows(result.witness), show(result.witness));
  for (const finding of result.findings) {
    if (finding.kind === 'gap') holds(j.accepts(finding.token) && !j.allows(finding.token), show(finding.token));
    if (finding.kind === 'unpinned') holds(j.accepts(finding.token), show(finding.token));
    if (finding.kind === 'grantee') holds(j.principal(granteePrincipal(finding.grantee.type, finding.grantee.value, finding.grantee.action), finding.grantee.action, finding.context), show(finding));
    if (finding.kind === 'unusable') for (const token of tokens) holds(!(j.accepts(token) && j.allows(token)), show(token));
    if (finding.kind === 'narrower') holds(!j.accepts(finding.token) && j.allows(finding.token), show(finding.token));
  }
  // Whatever the verdict: when it names no gap and nothing undecided, there is none to find.
  const kinds = new Set(result.findings.map((finding) => finding.kind));
  if (kinds.has('undecided') || kinds.has('unreadable')) return;
  if (!kinds.has('gap')) for (const token of tokens) holds(!(j.accepts(token) && !j.allows(token)), show(token));
  if (!kinds.has('grantee')) {
    holds(!j.principal(ROOT, 'sts:AssumeRole', {}), show('AWS root'));
    holds(!j.principal({ kind: 'Service', service: 'lambda.amazonaws.com' }, 'sts:AssumeRole', {}), show('a service'));
    holds(!j.principal({ kind: 'Federated', arn: providerArn('other.example') }, 'sts:AssumeRoleWithWebIdentity', { 'other.example:sub': 'x', 'other.example:aud': AUD }), show("another issuer's token"));
  }
}

function run(issuer: Issuer, numRuns: number): Record<string, number> {
  const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
  fc.assert(
    fc.property(trustPolicy(issuer), ruleLines, fc.array(githubToken(issuer), { minLength: 10, maxLength: 25 }), (policy, lines, tokens) => {
      const rules = rulesOf(lines);
      const result = checkPolicy({ policy: readPolicyDocument(policy), rules, issuer: issuer.url, keys: issuerKeys(issuer.url, issuer.family ?? 'none'), audience: AUD, platform: 'github' });
      tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
      holdsTo(issuer, policy, rules, result, tokens);
    }),
    runs(numRuns),
  );
  return tally;
}

function runPlatform(platform: PlatformCase, numRuns: number): Record<string, number> {
  const tally: Record<string, number> = { ok: 0, fail: 0, 'cannot-verify': 0 };
  fc.assert(
    fc.property(platformPolicy(platform), platformRules(platform), fc.array(platform.token, { minLength: 10, maxLength: 25 }), (policy, lines, tokens) => {
      const rules = rulesOf(lines);
      const result = checkPolicy({ policy: readPolicyDocument(policy), rules, issuer: platform.url, keys: issuerKeys(platform.url), audience: AUD, platform: platform.name });
      tally[result.verdict] = (tally[result.verdict] ?? 0) + 1;
      holdsTo(platform, policy, rules, result, tokens);
    }),
    runs(numRuns),
  );
  return tally;
}

describe('trust-policy --check against the STS double', () => {
  it('keeps its promises on github.com (legacy and immutable subjects, GitHub condition keys)', () => {
    const tally = run(GITHUB_ISSUER, 1000);
    // Every verdict is reached often enough for the property to mean something.
    expect(tally.ok).toBeGreaterThan(25);
    expect(tally.fail).toBeGreaterThan(250);
    expect(tally['cannot-verify']).toBeGreaterThan(15);
  }, TIMEOUT);

  it('keeps its promises on GitHub Enterprise Server (subject and audience only)', () => {
    const tally = run(GHES_ISSUER, 250);
    expect(tally.fail).toBeGreaterThan(30);
  }, TIMEOUT);

  it.each(PLATFORM_CASES.map((platform) => [platform.name, platform] as const))('keeps its promises on %s', (_, platform) => {
    const tally = runPlatform(platform, 200);
    expect(tally.fail).toBeGreaterThan(20);
    expect(tally.ok).toBeGreaterThan(5);
  }, TIMEOUT);
});
