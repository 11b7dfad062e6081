// GitHub's subject formats (legacy `repo:OWNER/REPO:…` and immutable
// `repo:OWNER@ID/REPO@ID:…`), the subjects a repository's trust lists in each, and the trust
// policy from `trust-policy --repository …` flags: by subject on names, or pinned by id.
import { describe, expect, it } from 'vitest';
import { ClaimcheckError } from '../../src/core/errors.js';
import { evaluatePolicy } from '../../src/core/trust/aws/evaluate.js';
import { issuerKeys, requestContext, type IssuerKeys } from '../../src/core/trust/aws/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/policy.js';
import { branchTrustNotice, githubSubjectKind, githubSubjects, githubTrustPolicy, namesOnlyWarning, otherSubjectForm, type GitHubTrust } from '../../src/core/trust/aws/platforms/github.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const KEYS = issuerKeys(ISSUER);
const P = 'token.actions.githubusercontent.com';
const PRINCIPAL = `arn:aws:iam::123456789012:oidc-provider/${P}`;
const TARGET = { principal: PRINCIPAL, keys: KEYS, audience: 'sts.amazonaws.com' };

const NONE: GitHubTrust = { repository: 'acme/api', ownerId: undefined, repositoryId: undefined, branches: [], tags: [], environments: [], pullRequests: false, subjectFormat: 'both' };

function trust(changes: Partial<GitHubTrust>): GitHubTrust {
  return { ...NONE, ...changes };
}

function accepts(document: object, claims: Record<string, unknown>, keys: IssuerKeys = KEYS): boolean {
  return evaluatePolicy(readPolicyDocument(document), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value === PRINCIPAL,
    context: requestContext(keys, { aud: 'sts.amazonaws.com', ...claims }),
  }).allowed;
}

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

describe('githubSubjects', () => {
  const all = trust({ branches: ['main'], tags: ['v*'], environments: ['prod'], pullRequests: true });

  it('lists branches, tags, environments and pull requests in each format asked for', () => {
    expect(githubSubjects({ ...all, subjectFormat: 'legacy' })).toEqual([
      'repo:acme/api:ref:refs/heads/main',
      'repo:acme/api:ref:refs/tags/v*',
      'repo:acme/api:environment:prod',
      'repo:acme/api:pull_request',
    ]);
    expect(githubSubjects({ ...all, subjectFormat: 'immutable' })).toEqual([
      'repo:acme@*/api@*:ref:refs/heads/main',
      'repo:acme@*/api@*:ref:refs/tags/v*',
      'repo:acme@*/api@*:environment:prod',
      'repo:acme@*/api@*:pull_request',
    ]);
    expect(githubSubjects({ ...all, pullRequests: false, tags: [], environments: [] })).toEqual(['repo:acme/api:ref:refs/heads/main', 'repo:acme@*/api@*:ref:refs/heads/main']);
  });

  it('names the ids in the immutable form when both are given', () => {
    expect(githubSubjects(trust({ ownerId: '12', repositoryId: '34', environments: ['prod'], subjectFormat: 'immutable' }))).toEqual(['repo:acme@12/api@34:environment:prod']);
    expect(githubSubjects(trust({ ownerId: '12', environments: ['prod'], subjectFormat: 'immutable' }))).toEqual(['repo:acme@*/api@*:environment:prod']);
    expect(githubSubjects(trust({ repositoryId: '34', environments: ['prod'], subjectFormat: 'immutable' }))).toEqual(['repo:acme@*/api@*:environment:prod']);
  });
});

describe('githubTrustPolicy by name', () => {
  it('is one statement on the subjects, StringEquals when literal', () => {
    expect(githubTrustPolicy(trust({ environments: ['prod'], subjectFormat: 'legacy' }), TARGET)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PRINCIPAL },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com', [`${P}:sub`]: 'repo:acme/api:environment:prod' } },
        },
      ],
    });
  });

  it('accepts both subject forms of the trusted refs and nothing else', () => {
    const document = githubTrustPolicy(trust({ branches: ['main'] }), TARGET);
    expect(accepts(document, { sub: 'repo:acme/api:ref:refs/heads/main' })).toBe(true);
    expect(accepts(document, { sub: 'repo:acme@1/api@2:ref:refs/heads/main' })).toBe(true);
    expect(accepts(document, { sub: 'repo:acme/api:ref:refs/heads/dev' })).toBe(false);
    expect(accepts(document, { sub: 'repo:acme/api:ref:refs/heads/main', aud: 'other' })).toBe(false);
    // Only one id: still by name (both are needed to pin).
    expect(githubTrustPolicy(trust({ ownerId: '1', branches: ['main'] }), TARGET)).toEqual(document);
    expect(githubTrustPolicy(trust({ repositoryId: '2', branches: ['main'] }), TARGET)).toEqual(document);
  });

  it('writes no policy variable from a name', () => {
    const document = githubTrustPolicy(trust({ environments: ['a${x}'], subjectFormat: 'legacy' }), { ...TARGET, audience: 'b${y}' });
    expect(document.Statement[0]).toMatchObject({ Condition: { StringEquals: { [`${P}:aud`]: 'b${$}{y}', [`${P}:sub`]: 'repo:acme/api:environment:a${$}{x}' } } });
  });
});

