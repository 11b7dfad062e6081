// The five renderers of report.ts, line by line, with every optional part present and
// absent: what a user reads in the step summary, the log and the audit line of a run that
// succeeded or failed. The end-to-end suites show them in place; these pin each part.
import { describe, expect, it } from 'vitest';
import type { FailureReport } from '../../src/core/report/failure-report.js';
import { auditRecord, failureMarkdown, failureText, summaryMarkdown, summaryText } from '../../src/core/report/report.js';
import { awsRunReport, type AwsReportFields } from '../harness/reports.ts';

const ROLE = 'arn:aws:iam::123456789012:role/ci/deploy';
const NEXT = 'arn:aws:iam::123456789012:role/next';
const LAST = 'arn:aws:iam::210987654321:role/last';
const ISSUER = 'https://token.actions.githubusercontent.com';
const EXPIRES = '2026-11-23T10:00:00.000Z';
const minutesBefore = (minutes: number) => Date.parse(EXPIRES) - minutes * 60_000;

/** A run that used none of the optional parts. */
const bareFields: AwsReportFields = {
  version: '1.2.3',
  job: [['Repository', 'acme/api']],
  issuer: ISSUER,
  subject: 'repo:acme/api:ref:refs/heads/main',
  roleArn: 'arn:aws:iam::123456789012:role/deploy',
  roleEntry: undefined,
  roleChain: [],
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/deploy/acme.api@1-1',
  accountId: '123456789012',
  sessionName: 'acme.api@1-1',
  region: 'eu-west-1',
  expiration: new Date(EXPIRES),
  rules: [],
};
const bare = awsRunReport(bareFields);

/** A run that used them all: a role map entry, a chain, a source identity, request IDs, rules of both kinds. */
const fullFields: AwsReportFields = {
  ...bareFields,
  job: [['Repository', 'acme/api'], ['Workflow', 'deploy']],
  roleArn: ROLE,
  roleEntry: 'main',
  roleChain: [NEXT, LAST],
  assumedRoleArn: 'arn:aws:sts::210987654321:assumed-role/last/acme.api@1-1',
  accountId: '210987654321',
  sourceIdentity: 'octocat',
  stsRequests: [{ role: ROLE, requestId: 'r-1' }, { role: NEXT, requestId: undefined }, { role: LAST, requestId: 'r-3' }],
  rules: [
    { rule: 'ref=refs/heads/*', held: true, binds: 'aws', key: 'token.actions.githubusercontent.com:ref' },
    { rule: 'event_name=push', held: true, binds: 'claimcheck' },
  ],
};
const full = awsRunReport(fullFields);

