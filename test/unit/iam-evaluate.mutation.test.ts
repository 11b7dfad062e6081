// The IAM evaluator operator by operator and element by element: each operator's sense
// (negated or not, exact or wildcard, case), the set operators on several values and on
// empty ones, Null, Principal and Action as IAM reads them, the Effect, and the results it
// gives for what it cannot read (the decision, the deciding statement, each condition).
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type Evaluation } from '../../src/core/trust/aws/iam/evaluate.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/host';
const ACTION = 'sts:AssumeRoleWithWebIdentity';

type Context = Record<string, string | string[]>;

function evaluate(statements: object[], context: Context = {}, options: { version?: string | undefined; action?: string } = {}): Evaluation {
  return evaluatePolicy(readPolicyDocument({ Version: options.version ?? '2012-10-17', Statement: statements }), {
    action: options.action ?? ACTION,
    principalMatches: (kind, value) => kind === 'Federated' && value === PROVIDER,
    context: new Map(Object.entries(context).map(([key, value]) => [key, [value].flat()])),
  });
}

const allow = (Condition: object = {}) => ({ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: ACTION, Condition });
const deny = (Condition: object = {}) => ({ ...allow(Condition), Effect: 'Deny' });

/** Whether an Allow with this one condition lets the request in. */
function holds(operator: string, wanted: string | string[], actual?: string | string[], version?: string): boolean {
  return evaluate([allow({ [operator]: { 'host:key': wanted } })], actual === undefined ? {} : { 'host:key': actual }, { version }).allowed;
}

describe('the string operators', () => {
  it.each<[string, string, string, boolean]>([
    ['StringEquals', 'main', 'main', true],
    ['StringEquals', 'main', 'Main', false],
    ['StringEquals', 'ma*', 'main', false],
    ['StringEquals', 'ma*', 'ma*', true],
    ['StringNotEquals', 'main', 'main', false],
    ['StringNotEquals', 'main', 'dev', true],
    ['StringNotEquals', 'main', 'Main', true],
    ['StringEqualsIgnoreCase', 'MAIN', 'main', true],
    ['StringEqualsIgnoreCase', 'MAIN', 'dev', false],
    ['StringEqualsIgnoreCase', 'M?IN', 'main', false],
    ['StringNotEqualsIgnoreCase', 'MAIN', 'main', false],
    ['StringNotEqualsIgnoreCase', 'MAIN', 'dev', true],
    ['StringLike', 'ma*', 'main', true],
    ['StringLike', 'ma?', 'main', false],
    ['StringLike', 'MA*', 'main', false],
    ['StringNotLike', 'ma*', 'main', false],
    ['StringNotLike', 'ma*', 'dev', true],
    ['Bool', 'true', 'true', true],
    ['Bool', 'TRUE', 'True', true],
    ['Bool', 'true', 'false', false],
    ['BoolIfExists', 'false', 'false', true],
  ])('%s %s on %s holds: %s', (operator, wanted, actual, held) => {
    expect(holds(operator, wanted, actual)).toBe(held);
  });

  it('holds for any of the policy\'s values, and on a multi-valued key for any of its values', () => {
    expect(holds('StringEquals', ['dev', 'main'], 'main')).toBe(true);
    expect(holds('StringEquals', 'main', ['dev', 'main'])).toBe(true);
    expect(holds('StringNotEquals', 'main', ['dev', 'main'])).toBe(false);
    expect(holds('StringNotEquals', ['dev', 'main'], 'main')).toBe(false);
  });

  it('treats a key with no values as missing', () => {
    expect(holds('StringNotEquals', 'main', [])).toBe(true);
    expect(holds('StringEquals', 'main', [])).toBe(false);
    expect(holds('Null', 'true', [])).toBe(true);
  });

  it('reads the escapes only in policy version 2012-10-17; earlier, ${…} is plain text', () => {
    expect(holds('StringEquals', '${aws:username}', '${aws:username}', '2008-10-17')).toBe(true);
    expect(holds('StringLike', 'a${*}', 'a${x}', '2008-10-17')).toBe(true);
    expect(holds('StringLike', 'a${*}', 'a*', '2012-10-17')).toBe(true);
    expect(holds('StringLike', 'a${*}', 'a${x}', '2012-10-17')).toBe(false);
  });
});

