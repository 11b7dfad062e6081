// The failure report, case by case: which claims it shows, which role it names, how the
// rules fared, and which next step each error gets. Rendering is in report.mutation.test.ts.
import { describe, expect, it } from 'vitest';
import { ClaimcheckError, type ErrorCode } from '../../src/core/errors.js';
import { failureReport, type FailureFacts } from '../../src/core/report/failure-report.js';
import type { InputName } from '../../src/core/config/inputs.generated.js';
import type { RulesDocument } from '../../src/core/rules/rules-file.js';
import { parseSettings } from '../../src/core/config/settings.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const ISSUER = 'https://token.actions.githubusercontent.com';
const EXPLAIN = `claimcheck explain --token-file <this job's token> --issuer ${ISSUER} --audience sts.amazonaws.com`;

function facts(inputs: Partial<Record<InputName, string>>, claims?: Record<string, unknown>, document?: unknown): FailureFacts {
  const all: Partial<Record<InputName, string>> = { 'aws-region': 'us-east-1', ...inputs };
  const settings = parseSettings((name) => all[name], document === undefined ? {} : { readRulesFile: () => document as RulesDocument });
  return { version: '9.9.9', settings, claims, troubleshootingUrl: undefined };
}

const error = (code: ErrorCode, message = 'm') => new ClaimcheckError(code, message, 'h');

/** A role map whose entry needs ref=refs/heads/main, and one that takes any token. */
const mapWith = (catchAll: boolean) => ({
  version: 1,
  roles: [
    { name: 'main', role: 'arn:aws:iam::123456789012:role/main-deploy', claims: { ref: 'refs/heads/main' } },
    ...(catchAll ? [{ name: 'any', role: 'arn:aws:iam::123456789012:role/read-only' }] : []),
  ],
});

describe('the claims shown', () => {
  it('are the identity claims, then the claims the rules and the role map look at, and nothing else', () => {
    const document = { version: 1, roles: [{ name: 'pr', role: ROLE, claims: { head_ref: 'feature/*' } }] };
    const claims = { head_ref: 'feature/x', runner_environment: 'github-hosted', jti: 'j', sub: 's', base_ref: 'main' };
    const withRules = failureReport(error('ROLE_NO_MATCH'), facts({ 'rules-file': 'rules.yml' }, claims, { ...document, claims: { runner_environment: 'github-hosted' } }));
    expect(withRules.claims).toEqual([['sub', 's'], ['runner_environment', 'github-hosted'], ['head_ref', 'feature/x']]);
  });

  it('are the identity claims when the inputs did not parse', () => {
    const report = failureReport(error('INPUT_INVALID'), { version: '1', settings: undefined, claims: { sub: 's', ref: 'r', jti: 'j' }, troubleshootingUrl: 'https://docs.example/T.md' });
    expect(report.claims).toEqual([['sub', 's'], ['ref', 'r']]);
    expect(report.troubleshooting).toEqual({ anchor: 'input_invalid', url: 'https://docs.example/T.md' });
  });
});

describe('the role named', () => {
  it('is role-to-assume, even when no token was verified', () => {
    const report = failureReport(error('TOKEN_EXPIRED'), facts({ 'role-to-assume': ROLE, claims: 'ref=refs/heads/main' }));
    expect(report.roleArn).toBe(ROLE);
    expect(report.claims).toBeUndefined();
    expect(report.rules).toEqual([{ rule: 'ref=refs/heads/main', held: undefined, presented: undefined, claim: 'ref' }]);
  });

  it("is not the role map's choice until a token was verified, even for an entry that takes any token", () => {
    const anyToken = { version: 1, roles: [{ name: 'any', role: 'arn:aws:iam::123456789012:role/read-only' }] };
    expect(failureReport(error('TOKEN_EXPIRED'), facts({ 'rules-file': 'rules.yml' }, undefined, anyToken)).roleArn).toBeUndefined();
    expect(failureReport(error('TOKEN_EXPIRED'), facts({ 'rules-file': 'rules.yml' }, undefined, mapWith(true))).roleArn).toBeUndefined();
    expect(failureReport(error('STS_ACCESS_DENIED'), facts({ 'rules-file': 'rules.yml' }, { ref: 'refs/heads/x' }, mapWith(true))).roleArn).toBe('arn:aws:iam::123456789012:role/read-only');
  });

  it('is none when no entry of the role map matches', () => {
    const report = failureReport(error('ROLE_NO_MATCH'), facts({ 'rules-file': 'rules.yml' }, { ref: 'refs/heads/x' }, mapWith(false)));
    expect(report.roleArn).toBeUndefined();
  });
});

describe('the next step', () => {
  it('for ROLE_NO_MATCH and RULE_FAILED: explain the rules file against the token', () => {
    for (const code of ['ROLE_NO_MATCH', 'RULE_FAILED'] as const) {
      const report = failureReport(error(code), facts({ 'rules-file': 'rules.yml' }, { ref: 'refs/heads/x' }, mapWith(false)));
      expect(report.nextStep).toEqual({ text: expect.stringMatching(/^Compare the rules with the claims above/), command: `${EXPLAIN} --rules-file <your rules file>` });
    }
  });

  it('names no issuer or audience it does not know', () => {
    const report = failureReport(error('RULE_FAILED'), { version: '1', settings: undefined, claims: undefined, troubleshootingUrl: undefined });
    expect(report.nextStep?.command).toBe("claimcheck explain --token-file <this job's token> --rules-file <your rules file>");
  });

  it('for STS_TOKEN_REJECTED: list the IAM OIDC providers and their audiences', () => {
    const report = failureReport(error('STS_TOKEN_REJECTED'), facts({ 'role-to-assume': ROLE }, { sub: 's' }));
    expect(report.nextStep).toEqual({
      text: expect.stringMatching(/^List the account's IAM OIDC providers/),
      command: 'aws iam list-open-id-connect-providers && aws iam get-open-id-connect-provider --open-id-connect-provider-arn <the provider ARN>',
    });
  });

  it('for STS_ACCESS_DENIED: judge the token against the saved trust policy, when a role was decided', () => {
    const report = failureReport(error('STS_ACCESS_DENIED'), facts({ 'role-to-assume': ROLE }, { sub: 's' }));
    expect(report.nextStep).toEqual({ text: expect.stringMatching(/^Save the role's trust policy/), command: `aws iam get-role --role-name deploy > role.json && ${EXPLAIN} --trust-policy role.json` });
    expect(failureReport(error('STS_ACCESS_DENIED'), facts({ 'rules-file': 'rules.yml' }, undefined, mapWith(false))).nextStep).toBeUndefined();
  });

  it.each(['TOKEN_EXPIRED', 'STS_INVALID_REQUEST', 'STS_UNAVAILABLE', 'INTERNAL'] as const)('for %s: none (the hint is the next step)', (code) => {
    expect(failureReport(error(code), facts({ 'role-to-assume': ROLE }, { sub: 's' })).nextStep).toBeUndefined();
  });
});
