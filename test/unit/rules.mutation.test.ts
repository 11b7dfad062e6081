// Claim rules at their edges: how a line is cut into claim and value (spaces, comments, an
// "=" first), the value's bounds, empty alternatives, how a claim is shown, and the error
// for a failed rule with its hint and the rules that held.
import { describe, expect, it } from 'vitest';
import { describeClaim, parseClaimRules, presentedFor, RuleSyntaxError, ruleFailure, checkClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';

function syntaxError(text: string): string {
  try {
    parseClaimRules(text);
  } catch (error) {
    if (error instanceof RuleSyntaxError) return error.message;
    throw error;
  }
  throw new Error('expected a syntax error');
}

describe('parseClaimRules', () => {
  it('trims lines, claims and values, and skips indented comments and blank lines', () => {
    const rules = parseClaimRules('  # who may deploy\n\t ref =  refs/heads/main \r\n   \nenvironment= prod | staging ');
    expect(rules.map((rule) => [rule.source, rule.claim])).toEqual([['ref=refs/heads/main', 'ref'], ['environment=prod | staging', 'environment']]);
    expect(checkClaimRules(rules, { ref: 'refs/heads/main', environment: 'staging' }).map((result) => result.held)).toEqual([true, true]);
  });

  it('names the line at fault, as written without its surrounding space', () => {
    expect(syntaxError('ref=main\n  environment  ')).toBe('line 2 ("environment") has no "=": write claim=value');
    expect(syntaxError('=main')).toBe('line 1 ("=main") names no valid claim: use letters, digits and _ . : / - (e.g. repository)');
    expect(syntaxError('ref =  ')).toBe('line 1 ("ref =") has an empty value');
  });

  it('takes a value of 1024 characters, and no longer', () => {
    expect(parseClaimRules(`ref=${'a'.repeat(1024)}`)).toHaveLength(1);
    expect(syntaxError(`ref=${'a'.repeat(1025)}`)).toMatch(/ is longer than 1024 characters$/);
  });

  it.each(['a| |b', 'a||b', '|a', 'a|'])('refuses the empty alternative in %s', (value) => {
    expect(syntaxError(`ref=${value}`)).toBe(`line 1 ("ref=${value}") has an empty alternative around "|"`);
  });
});

describe('how a claim is shown', () => {
  it('shows text as it is, other values as JSON, and cuts at 200 characters', () => {
    expect(describeClaim(undefined)).toBeUndefined();
    expect(describeClaim('main')).toBe('main');
    expect(describeClaim(17)).toBe('17');
    expect(describeClaim(['a', 1])).toBe('["a",1]');
    expect(describeClaim('x'.repeat(200))).toBe('x'.repeat(200));
    expect(describeClaim('x'.repeat(201))).toBe(`${'x'.repeat(200)}…`);
  });

  it('says what the token presented for a rule', () => {
    const [rule] = parseClaimRules('ref=main') as [ClaimRule];
    expect(presentedFor({ rule, held: false, presented: undefined })).toBe('no ref claim');
    expect(presentedFor({ rule, held: false, presented: 'refs/heads/dev' })).toBe('ref is "refs/heads/dev"');
  });
});

describe('ruleFailure', () => {
  function failure(rules: string, claims: Record<string, unknown>) {
    const results = checkClaimRules(parseClaimRules(rules), claims);
    const failed = results.find((result) => !result.held);
    if (!failed) throw new Error('every rule held');
    return ruleFailure(failed, results);
  }

  it('says what the token has, and lists the rules that held', () => {
    expect(failure('ref=main', { ref: 'dev' })).toMatchObject({ code: 'RULE_FAILED', message: 'Claim rule ref=main does not hold: the token\'s ref is "dev".' });
    expect(failure('repository=acme/api\nactor=octocat\nref=main', { repository: 'acme/api', actor: 'octocat', ref: 'dev' }).message).toBe(
      'Claim rule ref=main does not hold: the token\'s ref is "dev". Rules that held: repository=acme/api, actor=octocat.',
    );
    const missing = failure('ref=refs/heads/*', {});
    expect(missing.message).toBe('Claim rule ref=refs/heads/* does not hold: the token has no ref claim.');
    expect(missing.hint).toMatch(/^Run the job where the rule holds/);
  });

  it('suggests ** only when one alternative would match with it', () => {
    expect(failure('ref=refs/tags/*|refs/heads/*', { ref: 'refs/heads/feature/x' }).hint).toBe('A * stops at / and :, use ** to match across them (e.g. refs/heads/**).');
    expect(failure('ref=refs/tags/*|refs/heads/*', { ref: 'refs/pull/1' }).hint).toMatch(/^Run the job where the rule holds/);
    expect(failure('ref=main', { ref: 'dev' }).hint).toMatch(/^Run the job where the rule holds/);
  });

  it('looks only at glob alternatives for that hint', () => {
    const rule: ClaimRule = { source: 'ref={"equals":"main"}', claim: 'ref', alternatives: [{ exact: 'main' }] };
    const results = checkClaimRules([rule], { ref: 'dev' });
    expect(ruleFailure(results[0] as (typeof results)[0], results).hint).toMatch(/^Run the job where the rule holds/);
  });
});
