import { describe, expect, it } from 'vitest';
import { checkClaimRules, parseClaimRules, ruleFailure } from '../../src/core/rules/rules.js';

function holds(rule: string, claims: Record<string, unknown>): boolean {
  const [result] = checkClaimRules(parseClaimRules(rule), claims);
  if (!result) throw new Error('no rule parsed');
  return result.held;
}

describe('claim rules', () => {
  it.each([
    // rule, claim value, held
    ['repository=acme/api', 'acme/api', true],
    ['repository=acme/api', 'acme/api2', false],
    ['repository=acme/api', 'Acme/api', false],
    ['repository=acme/api', 'аcme/api', false], // Cyrillic а
    ['repository=acme/api', ' acme/api', false],
    ['repository=acme/*', 'acme/web', true],
    ['repository=acme/*', 'acme/', true],
    ['repository=acme/*', 'evil/acme/web', false],
    ['repository=acme/*', 'acme/web/extra', false],
    ['ref=refs/heads/*', 'refs/heads/main', true],
    ['ref=refs/heads/*', 'refs/heads/feature/x', false],
    ['ref=refs/heads/**', 'refs/heads/feature/x', true],
    ['ref=refs/heads/main|refs/tags/v*', 'refs/tags/v1.2.3', true],
    ['ref=refs/heads/main|refs/tags/v*', 'refs/heads/main', true],
    ['ref=refs/heads/main|refs/tags/v*', 'refs/heads/mainline', false],
    ['ref=refs/heads/main|refs/tags/v*', 'refs/tags/release', false],
    ['sub=repo:acme/*:ref:refs/heads/main', 'repo:acme/api:ref:refs/heads/main', true],
    ['sub=repo:acme/*:ref:refs/heads/main', 'repo:acme/api:environment:x:ref:refs/heads/main', false],
    ['sub=repo:acme/*', 'repo:acme/api:pull_request', false],
    ['sub=repo:acme/**', 'repo:acme/api:pull_request', true],
    ['environment=prod', 'production', false],
    ['environment=prod*', 'production', true],
    ['workflow=a\\|b', 'a|b', true],
    ['workflow=a\\|b', 'a', false],
    ['workflow=\\*', '*', true],
    ['workflow=\\*', 'anything', false],
    ['run_number=17', 17, true],
    ['ref_protected=true', true, true],
    ['ref_protected=true', 'false', false],
  ])('%s against %j → %s', (rule, value, expected) => {
    const claim = rule.slice(0, rule.indexOf('='));
    expect(holds(rule, { [claim]: value })).toBe(expected);
  });

  it('matches arrays by any element, and never objects, null or absent claims', () => {
    const rule = 'oidc.circleci.com/context-ids=ctx-*';
    expect(holds(rule, { 'oidc.circleci.com/context-ids': ['other', 'ctx-prod'] })).toBe(true);
    expect(holds(rule, { 'oidc.circleci.com/context-ids': ['other'] })).toBe(false);
    expect(holds(rule, { 'oidc.circleci.com/context-ids': [] })).toBe(false);
    expect(holds('environment=**', {})).toBe(false);
    expect(holds('environment=**', { environment: null })).toBe(false);
    expect(holds('environment=**', { environment: { value: 'prod' } })).toBe(false);
    expect(holds('environment=**', { environment: '' })).toBe(true);
  });

  it('does not read inherited properties as claims', () => {
    expect(holds('constructor=**', {})).toBe(false);
    expect(holds('__proto__=**', JSON.parse('{}'))).toBe(false);
  });

  it('matches long values without backtracking blow-up', () => {
    const rule = `sub=${'*a'.repeat(40)}b`;
    expect(holds(rule, { sub: 'a'.repeat(20000) })).toBe(false);
  });

  it.each([
    ['no equals sign', 'repository'],
    ['empty claim name', '=acme'],
    ['bad claim name', 'repo sitory=acme'],
    ['empty value', 'repository='],
    ['empty alternative', 'ref=a||b'],
    ['bad escape', 'ref=\\n'],
    ['triple star', 'ref=***'],
    ['control character', 'ref=a\u0007b'],
  ])('rejects a rule with %s', (_, text) => {
    expect(() => parseClaimRules(text)).toThrow(/line 1/);
  });

  it('numbers the line at fault', () => {
    expect(() => parseClaimRules('repository=acme/api\n\nref')).toThrow(/line 3/);
  });

  it('explains the first failure with the value presented and the rules that held', () => {
    const rules = parseClaimRules('repository=acme/api\nref=refs/heads/*');
    const results = checkClaimRules(rules, { repository: 'acme/api', ref: 'refs/heads/feature/x' });
    const error = ruleFailure(results[1]!, results);
    expect(error.code).toBe('RULE_FAILED');
    expect(error.message).toBe('Claim rule ref=refs/heads/* does not hold: the token\'s ref is "refs/heads/feature/x". Rules that held: repository=acme/api.');
    expect(error.hint).toMatch(/use \*\* to match across/);
  });

  it('says when the claim is missing', () => {
    const rules = parseClaimRules('environment=prod');
    const results = checkClaimRules(rules, {});
    expect(ruleFailure(results[0]!, results).message).toContain('the token has no environment claim');
  });
});
