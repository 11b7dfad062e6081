// Two IAM evaluators written apart: claimcheck's own (src/core/trust/aws, used by trust-policy
// --check and explain --trust-policy) and the STS double's (test/harness, standing in for
// AWS). On random trust policies and requests within what both support, they must agree.
import fc from 'fast-check';
import { runs } from './budget.ts';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { evaluateTrustPolicy } from '../harness/trust-policy.ts';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/issuer.example';
const KEYS = ['issuer.example:sub', 'issuer.example:ref', 'issuer.example:environment'];

const text = fc.array(fc.constantFrom('a', 'b', 'A', '/', ':', '*', '?', '$', '{', '}', '${*}', '${?}', '${$}'), { maxLength: 5 }).map((parts) => parts.join(''));
const contextValue = fc.array(fc.constantFrom('a', 'b', 'A', '/', ':', '*', '?', '$', '{', '}'), { maxLength: 5 }).map((parts) => parts.join(''));
const base = fc.constantFrom('StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike');
const operator = fc.oneof(
  { weight: 4, arbitrary: base },
  { weight: 1, arbitrary: base.map((op) => `${op}IfExists`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ForAnyValue', 'ForAllValues'), base).map(([set, op]) => `${set}:${op}`) },
  { weight: 1, arbitrary: fc.constant('Null') },
);
const condition = fc.dictionary(
  operator,
  fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), { minKeys: 1, maxKeys: 2 }),
  { minKeys: 0, maxKeys: 3 },
);
const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  Principal: fc.constant({ Federated: PROVIDER }),
  Action: fc.constantFrom('sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole*', 'sts:*'),
  Condition: condition,
});
const policy = fc.record({ Version: fc.constant('2012-10-17'), Statement: fc.array(statement, { minLength: 1, maxLength: 3 }) });
const context = fc.dictionary(fc.constantFrom(...KEYS), contextValue, { maxKeys: 3 });

/** Null takes "true"/"false" only; the generator's other texts there are not IAM. */
function nullValuesAreBooleans(document: { Statement: Array<{ Condition: Record<string, Record<string, string | string[]>> }> }): boolean {
  return document.Statement.every((s) => Object.values(s.Condition.Null ?? {}).every((values) => [values].flat().every((value) => value === 'true' || value === 'false')));
}

describe('claimcheck IAM evaluator and the STS double', () => {
  it('agree on random trust policies and requests', () => {
    let allowed = 0;
    const budget = runs(3000);
    fc.assert(
      fc.property(policy, context, (document, values) => {
        fc.pre(nullValuesAreBooleans(document));
        const ours = evaluatePolicy(readPolicyDocument(document), {
          action: 'sts:AssumeRoleWithWebIdentity',
          principalMatches: (kind, arn) => kind === 'Federated' && arn === PROVIDER,
          context: new Map(Object.entries(values).map(([key, value]) => [key, [value]])),
        });
        const theirs = evaluateTrustPolicy(document, { action: 'sts:AssumeRoleWithWebIdentity', principal: { kind: 'Federated', arn: PROVIDER }, context: values });
        if (ours.allowed) allowed++;
        expect(ours.allowed, `${JSON.stringify(document)} ${JSON.stringify(values)}: double says ${theirs.reason}`).toBe(theirs.allowed);
      }),
      budget,
    );
    // Enough runs end in an Allow for the agreement to cover both answers (1 in 30 at least).
    expect(allowed).toBeGreaterThan(budget.numRuns / 30);
  });
});
