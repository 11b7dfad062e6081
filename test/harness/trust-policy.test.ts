// The STS double's trust-policy evaluator against IAM's documented semantics, one behaviour a
// row: each operator, IfExists, the set prefixes with present and absent keys, Deny wins,
// policy variables and their escapes, which names are case-insensitive, and failing closed.
import fc from 'fast-check';
import { runs } from '../fuzz/budget.ts';
import { describe, expect, it } from 'vitest';
import { evaluateTrustPolicy, oidcProviderArn } from './trust-policy.ts';
import type { TrustDecision, TrustRequest } from './trust-policy.ts';

const H = 'token.actions.githubusercontent.com';
const PROVIDER = oidcProviderArn(H);
const ACTION = 'sts:AssumeRoleWithWebIdentity';

const request: TrustRequest = {
  action: ACTION,
  principal: { kind: 'Federated', arn: PROVIDER },
  context: {
    'sts:RoleSessionName': 'octocat',
    [`${H}:sub`]: 'repo:acme/api:ref:refs/heads/main',
    [`${H}:aud`]: ['sts.amazonaws.com'],
    [`${H}:repository_id`]: '123456789',
    [`${H}:ref`]: 'refs/heads/main',
    [`${H}:actor`]: 'octocat',
    'test:flag': 'true',
    'test:tags': ['a', 'b'],
    'test:empty': '',
    'test:none': [],
    'test:literal': 'a*b?c$d',
    'test:plain': 'aXXb',
    'test:star': 'x*',
    'test:brace': '${x}',
  },
};

/** An Allow for the provider's AssumeRoleWithWebIdentity, with `fields` on top (any shape, to test refusals too). */
const statement = (fields: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: ACTION, ...fields });
const policy = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
const decide = (p: object, r: TrustRequest = request): TrustDecision => evaluateTrustPolicy(p, r);
const allowIf = (Condition: object) => decide(policy(statement({ Condition })));

type Row = readonly [string, object, boolean];

function table(rows: readonly Row[]) {
  it.each(rows)('%s', (_name, condition, allowed) => {
    const decision = allowIf(condition);
    expect(decision.allowed, decision.reason).toBe(allowed);
  });
}

describe('string operators', () => {
  table([
    ['StringEquals matches the exact value', { StringEquals: { [`${H}:ref`]: 'refs/heads/main' } }, true],
    ['StringEquals is case-sensitive', { StringEquals: { [`${H}:ref`]: 'refs/heads/MAIN' } }, false],
    ['StringEquals takes a number as its text', { StringEquals: { [`${H}:repository_id`]: 123456789 } }, true],
    ['StringNotEquals holds for another value', { StringNotEquals: { [`${H}:ref`]: 'refs/heads/dev' } }, true],
    ['StringNotEquals fails on the value', { StringNotEquals: { [`${H}:ref`]: 'refs/heads/main' } }, false],
    ['StringEqualsIgnoreCase ignores case', { StringEqualsIgnoreCase: { [`${H}:ref`]: 'REFS/Heads/Main' } }, true],
    ['StringNotEqualsIgnoreCase ignores case', { StringNotEqualsIgnoreCase: { [`${H}:ref`]: 'REFS/HEADS/MAIN' } }, false],
    ['StringLike * crosses / and :', { StringLike: { [`${H}:sub`]: 'repo:acme/*' } }, true],
    ['StringLike * matches an empty run', { StringLike: { [`${H}:ref`]: 'refs/heads/main*' } }, true],
    ['StringLike ? is exactly one character', { StringLike: { [`${H}:ref`]: 'refs/heads/mai?' } }, true],
    ['StringLike ? is not two characters', { StringLike: { [`${H}:ref`]: 'refs/heads/ma?' } }, false],
    ['StringLike ? is not zero characters', { StringLike: { [`${H}:ref`]: 'refs/heads/main?' } }, false],
    ['StringLike is anchored', { StringLike: { [`${H}:ref`]: 'heads/main' } }, false],
    ['StringLike treats regex characters literally', { StringLike: { [`${H}:ref`]: 'refs.heads.main' } }, false],
    ['StringLike is case-sensitive', { StringLike: { [`${H}:sub`]: 'repo:ACME/*' } }, false],
    ['StringNotLike holds when no pattern matches', { StringNotLike: { [`${H}:ref`]: 'refs/tags/*' } }, true],
    ['StringNotLike fails when a pattern matches', { StringNotLike: { [`${H}:ref`]: ['refs/tags/*', 'refs/heads/*'] } }, false],
  ]);
});

