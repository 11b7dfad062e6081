import { describe, expect, it } from 'vitest';
import type { InputName } from '../../src/core/config/inputs.generated.js';
import { assertAccountAllowed } from '../../src/core/aws/settings.js';
import { parseSettings, type SettingsContext } from '../../src/core/config/settings.js';
import { refusalOf } from '../harness/refusal.ts';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';

function settingsFrom(inputs: Partial<Record<InputName, string>>, context: SettingsContext = {}) {
  return parseSettings((name) => ({ 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs })[name], context);
}

const errorFrom = (inputs: Partial<Record<InputName, string>>, context: SettingsContext = {}) => refusalOf(() => settingsFrom(inputs, context));

describe('settings', () => {
  it('applies the defaults declared in action.yml', () => {
    const settings = settingsFrom({});
    expect(settings).toMatchObject({
      audience: undefined,
      issuer: 'https://token.actions.githubusercontent.com',
      retryMaxAttempts: 5,
      clockToleranceSeconds: 60,
      rules: [],
      aws: {
        audience: 'sts.amazonaws.com',
        durationSeconds: 3600,
        outputCredentials: false,
        maskAccountId: false,
        roleSessionName: undefined,
        stsEndpoint: undefined,
      },
    });
    expect(settings.aws!.roleArn).toEqual({ arn: ROLE, partition: 'aws', accountId: '123456789012', name: 'deploy' });
  });

  it('treats an empty or blank input as unset', () => {
    expect(settingsFrom({ 'role-duration-seconds': '  ', audience: '' })).toMatchObject({ audience: undefined, aws: { durationSeconds: 3600, audience: 'sts.amazonaws.com' } });
  });

  it.each([
    ['role-to-assume', ''],
    ['aws-region', ''],
  ] as const)('requires %s', (name, value) => {
    const error = errorFrom({ [name]: value });
    expect(error.code).toBe('INPUT_REQUIRED');
    expect(error.message).toContain(name);
  });

  it.each([
    ['role-to-assume', 'deploy'],
    ['role-to-assume', 'arn:aws:iam::12345678901:role/deploy'],
    ['role-to-assume', 'arn:aws:s3:::bucket'],
    ['role-to-assume', 'arn:aws:iam::123456789012:user/alice'],
    ['aws-region', 'US-EAST-1'],
    ['aws-region', 'us-east-1; rm -rf /'],
    ['audience', 'two words'],
    ['role-duration-seconds', '899'],
    ['role-duration-seconds', '43201'],
    ['role-duration-seconds', '1e3'],
    ['role-duration-seconds', '+900'],
    ['role-duration-seconds', '3600.0'],
    ['role-duration-seconds', 'one hour'],
    ['retry-max-attempts', '0'],
    ['retry-max-attempts', '11'],
    ['clock-tolerance', '-1'],
    ['clock-tolerance', '301'],
    ['output-credentials', 'yes'],
    ['mask-aws-account-id', '1'],
    ['role-session-name', 'a'],
    ['role-session-name', 'has space'],
    ['role-session-name', 'x'.repeat(65)],
    ['role-session-name', 'name$(id)'],
    ['issuer', 'http://token.example.com'],
    ['issuer', 'ftp://127.0.0.1'],
    ['issuer', 'https://user:pass@issuer.example.com'],
    ['sts-endpoint', 'http://sts.example.com'],
    ['sts-endpoint', 'not a url'],
    ['inline-session-policy', '{"Version":'],
    ['inline-session-policy', '[1,2]'],
    ['managed-session-policies', 'arn:aws:iam::123456789012:role/not-a-policy'],
    ['allowed-account-ids', '1234'],
    ['claims', 'repository'],
    ['claims', '=acme/api'],
    ['claims', 'ref=refs/heads/main|'],
  ] as const)('rejects %s = %j, naming the input', (name, value) => {
    const error = errorFrom({ [name]: value });
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toContain(name);
    expect(error.hint).not.toBe('');
  });

  it('accepts the bounds and every partition', () => {
    expect(settingsFrom({ 'role-duration-seconds': '900' }).aws!.durationSeconds).toBe(900);
    expect(settingsFrom({ 'role-duration-seconds': '43200' }).aws!.durationSeconds).toBe(43200);
    const china = settingsFrom({ 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/path/to/deploy', 'aws-region': 'cn-north-1' });
    expect(china.aws!.roleArn).toMatchObject({ partition: 'aws-cn', name: 'deploy' });
    const govcloud = settingsFrom({ 'role-to-assume': 'arn:aws-us-gov:iam::123456789012:role/deploy', 'aws-region': 'us-gov-west-1' });
    expect(govcloud.aws!.region).toBe('us-gov-west-1');
  });

  it('rejects a region outside the role partition', () => {
    const error = errorFrom({ 'aws-region': 'cn-north-1' });
    expect(error.message).toMatch(/aws-region is cn-north-1 \(partition aws-cn\) but the role arn:aws:iam::123456789012:role\/deploy is in partition aws/);
  });

  it('compacts the inline session policy and enforces the 2048-character limit after compaction', () => {
    const policy = '{\n  "Version": "2012-10-17",\n  "Statement": []\n}';
    expect(settingsFrom({ 'inline-session-policy': policy }).aws!.inlineSessionPolicy).toBe('{"Version":"2012-10-17","Statement":[]}');
    const padded = JSON.stringify({ Version: '2012-10-17', Sid: 'x'.repeat(2048) });
    expect(errorFrom({ 'inline-session-policy': padded }).message).toMatch(/at most 2048/);
  });

  it('reads managed policies from lines or commas, at most 10', () => {
    const arns = ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/team/deploy'];
    expect(settingsFrom({ 'managed-session-policies': arns.join('\n') }).aws!.managedSessionPolicies).toEqual(arns);
    expect(settingsFrom({ 'managed-session-policies': arns.join(' , ') }).aws!.managedSessionPolicies).toEqual(arns);
    const eleven = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join(',');
    expect(errorFrom({ 'managed-session-policies': eleven }).message).toMatch(/lists 11 policies; STS accepts at most 10/);
  });

  it('takes the STS endpoint from the input first, then the environment', () => {
    const env = { endpointFromEnvironment: { variable: 'AWS_ENDPOINT_URL_STS', value: 'http://127.0.0.1:4566' } };
    expect(settingsFrom({}, env).aws!.stsEndpoint).toBe('http://127.0.0.1:4566');
    expect(settingsFrom({ 'sts-endpoint': 'https://sts.example.com' }, env).aws!.stsEndpoint).toBe('https://sts.example.com');
    const bad = errorFrom({}, { endpointFromEnvironment: { variable: 'AWS_ENDPOINT_URL', value: 'http://proxy.example.com' } });
    expect(bad.message).toContain('AWS_ENDPOINT_URL');
  });

  it('parses claim rules', () => {
    const { rules } = settingsFrom({ claims: 'repository=acme/api\n\n# comment\nref=refs/heads/main|refs/tags/v*' });
    expect(rules.map((rule) => rule.source)).toEqual(['repository=acme/api', 'ref=refs/heads/main|refs/tags/v*']);
  });

  it('checks an account against allowed-account-ids', () => {
    expect(() => assertAccountAllowed([], '123456789012', 'x')).not.toThrow();
    expect(() => assertAccountAllowed(['123456789012'], '123456789012', 'x')).not.toThrow();
    expect(() => assertAccountAllowed(['111122223333'], '123456789012', 'role-to-assume')).toThrow(/role-to-assume is in account 123456789012, which allowed-account-ids \(111122223333\) does not list/);
  });
});
