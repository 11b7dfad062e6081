// Rules files read strictly, case by case: the claims each platform's tokens carry (CircleCI's
// standard ones included, and Buildkite's agent tags), the forms a rule takes, each role
// entry's fields at their bounds, session policies and chains, and the message for each
// refusal with the path at fault.
import { describe, expect, it } from 'vitest';
import { readRulesDocument, RulesFileError, unknownClaimReason, type Platform, type RulesDocument } from '../../src/core/rules/rules-file.js';
import { checkClaimRules } from '../../src/core/rules/rules.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';

/** Policies as the reader passes them on: `path: text`, one per call. */
function reader(): { read: (document: unknown) => RulesDocument; policies: string[] } {
  const policies: string[] = [];
  const read = (document: unknown) =>
    readRulesDocument(document, (text, path) => {
      policies.push(`${path}: ${text}`);
      return JSON.stringify(JSON.parse(text));
    });
  return { read, policies };
}

const read = (document: unknown) => reader().read(document);

function refusal(document: unknown): string {
  try {
    read(document);
  } catch (error) {
    if (error instanceof RulesFileError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

const claimsOf = (document: RulesDocument) => document.rules.map((rule) => rule.claim);

describe('the claims of each platform', () => {
  it.each(['sub', 'aud', 'iss', 'jti'])('lets a CircleCI rules file check the standard claim %s', (claim) => {
    expect(unknownClaimReason(claim, 'circleci')).toBeUndefined();
    expect(claimsOf(read({ version: 1, platform: 'circleci', claims: { [claim]: 'x' } }))).toEqual([claim]);
  });

  it('names every CircleCI claim when one is unknown, and says the prefix may go', () => {
    expect(unknownClaimReason('repository', 'circleci')).toBe(
      "repository is not a claim of CircleCI's tokens (known: sub, aud, iss, jti, oidc.circleci.com/project-id, oidc.circleci.com/context-ids, oidc.circleci.com/vcs-origin, oidc.circleci.com/vcs-ref, oidc.circleci.com/ssh-rerun; a rules file may drop the oidc.circleci.com/ prefix)",
    );
    expect(unknownClaimReason('project-id', 'circleci')).toMatch(/^project-id is not a claim of CircleCI's tokens/);
    expect(unknownClaimReason('oidc.circleci.com/ssh-rerun', 'circleci')).toBeUndefined();
  });

  it('names every claim of the platform when one is unknown', () => {
    expect(unknownClaimReason('branch', 'bitbucket')).toBe(
      "branch is not a claim of Bitbucket Pipelines' tokens (known: sub, aud, iss, workspaceUuid, repositoryUuid, pipelineUuid, stepUuid, deploymentEnvironmentUuid, branchName, compliant)",
    );
    expect(unknownClaimReason('repo', 'github')).toMatch(/^repo is not a claim of GitHub's tokens \(known: sub, aud, iss, jti, repository, /);
    expect(unknownClaimReason('project', 'gitlab')).toMatch(/^project is not a claim of GitLab's tokens \(known: sub, aud, /);
  });

  it.each<[string, Platform, boolean]>([
    ['agent_tag:queue', 'buildkite', true],
    ['agent_tag:', 'buildkite', false],
    ['agent_tag:queue', 'github', false],
    ['agent_tag:queue', 'gitlab', false],
    ['my_agent_tag:queue', 'buildkite', false],
    ['agent_tag:NAME', 'buildkite', true],
  ])('takes %s for %s: %s', (claim, platform, known) => {
    expect(unknownClaimReason(claim, platform) === undefined).toBe(known);
  });

  it('adds the oidc.circleci.com/ prefix to a CircleCI custom claim, and only there', () => {
    expect(claimsOf(read({ version: 1, platform: 'circleci', claims: { 'vcs-ref': 'x', 'oidc.circleci.com/project-id': 'p', sub: 's' } }))).toEqual(['oidc.circleci.com/vcs-ref', 'oidc.circleci.com/project-id', 'sub']);
    expect(refusal({ version: 1, platform: 'github', claims: { 'project-id': 'p' } })).toMatch(/^claims\.project-id: project-id is not a claim of GitHub's tokens/);
    expect(refusal({ version: 1, platform: 'circleci', claims: { 'oidc.circleci.com/sub': 's' } })).toMatch(/^claims\.oidc\.circleci\.com\/sub: oidc\.circleci\.com\/sub is not a claim of CircleCI's/);
    expect(claimsOf(read({ version: 1, claims: { 'project-id': 'p', anything: 'x' } }))).toEqual(['project-id', 'anything']);
  });
});

describe('the forms of a rule', () => {
  it('takes a glob, a number or boolean as exact text, { equals } and { regex }', () => {
    const document = read({ version: 1, claims: { ref: 'refs/heads/*', run_attempt: 1, ref_protected: true, event_name: { equals: 'push*' }, head_ref: { regex: 'fix-[0-9]+' } } });
    expect(document.rules.map((rule) => [rule.source, rule.alternatives.map((alternative) => Object.keys(alternative)[0])])).toEqual([
      ['ref="refs/heads/*"', ['glob']],
      ['run_attempt=1', ['exact']],
      ['ref_protected=true', ['exact']],
      ['event_name={"equals":"push*"}', ['exact']],
      ['head_ref={"regex":"fix-[0-9]+"}', ['regex']],
    ]);
    const claims = { ref: 'refs/heads/main', run_attempt: 1, ref_protected: true, event_name: 'push*', head_ref: 'fix-12' };
    expect(checkClaimRules(document.rules, claims).map((result) => result.held)).toEqual([true, true, true, true, true]);
    const other = { ref: 'refs/tags/v1', run_attempt: '10', ref_protected: 'false', event_name: 'push', head_ref: 'fix-12x' };
    expect(checkClaimRules(document.rules, other).map((result) => result.held)).toEqual([false, false, false, false, false]);
    expect(document.rules[1]?.alternatives).toEqual([{ exact: '1' }]);
    expect(document.rules[2]?.alternatives).toEqual([{ exact: 'true' }]);
  });

  it('names each place of a list of alternatives', () => {
    expect(refusal({ version: 1, claims: { ref: ['a', 'b\\c'] } })).toBe('claims.ref[1]: "\\" may only escape *, | or \\');
    expect(refusal({ version: 1, claims: { ref: ['a', ''] } })).toBe('claims.ref[1]: an empty pattern matches nothing useful; use { equals: "" } for an empty claim');
  });

  it.each<[string, unknown, string]>([
    ['a bad escape', 'a\\b', 'claims.ref: "\\" may only escape *, | or \\'],
    ['equals that is not text', { equals: 5 }, 'claims.ref: expected a pattern string, a number, a boolean, { equals: "…" } or { regex: "…" }'],
    ['regex that is not text', { regex: 5 }, 'claims.ref: expected a pattern string, a number, a boolean, { equals: "…" } or { regex: "…" }'],
    ['an empty map', {}, 'claims.ref: expected a pattern string, a number, a boolean, { equals: "…" } or { regex: "…" }'],
    ['a list in a list', [['a']], 'claims.ref[0]: expected a pattern string, a number, a boolean, { equals: "…" } or { regex: "…" }'],
    ['an unknown key', { equals: 'a', startsWith: 'b', also: 1 }, 'claims.ref: unknown key startsWith, also (allowed: equals, regex)'],
  ])('refuses %s', (_, rule, message) => {
    expect(refusal({ version: 1, claims: { ref: rule } })).toBe(message);
  });

  it('shows a long unsupported regex cut at 80 characters', () => {
    const at80 = `(a)\\1${'b'.repeat(75)}`;
    expect(at80).toHaveLength(80);
    expect(refusal({ version: 1, claims: { ref: { regex: at80 } } })).toMatch(new RegExp(`^claims\\.ref: the regular expression "\\(a\\)\\\\\\\\1b{75}" is not supported: `));
    expect(refusal({ version: 1, claims: { ref: { regex: `${at80}cd` } } })).toMatch(new RegExp(`^claims\\.ref: the regular expression "\\(a\\)\\\\\\\\1b{75}…" is not supported: `));
  });

  it.each([['text', 'ref'], ['a list', ['ref']], ['null', null]])('refuses claims that are %s', (_, claims) => {
    expect(refusal({ version: 1, claims })).toBe('claims: expected a map of claim names to rules');
    expect(refusal({ version: 1, roles: [{ role: ROLE, claims }] })).toBe('roles[0].claims: expected a map of claim names to rules');
  });
});

describe('role entries', () => {
  it('names an entry by its name, or by its place', () => {
    const document = read({ version: 1, roles: [{ name: 'deploy', role: ROLE }, { role: ROLE }, { name: '', role: ROLE }, { name: 7, role: ROLE }] });
    expect(document.roles.map((entry) => entry.name)).toEqual(['deploy', '#2', '#3', '#4']);
    expect(refusal({ version: 1, roles: [{ role: ROLE }, { name: '#1', role: ROLE }] })).toBe('roles: the name #1 is used twice');
  });

  it.each([['text', 'deploy'], ['null', null], ['a list', [ROLE]]])('refuses an entry that is %s', (_, entry) => {
    expect(refusal({ version: 1, roles: [{ role: ROLE }, entry] })).toBe('roles[1]: expected a map with name, role and claims');
  });

  it.each([['a number', 5], ['missing', undefined], ['not an ARN', 'deploy']])('refuses a role that is %s', (_, role) => {
    expect(refusal({ version: 1, roles: [{ role }] })).toBe('roles[0].role: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy');
  });

  it('names the keys an entry may have', () => {
    expect(refusal({ version: 1, roles: [{ role: ROLE, policy: {} }] })).toBe('roles[0]: unknown key policy (allowed: name, role, claims, duration-seconds, session-policy, chain)');
    expect(refusal({ version: 1, claim: {} })).toBe('top level: unknown key claim (allowed: version, platform, claims, roles)');
  });

  it.each([900, 3600, 43200])('takes a duration of %i seconds', (seconds) => {
    expect(read({ version: 1, roles: [{ role: ROLE, 'duration-seconds': seconds }] }).roles[0]?.durationSeconds).toBe(seconds);
  });

  it.each([899, 43201, 900.5, Number.NaN, Number.POSITIVE_INFINITY, '900', true, null])('refuses a duration of %s', (seconds) => {
    expect(refusal({ version: 1, roles: [{ role: ROLE, 'duration-seconds': seconds }] })).toBe('roles[0].duration-seconds: expected a whole number of seconds from 900 to 43200');
  });

  it('leaves the duration and session policy unset when the entry has none', () => {
    const { read: readWith, policies } = reader();
    expect(readWith({ version: 1, roles: [{ role: ROLE }] }).roles[0]).toMatchObject({ durationSeconds: undefined, sessionPolicy: undefined, chain: undefined });
    expect(policies).toEqual([]);
  });
});

describe('session policies', () => {
  const policy = { Version: '2012-10-17', Statement: [] };

  it('passes a map as JSON and text as it is, with the path, to the policy check', () => {
    const { read: readWith, policies } = reader();
    const document = readWith({ version: 1, roles: [{ role: ROLE, 'session-policy': policy }, { role: ROLE, 'session-policy': ' {"Statement": []} ' }] });
    expect(policies).toEqual(['roles[0].session-policy: {"Version":"2012-10-17","Statement":[]}', 'roles[1].session-policy:  {"Statement": []} ']);
    expect(document.roles.map((entry) => entry.sessionPolicy)).toEqual(['{"Version":"2012-10-17","Statement":[]}', '{"Statement":[]}']);
  });

  it.each([['a number', 5], ['a list', [policy]], ['true', true], ['null', null]])('refuses a session policy that is %s', (_, value) => {
    expect(refusal({ version: 1, roles: [{ role: ROLE, 'session-policy': value }] })).toBe('roles[0].session-policy: expected an IAM policy document (a map, or JSON text)');
  });

  it('refuses a session policy nested deeper than 32 levels, before it is written out', () => {
    let deep: unknown = {};
    for (let level = 1; level < 32; level++) deep = { a: deep }; // 32 maps, one in another
    const { read: readWith, policies } = reader();
    expect(() => readWith({ version: 1, roles: [{ role: ROLE, 'session-policy': deep }] })).not.toThrow();
    expect(() => readWith({ version: 1, roles: [{ role: ROLE, 'session-policy': { a: deep } }] })).toThrow('roles[0].session-policy: nests more than 32 levels deep; an IAM policy needs a few');
    expect(policies).toHaveLength(1);
  });
});

describe('chains', () => {
  const other = 'arn:aws:iam::123456789012:role/next';
  const narrowing = { Version: '2012-10-17', Statement: [] };

  it('reads a chain, with the entry\'s session policy or its last hop\'s, not both', () => {
    expect(read({ version: 1, roles: [{ role: ROLE, chain: [other] }] }).roles[0]?.chain).toHaveLength(1);
    expect(read({ version: 1, roles: [{ role: ROLE, 'session-policy': narrowing, chain: [other] }] }).roles[0]?.chain).toHaveLength(1);
    expect(read({ version: 1, roles: [{ role: ROLE, chain: [{ role: other, 'session-policy': narrowing }] }] }).roles[0]?.chain?.[0]?.sessionPolicy).toBeDefined();
    expect(refusal({ version: 1, roles: [{ role: ROLE, 'session-policy': narrowing, chain: [{ role: other, 'session-policy': narrowing }] }] })).toBe(
      'roles[0]: session-policy and roles[0].chain[0].session-policy both narrow the session handed over; keep one',
    );
  });

  it('turns a chain\'s syntax error into a rules-file error, and passes the policy check\'s own error on', () => {
    expect(refusal({ version: 1, roles: [{ role: ROLE, chain: [] }] })).toMatch(/^roles\[0\]\.chain: expected a non-empty list/);
    const failure = new Error('the policy check refused it');
    const document = { version: 1, roles: [{ role: ROLE, chain: [{ role: other, 'session-policy': narrowing }] }] };
    expect(() => readRulesDocument(document, () => {
      throw failure;
    })).toThrow(failure);
  });
});
