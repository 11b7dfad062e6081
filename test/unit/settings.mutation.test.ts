// What parseSettings promises beyond test/unit/settings.test.ts: the warnings on renamable names
// (claims input, rules file, each role map entry with the file's own rules), the accepted form
// each refusal names, the exact bounds, the rules file's errors, web-identity-token-file, and how
// role-to-assume, the role map and role-chain combine.
import { describe, expect, it } from 'vitest';
import type { InputName } from '../../src/core/config/inputs.generated.js';
import { assertAccountAllowed } from '../../src/core/aws/settings.js';
import { loadRulesFile, parseSettings, type SettingsContext } from '../../src/core/config/settings.js';
import { refusalOf } from '../harness/refusal.ts';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const HUB = 'arn:aws:iam::222233334444:role/hub';

type Inputs = Partial<Record<InputName, string>>;

function settingsFrom(inputs: Inputs, context: SettingsContext = {}) {
  return parseSettings((name) => ({ 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs })[name], context);
}

const refusal = refusalOf;

const errorFrom = (inputs: Inputs, context: SettingsContext = {}) => refusal(() => settingsFrom(inputs, context));

/** A role map from a rules file that reads `document`, with role-to-assume unset. */
function withRulesFile(document: unknown, inputs: Inputs = {}) {
  return settingsFrom({ 'role-to-assume': '', 'rules-file': 'rules.yml', ...inputs }, { readRulesFile: () => document });
}

const warning = (where: string, name: string, id: string) => `${where} checks ${name} but not ${id}: a ${name} can be renamed or re-created by someone else; add a rule on ${id}, which never changes.`;

describe('warnings on rules that trust renamable names', () => {
  it('warns about the claims input', () => {
    expect(settingsFrom({ claims: 'repository=acme/api' }).warnings).toEqual([warning('The claims input', 'repository', 'repository_id')]);
    expect(settingsFrom({ claims: 'repository=acme/api\nrepository_id=123' }).warnings).toEqual([]);
  });

  it('warns about the rules file\'s own rules', () => {
    const settings = settingsFrom({ 'rules-file': 'rules.yml' }, { readRulesFile: () => ({ version: 1, claims: { actor: 'octocat' } }) });
    expect(settings.warnings).toEqual([warning('The rules file', 'actor', 'actor_id')]);
  });

  it('warns about each role map entry, counting the file\'s rules that apply to every entry', () => {
    const document = {
      version: 1,
      claims: { repository_id: '123' },
      roles: [
        { name: 'main', role: ROLE, claims: { repository: 'acme/api', ref: 'refs/heads/main' } },
        { name: 'bots', role: ROLE, claims: { actor: 'dependabot[bot]' } },
      ],
    };
    expect(withRulesFile(document).warnings).toEqual([warning('Role map entry bots', 'actor', 'actor_id')]);
    const alone = { version: 1, roles: [{ name: 'main', role: ROLE, claims: { repository: 'acme/api' } }] };
    expect(withRulesFile(alone).warnings).toEqual([warning('Role map entry main', 'repository', 'repository_id')]);
  });

  it('lists the claims input, the rules file and the entries, in that order', () => {
    const document = { version: 1, claims: { repository_owner: 'acme' }, roles: [{ name: 'main', role: ROLE }] };
    expect(withRulesFile(document, { claims: 'actor=octocat' }).warnings).toEqual([
      warning('The claims input', 'actor', 'actor_id'),
      warning('The rules file', 'repository_owner', 'repository_owner_id'),
      warning('Role map entry main', 'repository_owner', 'repository_owner_id'),
    ]);
    expect(withRulesFile(document, { claims: 'actor=octocat' }).rules.map((rule) => rule.claim)).toEqual(['actor', 'repository_owner']);
  });
});

