// The compiled trust policy as exact conditions: which operator each kind of pattern gets, the
// StringNotLike that keeps a `*` within its segment, how alternatives share a statement or get
// their own, how rules on one claim combine, and the limits (statements, pattern rules per key,
// rules that contradict each other).
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { issuerKeys, requestContext } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { compileRules, ruleBindings } from '../../src/core/trust/aws/compile.js';

const keys = issuerKeys('https://token.actions.githubusercontent.com');
const G = keys.prefix;
const PRINCIPAL = `arn:aws:iam::123456789012:oidc-provider/${G}`;
const target = { principal: PRINCIPAL, keys, audience: 'sts.amazonaws.com' };
const AUD = { [`${G}:aud`]: 'sts.amazonaws.com' };

/** The Condition of each statement, keys shortened to the claim. */
function conditions(rules: string | ClaimRule[]): object[] {
  const list = typeof rules === 'string' ? parseClaimRules(rules) : rules;
  return compileRules(list, target).document.Statement.map((statement) => JSON.parse(JSON.stringify((statement as { Condition: object }).Condition).replaceAll(`${G}:`, '')) as object);
}

function accepts(rules: string, ref: string): boolean {
  const { document } = compileRules(parseClaimRules(rules), target);
  return evaluatePolicy(readPolicyDocument(document), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value === PRINCIPAL,
    context: requestContext(keys, { aud: 'sts.amazonaws.com', ref }),
  }).allowed;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const aud = { aud: 'sts.amazonaws.com' };

describe('one alternative', () => {
  it('** becomes IAM\'s * with no exclusion', () => {
    expect(conditions('ref=refs/heads/**')).toEqual([{ StringEquals: aud, StringLike: { ref: 'refs/heads/*' } }]);
  });

  it('* gets a StringNotLike on more separators than the pattern has', () => {
    expect(conditions('ref=refs/tags/v*')).toEqual([{ StringEquals: aud, StringLike: { ref: 'refs/tags/v*' }, StringNotLike: { ref: ['*/*/*/*', '*:*'] } }]);
    expect(conditions('ref=a:*:b')).toEqual([{ StringEquals: aud, StringLike: { ref: 'a:*:b' }, StringNotLike: { ref: ['*/*', '*:*:*:*'] } }]);
  });

  it('a pattern with both * and ** gets a StringNotLike per * and is said to be narrower', () => {
    expect(conditions('ref=a*b**c*d')).toEqual([
      { StringEquals: aud, StringLike: { ref: 'a*b*c*d' }, StringNotLike: { ref: ['a*/*b*c*d', 'a*:*b*c*d', 'a*b*c*/*d', 'a*b*c*:*d'] } },
    ]);
    const rules = parseClaimRules('ref=a*b**c\nrepository_id=1');
    expect(ruleBindings(rules, keys)).toEqual([
      { rule: rules[0], where: 'aws-narrower', key: `${G}:ref`, note: 'a pattern with both * and ** has no exact IAM form; AWS also refuses a few values with / or : where the rule accepts them' },
      { rule: rules[1], where: 'aws', key: `${G}:repository_id` },
    ]);
    // One such alternative among others is enough.
    expect(ruleBindings(parseClaimRules('ref=x|a*b**c'), keys)[0]).toMatchObject({ where: 'aws-narrower' });
    expect(ruleBindings(parseClaimRules('ref=x|a*b|c**'), keys)[0]).toMatchObject({ where: 'aws' });
  });

  it('exact values stay exact, * included', () => {
    expect(conditions([{ source: 'ref', claim: 'ref', alternatives: [{ exact: 'a*b' }, { exact: '${x}' }] }])).toEqual([{ StringEquals: { ...aud, ref: ['a*b', '${$}{x}'] } }]);
    expect(conditions('ref=a\\*b')).toEqual([{ StringEquals: { ...aud, ref: 'a*b' } }]);
  });
});

describe('several alternatives', () => {
  it('an exact value joins a * group whose separator counts it fits, in the rule\'s order', () => {
    expect(conditions('ref=refs/heads/main|refs/tags/v*')).toEqual([
      { StringEquals: aud, StringLike: { ref: ['refs/heads/main', 'refs/tags/v*'] }, StringNotLike: { ref: ['*/*/*/*', '*:*'] } },
    ]);
    expect(conditions('ref=refs/tags/v*|refs/heads/main')).toEqual([
      { StringEquals: aud, StringLike: { ref: ['refs/tags/v*', 'refs/heads/main'] }, StringNotLike: { ref: ['*/*/*/*', '*:*'] } },
    ]);
  });

  it('an exact value with more of either separator keeps a statement of its own', () => {
    expect(conditions('ref=a*:b|x/y/z')).toEqual([{ StringEquals: aud, StringLike: { ref: 'a*:b' }, StringNotLike: { ref: ['*/*', '*:*:*'] } }, { StringEquals: { ...aud, ref: 'x/y/z' } }]);
    expect(conditions('ref=a/*|x:y')).toEqual([{ StringEquals: aud, StringLike: { ref: 'a/*' }, StringNotLike: { ref: ['*/*/*', '*:*'] } }, { StringEquals: { ...aud, ref: 'x:y' } }]);
    expect(accepts('ref=a*:b|x/y/z', 'x/y/z')).toBe(true);
    expect(accepts('ref=a/*|x:y', 'x:y')).toBe(true);
  });

  it('exact values beside a ** pattern share its StringLike and join no * group', () => {
    expect(conditions('ref=refs/heads/**|main|refs/tags/v*')).toEqual([
      { StringEquals: aud, StringLike: { ref: ['refs/heads/*', 'main'] } },
      { StringEquals: aud, StringLike: { ref: 'refs/tags/v*' }, StringNotLike: { ref: ['*/*/*/*', '*:*'] } },
    ]);
    expect(conditions('ref=a*b|x|y')).toEqual([{ StringEquals: aud, StringLike: { ref: ['a*b', 'x', 'y'] }, StringNotLike: { ref: ['*/*', '*:*'] } }]);
  });

  it('* patterns with the same separators share a statement, others get their own', () => {
    expect(conditions('ref=a*|b*')).toEqual([{ StringEquals: aud, StringLike: { ref: ['a*', 'b*'] }, StringNotLike: { ref: ['*/*', '*:*'] } }]);
    expect(conditions('ref=a*|b/*')).toHaveLength(2);
  });

  it('two patterns with * and ** get a statement each', () => {
    expect(conditions('ref=a*b**c|d*e**f')).toEqual([
      { StringEquals: aud, StringLike: { ref: 'a*b*c' }, StringNotLike: { ref: ['a*/*b*c', 'a*:*b*c'] } },
      { StringEquals: aud, StringLike: { ref: 'd*e*f' }, StringNotLike: { ref: ['d*/*e*f', 'd*:*e*f'] } },
    ]);
    expect(accepts('ref=a*b**c|d*e**f', 'ab/c')).toBe(true);
    expect(accepts('ref=a*b**c|d*e**f', 'de/f')).toBe(true);
  });

  it('a mixed pattern beside plain values and ** patterns', () => {
    expect(conditions('ref=a*b**c|x|y/**')).toEqual([
      { StringEquals: aud, StringLike: { ref: 'a*b*c' }, StringNotLike: { ref: ['a*/*b*c', 'a*:*b*c'] } },
      { StringEquals: aud, StringLike: { ref: ['x', 'y/*'] } },
    ]);
  });
});