describe('missing keys and IfExists', () => {
  table([
    ['a missing key fails StringEquals', { StringEquals: { [`${H}:environment`]: 'prod' } }, false],
    ['a missing key fails StringLike *', { StringLike: { [`${H}:environment`]: '*' } }, false],
    ['a missing key fails StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { [`${H}:environment`]: 'prod' } }, false],
    ['a missing key satisfies StringNotEquals', { StringNotEquals: { [`${H}:environment`]: 'prod' } }, true],
    ['a missing key satisfies StringNotLike', { StringNotLike: { [`${H}:environment`]: '*' } }, true],
    ['a missing key satisfies StringNotEqualsIgnoreCase', { StringNotEqualsIgnoreCase: { [`${H}:environment`]: 'prod' } }, true],
    ['an empty list counts as missing', { StringLike: { 'test:none': '*' } }, false],
    ['an empty string is a value', { StringEquals: { 'test:empty': '' } }, true],
    ['StringEqualsIfExists holds when the key is missing', { StringEqualsIfExists: { [`${H}:environment`]: 'prod' } }, true],
    ['StringEqualsIfExists still checks a present key', { StringEqualsIfExists: { [`${H}:ref`]: 'refs/heads/dev' } }, false],
    ['StringLikeIfExists matches a present key', { StringLikeIfExists: { [`${H}:ref`]: 'refs/heads/*' } }, true],
    ['StringNotLikeIfExists fails on a present match', { StringNotLikeIfExists: { [`${H}:ref`]: 'refs/heads/*' } }, false],
    ['Null true holds when the key is missing', { Null: { [`${H}:environment`]: 'true' } }, true],
    ['Null false fails when the key is missing', { Null: { [`${H}:environment`]: 'false' } }, false],
    ['Null true fails when the key is present', { Null: { [`${H}:ref`]: 'true' } }, false],
    ['Null false holds when the key is present', { Null: { [`${H}:ref`]: false } }, true],
    ['Null counts an empty list as missing', { Null: { 'test:none': 'true' } }, true],
  ]);
});

describe('Bool', () => {
  table([
    ['Bool true matches "true"', { Bool: { 'test:flag': 'true' } }, true],
    ['Bool takes a JSON boolean', { Bool: { 'test:flag': true } }, true],
    ['Bool false fails on "true"', { Bool: { 'test:flag': 'false' } }, false],
    ['Bool fails on a missing key', { Bool: { 'test:missing': 'false' } }, false],
    ['BoolIfExists holds on a missing key', { BoolIfExists: { 'test:missing': 'true' } }, true],
  ]);
});

describe('values OR, keys AND, operators AND', () => {
  table([
    ['any value of a list will do', { StringEquals: { [`${H}:ref`]: ['refs/heads/dev', 'refs/heads/main'] } }, true],
    ['every key of an operator must hold', { StringEquals: { [`${H}:ref`]: 'refs/heads/main', [`${H}:repository_id`]: '1' } }, false],
    ['every operator must hold', { StringEquals: { [`${H}:ref`]: 'refs/heads/main' }, StringLike: { [`${H}:sub`]: 'repo:other/*' } }, false],
    ['all hold together', { StringEquals: { [`${H}:repository_id`]: '123456789' }, StringLike: { [`${H}:ref`]: 'refs/heads/*' } }, true],
    ['a single-valued negated operator fails when any request value matches', { StringNotEquals: { 'test:tags': 'a' } }, false],
    ['a single-valued positive operator holds when any request value matches', { StringEquals: { 'test:tags': 'b' } }, true],
  ]);
});

describe('ForAnyValue and ForAllValues', () => {
  table([
    ['ForAnyValue holds when one request value matches', { 'ForAnyValue:StringEquals': { 'test:tags': ['b', 'z'] } }, true],
    ['ForAnyValue fails when none matches', { 'ForAnyValue:StringEquals': { 'test:tags': ['z'] } }, false],
    ['ForAnyValue fails on a missing key', { 'ForAnyValue:StringLike': { [`${H}:environment`]: '*' } }, false],
    ['ForAnyValue fails on an empty string', { 'ForAnyValue:StringLike': { 'test:empty': '*' } }, false],
    ['ForAnyValue with IfExists holds on a missing key', { 'ForAnyValue:StringLikeIfExists': { [`${H}:environment`]: 'x' } }, true],
    ['ForAnyValue:StringNotEquals holds when one value is not listed', { 'ForAnyValue:StringNotEquals': { 'test:tags': 'a' } }, true],
    ['ForAnyValue:StringNotEquals fails when every value is listed', { 'ForAnyValue:StringNotEquals': { 'test:tags': ['a', 'b'] } }, false],
    ['ForAnyValue:StringNotEquals fails on a missing key', { 'ForAnyValue:StringNotEquals': { [`${H}:environment`]: 'prod' } }, false],
    ['ForAllValues holds when every request value is listed', { 'ForAllValues:StringEquals': { 'test:tags': ['a', 'b', 'c'] } }, true],
    ['ForAllValues fails when one is not', { 'ForAllValues:StringEquals': { 'test:tags': ['a'] } }, false],
    ['ForAllValues holds on a missing key', { 'ForAllValues:StringEquals': { [`${H}:environment`]: 'prod' } }, true],
    ['ForAllValues holds on an empty string', { 'ForAllValues:StringEquals': { 'test:empty': 'prod' } }, true],
    ['ForAllValues holds on an empty list', { 'ForAllValues:StringLike': { 'test:none': 'prod' } }, true],
    ['ForAllValues:StringNotEquals holds when no value is listed', { 'ForAllValues:StringNotEquals': { 'test:tags': ['y', 'z'] } }, true],
    ['ForAllValues:StringNotEquals fails when one value is listed', { 'ForAllValues:StringNotEquals': { 'test:tags': ['a'] } }, false],
    ['ForAllValues:StringLike treats a single-valued key as a set of one', { 'ForAllValues:StringLike': { [`${H}:ref`]: 'refs/heads/*' } }, true],
  ]);
});

describe('policy variables', () => {
  table([
    ['${*} ${?} ${$} are literal in StringLike', { StringLike: { 'test:literal': 'a${*}b${?}c${$}d' } }, true],
    ['${*} does not match a run of characters', { StringLike: { 'test:plain': 'a${*}b' } }, false],
    ['a bare * does', { StringLike: { 'test:plain': 'a*b' } }, true],
    ['${?} does not match any one character', { StringLike: { 'test:plain': 'a${?}${?}b' } }, false],
    ['escapes work in StringEquals', { StringEquals: { 'test:literal': 'a${*}b${?}c${$}d' } }, true],
    ['* and ? are plain characters in StringEquals', { StringEquals: { 'test:literal': 'a*b?c$d' } }, true],
    ['${$} before a brace stays literal', { StringEquals: { 'test:brace': '${$}{x}' } }, true],
    ['a variable takes the request value', { StringEquals: { 'sts:RoleSessionName': `\${${H}:actor}` } }, true],
    ['a variable inside a pattern', { StringLike: { [`${H}:sub`]: 'repo:acme/*:ref:${' + H + ':ref}' } }, true],
    ['a variable key is case-insensitive', { StringEquals: { 'sts:RoleSessionName': `\${${H.toUpperCase()}:ACTOR}` } }, true],
    ['a variable that differs fails', { StringEquals: { [`${H}:ref`]: `\${${H}:actor}` } }, false],
    ['a missing variable takes its default', { StringEquals: { 'sts:RoleSessionName': `\${${H}:environment, 'octocat'}` } }, true],
    ['a missing variable without a default drops the statement', { StringNotEquals: { 'sts:RoleSessionName': `\${${H}:environment}` } }, false],
    ['a multivalued variable drops the statement', { StringNotEquals: { 'sts:RoleSessionName': '${test:tags}' } }, false],
    ['a substituted wildcard in StringLike is not guessed', { StringLike: { 'test:literal': 'a${test:star}' } }, false],
  ]);

  it('are literal text in a policy without Version 2012-10-17', () => {
    const condition = { StringEquals: { 'test:literal': 'a${*}b${?}c${$}d' } };
    for (const Version of ['2008-10-17', undefined]) {
      const p = { ...(Version ? { Version } : {}), Statement: [statement({ Condition: condition })] };
      expect(decide(p).allowed).toBe(false);
      const literal = { ...request, context: { ...request.context, 'test:literal': 'a${*}b${?}c${$}d' } };
      expect(decide(p, literal).allowed).toBe(true);
    }
  });

  it('an undecidable Deny refuses even when an Allow applies', () => {
    const deny = statement({ Effect: 'Deny', Sid: 'NoOthers', Condition: { StringNotEquals: { 'sts:RoleSessionName': `\${${H}:environment}` } } });
    const decision = decide(policy(statement(), deny));
    expect(decision).toEqual({ allowed: false, reason: expect.stringMatching(/^Statement\[1\] \(Sid "NoOthers"\) is a Deny the evaluator cannot decide: .*environment\} is not in the request$/) });
    const allowed = decide(policy(statement(), { ...deny, Condition: { StringNotEquals: { 'sts:RoleSessionName': `\${${H}:actor}` } } }));
    expect(allowed.allowed, allowed.reason).toBe(true);
  });

  it('an escaped pattern matches exactly its own text (property)', () => {
    const escape = (text: string) => text.replace(/[*?$]/g, (c) => `\${${c}}`);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '$', '{', '}', '/', ':', "'"), maxLength: 8 });
    fc.assert(
      fc.property(text, text, (wanted, actual) => {
        const r = { ...request, context: { 'k:v': actual } };
        const decision = decide(policy(statement({ Condition: { StringLike: { 'k:v': escape(wanted) } } })), r);
        expect(decision.allowed, decision.reason).toBe(wanted === actual);
      }),
      runs(300),
    );
  });
});

