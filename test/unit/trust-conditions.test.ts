// One IAM condition as a predicate on one claim (the values it takes when present, whether it
// holds when missing), against the STS double's own reading of the same condition, for every
// string operator with IfExists and the set prefixes, Null, Bool and case-insensitive ones; and
// what has no predicate (a key the token does not set, a variable, an operator on numbers).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../fuzz/budget.ts';
import { conditionMeaning, type KeyMeaning } from '../../src/core/trust/aws/iam/condition-pred.js';
import { policyProblems } from '../../src/core/trust/aws/iam/policy-shape.js';
import { accepts } from '../../src/core/trust/lang/dfa.js';
import { alphabetOf, fromNfa, toDfa } from '../../src/core/trust/lang/lang.js';
import { literal } from '../../src/core/trust/lang/nfa.js';
import { checkCondition, parseConditions } from '../harness/trust-conditions.ts';

const KEY = 'issuer.example:sub';
const resolve = (key: string): KeyMeaning => (key === KEY ? { claim: 'sub' } : key.startsWith('sts:') ? { unknown: 'caller' } : { absent: true });

const BASES = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'];
const operator = fc.oneof(
  fc.constantFrom(...BASES),
  fc.constantFrom(...BASES).map((base) => `${base}IfExists`),
  fc.tuple(fc.constantFrom('ForAnyValue', 'ForAllValues'), fc.constantFrom(...BASES), fc.boolean()).map(([set, base, ifExists]) => `${set}:${base}${ifExists ? 'IfExists' : ''}`),
);
const piece = fc.constantFrom('a', 'A', 'b', '*', '?', 'K', 'k', '\u212a', 'ß', '/', '${*}', '${?}', '${$}', '$');
const text = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(''));
const value = fc.option(fc.array(fc.constantFrom('a', 'A', 'b', 'k', 'K', '\u212a', 'ß', '*', '?', '/', '$', ''), { maxLength: 4 }).map((parts) => parts.join('')), { nil: undefined });

/** The predicate's answer for a value (undefined: the claim is missing). */
function holds(op: string, values: string[], actual: string | undefined): boolean | 'unknown' {
  const meaning = conditionMeaning({ operator: op, key: KEY, values }, resolve, true);
  if (meaning.kind === 'unknown') return 'unknown';
  if (meaning.kind !== 'pred') return meaning.kind === 'always';
  if (actual === undefined) return meaning.pred.missing;
  // An alphabet that also tells apart the value's own characters.
  const alphabet = alphabetOf([...meaning.pred.langs, fromNfa(literal(actual))]);
  return meaning.pred.langs.every((lang) => accepts(toDfa(lang, alphabet), actual));
}

