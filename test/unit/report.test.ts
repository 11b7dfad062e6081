import { describe, expect, it } from 'vitest';
import { auditRecord, summaryMarkdown, type RunReport } from '../../src/core/report.js';

const report: RunReport = {
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
  rules: [{ rule: 'ref=refs/heads/*', held: true }],
};

describe('step summary and audit record', () => {
  it('shows who, which role and session, expiry and rules, one row each', () => {
    const markdown = summaryMarkdown(report, Date.parse('2026-11-23T09:00:00Z'));
    expect(markdown).toContain('### ✅ claimcheck assumed deploy');
    expect(markdown).toContain('| Repository | acme/api |');
    expect(markdown).toContain('| Session | <code>acme.api@1-1</code> |');
    expect(markdown).toContain('| Expires | 2026-11-23T10:00:00.000Z (in 60 min) |');
    expect(markdown).toContain('- ✅ <code>ref=refs/heads/&#42;</code>');
  });

  it('keeps claim values from forming HTML, table cells or headings', () => {
    const markdown = summaryMarkdown(report, 0);
    const refRow = markdown.split('\n').find((line) => line.startsWith('| Ref |'));
    expect(refRow).toBe('| Ref | refs/heads/&#60;img src=x onerror=alert(1)&#62;&#124;x &#35; heading |');
    expect(markdown).not.toContain('<img');
    expect(markdown.split('\n').some((line) => line.startsWith('# heading'))).toBe(false);
  });

  it('writes the same facts as one JSON line', () => {
    const line = auditRecord(report);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({
      event: 'claimcheck.assume-role',
      version: '1.2.3',
      subject: 'repo:acme/api:ref:refs/heads/main',
      job: { Repository: 'acme/api' },
      assumed_role: 'arn:aws:sts::123456789012:assumed-role/deploy/acme.api@1-1',
      session: 'acme.api@1-1',
      expiration: '2026-11-23T10:00:00.000Z',
      rules: [{ rule: 'ref=refs/heads/*', held: true }],
    });
  });
});