describe('refusals name the input and the accepted form', () => {
  it.each([
    ['role-to-assume', 'deploy', 'an IAM role ARN such as arn:aws:iam::123456789012:role/deploy'],
    ['aws-region', 'useast1', 'an AWS region name such as us-east-1'],
    ['audience', 'a b', 'one audience of up to 255 printable characters without spaces, such as sts.amazonaws.com'],
    ['issuer', 'http://issuer.example.com', 'an https:// URL (http:// only for 127.0.0.1, localhost or [::1]) without query or credentials'],
    ['role-session-name', 'a', '2 to 64 characters of letters, digits and + = , . @ _ -'],
    ['aws-profile', 'a/b', 'a profile name of 1 to 64 letters, digits, dots, underscores and hyphens'],
    ['refresh', 'yes', 'true or false'],
    ['role-duration-seconds', '60', 'a whole number of seconds from 900 to 43200'],
    ['retry-max-attempts', '11', 'a whole number from 1 to 10'],
    ['clock-tolerance', '301', 'a whole number of seconds from 0 to 300'],
    ['managed-session-policies', 'arn:aws:iam::aws:role/x', 'an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess'],
    ['allowed-account-ids', '12345', 'a comma-separated list of 12-digit AWS account IDs'],
    ['export', 'file', 'env, profile or none'],
  ] as const)('%s = %j: %s', (name, value, expected) => {
    const error = errorFrom({ [name]: value });
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: `Input ${name} is ${JSON.stringify(value)}, which is not ${expected}.`, hint: `Set ${name} to ${expected}.` });
  });

  it('shows at most 80 characters of the value', () => {
    const long = `arn:aws:iam::123456789012:role/${'x'.repeat(100)}`;
    const error = errorFrom({ 'role-to-assume': long });
    expect(error.message).toContain(`"${long.slice(0, 80)}…"`);
    expect(error.message).not.toContain(long.slice(0, 81));
    const eighty = `${'a'.repeat(78)} b`;
    expect(errorFrom({ audience: eighty }).message).toMatch(/^Input audience is "a{78} b", which/);
  });

  it('says how to set a required input', () => {
    expect(errorFrom({ 'aws-region': '' }).hint).toMatch(/^Add "aws-region:" to the step's inputs: AWS region for STS/);
  });

  it('refuses a region outside the role\'s partition as INPUT_INVALID, with the way out', () => {
    expect(errorFrom({ 'aws-region': 'cn-north-1' })).toMatchObject({ code: 'INPUT_INVALID', hint: expect.stringContaining('arn:aws-cn:iam::') });
  });

  it('refuses an endpoint from the environment as INPUT_INVALID', () => {
    const error = errorFrom({}, { endpointFromEnvironment: { variable: 'AWS_ENDPOINT_URL_STS', value: 'ftp://x' } });
    expect(error).toMatchObject({ code: 'INPUT_INVALID', hint: expect.stringContaining('AWS_ENDPOINT_URL_STS') });
  });
});

describe('bounds', () => {
  it('accepts an inline policy of exactly 2048 characters once compacted, and refuses one more', () => {
    const base = JSON.stringify({ Version: '2012-10-17', Sid: '' }).length;
    const policy = (length: number) => JSON.stringify({ Version: '2012-10-17', Sid: 'x'.repeat(length - base) }, null, 2);
    expect(settingsFrom({ 'inline-session-policy': policy(2048) }).aws!.inlineSessionPolicy).toHaveLength(2048);
    expect(errorFrom({ 'inline-session-policy': policy(2049) })).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'Input inline-session-policy is 2049 characters even without whitespace; STS accepts at most 2048.',
      hint: expect.stringContaining('managed-session-policies'),
    });
  });

  it('refuses a policy nested deeper than 32 levels, naming the input', () => {
    const deep = `${'['.repeat(33)}${']'.repeat(33)}`;
    expect(errorFrom({ 'inline-session-policy': `{"a":${deep}}` })).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'Input inline-session-policy nests objects or arrays more than 32 levels deep; IAM policies need a few.',
      hint: expect.stringContaining('Statement'),
    });
    expect(errorFrom({ 'inline-session-policy': 'not json' }).message).toBe('Input inline-session-policy is not an IAM policy document in JSON (an object).');
  });

  it('accepts 10 managed policies and refuses 11, naming the count', () => {
    const arns = (count: number) => Array.from({ length: count }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join(',');
    expect(settingsFrom({ 'managed-session-policies': arns(10) }).aws!.managedSessionPolicies).toHaveLength(10);
    expect(errorFrom({ 'managed-session-policies': arns(11) })).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/^Input managed-session-policies lists 11/), hint: expect.stringContaining('inline-session-policy') });
  });

  it('takes account IDs of exactly 12 digits', () => {
    expect(settingsFrom({ 'allowed-account-ids': '123456789012,111122223333' }).aws!.allowedAccountIds).toEqual(['123456789012', '111122223333']);
    expect(errorFrom({ 'allowed-account-ids': '1234567890123' }).message).toContain('"1234567890123"');
    expect(errorFrom({ 'allowed-account-ids': 'a123456789012' }).message).toContain('"a123456789012"');
  });

  it('refuses an account not on the list with its own code and a hint', () => {
    const error = refusal(() => assertAccountAllowed(['111122223333', '444455556666'], '123456789012', 'role-to-assume'));
    expect(error).toMatchObject({
      code: 'ACCOUNT_NOT_ALLOWED',
      message: 'role-to-assume is in account 123456789012, which allowed-account-ids (111122223333, 444455556666) does not list.',
      hint: expect.stringContaining('allowed-account-ids'),
    });
  });
});