describe('a condition as a predicate', () => {
  it('agrees with the STS double on every string operator, IfExists and set prefix', () => {
    fc.assert(
      fc.property(operator, fc.array(text, { minLength: 1, maxLength: 3 }), value, (op, values, actual) => {
        const [condition] = parseConditions({ [op]: { [KEY]: values } }, true);
        const double = checkCondition(condition!, new Map(actual === undefined ? [] : [[KEY, [actual]]]));
        const ours = holds(op, values, actual);
        expect(ours, `${op} ${JSON.stringify(values)} on ${JSON.stringify(actual)}: ${JSON.stringify(double)}`).toBe(double.kind === 'holds');
      }),
      runs(1500),
    );
  });

  it('reads Null, Bool and keys of another provider', () => {
    expect(holds('Null', ['true'], undefined)).toBe(true);
    expect(holds('Null', ['true'], '')).toBe(false);
    expect(holds('Null', ['false'], 'x')).toBe(true);
    expect(holds('Bool', ['true'], 'TRUE')).toBe(true);
    expect(holds('BoolIfExists', ['false'], undefined)).toBe(true);
    expect(conditionMeaning({ operator: 'StringEquals', key: 'other.example:sub', values: ['x'] }, resolve, true)).toEqual({ kind: 'never' });
    expect(conditionMeaning({ operator: 'StringNotEquals', key: 'other.example:sub', values: ['x'] }, resolve, true)).toEqual({ kind: 'always' });
  });

  it('has no predicate for a key the token does not set, a variable, an operator on numbers or a Greek sigma', () => {
    expect(conditionMeaning({ operator: 'StringEquals', key: 'sts:RoleSessionName', values: ['x'] }, resolve, true)).toEqual({ kind: 'unknown', why: 'caller' });
    expect(conditionMeaning({ operator: 'StringLike', key: KEY, values: ['repo:${aws:username}/*'] }, resolve, true)).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/^the policy variable in "repo:\$\{aws:username\}\/\*"/) });
    expect(holds('StringLike', ['repo:${aws:username}'], 'x')).toBe('unknown');
    // In a 2008-10-17 policy ${…} is text.
    expect(conditionMeaning({ operator: 'StringEquals', key: KEY, values: ['${x}'] }, resolve, false)).toMatchObject({ kind: 'pred' });
    expect(conditionMeaning({ operator: 'NumericLessThan', key: KEY, values: ['1'] }, resolve, true)).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/^the operator NumericLessThan/) });
    expect(conditionMeaning({ operator: 'StringEqualsIgnoreCase', key: KEY, values: ['Σ'] }, resolve, true)).toMatchObject({ kind: 'unknown' });
  });
});

describe('what IAM would refuse in a trust policy', () => {
  const good = { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::1:oidc-provider/i' }, Action: 'sts:AssumeRoleWithWebIdentity' };
  it.each([
    [{ Version: '2012-10-17', Statement: [good] }, []],
    [{ Version: '2012-10-17', Statement: [good], Foo: 1 }, ['a policy takes no Foo element']],
    [{ Version: '2011-01-01', Statement: [good] }, ['the Version "2011-01-01" is neither 2012-10-17 nor 2008-10-17']],
    [{ Statement: [] }, ['the policy has no statement']],
    [{ Statement: [{ ...good, Resource: '*' }] }, ['Statement[0]: a trust policy statement takes no Resource']],
    [{ Statement: [{ ...good, Effect: 'allow' }] }, ['Statement[0]: its Effect "allow" is not Allow or Deny']],
    [{ Statement: [{ ...good, NotPrincipal: { AWS: 'x' } }] }, ['Statement[0]: it needs exactly one of Principal and NotPrincipal']],
    [{ Statement: [{ Effect: 'Allow', NotPrincipal: { AWS: 'x' }, Action: 'a' }] }, ['Statement[0]: NotPrincipal is only allowed in a Deny']],
    [{ Statement: [{ ...good, Principal: { Users: 'x' } }] }, ['Statement[0]: its principal type "Users" is not AWS, Federated, Service or CanonicalUser']],
    [{ Statement: [{ ...good, Action: [] }] }, ['Statement[0]: an action is not a string or a list of strings']],
    [{ Statement: [{ ...good, Condition: { StringEqualz: { k: 'v' } } }] }, ['Statement[0]: IAM has no condition operator "StringEqualz"']],
    [{ Statement: [{ ...good, Condition: { 'ForAnyValue:Null': { k: 'true' } } }] }, ['Statement[0]: ForAnyValue:Null: Null takes neither IfExists nor a set prefix']],
    [{ Statement: [{ ...good, Condition: { Bool: { k: 'yes' } } }] }, ['Statement[0]: Bool on k has Bool takes "true" or "false"']],
    [{ Version: '2012-10-17', Statement: [{ ...good, Condition: { StringLike: { k: 'a${b' } } }] }, ['Statement[0]: StringLike on k has a policy variable that is never closed']],
    [{ Statement: [{ ...good, Condition: { StringLike: { k: [] } } }] }, ['Statement[0]: StringLike on k has an empty list of values']],
  ])('%j: %j', (document, problems) => {
    expect(policyProblems(document)).toEqual(problems);
  });
});
