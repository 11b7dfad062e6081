// The trust-policy compiler against the rule matcher: for random glob rules and claim values,
// the compiled policy accepts exactly what the rules accept (and where the compiler says its
// form is narrower, never more), read both by claimcheck's IAM evaluator and by the STS
// double's, which stands in for AWS.
import fc from 'fast-check';
import { runs } from './budget.ts';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/evaluate.js';
import { issuerKeys, requestContext } from '../../src/core/trust/aws/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/policy.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { compileRules } from '../../src/core/trust/aws/compile.js';
import { webIdentityRequest } from '../harness/sts-context.ts';
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
  });

  it('accepts values built to match each alternative (the check above is not vacuous)', () => {
    const rules = parseClaimRules('repository_id=1\nref=a*b|**:b\nenvironment=*');
    const { document } = compileRules(rules, { principal: PRINCIPAL, keys, audience: 'sts.amazonaws.com' });
    expect(policyAccepts(document, { repository_id: '1', ref: 'axyb', environment: 'e' })).toBe(true);
    expect(policyAccepts(document, { repository_id: '1', ref: 'a/b:b', environment: 'e' })).toBe(true);
    expect(policyAccepts(document, { repository_id: '1', ref: 'a/b', environment: 'e' })).toBe(false);
  });
});