describe('the set operators', () => {
  it.each<[string, string | string[], string | string[] | undefined, boolean]>([
    ['ForAllValues:StringEquals', 'a', ['a', 'b'], false],
    ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'b'], true],
    ['ForAllValues:StringEquals', 'a', ['', 'b'], false],
    ['ForAllValues:StringEquals', 'a', [''], true],
    ['ForAllValues:StringEquals', 'a', ['', ''], true],
    ['ForAllValues:StringEquals', 'a', undefined, true],
    ['ForAllValues:StringNotEquals', 'a', ['b', 'c'], true],
    ['ForAllValues:StringNotEquals', 'a', ['a', 'c'], false],
    ['ForAnyValue:StringEquals', 'a', ['a', 'b'], true],
    ['ForAnyValue:StringEquals', 'a', ['b', 'c'], false],
    ['ForAnyValue:StringEquals', 'a', [''], false],
    ['ForAnyValue:StringEqualsIfExists', 'a', [''], true],
    ['ForAnyValue:StringEqualsIfExists', 'a', undefined, true],
    ['ForAnyValue:StringNotEquals', 'a', ['a', 'b'], true],
    ['ForAnyValue:StringNotEquals', 'a', ['a'], false],
    ['ForAnyValue:StringLike', 'a*', ['x', 'ab'], true],
  ])('%s %j on %j holds: %s', (operator, wanted, actual, held) => {
    expect(holds(operator, wanted, actual)).toBe(held);
  });

  it('knows the set prefixes only at the start of the operator, and whole', () => {
    for (const operator of ['XForAnyValue:StringEquals', 'ForAnyValue:StringEquals\nX', 'ForSomeValues:StringEquals', 'forallvalues:StringEquals']) {
      expect(evaluate([allow({ [operator]: { 'host:key': 'a' } })], { 'host:key': 'a' })).toMatchObject({ allowed: false, decision: 'unsupported' });
    }
  });
});

describe('Null and IfExists', () => {
  it.each<[string, string | string[], string | undefined, boolean]>([
    ['Null', 'true', undefined, true],
    ['Null', 'true', 'x', false],
    ['Null', 'TRUE', undefined, true],
    ['Null', 'false', 'x', true],
    ['Null', 'false', undefined, false],
    ['Null', ['true', 'false'], 'x', true],
    ['Null', ['true', 'false'], undefined, true],
    ['StringEqualsIfExists', 'a', undefined, true],
    ['StringEqualsIfExists', 'a', 'b', false],
    ['StringNotEqualsIfExists', 'a', 'a', false],
    ['StringEquals', 'a', undefined, false],
    ['StringNotLike', 'a*', undefined, true],
  ])('%s %j on %s holds: %s', (operator, wanted, actual, held) => {
    expect(holds(operator, wanted, actual)).toBe(held);
  });

  it('takes no set or IfExists form of Null', () => {
    for (const operator of ['NullIfExists', 'ForAnyValue:Null', 'ForAllValues:Null']) {
      expect(evaluate([allow({ [operator]: { 'host:key': 'true' } })])).toMatchObject({ decision: 'unsupported' });
    }
  });
});

describe('Principal, Action and Effect', () => {
  const statement = (fields: object) => ({ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: ACTION, ...fields });

  it.each<[string, unknown, boolean]>([
    ['the provider', { Federated: PROVIDER }, true],
    ['the provider among others', { Federated: ['arn:aws:iam::1:oidc-provider/other', PROVIDER] }, true],
    ['the provider under another kind', { AWS: PROVIDER }, false],
    ['another provider', { Federated: 'arn:aws:iam::1:oidc-provider/other' }, false],
    ['everyone', '*', true],
    ['everyone of a kind', { AWS: '*' }, true],
    ['everyone of a kind, listed', { Federated: ['x', '*'] }, true],
    ['a bare ARN', PROVIDER, false],
    ['a list', [PROVIDER], false],
    ['a list holding everyone', ['*'], false],
    ['null', null, false],
    ['nothing', undefined, false],
    ['a number', { Federated: [42] }, false],
    ['no entries', {}, false],
    ['"*" as text with a space', ' *', false],
  ])('Principal %s matches: %s', (_, Principal, matches) => {
    const result = evaluate([statement({ Principal })]);
    expect(result.allowed).toBe(matches);
    expect(result.statements[0]?.principal).toBe(matches);
  });

  it.each<[string, unknown, boolean]>([
    ['the action', ACTION, true],
    ['the action in another case', 'STS:assumerolewithwebidentity', true],
    ['the action among others', ['sts:AssumeRole', ACTION], true],
    ['a wildcard', 'sts:AssumeRoleWith*', true],
    ['every action', '*', true],
    ['another action', 'sts:AssumeRole', false],
    ['a number', [1], false],
    ['nothing', undefined, false],
  ])('Action %s matches: %s', (_, Action, matches) => {
    const result = evaluate([statement({ Action })]);
    expect(result.allowed).toBe(matches);
    expect(result.statements[0]?.action).toBe(matches);
  });

  it('reads an Action as plain text apart from * and ?, never as a policy variable', () => {
    expect(evaluate([statement({ Action: 'sts:${x}' })], {}, { action: 'sts:${x}' }).allowed).toBe(true);
    expect(evaluate([statement({ Action: 'sts:${*}' })], {}, { action: 'sts:*' }).allowed).toBe(false);
  });

  it.each(['allow', 'Permit', undefined, ['Allow']])('refuses the whole policy for the Effect %j, naming it', (Effect) => {
    const result = evaluate([allow(), statement({ Effect })]);
    expect(result).toMatchObject({ allowed: false, decision: 'unsupported', deciding: { statement: { index: 1 }, effect: undefined, unsupported: `the Effect ${JSON.stringify(Effect)}`, applies: false } });
  });
});

