import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { parseTrustPolicyText, readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/host';

function decide(statements: object[], context: Record<string, string | string[]>) {
  return evaluatePolicy(readPolicyDocument({ Version: '2012-10-17', Statement: statements }), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value === PROVIDER,
    context: new Map(Object.entries(context).map(([key, value]) => [key, [value].flat()])),
  });
}

const allow = (Condition: object) => ({ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition });

describe('the IAM evaluator', () => {
  it('lets an explicit Deny win over an Allow, and names it', () => {
    const result = decide([allow({}), { ...allow({ StringEquals: { 'host:ref': 'refs/heads/dev' } }), Effect: 'Deny' }], { 'host:ref': 'refs/heads/dev' });
    expect(result).toMatchObject({ allowed: false, decision: 'explicit-deny', deciding: { statement: { index: 1 } } });
    expect(decide([allow({}), { ...allow({ StringEquals: { 'host:ref': 'refs/heads/dev' } }), Effect: 'Deny' }], { 'host:ref': 'refs/heads/main' }).allowed).toBe(true);
  });

  it('treats a missing key as IAM does: positive fails, negated and IfExists hold, ForAllValues holds, ForAnyValue fails', () => {
    expect(decide([allow({ StringEquals: { 'host:environment': 'prod' } })], {}).allowed).toBe(false);
    expect(decide([allow({ StringNotEquals: { 'host:environment': 'prod' } })], {}).allowed).toBe(true);
    expect(decide([allow({ StringEqualsIfExists: { 'host:environment': 'prod' } })], {}).allowed).toBe(true);
    expect(decide([allow({ 'ForAllValues:StringEquals': { 'host:environment': 'prod' } })], {}).allowed).toBe(true);
    expect(decide([allow({ 'ForAnyValue:StringEquals': { 'host:environment': 'prod' } })], {}).allowed).toBe(false);
    expect(decide([allow({ Null: { 'host:environment': 'true' } })], {}).allowed).toBe(true);
  });

  it("reads IAM's wildcards and escapes, keys in any case, values case-sensitively", () => {
    expect(decide([allow({ StringLike: { 'HOST:REF': 'refs/*/v?' } })], { 'host:ref': 'refs/tags/x/v1' }).allowed).toBe(true);
    expect(decide([allow({ StringLike: { 'host:ref': 'a${*}b' } })], { 'host:ref': 'aXb' }).allowed).toBe(false);
    expect(decide([allow({ StringLike: { 'host:ref': 'a${*}b' } })], { 'host:ref': 'a*b' }).allowed).toBe(true);
    expect(decide([allow({ StringEquals: { 'host:ref': 'Main' } })], { 'host:ref': 'main' }).allowed).toBe(false);
    expect(decide([allow({ StringEqualsIgnoreCase: { 'host:ref': 'Main' } })], { 'host:ref': 'main' }).allowed).toBe(true);
  });

  it('fails closed on what it cannot read: an unknown operator refuses the whole policy, an unresolved variable its statement', () => {
    expect(decide([allow({}), allow({ NumericLessThan: { 'host:ref': '1' } })], {})).toMatchObject({ allowed: false, decision: 'unsupported' });
    expect(decide([allow({ StringEquals: { 'host:sub': '${aws:username}' } })], { 'host:sub': 'x' }).allowed).toBe(false);
    expect(decide([{ ...allow({ StringEquals: { 'host:sub': '${aws:username}' } }), Effect: 'Deny' }, allow({})], {}).allowed).toBe(false);
    expect(decide([allow({ StringEquals: { 'host:sub': '${' } })], {})).toMatchObject({ allowed: false, decision: 'unsupported' });
  });
});

describe('reading trust policies', () => {
  it('takes a document, get-role output and its URL-encoded form alike', () => {
    const document = { Version: '2012-10-17', Statement: allow({}) };
    for (const text of [JSON.stringify(document), JSON.stringify({ Role: { AssumeRolePolicyDocument: document } }), JSON.stringify({ Role: { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(document)) } }), encodeURIComponent(JSON.stringify(document))]) {
      expect(parseTrustPolicyText(text, 'p.json').statements).toHaveLength(1);
    }
    expect(() => parseTrustPolicyText('{"Statement": 3}', 'p.json')).toThrow(/^p\.json is not a trust policy: Statement\[0\] is not an object\.$/);
    expect(() => parseTrustPolicyText('nope', 'p.json')).toThrow(/^p\.json is not a trust policy: it is not JSON/);
  });
});