describe('summaryMarkdown', () => {
  it('shows every part of a run that used them all, in order', () => {
    expect(summaryMarkdown(full, minutesBefore(30)).split('\n')).toEqual([
      '### ✅ claimcheck assumed `ci/deploy`',
      '',
      '| | |',
      '| --- | --- |',
      '| Repository | `acme/api` |',
      '| Workflow | `deploy` |',
      '| Role | `arn:aws:iam::123456789012:role/ci/deploy` (role map entry `main`) |',
      '| Role chain | `arn:aws:iam::123456789012:role/next` → `arn:aws:iam::210987654321:role/last` |',
      '| Session | `acme.api@1-1` |',
      '| Source identity | `octocat` |',
      '| Account | `210987654321` |',
      '| Region | `eu-west-1` |',
      '| Expires | 2026-11-23T10:00:00.000Z (in 30 min) |',
      '| STS request IDs | `r-1` → `r-3` |',
      '',
      '**Claim rules** (2, all held)',
      '',
      '- ✅ `ref=refs/heads/*` — AWS can enforce (`token.actions.githubusercontent.com:ref`)',
      '- ✅ `event_name=push` — claimcheck only',
      '',
      "The role's trust policy is the boundary: AWS cannot check the rules marked *claimcheck only*, so a job that skips this step is not held to them.",
      '',
      '<sub>claimcheck `1.2.3` · token from `https://token.actions.githubusercontent.com` · subject `repo:acme/api:ref:refs/heads/main`</sub>',
      '',
    ]);
  });

  it('leaves out the rows and sections a run did not use, and says how long ago a session expired', () => {
    expect(summaryMarkdown(bare, minutesBefore(-5)).split('\n')).toEqual([
      '### ✅ claimcheck assumed `deploy`',
      '',
      '| | |',
      '| --- | --- |',
      '| Repository | `acme/api` |',
      '| Role | `arn:aws:iam::123456789012:role/deploy` |',
      '| Session | `acme.api@1-1` |',
      '| Account | `123456789012` |',
      '| Region | `eu-west-1` |',
      '| Expires | 2026-11-23T10:00:00.000Z (5 min ago) |',
      '',
      '<sub>claimcheck `1.2.3` · token from `https://token.actions.githubusercontent.com` · subject `repo:acme/api:ref:refs/heads/main`</sub>',
      '',
    ]);
  });

  it('says "in 0 min" at the moment of expiry', () => {
    expect(summaryMarkdown(bare, minutesBefore(0))).toContain('| Expires | 2026-11-23T10:00:00.000Z (in 0 min) |');
  });

  it('has no request ID row when STS gave none', () => {
    const markdown = summaryMarkdown(awsRunReport({ ...bareFields, stsRequests: [{ role: bareFields.roleArn, requestId: undefined }] }), 0);
    expect(markdown).not.toContain('STS request IDs');
  });

  it('says nothing of the boundary when AWS can enforce every rule, and marks a rule that did not hold', () => {
    const markdown = summaryMarkdown(awsRunReport({ ...bareFields, rules: [{ rule: 'ref=refs/heads/main', held: true, binds: 'aws', key: 'k' }, { rule: 'repository=acme/api', held: false, binds: 'aws' }] }), 0);
    expect(markdown).toContain('**Claim rules** (2, all held)\n\n- ✅ `ref=refs/heads/main` — AWS can enforce (`k`)\n- ❌ `repository=acme/api` — AWS can enforce\n\n<sub>');
    expect(markdown).not.toContain('boundary');
  });
});

describe('summaryText', () => {
  it('prints every part of a run that used them all, labels aligned', () => {
    expect(summaryText(full, minutesBefore(30)).split('\n')).toEqual([
      '  Repository:      acme/api',
      '  Workflow:        deploy',
      '  Role:            arn:aws:iam::123456789012:role/ci/deploy (role map entry main)',
      '  Role chain:      arn:aws:iam::123456789012:role/next -> arn:aws:iam::210987654321:role/last',
      '  Session:         acme.api@1-1',
      '  Source identity: octocat',
      '  Account:         210987654321',
      '  Region:          eu-west-1',
      '  Expires:         2026-11-23T10:00:00.000Z (in 30 min)',
      '  STS request IDs: r-1 -> r-3',
      '  Rule held:       ref=refs/heads/* (AWS can enforce)',
      '  Rule held:       event_name=push (claimcheck only)',
    ]);
  });

  it('leaves out the rows a run did not use', () => {
    expect(summaryText(bare, minutesBefore(-5)).split('\n')).toEqual([
      '  Repository: acme/api',
      '  Role:       arn:aws:iam::123456789012:role/deploy',
      '  Session:    acme.api@1-1',
      '  Account:    123456789012',
      '  Region:     eu-west-1',
      '  Expires:    2026-11-23T10:00:00.000Z (5 min ago)',
    ]);
  });
});

