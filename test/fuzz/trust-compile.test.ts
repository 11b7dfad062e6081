// The trust-policy compiler against the rule matcher: for random glob rules and claim values,
// the compiled policy accepts exactly what the rules accept (and where the compiler says its
// form is narrower, never more), read both by claimcheck's IAM evaluator and by the STS
// double's, which stands in for AWS; and the one compiler (compileTrust) on every issuer,
// subjects included, writes nothing the double reads wider than the rules it binds.
import fc from 'fast-check';
import { runs, runsFactor } from './budget.ts';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { issuerKeys, requestContext } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { compileRules } from '../../src/core/trust/aws/compile.js';
import { webIdentityRequest, type ConditionKeyFamily } from '../harness/sts-context.ts';
import { ClaimcheckError } from '../../src/core/errors.js';
import { compileTrust } from '../../src/core/trust/aws/compile-trust.js';
import type { Platform } from '../../src/core/rules/rules-file.js';
import { GHES_ISSUER, GITHUB_ISSUER, githubToken, ruleLines } from './trust-arbitraries.ts';
import { PLATFORM_CASES, platformRules } from './trust-platforms.ts';
import { evaluateTrustPolicy } from '../harness/trust-policy.ts';

const ISSUER = 'https://token.actions.githubusercontent.com';
const keys = issuerKeys(ISSUER);
const PRINCIPAL = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

const piece = fc.constantFrom('a', 'b', '/', ':', '*', '**', '$', '{', '?', '\\*');
const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join(''));
const value = fc.array(fc.constantFrom('a', 'b', '/', ':', '*', '$', '{', '?'), { maxLength: 7 }).map((chars) => chars.join(''));

function rulesFrom(refAlternatives: string[], envAlternatives: string[]): ClaimRule[] | undefined {
  try {
    return parseClaimRules(`repository_id=1\nref=${refAlternatives.join('|')}\nenvironment=${envAlternatives.join('|')}`);
  } catch {
    return undefined;
  }
}

function policyAccepts(document: object, claims: Record<string, unknown>): boolean {
  const ours = evaluatePolicy(readPolicyDocument(document), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, arn) => kind === 'Federated' && arn === PRINCIPAL,
    context: requestContext(keys, { aud: 'sts.amazonaws.com', ...claims }),
  }).allowed;
  const request = webIdentityRequest(keys.prefix, { aud: 'sts.amazonaws.com', ...claims }, { conditionKeys: 'github', accountId: '123456789012' });
  const double = evaluateTrustPolicy(document, request);
  expect(ours, `the two evaluators differ (double: ${double.reason})`).toBe(double.allowed);
  return ours;
}

/** Every compiled policy, read by the STS double, accepts no token a bound rule refuses (any issuer, keyed or not). */
function compiledIsSound(issuer: { url: string; prefix: string; family: ConditionKeyFamily | undefined }, platform: Platform, lines: ReadonlyArray<{ claim: string; value: string }>, tokens: ReadonlyArray<Record<string, string>>): boolean {
  const rules = lines.map(({ claim, value }) => parseClaimRules(`${claim}=${value}`)[0] as ClaimRule);
  const principal = `arn:aws:iam::123456789012:oidc-provider/${issuer.prefix}`;
  let compiled;
  try {
    compiled = compileTrust({ rules, issuer: issuer.url, keys: issuerKeys(issuer.url, issuer.family ?? 'none'), audience: 'sts.amazonaws.com', principal, platform, where: 'The rules' });
  } catch (error) {
    if (error instanceof ClaimcheckError) return false; // refused, with its reason: never written wide
    throw error;
  }
  const bound = compiled.bindings.filter((binding) => binding.where !== 'claimcheck').map((binding) => binding.rule);
  for (const claims of tokens) {
    const request = webIdentityRequest(issuer.prefix, claims, { accountId: '123456789012', ...(issuer.family ? { conditionKeys: issuer.family } : {}) });
    if (evaluateTrustPolicy(compiled.document, request).allowed) expect(checkClaimRules(bound, claims).every((result) => result.held), JSON.stringify({ lines, claims, policy: compiled.document })).toBe(true);
  }
  return true;
}

describe('compileTrust on every issuer', () => {
  it('writes no policy the STS double reads wider than the rules it binds', () => {
    const github = { url: 'https://token.actions.githubusercontent.com', prefix: 'token.actions.githubusercontent.com', family: 'github' as const };
    const ghes = { url: 'https://ghes.example.com/_services/token', prefix: 'ghes.example.com/_services/token', family: undefined };
    let written = 0;
    for (const [issuer, tokens, platform] of [[github, githubToken(GITHUB_ISSUER), 'github'], [ghes, githubToken(GHES_ISSUER), 'github']] as const) {
      fc.assert(fc.property(ruleLines.map((lines) => lines.filter((line) => !line.regex)), fc.array(tokens, { minLength: 5, maxLength: 15 }), (lines, sample) => {
        if (compiledIsSound(issuer, platform, lines, sample)) written++;
      }), runs(issuer === github ? 60 : 40));
    }
    for (const platform of PLATFORM_CASES) {
      fc.assert(fc.property(platformRules(platform), fc.array(platform.token, { minLength: 5, maxLength: 15 }), (lines, sample) => {
        if (compiledIsSound(platform, platform.name, lines, sample)) written++;
      }), runs(25));
    }
    expect(written).toBeGreaterThan(60);
  }, 30_000 * runsFactor());
});

describe('the compiled trust policy', () => {
  it('accepts exactly what the rules accept (narrower only where it says so)', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 3 }), fc.array(pattern, { minLength: 1, maxLength: 2 }), fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 12 }), (refs, envs, samples) => {
        const rules = rulesFrom(refs, envs);
        fc.pre(rules !== undefined);
        let compiled;
        try {
          compiled = compileRules(rules!, { principal: PRINCIPAL, keys, audience: 'sts.amazonaws.com' });
        } catch {
          return; // too many statements: refused with an error, not compiled wrong
        }
        const narrower = compiled.bindings.some((binding) => binding.where === 'aws-narrower');
        for (const [ref, environment] of samples) {
          const claims = { repository_id: '1', ref, environment };
          const byRules = checkClaimRules(rules!, claims).every((result) => result.held);
          const byPolicy = policyAccepts(compiled.document, claims);
          if (narrower) expect(byPolicy && !byRules, JSON.stringify({ refs, envs, claims })).toBe(false);
          else expect(byPolicy, JSON.stringify({ refs, envs, claims, policy: compiled.document })).toBe(byRules);
        }
      }),
      runs(1500),
    );
  }, 30_000 * runsFactor());

  it('accepts values built to match each alternative (the check above is not vacuous)', () => {
    const rules = parseClaimRules('repository_id=1\nref=a*b|**:b\nenvironment=*');
    const { document } = compileRules(rules, { principal: PRINCIPAL, keys, audience: 'sts.amazonaws.com' });
    expect(policyAccepts(document, { repository_id: '1', ref: 'axyb', environment: 'e' })).toBe(true);
    expect(policyAccepts(document, { repository_id: '1', ref: 'a/b:b', environment: 'e' })).toBe(true);
    expect(policyAccepts(document, { repository_id: '1', ref: 'a/b', environment: 'e' })).toBe(false);
  });
});
