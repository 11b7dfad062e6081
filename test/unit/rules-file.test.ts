import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRoleArn } from '../../src/core/arn.js';
import { chooseRole } from '../../src/core/role-map.js';
import { mutableNameWarnings, readRulesDocument, type RulesDocument } from '../../src/core/rules-file.js';
import { checkClaimRules } from '../../src/core/rules.js';
import { REPO_ROOT } from '../harness/github.ts';

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/rules.schema.json'), 'utf8')) as object;
const validate = new Ajv({ strict: false }).compile(schema);
const compactPolicy = (text: string) => JSON.stringify(JSON.parse(text));
const read = (document: unknown): RulesDocument => readRulesDocument(document, compactPolicy);

const example = parse(`
version: 1
platform: github
claims:
  repository_id: "123456789"
  repository: acme/api
roles:
  - name: deploy
    role: arn:aws:iam::123456789012:role/deploy
    claims:
      ref: [refs/heads/main, "refs/tags/v*"]
      event_name: { equals: push }
    duration-seconds: 900
    session-policy: { Version: "2012-10-17", Statement: [] }
  - name: pull-requests
    role: arn:aws:iam::123456789012:role/read-only
    claims:
      event_name: pull_request
      head_ref: { regex: "(feature|fix)/[a-z0-9-]+" }
`) as unknown;

const main = { repository_id: '123456789', repository: 'acme/api', ref: 'refs/heads/main', event_name: 'push' };