describe('names and case', () => {
  table([
    ['condition key names are case-insensitive', { StringEquals: { [`${H.toUpperCase()}:Repository_Id`]: '123456789' } }, true],
    ['condition values are case-sensitive', { StringEquals: { [`${H}:sub`]: 'REPO:acme/api:ref:refs/heads/main' } }, false],
  ]);

  it('action names are case-insensitive and take wildcards; NotAction excludes', () => {
    expect(decide(policy(statement({ Action: 'STS:assumerolewithwebidentity' }))).allowed).toBe(true);
    expect(decide(policy(statement({ Action: ['sts:AssumeRole', 'sts:AssumeRoleWith*'] }))).allowed).toBe(true);
    expect(decide(policy(statement({ Action: 'sts:AssumeRole' }))).allowed).toBe(false);
    expect(decide(policy(statement({ Action: undefined, NotAction: 'sts:AssumeRole' }))).allowed).toBe(true);
    expect(decide(policy(statement({ Action: undefined, NotAction: 'sts:*' }))).allowed).toBe(false);
  });
});

describe('statements and principals', () => {
  const condition = { StringEquals: { [`${H}:repository_id`]: '123456789' } };

  it('explicit Deny wins over an Allow, and says which statement and conditions', () => {
    const deny = statement({ Effect: 'Deny', Sid: 'NoMain', Condition: { StringLike: { [`${H}:ref`]: 'refs/heads/main' } } });
    expect(decide(policy(statement({ Condition: condition }), deny))).toEqual({
      allowed: false,
      reason: `explicit Deny in Statement[1] (Sid "NoMain") (its conditions hold: StringLike on "${H}:ref")`,
    });
    const other = { ...deny, Condition: { StringLike: { [`${H}:ref`]: 'refs/tags/*' } } };
    expect(decide(policy(statement({ Condition: condition }), other))).toEqual({ allowed: true, reason: 'allowed by Statement[0]' });
  });

  it('any Allow statement will do; a refusal names each statement and the condition that failed', () => {
    const wrong = statement({ Sid: 'Other', Condition: { StringEquals: { [`${H}:repository_id`]: '1' } } });
    expect(decide(policy(wrong, statement({ Condition: condition })))).toEqual({ allowed: true, reason: 'allowed by Statement[1]' });
    expect(decide(policy(wrong, statement({ Principal: { Federated: oidcProviderArn('elsewhere.example') } })))).toEqual({
      allowed: false,
      reason: `no statement allows ${ACTION}: Statement[0] (Sid "Other"): StringEquals on "${H}:repository_id" failed: got "123456789", policy has "1"; Statement[1]: principal does not match`,
    });
  });

  it('matches Federated as a string or a list, and "*"', () => {
    expect(decide(policy(statement({ Principal: { Federated: ['arn:aws:iam::1:oidc-provider/x', PROVIDER] } }))).allowed).toBe(true);
    expect(decide(policy(statement({ Principal: '*' }))).allowed).toBe(true);
    expect(decide(policy(statement({ Principal: { AWS: '*' } }))).allowed).toBe(false);
    expect(decide(policy(statement({ Principal: { Federated: PROVIDER.toUpperCase() } }))).allowed).toBe(false);
  });

  it('NotPrincipal in a Deny applies to everyone it does not list', () => {
    const denyOthers = (listed: string) => ({ Effect: 'Deny', NotPrincipal: { Federated: listed }, Action: 'sts:*' });
    expect(decide(policy(statement(), denyOthers(PROVIDER))).allowed).toBe(true);
    expect(decide(policy(statement(), denyOthers(oidcProviderArn('elsewhere.example')))).reason).toBe('explicit Deny in Statement[1]');
  });
});