describe('githubTrustPolicy pinned by id', () => {
  const ids = { ownerId: '12', repositoryId: '34' };
  const pin = { [`${P}:aud`]: 'sts.amazonaws.com', [`${P}:repository_owner_id`]: '12', [`${P}:repository_id`]: '34' };
  const allow = (Condition: object) => ({ Effect: 'Allow', Principal: { Federated: PRINCIPAL }, Action: 'sts:AssumeRoleWithWebIdentity', Condition });

  it('has a statement for the refs, one for the environments and one for pull requests', () => {
    const document = githubTrustPolicy(trust({ ...ids, branches: ['main', 'rel/*'], tags: ['v1'], environments: ['prod'], pullRequests: true }), TARGET);
    expect(document).toEqual({
      Version: '2012-10-17',
      Statement: [
        allow({ StringEquals: pin, StringLike: { [`${P}:ref`]: ['refs/heads/main', 'refs/heads/rel/*', 'refs/tags/v1'] } }),
        allow({ StringEquals: { ...pin, [`${P}:environment`]: 'prod' } }),
        allow({ StringEquals: { ...pin, [`${P}:sub`]: ['repo:acme/api:pull_request', 'repo:acme@12/api@34:pull_request'] } }),
      ],
    });
  });

  it('lists only what is trusted', () => {
    expect(githubTrustPolicy(trust({ ...ids, tags: ['v1'] }), TARGET).Statement).toEqual([allow({ StringEquals: { ...pin, [`${P}:ref`]: 'refs/tags/v1' } })]);
    expect(githubTrustPolicy(trust({ ...ids, pullRequests: true, subjectFormat: 'legacy' }), TARGET).Statement).toEqual([
      allow({ StringEquals: { ...pin, [`${P}:sub`]: ['repo:acme/api:pull_request', 'repo:acme@12/api@34:pull_request'] } }),
    ]);
    expect(githubTrustPolicy(trust(ids), TARGET).Statement).toEqual([]);
  });

  it('refuses a re-created name and accepts either subject form of the pinned repository', () => {
    const document = githubTrustPolicy(trust({ ...ids, branches: ['main'], environments: ['prod'] }), TARGET);
    const token = { repository_owner_id: '12', repository_id: '34', sub: 'repo:acme/api:ref:refs/heads/main', ref: 'refs/heads/main' };
    expect(accepts(document, token)).toBe(true);
    expect(accepts(document, { ...token, repository_id: '35' })).toBe(false);
    expect(accepts(document, { ...token, repository_owner_id: '13' })).toBe(false);
    expect(accepts(document, { ...token, ref: 'refs/heads/dev' })).toBe(false);
    expect(accepts(document, { ...token, ref: 'refs/heads/dev', environment: 'prod' })).toBe(true);
  });

  it('works on GitHub Enterprise Cloud\'s issuers, and refuses ids where AWS sees no GitHub claims', () => {
    const enterprise = issuerKeys('https://token.actions.githubusercontent.com/acme');
    expect(githubTrustPolicy(trust({ ...ids, tags: ['v1'] }), { ...TARGET, keys: enterprise }).Statement).toHaveLength(1);
    const server = issuerKeys('https://ghes.example.com/_services/token');
    const error = (() => {
      try {
        githubTrustPolicy(trust({ ...ids, branches: ['main'] }), { ...TARGET, keys: server });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect(error).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'AWS evaluates no GitHub claims for tokens of ghes.example.com/_services/token, so --owner-id and --repository-id cannot pin the repository.',
      hint: expect.stringMatching(/^Drop --owner-id and --repository-id \(GitHub Enterprise Server has no immutable subjects\)/),
    });
    // A GitHub issuer read as another family by an explicit --key-family: no GitHub keys either.
    expect(() => githubTrustPolicy(trust({ ...ids, branches: ['main'] }), { ...TARGET, keys: issuerKeys(ISSUER, 'gitlab') })).toThrow(ClaimcheckError);
    // Without ids nothing needs a GitHub key.
    expect(githubTrustPolicy(trust({ branches: ['main'] }), { ...TARGET, keys: server }).Statement).toHaveLength(1);
  });
});

describe('the warnings', () => {
  it('tell how to pin a repository trusted by name', () => {
    const text = namesOnlyWarning('acme/api');
    expect(text).toMatch(/^Warning: this policy trusts acme\/api by name only\./);
    expect(text).toContain("--owner-id and --repository-id (gh api repos/acme/api --jq '.owner.id, .id')");
  });

  it('name the runs people outside the repository can start on a branch', () => {
    const text = branchTrustNotice();
    expect(text).toMatch(/^Note: trust on a branch also accepts pull_request_target, issue_comment and workflow_run runs/);
    expect(text).toContain('(--environment, or an environment rule)');
  });
});