describe('auditRecord', () => {
  it('writes every part of a run that used them all, in a fixed key order', () => {
    expect(auditRecord(full)).toBe(JSON.stringify({
      event: 'claimcheck.credentials',
      version: '1.2.3',
      issuer: ISSUER,
      subject: 'repo:acme/api:ref:refs/heads/main',
      job: { Repository: 'acme/api', Workflow: 'deploy' },
      clouds: [{
        cloud: 'aws',
        role: ROLE,
        role_map_entry: 'main',
        role_chain: [NEXT, LAST],
        assumed_role: 'arn:aws:sts::210987654321:assumed-role/last/acme.api@1-1',
        account: '210987654321',
        session: 'acme.api@1-1',
        source_identity: 'octocat',
        region: 'eu-west-1',
        expiration: EXPIRES,
        sts_requests: [{ role: ROLE, request_id: 'r-1' }, { role: NEXT }, { role: LAST, request_id: 'r-3' }],
      }],
      rules: [{ rule: 'ref=refs/heads/*', held: true, binds: [{ cloud: 'aws', key: 'token.actions.githubusercontent.com:ref' }] }, { rule: 'event_name=push', held: true, binds: [] }],
    }));
  });

  it('has no key for a part the run did not use', () => {
    const line = JSON.parse(auditRecord(bare)) as { clouds: object[] };
    expect(Object.keys(line)).toEqual(['event', 'version', 'issuer', 'subject', 'job', 'clouds', 'rules']);
    expect(Object.keys(line.clouds[0] as object)).toEqual(['cloud', 'role', 'assumed_role', 'account', 'session', 'region', 'expiration']);
  });
});

const URL = 'https://github.com/acme/claimcheck/blob/v1.2.3/docs/TROUBLESHOOTING.md';

/** A failure after the token was verified: claims, rules of every outcome, a next step with a command. */
const denied: FailureReport = {
  version: '9.9.9',
  code: 'STS_ACCESS_DENIED',
  message: 'STS refused to let this token assume it.',
  hint: 'Fix the trust policy.',
  roleArn: ROLE,
  issuer: ISSUER,
  claims: [['sub', 'repo:acme/api:ref:refs/heads/x'], ['repository', 'acme/api']],
  rules: [
    { rule: 'repository=acme/api', held: true, presented: 'acme/api', claim: 'repository' },
    { rule: 'ref=refs/heads/main', held: false, presented: 'refs/heads/x', claim: 'ref' },
    { rule: 'environment=prod', held: false, presented: undefined, claim: 'environment' },
  ],
  nextStep: { text: 'Judge the token against the trust policy.', command: 'claimcheck explain --trust-policy role.json' },
  troubleshooting: { anchor: 'sts_access_denied', url: URL },
};

/** A failure before any token was verified and before a role was decided. */
const early: FailureReport = {
  version: '9.9.9',
  code: 'TOKEN_EXPIRED',
  message: 'The token expired 5 s ago.',
  hint: 'Request it closer to its use.',
  roleArn: undefined,
  issuer: undefined,
  claims: undefined,
  rules: [
    { rule: 'ref=refs/heads/main', held: undefined, presented: undefined, claim: 'ref' },
    { rule: 'repository=acme/api', held: undefined, presented: undefined, claim: 'repository' },
  ],
  nextStep: { text: 'Look at the clock.' },
  troubleshooting: { anchor: 'token_expired', url: undefined },
};

/** A verified token with no claim worth showing, no rules and no next step. */
const plain: FailureReport = { ...early, claims: [], rules: [], nextStep: undefined };

