// `trust-policy --check` against the STS double's own evaluator (test/harness, written apart
// from src/), on random multi-statement policies and random rules: whenever the verdict is OK,
// no generated GitHub token is accepted by the double and refused by the rules, and no other
// principal gets in; whenever it is FAIL, every counterexample (a token, or another principal's
// request) is accepted by the double, and a token is refused by the rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from './budget.ts';
import { checkPolicy, type CheckResult } from '../../src/core/trust/aws/check.js';
import { issuerKeys } from '../../src/core/trust/aws/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/policy.js';
import { compileLinearRegex } from '../../src/core/rules/linear-regex.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { evaluateTrustPolicy, type TrustPrincipal } from '../harness/trust-policy.ts';
import { webIdentityRequest } from '../harness/sts-context.ts';
import { ACCOUNT, AUD, GHES_ISSUER, GITHUB_ISSUER, githubToken, providerArn, ruleLines, trustPolicy, type Issuer } from './trust-arbitraries.ts';

type Claims = Readonly<Record<string, string>>;

function rulesOf(lines: ReadonlyArray<{ claim: string; value: string; regex: boolean }>): ClaimRule[] {
  return lines.map(({ claim, value, regex }) => (regex ? { source: `${claim}~${value}`, claim, alternatives: [{ regex: compileLinearRegex(value) }] } : (parseClaimRules(`${claim}=${value}`)[0] as ClaimRule)));
}

const ROOT: TrustPrincipal = { kind: 'AWS', roleArn: `arn:aws:iam::${ACCOUNT}:role/someone`, sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/someone/s`, accountId: ACCOUNT, partition: 'aws' };

interface Judge {
  readonly accepts: (claims: Claims) => boolean;
  readonly allows: (claims: Claims) => boolean;
  readonly principal: (principal: TrustPrincipal, action: string, context: Claims) => boolean;
}

function judge(issuer: Issuer, policy: object, rules: readonly ClaimRule[], result: CheckResult): Judge {
  const visible = rules.filter((rule) => !result.claimcheckOnly.includes(rule));
  return {
    accepts: (claims) => evaluateTrustPolicy(policy, webIdentityRequest(issuer.prefix, claims, { ...(issuer.family ? { conditionKeys: issuer.family } : {}), accountId: ACCOUNT })).allowed,
    allows: (claims) => checkClaimRules(visible, claims).every((outcome) => outcome.held),
    principal: (principal, action, context) => evaluateTrustPolicy(policy, { action, principal, context: { ...context } }).allowed,
  };
}

/** A request of the principal a grantee finding names, by the action it would call. */
function granteePrincipal(type: string, value: string, action: string): TrustPrincipal {
  if (action === 'sts:AssumeRole') return ROOT;
  if (type === 'Federated' && value !== '*') return { kind: 'Federated', arn: value };
  return { kind: 'Federated', arn: action === 'sts:AssumeRoleWithSAML' ? `arn:aws:iam::${ACCOUNT}:saml-provider/corp` : providerArn('other.example') };
}

/** What the verdict promises, against the double and the rules: every token shown is real, and no gap is missed. */
function holdsTo(issuer: Issuer, policy: object, rules: readonly ClaimRule[], result: CheckResult, tokens: readonly Claims[]): void {
  const j = judge(issuer, policy, rules, result);
  const show = (claims: unknown) => JSON.stringify({ policy, rules: rules.map((rule) => rule.source), claims, findings: result.findings });
  if (result.witness) expect([j.accepts(result.witness), j.allows(result.witness)], show(result.witness)).toEqual([true, true]);
  for (const finding of result.findings) {
    if (finding.kind === 'gap') expect([j.accepts(finding.token), j.allows(finding.token)], show(finding.token)).toEqual([true, false]);
    if (finding.kind === 'unpinned') expect(j.accepts(finding.token), show(finding.token)).toBe(true);
    if (finding.kind === 'grantee') expect(j.principal(granteePrincipal(finding.grantee.type, finding.grantee.value, finding.grantee.action), finding.grantee.action, finding.context), show(finding)).toBe(true);
    if (finding.kind === 'unusable') for (const token of tokens) expect(j.accepts(token) && j.allows(token), show(token)).toBe(false);
    if (finding.kind === 'narrower') expect([j.accepts(finding.token), j.allows(finding.token)], show(finding.token)).toEqual([false, true]);
  }
  // Whatever the verdict: when it names no gap and nothing undecided, there is none to find.
  const kinds = new Set(result.findings.map((finding) => finding.kind));
  if (kinds.has('undecided') || kinds.has('unreadable')) return;
  if (!kinds.has('gap')) for (const token of tokens) expect(j.accepts(token) && !j.allows(token), show(token)).toBe(false);
  if (!kinds.has('grantee')) {
    expect(j.principal(ROOT, 'sts:AssumeRole', {}), show('AWS root')).toBe(false);
    expect(j.principal({ kind: 'Federated', arn: providerArn('gitlab.com') }, 'sts:AssumeRoleWithWebIdentity', { 'gitlab.com:sub': 'x', 'gitlab.com:aud': AUD }), show('gitlab token')).toBe(false);
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

describe('trust-policy --check against the STS double', () => {
  it('keeps its promises on github.com (legacy and immutable subjects, GitHub condition keys)', () => {
    const tally = run(GITHUB_ISSUER, 1500);
    console.log(tally);
    // Every verdict is reached often enough for the property to mean something.
    expect(tally.ok).toBeGreaterThan(30);
    expect(tally.fail).toBeGreaterThan(300);
    expect(tally['cannot-verify']).toBeGreaterThan(30);
  });

  it('keeps its promises on GitHub Enterprise Server (subject and audience only)', () => {
    const tally = run(GHES_ISSUER, 500);
    console.log(tally);
    expect(tally.fail).toBeGreaterThan(50);
  });
});
