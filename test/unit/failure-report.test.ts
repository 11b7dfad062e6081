// The failure report: built from what a run knew when it failed, rendered for a step summary
// and for log lines. The end-to-end view is in test/e2e/failure-summary.test.ts.
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { failureReport, type FailureFacts } from '../../src/core/report/failure-report.js';
import type { InputName } from '../../src/core/config/inputs.generated.js';
import { failureText } from '../../src/core/report/report.js';
import { parseSettings } from '../../src/core/config/settings.js';
import type { RulesDocument } from '../../src/core/rules/rules-file.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const ISSUER = 'https://token.actions.githubusercontent.com';

function facts(inputs: Partial<Record<InputName, string>>, claims?: Record<string, unknown>, document?: unknown): FailureFacts {
  const all: Partial<Record<InputName, string>> = { 'aws-region': 'us-east-1', ...inputs };
  const settings = parseSettings((name) => all[name], document === undefined ? {} : { readRulesFile: () => document as RulesDocument });
  return { version: '9.9.9', settings, claims, troubleshootingUrl: undefined };
}

const denied = (message: string) => new ClaimcheckError('STS_ACCESS_DENIED', message, 'Fix the trust policy.');

describe('failureReport', () => {
  it('names the role of the role map entry that matched, and suggests judging the token against its trust policy', () => {
    const document = { version: 1, roles: [{ name: 'main', role: 'arn:aws:iam::123456789012:role/main-deploy', claims: { ref: 'refs/heads/main' } }] };
    const report = failureReport(denied('STS refused to let this token assume …'), facts({ 'rules-file': 'rules.yml' }, { sub: 'repo:acme/api:ref:refs/heads/main', ref: 'refs/heads/main', jti: 'x' }, document));
    expect(report.roleArn).toBe('arn:aws:iam::123456789012:role/main-deploy');
    expect(report.nextStep?.command).toBe(`aws iam get-role --role-name main-deploy > role.json && claimcheck explain --token-file <this job's token> --issuer ${ISSUER} --audience sts.amazonaws.com --trust-policy role.json`);
    // The role map's rules name ref: it is shown; jti says nothing about the job.
    expect(report.claims).toEqual([['sub', 'repo:acme/api:ref:refs/heads/main'], ['ref', 'refs/heads/main']]);
  });

  it('leaves the next step to the hint when a role of the chain refused', () => {
    const report = failureReport(denied('STS refused to let arn:aws:sts::1:assumed-role/deploy/x assume arn:aws:iam::123456789012:role/next in the role chain (AccessDenied: no).'), facts({ 'role-to-assume': ROLE }, { sub: 's' }));
    expect(report.nextStep).toBeUndefined();
  });

  it('without settings (the inputs did not parse) has only the error and its section', () => {
    const report = failureReport(new ClaimcheckError('INPUT_INVALID', 'Input aws-region is "x".', 'Set it.'), { version: '1.0.0', settings: undefined, claims: undefined, troubleshootingUrl: undefined });
    expect(report).toMatchObject({ roleArn: undefined, issuer: undefined, claims: undefined, rules: [], nextStep: undefined, troubleshooting: { anchor: 'input_invalid', url: undefined } });
  });
});

describe('failureText', () => {
  it('lists claims, rules held and failed, the next step and the section, each line inert', () => {
    const report = failureReport(
      new ClaimcheckError('RULE_FAILED', 'Claim rule ref=refs/heads/main does not hold.', 'Run it on main.'),
      facts({ 'role-to-assume': ROLE, claims: 'repository=acme/api\nref=refs/heads/main' }, { sub: 'repo:acme/api:ref:refs/heads/x', repository: 'acme/api', ref: 'refs/heads/x\u001b[2J\n::stop-commands::t' }),
    );
    const text = failureText(report);
    expect(text.split('\n')).toEqual([
      `claimcheck did not assume ${ROLE} (RULE_FAILED).`,
      "  Claims presented (the verified token's):",
      '    sub:        repo:acme/api:ref:refs/heads/x',
      '    repository: acme/api',
      '    ref:        refs/heads/x\\u001b[2J\\n::stop-commands::t',
      '  Claim rules (1 held, 1 failed):',
      '    held:   repository=acme/api',
      '    failed: ref=refs/heads/main (ref is "refs/heads/x\\u001b[2J\\n::stop-commands::t")',
      '  Next step: Compare the rules with the claims above; claimcheck explain checks every rule and role map entry against a token without calling AWS.',
      `    claimcheck explain --token-file <this job's token> --issuer ${ISSUER} --audience sts.amazonaws.com --rules-file <your rules file>`,
      '  Troubleshooting: docs/TROUBLESHOOTING.md#rule_failed (claimcheck 9.9.9)',
    ]);
  });
});
