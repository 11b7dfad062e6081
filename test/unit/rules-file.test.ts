import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { runs } from '../fuzz/budget.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRoleArn } from '../../src/core/aws/arn.js';
import { duplicateJsonKey } from '../../src/core/text/duplicate-keys.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { chooseRole } from '../../src/core/aws/role-map.js';
import { mutableNameWarnings, readRulesDocument, type RulesDocument } from '../../src/core/rules/rules-file.js';
import { checkClaimRules } from '../../src/core/rules/rules.js';
import { preloadRulesFile } from '../../src/files/rules-file.js';
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
    ['an unknown platform', { version: 1, platform: 'jenkins' }, /platform: expected github, circleci, gitlab, buildkite, bitbucket/],
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

// Issue #11, findings 10 and 11: the file itself. Only a regular file is read, never
// blocking on a FIFO nor reading /dev/zero without end; a key named twice is refused.
describe('reading a rules file from disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'claimcheck-rules-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const preload = async (path: string) => (await preloadRulesFile((name) => (name === 'rules-file' ? path : undefined)))(path);
  const refusal = (path: string) =>
    preload(path).then(
      () => new Error('expected the rules file to be refused'),
      (error: unknown) => error,
    );
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads a YAML and a JSON file', async () => {
    expect(await preload(file('r.yml', 'version: 1\nclaims: { ref: refs/heads/main }\n'))).toEqual({ version: 1, claims: { ref: 'refs/heads/main' } });
    expect(await preload(file('r.json', '{"version": 1, "claims": {"ref": "refs/heads/main"}}'))).toEqual({ version: 1, claims: { ref: 'refs/heads/main' } });
  });

  it.each<[string, () => string, RegExp]>([
    ['a FIFO, without blocking', () => {
      execFileSync('mkfifo', [join(dir, 'fifo.yml')]);
      return join(dir, 'fifo.yml');
    }, /^Input rules-file: .*fifo\.yml: it is a named pipe \(FIFO\)\.$/],
    ['/dev/zero, without reading it', () => '/dev/zero', /^Input rules-file: \/dev\/zero: it is a device\.$/],
    ['a directory', () => dir, /: it is a directory\.$/],
    ['a symbolic link', () => {
      symlinkSync(file('real.yml', 'version: 1\n'), join(dir, 'link.yml'));
      return join(dir, 'link.yml');
    }, /link\.yml: it is a symbolic link \(to ".*real\.yml"\), and rules files are read without following links: point rules-file at the file itself\.$/],
    ['a symbolic link to /dev/zero', () => {
      symlinkSync('/dev/zero', join(dir, 'zero.yml'));
      return join(dir, 'zero.yml');
    }, /is a symbolic link \(to "\/dev\/zero"\)/],
    ['a file over 256 KiB', () => file('big.yml', `version: 1\n#${'x'.repeat(256 * 1024)}\n`), /is larger than 262144 bytes/],
    ['a missing file', () => join(dir, 'missing.yml'), /cannot be read \(ENOENT\)/],
  ])('refuses %s', async (_, make, message) => {
    const error = await refusal(make());
    expect(error).toBeInstanceOf(ClaimcheckError);
    expect([(error as ClaimcheckError).code, (error as Error).message]).toEqual(['INPUT_INVALID', expect.stringMatching(message)]);
  });

  it.each<[string, string, string]>([
    ['r.json', '{"version": 1, "version": 2}', 'top level: the key version appears twice'],
    ['r.json', '{"version": 1, "roles": [{"role": "a"}, {"role": "b", "claims": {"ref": "x", "sub": "{\\"ref\\": 1}", "r\\u0065f": "y"}}]}', 'roles[1].claims: the key ref appears twice'],
    ['r.json', '{"version": 1, "claims": {"a b": 1, "a b": 2}}', 'claims: the key "a b" appears twice'],
    ['r.yml', 'version: 1\nclaims:\n  ref: x\n  ref: y\n', 'claims: the key ref appears twice'],
    ['r.yml', 'version: 1\nroles:\n  - role: a\n    claims: { run_number: 1, "run_number": 2 }\n', 'roles[0].claims: the key run_number appears twice'],
    ['r.yml', 'version: 1\nclaims:\n  1: x\n  "1": y\n', 'claims: the key 1 appears twice'],
    ['r.yml', 'version: 1\nclaims:\n  [a]: x\n', 'claims: a key is a list or a map; keys are names'],
  ])('refuses %s with %j, naming the key and its path', async (name, text, message) => {
    const error = await refusal(file(name, text));
    expect([(error as ClaimcheckError).code, (error as Error).message]).toEqual(['INPUT_INVALID', `Rules file ${join(dir, name)}: ${message}.`]);
  });

  it('accepts the same key in different maps, and keys inside strings', async () => {
    const text = '{"version": 1, "claims": {"ref": "{\\"ref\\":1,\\"ref\\":2}"}, "roles": [{"role": "a", "claims": {"ref": "x"}}, {"role": "b", "claims": {"ref": "y"}}]}';
    expect(await preload(file('r.json', text))).toEqual(JSON.parse(text));
    expect(await preload(file('r.yml', text))).toEqual(JSON.parse(text));
  });

  it('finds no duplicate in any JSON that has none, and finds one that is added (fixed seed)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value, null, 1);
        expect(duplicateJsonKey(text)).toBeUndefined();
        const withDuplicate = text.replace(/^\{/, '{"x":0,"x":1,');
        if (withDuplicate !== text) expect(duplicateJsonKey(withDuplicate)).toEqual({ path: '', key: 'x' });
      }),
      runs(300),
    );
  });
});
