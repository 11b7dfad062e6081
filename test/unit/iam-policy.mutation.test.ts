// Trust policies as people hand them over, read into statements and conditions: what is
// taken (a statement alone, get-role output, URL-encoded text, values of any scalar type),
// what fails closed later (Not* elements, values that are not scalars), and what is refused
// here with the element at fault named.
import { describe, expect, it } from 'vitest';
import { parseTrustPolicyText, readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { refusalOf } from '../harness/refusal.ts';

const statement = { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/host' }, Action: 'sts:AssumeRoleWithWebIdentity' };

const refusal = (text: string) => refusalOf(() => parseTrustPolicyText(text, 'trust.json'));

describe('readPolicyDocument', () => {
  it('reads statements as written, with their index and Sid, and the version', () => {
    const document = readPolicyDocument({ Version: '2012-10-17', Statement: [{ ...statement, Sid: 'Ci' }, { ...statement, Sid: 7 }] });
    expect(document.version).toBe('2012-10-17');
    expect(document.statements).toEqual([
      { index: 0, sid: 'Ci', effect: 'Allow', principal: statement.Principal, action: statement.Action, unsupported: [], conditions: [] },
      { index: 1, sid: undefined, effect: 'Allow', principal: statement.Principal, action: statement.Action, unsupported: [], conditions: [] },
    ]);
    expect(readPolicyDocument({ Version: 2012, Statement: statement }).version).toBeUndefined();
    expect(readPolicyDocument({ Statement: statement }).statements).toHaveLength(1);
  });

  it('names the Not* elements it does not take', () => {
    const document = readPolicyDocument({ Statement: [{ ...statement, NotPrincipal: {}, NotAction: 'x', NotResource: '*' }, { ...statement, NotAction: 'x' }, { ...statement, Resource: '*' }] });
    expect(document.statements.map((entry) => entry.unsupported)).toEqual([['NotPrincipal', 'NotAction', 'NotResource'], ['NotAction'], []]);
  });

  it('reads one condition per operator and key, values as text, and a value that is not a scalar as none', () => {
    const document = readPolicyDocument({
      Statement: {
        ...statement,
        Condition: {
          StringEquals: { 'host:aud': 'sts.amazonaws.com', 'host:sub': ['a', 'b'] },
          Bool: { 'host:flag': true, 'host:other': [false, 1] },
          StringLike: { 'host:ref': [{ nested: 'x' }], 'host:env': null, 'host:list': ['a', ['b']] },
        },
      },
    });
    expect(document.statements[0]?.conditions).toEqual([
      { operator: 'StringEquals', key: 'host:aud', values: ['sts.amazonaws.com'] },
      { operator: 'StringEquals', key: 'host:sub', values: ['a', 'b'] },
      { operator: 'Bool', key: 'host:flag', values: ['true'] },
      { operator: 'Bool', key: 'host:other', values: ['false', '1'] },
      { operator: 'StringLike', key: 'host:ref', values: undefined },
      { operator: 'StringLike', key: 'host:env', values: undefined },
      { operator: 'StringLike', key: 'host:list', values: undefined },
    ]);
  });
});

describe('parseTrustPolicyText', () => {
  const document = { Version: '2012-10-17', Statement: statement };

  it.each([
    ['a document', JSON.stringify(document)],
    ['a document with surrounding space', `\n  ${JSON.stringify(document)}\n`],
    ['get-role output', JSON.stringify({ Role: { RoleName: 'deploy', AssumeRolePolicyDocument: document } })],
    ['a role without the Role wrapper', JSON.stringify({ RoleName: 'deploy', AssumeRolePolicyDocument: document })],
    ['get-role output, URL-encoded inside', JSON.stringify({ Role: { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(document)) } })],
    ['get-role output, URL-encoded inside with space', JSON.stringify({ Role: { AssumeRolePolicyDocument: ` ${encodeURIComponent(JSON.stringify(document))}` } })],
    ['a URL-encoded document', encodeURIComponent(JSON.stringify(document))],
    ['a URL-encoded document after a newline', `\n${encodeURIComponent(JSON.stringify(document))}`],
    ['a URL-encoded document in lower case', encodeURIComponent(JSON.stringify(document)).replace(/%7B/g, '%7b')],
  ])('takes %s', (_, text) => {
    expect(parseTrustPolicyText(text, 'trust.json')).toEqual(readPolicyDocument(document));
  });

  it.each([
    ['JSON that is not an object', '[]', 'a policy document is a JSON object with a Statement'],
    ['text', '"policy"', 'a policy document is a JSON object with a Statement'],
    ['null', 'null', 'a policy document is a JSON object with a Statement'],
    ['a document without a Statement', '{"Version":"2012-10-17"}', 'the policy has no Statement'],
    ['get-role output without a document', '{"Role":{"RoleName":"deploy"}}', 'the policy has no Statement'],
    ['a statement that is not an object', '{"Statement":[{},3]}', 'Statement[1] is not an object'],
    ['a Condition that is not an object', JSON.stringify({ Statement: { ...statement, Condition: 'StringEquals' } }), 'Statement[0].Condition is not an object'],
    ['a Condition that is a list', JSON.stringify({ Statement: { ...statement, Condition: [] } }), 'Statement[0].Condition is not an object'],
    ['an operator without a map of keys', JSON.stringify({ Statement: [statement, { ...statement, Condition: { StringEquals: 'x' } }] }), 'Statement[1].Condition.StringEquals is not an object of keys'],
    ['an operator with a list', JSON.stringify({ Statement: { ...statement, Condition: { StringLike: ['x'] } } }), 'Statement[0].Condition.StringLike is not an object of keys'],
  ])('refuses %s, saying what is wrong', (_, text, why) => {
    const error = refusal(text);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toBe(`trust.json is not a trust policy: ${why}.`);
    expect(error.hint).toMatch(/aws iam get-role/);
  });

  it('refuses what is not JSON with the first line of the parser\'s reason', () => {
    const error = refusal('{"Statement": ');
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toMatch(/^trust\.json is not a trust policy: it is not JSON \(.+\)\.$/);
    expect(refusal('%E0%A4%A').message).toMatch(/^trust\.json is not a trust policy: it is not JSON \(URI malformed\)\.$/);
  });
});
