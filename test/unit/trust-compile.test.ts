import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { issuerKeys, requestContext } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { parseClaimRules, checkClaimRules } from '../../src/core/rules/rules.js';
import { compileRules } from '../../src/core/trust/aws/compile.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const keys = issuerKeys(ISSUER);
const PRINCIPAL = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const target = { principal: PRINCIPAL, keys, audience: 'sts.amazonaws.com' };

function accepts(document: object, claims: Record<string, unknown>): boolean {
  const context = requestContext(keys, { aud: 'sts.amazonaws.com', ...claims });
  return evaluatePolicy(readPolicyDocument(document), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value === PRINCIPAL,
    context,
  }).allowed;
}

describe('compileRules', () => {
  it('turns exact rules into StringEquals on the provider keys, with the audience', () => {
    const { document, bindings } = compileRules(parseClaimRules('repository_id=123\nref=refs/heads/main'), target);
    expect(document.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: PRINCIPAL },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:repository_id': '123',
            'token.actions.githubusercontent.com:ref': 'refs/heads/main',
          },
        },
      },
    ]);
    expect(bindings.map((binding) => binding.where)).toEqual(['aws', 'aws']);
  });

  it('keeps a * within its segment: refs/tags/v* refuses refs/tags/v1/x', () => {
    const { document } = compileRules(parseClaimRules('repository_id=1\nref=refs/tags/v*'), target);
    expect(accepts(document, { repository_id: '1', ref: 'refs/tags/v1.2' })).toBe(true);
    expect(accepts(document, { repository_id: '1', ref: 'refs/tags/v1/x' })).toBe(false);
    expect(accepts(document, { repository_id: '1', ref: 'refs/tags/v1:x' })).toBe(false);
    expect(accepts(document, { repository_id: '2', ref: 'refs/tags/v1' })).toBe(false);
  });

  it('lets ** cross segments, and keeps literal * ? and ${ inert', () => {
    const { document } = compileRules(parseClaimRules('repository_id=1\nworkflow=a\\*b?${x}*'), target);
    const json = JSON.stringify(document);
    expect(json).toContain('a${*}b${?}${$}{x}*');
    expect(accepts(document, { repository_id: '1', workflow: 'a*b?${x}z' })).toBe(true);
    expect(accepts(document, { repository_id: '1', workflow: 'aXbY${x}z' })).toBe(false);
  });

  it('merges exact values into a pattern group when they fit its separator counts', () => {
    const { document } = compileRules(parseClaimRules('repository_id=1\nref=refs/heads/main|refs/tags/v*'), target);
    expect(document.Statement).toHaveLength(1);
    for (const ref of ['refs/heads/main', 'refs/tags/v2']) expect(accepts(document, { repository_id: '1', ref })).toBe(true);
    for (const ref of ['refs/heads/dev', 'refs/tags/v2/x']) expect(accepts(document, { repository_id: '1', ref })).toBe(false);
  });

  it('gives alternatives with different exclusions a statement each', () => {
    const { document } = compileRules(parseClaimRules('repository_id=1\nref=refs/tags/v*|refs/heads/release/**'), target);
    expect(document.Statement).toHaveLength(2);
    expect(accepts(document, { repository_id: '1', ref: 'refs/heads/release/a/b' })).toBe(true);
    expect(accepts(document, { repository_id: '1', ref: 'refs/tags/v1/b' })).toBe(false);
  });

  it('lists claims AWS cannot see and regular expressions as checked by claimcheck only', () => {
    const rules = parseClaimRules('repository_id=1\nevent_name=push');
    const { bindings } = compileRules(rules, target);
    expect(bindings[1]).toMatchObject({ where: 'claimcheck', reason: expect.stringContaining('no condition key for event_name') });
  });

  it('agrees with the rule matcher on examples', () => {
    const rules = parseClaimRules('repository_id=1\nref=refs/heads/*|refs/tags/**\nenvironment=prod|stage-*');
    const { document } = compileRules(rules, target);
    const samples = [
      { repository_id: '1', ref: 'refs/heads/main', environment: 'prod' },
      { repository_id: '1', ref: 'refs/heads/a/b', environment: 'prod' },
      { repository_id: '1', ref: 'refs/tags/a/b', environment: 'stage-1' },
      { repository_id: '1', ref: 'refs/tags/a/b', environment: 'stage-1/x' },
      { repository_id: '1', ref: 'refs/tags/a/b' },
    ];
    for (const claims of samples) {
      expect(accepts(document, claims), JSON.stringify(claims)).toBe(checkClaimRules(rules, claims).every((result) => result.held));
    }
  });
});
