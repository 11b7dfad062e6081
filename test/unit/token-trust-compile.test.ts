// A policy for one token (`trust-policy --token-file`, through the one compiler; explain's
// condition and the AccessDenied hint) accepts that token's subject as text: claim characters IAM reads as syntax (`*`, `?`,
// `${`) must not widen it to other subjects or turn it into a policy variable.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { compileTrust } from '../../src/core/trust/aws/compile-trust.js';
import { issuerKeys } from '../../src/core/trust/aws/iam/keys.js';
import { exactTrustCondition } from '../../src/core/trust/aws/token-policy.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function accepts(subjectInPolicy: string, subjectOfToken: string): boolean {
  const rules = [{ source: `sub=${subjectInPolicy}`, claim: 'sub', alternatives: [{ exact: subjectInPolicy }] }];
  const compiled = compileTrust({ rules, issuer: ISSUER, keys: issuerKeys(ISSUER), audience: 'sts.amazonaws.com', principal: PROVIDER, where: 'The token', fromToken: true });
  const policy = readPolicyDocument(compiled.document);
  const context = new Map([
    ['token.actions.githubusercontent.com:aud', ['sts.amazonaws.com']],
    ['token.actions.githubusercontent.com:sub', [subjectOfToken]],
  ]);
  return evaluatePolicy(policy, { action: 'sts:AssumeRoleWithWebIdentity', principalMatches: (kind, value) => kind === 'Federated' && value === PROVIDER, context }).allowed;
}

describe('a trust policy for one token', () => {
  it('accepts the token it was made from, whatever its subject holds', () => {
    for (const subject of ['repo:o/r:ref:refs/heads/main', 'repo:o/r:environment:prod*', 'repo:o/r:environment:a?b', 'repo:o/r:ref:refs/heads/x${aws:username}', 'repo:o/r:ref:refs/heads/$${']) {
      expect(accepts(subject, subject), subject).toBe(true);
    }
  });

  it('accepts no other subject: a * or ? in a claim is a character, not a wildcard', () => {
    expect(accepts('repo:o/r:environment:prod*', 'repo:o/r:environment:production')).toBe(false);
    expect(accepts('repo:o/r:environment:a?b', 'repo:o/r:environment:axb')).toBe(false);
  });

  it('keeps ${ from starting a policy variable', () => {
    expect(exactTrustCondition(ISSUER, 'sts.amazonaws.com', 'repo:o/r:ref:refs/heads/x${aws:username}')).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/x${$}{aws:username}' },
    });
    expect(accepts('repo:o/r:ref:refs/heads/x${aws:username}', 'repo:o/r:ref:refs/heads/x')).toBe(false);
  });
});