describe('what the evaluator does not understand refuses the request', () => {
  it.each([
    ['an unknown operator', policy(statement({ Condition: { StringMatches: { [`${H}:ref`]: 'x' } } })), 'condition operator "StringMatches" is not supported'],
    ['an operator in the wrong case', policy(statement({ Condition: { stringequals: { [`${H}:ref`]: 'refs/heads/main' } } })), '"stringequals" is not supported'],
    ['a numeric operator', policy(statement({ Condition: { NumericEquals: { [`${H}:repository_id`]: 123456789 } } })), '"NumericEquals" is not supported'],
    ['Null with a set prefix', policy(statement({ Condition: { 'ForAnyValue:Null': { [`${H}:ref`]: 'false' } } })), 'Null takes neither'],
    ['NullIfExists', policy(statement({ Condition: { NullIfExists: { [`${H}:ref`]: 'false' } } })), 'Null takes neither'],
    ['Null with another value', policy(statement({ Condition: { Null: { [`${H}:ref`]: 'yes' } } })), 'Null takes "true" or "false"'],
    ['an object as a value', policy(statement({ Condition: { StringEquals: { [`${H}:ref`]: { a: 1 } } } })), 'not a string, number or boolean'],
    ['an empty value list', policy(statement({ Condition: { StringEquals: { [`${H}:ref`]: [] } } })), 'empty list of values'],
    ['an empty operator block', policy(statement({ Condition: { StringEquals: {} } })), 'has no condition keys'],
    ['an unterminated variable', policy(statement({ Condition: { StringEquals: { [`${H}:ref`]: '${aws:x' } } })), 'unterminated policy variable'],
    ['an empty variable', policy(statement({ Condition: { StringEquals: { [`${H}:ref`]: 'a${}' } } })), 'policy variable ${} is not understood'],
    ['a Resource element', policy(statement({ Resource: '*' })), 'element "Resource" is not allowed in a trust policy'],
    ['an Effect in the wrong case', policy(statement({ Effect: 'allow' })), 'Effect "allow" is not Allow or Deny'],
    ['NotPrincipal in an Allow', policy(statement({ Principal: undefined, NotPrincipal: { Federated: 'x' } })), 'NotPrincipal is only supported in a Deny'],
    ['both Action and NotAction', policy(statement({ NotAction: 'sts:AssumeRole' })), 'exactly one of Action and NotAction'],
    ['an unknown principal type', policy(statement({ Principal: { OIDC: PROVIDER } })), 'principal type "OIDC"'],
    ['an unknown Version', { Version: '2020-01-01', Statement: [statement()] }, 'Version "2020-01-01"'],
    ['no Statement', { Version: '2012-10-17' }, 'no Statement'],
    ['an unknown policy element', { Version: '2012-10-17', Statement: [statement()], Extra: 1 }, 'unknown policy element "Extra"'],
    ['a bad second statement beside a good one', policy(statement(), statement({ Condition: 'x' })), 'Statement[1]: Condition is not an object'],
  ] as const)('%s', (_name, p, message) => {
    const decision = decide(p);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(/^unsupported policy: /);
    expect(decision.reason).toContain(message);
  });
});
