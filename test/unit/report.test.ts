import { describe, expect, it } from 'vitest';
import { auditRecord, summaryMarkdown, summaryText } from '../../src/core/report/report.js';
import { awsRunReport, type AwsReportFields } from '../harness/reports.ts';
import { markdownFacts } from '../harness/markdown.ts';

const fields: AwsReportFields = {
  version: '1.2.3',
  job: [
    ['Repository', 'acme/api'],
    ['Ref', 'refs/heads/<img src=x onerror=alert(1)>|x\n# heading'],
  ],
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'repo:acme/api:ref:refs/heads/main',
  roleArn: 'arn:aws:iam::123456789012:role/deploy',
  roleEntry: undefined,
  roleChain: [],
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/deploy/acme.api@1-1',
  accountId: '123456789012',
  sessionName: 'acme.api@1-1',
  region: 'eu-west-1',
  expiration: new Date('2026-11-23T10:00:00Z'),
  rules: [
    { rule: 'ref=refs/heads/*', held: true, binds: 'aws', key: 'token.actions.githubusercontent.com:ref' },
    { rule: 'event_name=push', held: true, binds: 'claimcheck' },
  ],
};
const report = awsRunReport(fields);

describe('step summary and audit record', () => {
  it('shows who, which role and session, expiry and rules, one row each', () => {
    const markdown = summaryMarkdown(report, Date.parse('2026-11-23T09:00:00Z'));
    expect(markdown).toContain('### ✅ claimcheck assumed `deploy`');
    expect(markdown).toContain('| Repository | `acme/api` |');
    expect(markdown).toContain('| Session | `acme.api@1-1` |');
    expect(markdown).toContain('| Expires | 2026-11-23T10:00:00.000Z (in 60 min) |');
    expect(markdown).toContain('- ✅ `ref=refs/heads/*` — AWS can enforce (`token.actions.githubusercontent.com:ref`)');
    expect(markdown).toContain('- ✅ `event_name=push` — claimcheck only');
    expect(markdown).toContain("The role's trust policy is the boundary: AWS cannot check the rules marked *claimcheck only*");
  });

  it('says which rules AWS could enforce in the plain-text rows and the audit record', () => {
    expect(summaryText(report, 0)).toMatch(/Rule held: +ref=refs\/heads\/\* \(AWS can enforce\)\n {2}Rule held: +event_name=push \(claimcheck only\)$/);
    expect(JSON.parse(auditRecord(report)).rules).toEqual([
      { rule: 'ref=refs/heads/*', held: true, binds: [{ cloud: 'aws', key: 'token.actions.githubusercontent.com:ref' }] },
      { rule: 'event_name=push', held: true, binds: [] },
    ]);
  });

  it('keeps claim values from forming HTML, table cells or headings', () => {
    const markdown = summaryMarkdown(report, 0);
    const refRow = markdown.split('\n').find((line) => line.startsWith('| Ref |'));
    expect(refRow).toBe('| Ref | `refs/heads/<img src=x onerror=alert(1)>\\|x\\n# heading` |');
    const facts = markdownFacts(markdown);
    expect(facts.html).toEqual(['<sub>', '</sub>']);
    expect(facts.headings).toEqual(['✅ claimcheck assumed deploy']);
    expect(new Set(facts.rowCells)).toEqual(new Set([2]));
  });

  it('shows every value from a hostile token literally, as GitHub renders GFM: no link, mention, emoji, HTML or cell of its own', () => {
    const hostile = ['(www.evil.example)', 'x@evil.example', '#123', '@acme/team', ':smile:', '<img src=x>', '<!--', '[a](https://evil.example)', 'https://evil.example', '`', '``a``', '| x | y', '*em*', '&lt;', '\\', '\u001b[2J\u202e', '\u2028\r\n| forged | row |'];
    const value = hostile.join(' ');
    const markdown = summaryMarkdown(awsRunReport({ ...fields, job: hostile.map((text, index) => [`Fact ${index}`, text]), subject: value, roleEntry: value, sessionName: value, roleChain: [value], rules: [{ rule: value, held: true, binds: 'claimcheck' }] }), 0);
    const facts = markdownFacts(markdown);
    expect(facts.links).toEqual([]);
    expect(facts.html).toEqual(['<sub>', '</sub>']);
    expect(new Set(facts.rowCells)).toEqual(new Set([2]));
    for (const text of facts.outsideCode) expect(text).not.toMatch(/evil|@|#\d|:smile:|<|&|\*|\||forged|\u001b|\u202e/);
    expect(facts.code).toEqual(expect.arrayContaining(['(www.evil.example)', '``a``', '| x | y', '\\u001b[2J\\u202e', '\\u2028\\r\\n| forged | row |']));
    expect(facts.code.filter((code) => code.startsWith('(www.evil.example) x@evil.example'))).toHaveLength(5);
  });

  it('prints plain-text rows with visible escapes for the orb and the CLI', () => {
    const text = summaryText({ ...report, job: [['Ref', 'refs/heads/\u001b[2J\u009b31m\u2028##[stop-commands]x']] }, 0);
    expect(text.split('\n')[0]).toMatch(/^ {2}Ref: +refs\/heads\/\\u001b\[2J\\u009b31m\\u2028##\\u005bstop-commands\]x$/);
  });

  it('writes the same facts as one JSON line, for every reader', () => {
    const line = auditRecord(report);
    expect(line).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
    expect(JSON.parse(line)).toMatchObject({
      event: 'claimcheck.credentials',
      version: '1.2.3',
      subject: 'repo:acme/api:ref:refs/heads/main',
      job: { Repository: 'acme/api' },
      clouds: [{ cloud: 'aws', assumed_role: 'arn:aws:sts::123456789012:assumed-role/deploy/acme.api@1-1', session: 'acme.api@1-1', expiration: '2026-11-23T10:00:00.000Z' }],
      rules: [{ rule: 'ref=refs/heads/*', held: true }, { rule: 'event_name=push', held: true }],
    });
  });

  it('escapes U+2028, U+2029, NEL, controls and ##[ in the audit line, which parses back to the same values', () => {
    const hostile = 'a\u2028b\u2029c\u0085d\u001b[2J\u009b\u202e ##[stop-commands]x';
    const line = auditRecord({ ...report, subject: hostile, job: [['Ref', hostile]] });
    expect(line).toContain('"subject":"a\\u2028b\\u2029c\\u0085d\\u001b[2J\\u009b\\u202e ##\\u005bstop-commands]x"');
    expect(line.split(/[\n\r\u0085\u2028\u2029]/)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ subject: hostile, job: { Ref: hostile } });
  });
});