describe('what the evaluator cannot read', () => {
  it('refuses the whole policy for a Not* element, and a Deny with one applies', () => {
    const result = evaluate([allow(), { ...deny(), NotAction: 'x', NotResource: '*' }]);
    expect(result).toMatchObject({ allowed: false, decision: 'unsupported', deciding: { statement: { index: 1 }, unsupported: 'NotAction, NotResource', applies: true } });
    expect(result.statements[0]).toMatchObject({ unsupported: undefined, applies: true });
    expect(evaluate([{ ...allow(), NotPrincipal: {} }]).statements[0]).toMatchObject({ unsupported: 'NotPrincipal', applies: false });
  });

  it('refuses the whole policy for an unknown operator or a value that is not a scalar; the condition does not hold', () => {
    const unknown = evaluate([allow(), deny({ NumericLessThan: { 'host:key': '1' } })], { 'host:key': '0' });
    expect(unknown).toMatchObject({ allowed: false, decision: 'unsupported', deciding: { statement: { index: 1 }, unsupported: undefined, applies: true } });
    expect(unknown.deciding?.conditions[0]).toEqual({ condition: { operator: 'NumericLessThan', key: 'host:key', values: ['1'] }, actual: ['0'], held: false, unsupported: 'the operator NumericLessThan' });
    const value = evaluate([allow({ StringEquals: { 'host:key': { nested: 'a' } } })], { 'host:key': 'a' });
    expect(value).toMatchObject({ allowed: false, decision: 'unsupported', deciding: { statement: { index: 0 }, applies: false } });
    expect(value.deciding?.conditions[0]).toMatchObject({ held: false, unsupported: 'a value that is not a string, number or boolean' });
  });

  it('refuses the whole policy for a variable never closed', () => {
    const result = evaluate([allow({ StringLike: { 'host:key': ['a', 'b${x'] } })], { 'host:key': 'a' });
    expect(result).toMatchObject({ allowed: false, decision: 'unsupported' });
    expect(result.deciding?.conditions[0]).toMatchObject({ held: false, unsupported: 'a policy variable that is never closed (${ without })' });
  });

  it('leaves an Allow with an unresolved variable unapplied and makes a Deny with one apply, even beside values that match', () => {
    const allowing = evaluate([allow({ StringEquals: { 'host:key': ['a', '${aws:username}'] } })], { 'host:key': 'a' });
    expect(allowing).toMatchObject({ allowed: false, decision: 'no-allow', deciding: undefined });
    expect(allowing.statements[0]?.conditions[0]).toEqual({ condition: { operator: 'StringEquals', key: 'host:key', values: ['a', '${aws:username}'] }, actual: ['a'], held: false, unsupported: undefined, unresolved: true });
    const denying = evaluate([allow(), deny({ StringEquals: { 'host:key': '${aws:username}' } })], { 'host:key': 'b' });
    expect(denying).toMatchObject({ allowed: false, decision: 'explicit-deny', deciding: { statement: { index: 1 }, applies: true } });
  });
});

describe('the decision', () => {
  it('names the first Allow that applies, or none', () => {
    const result = evaluate([allow({ StringEquals: { 'host:key': 'b' } }), allow(), allow()], { 'host:key': 'a' });
    expect(result).toMatchObject({ allowed: true, decision: 'allowed', deciding: { statement: { index: 1 } } });
    expect(result.statements.map((statement) => statement.applies)).toEqual([false, true, true]);
    expect(evaluate([allow({ StringEquals: { 'host:key': 'b' } })], { 'host:key': 'a' })).toMatchObject({ allowed: false, decision: 'no-allow', deciding: undefined });
    expect(evaluate([])).toMatchObject({ allowed: false, decision: 'no-allow', deciding: undefined, statements: [] });
  });

  it('lets a Deny apply only when its principal, action and every condition match', () => {
    expect(evaluate([allow(), { ...deny(), Principal: { Federated: 'other' } }]).decision).toBe('allowed');
    expect(evaluate([allow(), { ...deny(), Action: 'sts:AssumeRole' }]).decision).toBe('allowed');
    expect(evaluate([allow(), deny({ StringEquals: { 'host:a': 'x', 'host:b': 'y' } })], { 'host:a': 'x', 'host:b': 'z' }).decision).toBe('allowed');
    expect(evaluate([allow(), deny({ StringEquals: { 'host:a': 'x', 'host:b': 'y' } })], { 'host:a': 'x', 'host:b': 'y' }).decision).toBe('explicit-deny');
  });

  it('finds a key in any case', () => {
    expect(holds('StringEquals', 'a', 'a')).toBe(true);
    expect(evaluate([allow({ StringEquals: { 'HOST:Key': 'a' } })], { 'host:KEY': 'a' }).allowed).toBe(true);
    expect(evaluate([allow({ StringEquals: { 'host:key': 'a' } })], { 'host:other': 'a' }).allowed).toBe(false);
  });
});