describe('rules files', () => {
  it('reads claim rules and the role map', () => {
    const document = read(example);
    expect(document.platform).toBe('github');
    expect(document.rules.map((rule) => rule.claim)).toEqual(['repository_id', 'repository']);
    expect(document.roles.map((entry) => [entry.name, entry.roleArn.name, entry.durationSeconds, entry.sessionPolicy])).toEqual([
      ['deploy', 'deploy', 900, '{"Version":"2012-10-17","Statement":[]}'],
      ['pull-requests', 'read-only', undefined, undefined],
    ]);
  });

  it.each([
    ['ref', 'refs/tags/v1.2.3', true],
    ['ref', 'refs/heads/dev', false],
    ['event_name', 'push*', false], // { equals } takes no pattern
  ])('matches %s=%s with the deploy entry: %s', (claim, value, held) => {
    const [deploy] = read(example).roles;
    expect(checkClaimRules(deploy!.rules, { ...main, [claim]: value }).every((result) => result.held)).toBe(held);
  });

  it('anchors regular expressions to the whole value', () => {
    const [, pulls] = read(example).roles;
    const holds = (head: string) => checkClaimRules(pulls!.rules, { event_name: 'pull_request', head_ref: head }).every((result) => result.held);
    expect(holds('feature/login')).toBe(true);
    expect(holds('xfeature/login')).toBe(false);
    expect(holds('feature/login/../../main')).toBe(false);
  });

  // Issue #11: RegExp backtracks exponentially on (a+)+$ and a 50-character branch name, which
  // a fork chooses; the step then hangs until the job's timeout.
  it('decides a nested-quantifier regex on a hostile head_ref, in linear time', () => {
    const [rule] = read({ version: 1, claims: { head_ref: { regex: '(a+)+$' } } }).rules;
    expect(rule!.alternatives).toEqual([{ regex: expect.objectContaining({ source: '(a+)+$' }) }]);
    expect(checkClaimRules([rule!], { head_ref: `${'a'.repeat(50)}!` })[0]!.held).toBe(false);
    expect(checkClaimRules([rule!], { head_ref: 'a'.repeat(50) })[0]!.held).toBe(true);
  });

  it('lets CircleCI rules drop the oidc.circleci.com/ prefix', () => {
    const document = read({ version: 1, platform: 'circleci', claims: { 'project-id': 'p', 'oidc.circleci.com/vcs-ref': 'refs/heads/main' } });
    expect(document.rules.map((rule) => rule.claim)).toEqual(['oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-ref']);
  });

  const hostile: Array<[string, unknown, RegExp]> = [
    ['no version', { claims: {} }, /version: expected 1/],
    ['an unknown top-level key', { version: 1, claim: {} }, /unknown key claim/],
    ['an unknown platform', { version: 1, platform: 'gitlab' }, /platform/],
    ['a claim GitHub does not issue', { version: 1, platform: 'github', claims: { repo: 'acme/api' } }, /claims.repo: repo is not a claim of GitHub's tokens/],
    ['an empty pattern', { version: 1, claims: { ref: '' } }, /claims.ref: an empty pattern/],
    ['an empty list', { version: 1, claims: { ref: [] } }, /allows nothing/],
    ['a nested object', { version: 1, claims: { ref: { startsWith: 'refs/' } } }, /unknown key startsWith/],
    ['both equals and regex', { version: 1, claims: { ref: { equals: 'a', regex: 'a' } } }, /expected a pattern string/],
    ['a broken regex', { version: 1, claims: { ref: { regex: '(' } } }, /invalid regular expression/],
    ['a regex with a backreference', { version: 1, claims: { head_ref: { regex: '(a)\\1' } } }, /^claims.head_ref: the regular expression "\(a\)\\\\1" is not supported: claimcheck matches regular expressions in linear time, without backtracking, which cannot do backreferences/],
    ['a regex with lookahead', { version: 1, roles: [{ role: 'arn:aws:iam::123456789012:role/x', claims: { ref: ['refs/heads/main', { regex: '(?!main).*' }] } }] }, /^roles\[0\].claims.ref\[1\]: the regular expression .* lookahead or lookbehind/],
    ['null', { version: 1, claims: { ref: null } }, /expected a pattern string/],
    ['a role that is not an ARN', { version: 1, roles: [{ role: 'deploy' }] }, /roles\[0\].role: expected an IAM role ARN/],
    ['an unknown role key', { version: 1, roles: [{ role: 'arn:aws:iam::123456789012:role/x', policy: {} }] }, /roles\[0\]: unknown key policy/],
    ['a duration out of range', { version: 1, roles: [{ role: 'arn:aws:iam::123456789012:role/x', 'duration-seconds': 60 }] }, /duration-seconds/],
    ['a duration as text', { version: 1, roles: [{ role: 'arn:aws:iam::123456789012:role/x', 'duration-seconds': '900' }] }, /duration-seconds/],
    ['an empty role map', { version: 1, roles: [] }, /roles: expected a non-empty list/],
    ['a duplicate name', { version: 1, roles: [{ name: 'a', role: 'arn:aws:iam::123456789012:role/x' }, { name: 'a', role: 'arn:aws:iam::123456789012:role/y' }] }, /used twice/],
    ['a list at the top', [1, 2], /expected a map/],
  ];

  it.each(hostile)('rejects %s, naming the place', (_, document, message) => {
    expect(() => read(document)).toThrow(message);
  });

  it('publishes a JSON Schema that agrees with the reader on every case above', () => {
    expect(validate(example)).toBe(true);
    const schemaOnly = new Set(['a claim GitHub does not issue', 'a broken regex', 'a regex with a backreference', 'a regex with lookahead', 'a duplicate name']);
    for (const [name, document] of hostile) {
      if (!schemaOnly.has(name)) expect([name, validate(document)]).toEqual([name, false]);
    }
  });

  it('warns when rules trust a renamable name without its immutable id', () => {
    const only = read({ version: 1, claims: { repository: 'acme/api', actor: 'octocat' } });
    expect(mutableNameWarnings(only.rules, 'The rules file')).toEqual([
      expect.stringMatching(/^The rules file checks repository but not repository_id/),
      expect.stringMatching(/checks actor but not actor_id/),
    ]);
    expect(mutableNameWarnings(read(example).rules, 'x')).toEqual([]);
  });
});

describe('role maps', () => {
  const defaults = (document: RulesDocument) => ({ roleArn: undefined, roleMap: document.roles, durationSeconds: 3600, inlineSessionPolicy: undefined });

  it('takes the first entry whose rules all hold, with its duration and policy', () => {
    const target = chooseRole(defaults(read(example)), main);
    expect([target.entry, target.roleArn.name, target.durationSeconds, target.inlineSessionPolicy]).toEqual(['deploy', 'deploy', 900, '{"Version":"2012-10-17","Statement":[]}']);
    const pull = chooseRole(defaults(read(example)), { ...main, event_name: 'pull_request', head_ref: 'fix/typo' });
    expect([pull.entry, pull.durationSeconds]).toEqual(['pull-requests', 3600]);
  });

  it('explains, entry by entry, why none matched', () => {
    expect(() => chooseRole(defaults(read(example)), { ...main, ref: 'refs/heads/dev' })).toThrow(
      'No entry of the role map matches this token: deploy: ref is "refs/heads/dev", rule ref=["refs/heads/main","refs/tags/v*"]; pull-requests: event_name is "push", rule event_name="pull_request".',
    );
  });

  it('uses role-to-assume when it is set', () => {
    const roleArn = parseRoleArn('arn:aws:iam::123456789012:role/single')!;
    expect(chooseRole({ roleArn, roleMap: [], durationSeconds: 1800, inlineSessionPolicy: undefined }, {})).toMatchObject({ roleArn, durationSeconds: 1800, entry: undefined });
  });
});

describe('the rules file example', () => {
  it('is valid for the schema and the reader', () => {
    const document = parse(readFileSync(join(REPO_ROOT, 'examples/rules/claimcheck.yml'), 'utf8')) as unknown;
    expect(validate(document)).toBe(true);
    expect(read(document).roles.map((entry) => entry.name)).toEqual(['release', 'main', 'pull-requests']);
  });
});