describe('failureMarkdown', () => {
  it('shows the error, the next step, the claims, each rule and the section, after a verified token', () => {
    expect(failureMarkdown(denied).split('\n')).toEqual([
      '### ❌ claimcheck did not assume `ci/deploy`',
      '',
      '**`STS_ACCESS_DENIED`** `STS refused to let this token assume it.`',
      '',
      '**Hint:** `Fix the trust policy.`',
      '',
      '**Next step:** Judge the token against the trust policy.',
      '',
      '`claimcheck explain --trust-policy role.json`',
      '',
      "**Claims presented** (the verified token's; the token itself is never shown)",
      '',
      '| Claim | Value |',
      '| --- | --- |',
      '| `sub` | `repo:acme/api:ref:refs/heads/x` |',
      '| `repository` | `acme/api` |',
      '',
      '**Claim rules** (1 held, 2 failed)',
      '',
      '- ✅ `repository=acme/api`',
      '- ❌ `ref=refs/heads/main` — `ref is "refs/heads/x"`',
      '- ❌ `environment=prod` — `the token has no environment claim`',
      '',
      `Troubleshooting: [STS_ACCESS_DENIED](${URL}#sts_access_denied)`,
      '',
      '<sub>claimcheck `9.9.9` · token from `https://token.actions.githubusercontent.com`</sub>',
      '',
    ]);
  });

  it('says no token was verified and no rule checked, before a role was decided', () => {
    expect(failureMarkdown(early).split('\n')).toEqual([
      '### ❌ claimcheck failed',
      '',
      '**`TOKEN_EXPIRED`** `The token expired 5 s ago.`',
      '',
      '**Hint:** `Request it closer to its use.`',
      '',
      '**Next step:** Look at the clock.',
      '',
      'No claims to show: no token was verified.',
      '',
      '**Claim rules** (2, not checked: no token was verified)',
      '',
      '- ⏸️ `ref=refs/heads/main`',
      '- ⏸️ `repository=acme/api`',
      '',
      "Troubleshooting: `docs/TROUBLESHOOTING.md#token_expired` in claimcheck's repository.",
      '',
      '<sub>claimcheck `9.9.9`</sub>',
      '',
    ]);
  });

  it('leaves out the claims, rules and next step it does not have', () => {
    expect(failureMarkdown(plain).split('\n')).toEqual([
      '### ❌ claimcheck failed',
      '',
      '**`TOKEN_EXPIRED`** `The token expired 5 s ago.`',
      '',
      '**Hint:** `Request it closer to its use.`',
      '',
      "Troubleshooting: `docs/TROUBLESHOOTING.md#token_expired` in claimcheck's repository.",
      '',
      '<sub>claimcheck `9.9.9`</sub>',
      '',
    ]);
  });

  it('tallies rules that all held', () => {
    const held = { rule: 'ref=refs/heads/main', held: true, presented: 'refs/heads/main', claim: 'ref' };
    expect(failureMarkdown({ ...plain, rules: [held, held] })).toContain('**Claim rules** (2, all held)');
  });
});

describe('failureText', () => {
  it('prints the claims aligned, each rule, the next step and the section, after a verified token', () => {
    expect(failureText(denied).split('\n')).toEqual([
      'claimcheck did not assume arn:aws:iam::123456789012:role/ci/deploy (STS_ACCESS_DENIED).',
      "  Claims presented (the verified token's):",
      '    sub:        repo:acme/api:ref:refs/heads/x',
      '    repository: acme/api',
      '  Claim rules (1 held, 2 failed):',
      '    held:   repository=acme/api',
      '    failed: ref=refs/heads/main (ref is "refs/heads/x")',
      '    failed: environment=prod (the token has no environment claim)',
      '  Next step: Judge the token against the trust policy.',
      '    claimcheck explain --trust-policy role.json',
      `  Troubleshooting: ${URL}#sts_access_denied (claimcheck 9.9.9)`,
    ]);
  });

  it('says no token was verified and no rule checked, before a role was decided', () => {
    expect(failureText(early).split('\n')).toEqual([
      'claimcheck failed (TOKEN_EXPIRED).',
      '  No claims to show: no token was verified.',
      '  Claim rules (2, not checked: no token was verified):',
      '    not checked: ref=refs/heads/main',
      '    not checked: repository=acme/api',
      '  Next step: Look at the clock.',
      '  Troubleshooting: docs/TROUBLESHOOTING.md#token_expired (claimcheck 9.9.9)',
    ]);
  });

  it('leaves out the claims, rules and next step it does not have', () => {
    expect(failureText(plain).split('\n')).toEqual([
      'claimcheck failed (TOKEN_EXPIRED).',
      '  Troubleshooting: docs/TROUBLESHOOTING.md#token_expired (claimcheck 9.9.9)',
    ]);
  });
});