describe('web-identity-token-file', () => {
  const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE';

  it.each([
    ['a POSIX path', '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'],
    ['a Windows path', 'C:\\runner\\token'],
    ['a Windows path with /', 'd:/token'],
    ['a path of 4096 characters', `/${'t'.repeat(4095)}`],
  ])('takes %s', (_, path) => {
    expect(settingsFrom({ 'web-identity-token-file': path, issuer: ISSUER }).webIdentityTokenFile).toBe(path);
  });

  it.each([
    ['a bare name', 'token'],
    ['a relative path', 'relative/token'],
    ['a path from the current folder', './token'],
    ['a drive-relative Windows path', 'C:token'],
    ['a path of 4097 characters', `/${'t'.repeat(4096)}`],
    ['a path with a control character', '/var/run/\u0007token'],
    ['a path with a line break', '/var/run/a\nb'],
  ])('refuses %s', (_, path) => {
    const error = errorFrom({ 'web-identity-token-file': path, issuer: ISSUER });
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/^Input web-identity-token-file is .*, which is not an absolute path such as \/var\/run\/secrets/) });
  });

  it('is unset when empty, and needs the issuer of the file\'s tokens', () => {
    expect(settingsFrom({ 'web-identity-token-file': ' ' }).webIdentityTokenFile).toBeUndefined();
    for (const issuer of [undefined, '', '  ']) {
      const inputs: Inputs = { 'web-identity-token-file': '/var/run/token', ...(issuer === undefined ? {} : { issuer }) };
      expect(errorFrom(inputs)).toMatchObject({ code: 'INPUT_REQUIRED', message: expect.stringMatching(/^Input issuer is required with web-identity-token-file/), hint: expect.stringContaining('OIDC issuer URL') });
    }
  });
});

describe('the rules file', () => {
  it('cannot be read without a reader', () => {
    expect(refusal(() => loadRulesFile('rules.yml', {}))).toMatchObject({ code: 'INPUT_INVALID', message: 'Input rules-file is set, but rules files cannot be read here.', hint: 'Remove rules-file.' });
  });

  it('reports its errors as INPUT_INVALID naming the file, with the schema in the hint', () => {
    const error = refusal(() => withRulesFile({ version: 2, roles: [{ role: ROLE }] }));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: 'Rules file rules.yml: version: expected 1.', hint: expect.stringContaining('schema/rules.schema.json') });
  });

  it('checks an entry\'s session policy as the input\'s, naming the file and the entry', () => {
    const entry = (policy: unknown) => ({ version: 1, roles: [{ name: 'main', role: ROLE, 'session-policy': policy }] });
    expect(withRulesFile(entry('{ "Version": "2012-10-17", "Statement": [] }')).aws!.roleMap[0]?.sessionPolicy).toBe('{"Version":"2012-10-17","Statement":[]}');
    expect(refusal(() => withRulesFile(entry('[]')))).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'rules.yml: roles[0].session-policy is not an IAM policy document in JSON (an object).',
      hint: expect.stringMatching(/^Write the policy as JSON/),
    });
  });

  it('is refused beside role-to-assume when it holds a role map', () => {
    const document = { version: 1, roles: [{ name: 'main', role: ROLE }] };
    const error = refusal(() => settingsFrom({ 'rules-file': 'rules.yml' }, { readRulesFile: () => document }));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: 'Both role-to-assume and a role map in rules-file name the role to assume.', hint: expect.stringContaining('Keep one') });
    expect(settingsFrom({ 'rules-file': 'rules.yml' }, { readRulesFile: () => ({ version: 1, claims: { ref: 'refs/heads/main' } }) }).aws!.roleArn?.arn).toBe(ROLE);
  });
});

describe('role-chain beside other inputs', () => {
  it('adds to a role map whose entries declare no chain', () => {
    const settings = withRulesFile({ version: 1, roles: [{ name: 'main', role: ROLE }] }, { 'role-chain': HUB });
    expect(settings.aws!.roleChain.map((hop) => hop.roleArn.arn)).toEqual([HUB]);
  });

  it('is refused beside an entry with a chain, naming the entry', () => {
    const document = { version: 1, roles: [{ name: 'plain', role: ROLE }, { name: 'chained', role: ROLE, chain: [HUB] }] };
    expect(refusal(() => withRulesFile(document, { 'role-chain': HUB }))).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'Both the role-chain input and role map entry chained in rules-file declare a role chain.',
      hint: expect.stringContaining('one place'),
    });
  });

  it('lets the last hop set managed policies unless the managed-session-policies input does', () => {
    const chain = `${HUB} managed-session-policies=arn:aws:iam::aws:policy/A`;
    expect(settingsFrom({ 'role-chain': chain }).aws!.roleChain[0]?.managedSessionPolicies).toEqual(['arn:aws:iam::aws:policy/A']);
    expect(settingsFrom({ 'role-chain': `${chain}\n${ROLE}`, 'managed-session-policies': 'arn:aws:iam::aws:policy/B' }).aws!.managedSessionPolicies).toEqual(['arn:aws:iam::aws:policy/B']);
    expect(errorFrom({ 'role-chain': chain, 'managed-session-policies': 'arn:aws:iam::aws:policy/B' })).toMatchObject({ code: 'INPUT_INVALID', hint: 'Keep one of them.' });
  });
});