describe('rules on the same claim', () => {
  it('keep the exact values both allow', () => {
    expect(conditions('ref=a|b|c\nref=c|b')).toEqual([{ StringEquals: { ...aud, ref: ['b', 'c'] } }]);
  });

  it('refuse rules that allow no common value', () => {
    const error = thrown(() => compileRules(parseClaimRules('ref=a|b\nref=c'), target));
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/^The rules accept no token/), hint: 'Check the rules on each claim for values that contradict each other.' });
    // A statement that cannot match is dropped; the others stay.
    expect(conditions('ref=x/y/z|b/*\nref=b/c')).toEqual([{ StringEquals: { ...aud, ref: 'b/c' }, StringLike: { ref: 'b/*' }, StringNotLike: { ref: ['*/*/*', '*:*'] } }]);
  });

  it('put a second pattern in ForAnyValue:StringLike, merge their exclusions, and refuse a third', () => {
    expect(conditions('ref=a*\nref=*b/c')).toEqual([
      { StringEquals: aud, StringLike: { ref: 'a*' }, 'ForAnyValue:StringLike': { ref: '*b/c' }, StringNotLike: { ref: ['*/*', '*:*', '*/*/*'] } },
    ]);
    const error = thrown(() => compileRules(parseClaimRules('ref=a*\nref=*b\nref=**c'), target));
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({
      code: 'INPUT_INVALID',
      message: `More than two pattern rules constrain ${G}:ref; IAM cannot express that in one statement.`,
      hint: 'Merge the rules on that claim into one rule with alternatives.',
    });
  });

  it('combine a pattern with exact values', () => {
    expect(conditions('ref=a*\nref=ab|ac')).toEqual([{ StringEquals: { ...aud, ref: ['ab', 'ac'] }, StringLike: { ref: 'a*' }, StringNotLike: { ref: ['*/*', '*:*'] } }]);
  });
});

describe('the statement limit', () => {
  const alternatives = (n: number) => Array.from({ length: n }, (_, i) => `${'x/'.repeat(i)}*`).join('|');

  it('allows 16 statements and refuses 17', () => {
    expect(compileRules(parseClaimRules(`ref=${alternatives(4)}\nenvironment=${alternatives(4)}`), target).document.Statement).toHaveLength(16);
    const error = thrown(() => compileRules(parseClaimRules(`ref=${alternatives(17)}`), target));
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/^These rules would need 17 trust-policy statements/), hint: expect.stringContaining('within 16') });
    expect(thrown(() => compileRules(parseClaimRules(`ref=${alternatives(3)}\nenvironment=${alternatives(6)}`), target))).toMatchObject({ message: expect.stringMatching(/^These rules would need 18 /) });
  });

  it('does not count exact values that joined a * group', () => {
    const rules = parseClaimRules(`ref=a*|b\nenvironment=${alternatives(16)}`);
    expect(compileRules(rules, target).document.Statement).toHaveLength(16);
  });
});

describe('the compiled policy and the rules agree', () => {
  it('on the mixed and grouped examples above', () => {
    const examples = ['ref=a*b**c|x|y/**', 'ref=a*:b|x/y/z', 'ref=refs/heads/**|main|refs/tags/v*', 'ref=a*\nref=*b/c'];
    const values = ['a', 'x', 'y/z', 'y/z/w', 'ab/c', 'a/b/c', 'axb:c', 'x/y/z', 'ax:b', 'a/x:b', 'main', 'refs/heads/a/b', 'refs/tags/v1', 'refs/tags/v1/x', 'ab/c', 'a/b/c'];
    for (const rules of examples) {
      const narrower = ruleBindings(parseClaimRules(rules), keys).some((binding) => binding.where === 'aws-narrower');
      for (const ref of values) {
        const byRules = checkClaimRules(parseClaimRules(rules), { ref }).every((result) => result.held);
        if (narrower) expect(accepts(rules, ref) && !byRules, `${rules} / ${ref}`).toBe(false);
        else expect(accepts(rules, ref), `${rules} / ${ref}`).toBe(byRules);
      }
    }
  });
});
