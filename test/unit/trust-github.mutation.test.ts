// GitHub's subject formats (legacy `repo:OWNER/REPO:…` and immutable `repo:OWNER@ID/REPO@ID:…`)
// as the AccessDenied hints and explain read them, and the warnings about trusting names and
// branches. (Policies from `trust-policy --platform github` flags: trust-flags.test.ts.)
import { describe, expect, it } from 'vitest';
import { branchTrustNotice, githubSubjectKind, namesOnlyWarning, otherSubjectForm } from '../../src/core/trust/aws/platforms/github.js';

describe('githubSubjectKind', () => {
  it('tells the immutable form, the legacy form and anything else apart', () => {
    expect(githubSubjectKind('repo:acme@12/api@34:ref:refs/heads/main')).toBe('immutable');
    expect(githubSubjectKind('repo:acme/api:ref:refs/heads/main')).toBe('legacy');
    expect(githubSubjectKind('repo:acme/api:pull_request')).toBe('legacy');
    for (const sub of ['repo:acme@x/api@34:ref:m', 'repo:acme@12/api:ref:m', 'repo:acme/api', 'xrepo:acme/api:ref:m', 'repo:a/b/c:ref:m', 'project_path:acme/api:ref_type:branch:ref:main', '']) {
      expect(githubSubjectKind(sub), sub).toBe('other');
    }
    expect(githubSubjectKind('xrepo:acme@1/api@2:ref:m')).toBe('other');
  });
});

describe('otherSubjectForm', () => {
  const ids = { repository_owner_id: '12', repository_id: '34' };

  it('drops the ids of an immutable subject', () => {
    expect(otherSubjectForm('repo:acme@12/api@34:ref:refs/heads/main', {})).toBe('repo:acme/api:ref:refs/heads/main');
    expect(otherSubjectForm('repo:acme@12/api@34:environment:a\nb', {})).toBe('repo:acme/api:environment:a\nb');
  });

  it('adds the token\'s ids to a legacy subject, only when the token has both as text', () => {
    expect(otherSubjectForm('repo:acme/api:environment:prod', ids)).toBe('repo:acme@12/api@34:environment:prod');
    expect(otherSubjectForm('repo:acme/api:ref:a\nb', ids)).toBe('repo:acme@12/api@34:ref:a\nb');
    expect(otherSubjectForm('repo:acme/api:ref:m', { repository_owner_id: '12' })).toBeUndefined();
    expect(otherSubjectForm('repo:acme/api:ref:m', { repository_id: '34' })).toBeUndefined();
    expect(otherSubjectForm('repo:acme/api:ref:m', { repository_owner_id: 12, repository_id: 34 })).toBeUndefined();
  });

  it('has no other form for other subjects', () => {
    for (const sub of ['project_path:a/b:ref_type:branch:ref:main', 'repo:acme/api', 'xrepo:acme/api:ref:m', 'xrepo:acme@1/api@2:ref:m', 'repo:acme@1/api@x:ref:m']) expect(otherSubjectForm(sub, ids), sub).toBeUndefined();
  });
});

describe('the warnings', () => {
  it('tell how to pin a repository trusted by name', () => {
    const text = namesOnlyWarning('acme/api');
    expect(text).toMatch(/^Warning: this policy trusts acme\/api by name only\./);
    expect(text).toContain("--repository-id (and --owner-id; gh api repos/acme/api --jq '.owner.id, .id')");
  });

  it('name the runs people outside the repository can start on a branch', () => {
    const text = branchTrustNotice();
    expect(text).toMatch(/^Note: trust on a branch also accepts pull_request_target, issue_comment and workflow_run runs/);
    expect(text).toContain('(--environment, or an environment rule)');
  });
});
