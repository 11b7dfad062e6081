// How the credentials are handed over: the export input (strict, with what aws-profile and
// refresh alone mean), what each hand-over clears so that no earlier variable wins over it in
// a client, and when the renewing profile's credential process renews.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writePrivateFile } from '../../src/files/private-file.js';
import { credentialHandover, handoverShellLines, profileHandover, setIn } from '../../src/core/aws/exported-variables.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import type { InputName } from '../../src/core/config/inputs.generated.js';
import { parseSettings } from '../../src/core/config/settings.js';
import { CLIENT_REFRESH_WINDOW_MS, renewBeforeMs, runCredentialProcess, type CredentialProcessDoor } from '../../src/clouds/aws/credential-process.js';
import { OWN_FILE } from '../../src/files/private-folder.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';

function settingsFrom(inputs: Partial<Record<InputName, string>>) {
  return parseSettings((name) => ({ 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs })[name]);
}

function errorFrom(inputs: Partial<Record<InputName, string>>): ClaimcheckError {
  try {
    settingsFrom(inputs);
  } catch (error) {
    if (error instanceof ClaimcheckError) return error;
    throw error;
  }
  throw new Error('expected the settings to be rejected');
}

describe('the export input', () => {
  it.each([
    [{}, 'env'],
    [{ 'aws-profile': 'ci' }, 'profile'],
    [{ refresh: 'true' }, 'profile'],
    [{ export: 'env' }, 'env'],
    [{ export: ' profile ' }, 'profile'],
    [{ export: 'profile', refresh: 'true', 'aws-profile': 'ci' }, 'profile'],
    [{ export: 'none' }, 'none'],
  ] as const)('%j hands over as %s', (inputs, mode) => {
    expect(settingsFrom(inputs).aws!.export).toBe(mode);
  });

  it('none implies output-credentials: the outputs are all it hands over', () => {
    expect(settingsFrom({ export: 'none' }).aws!.outputCredentials).toBe(true);
    expect(settingsFrom({ export: 'env' }).aws!.outputCredentials).toBe(false);
  });

  it.each(['Env', 'ENV', 'environment', 'profiles', 'true', 'env,profile', 'none!'])('refuses %j, naming the accepted forms', (value) => {
    const error = errorFrom({ export: value });
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toBe(`Input export is ${JSON.stringify(value)}, which is not env, profile or none.`);
    expect(error.hint).toBe('Set export to env, profile or none.');
  });

  it.each([
    [{ export: 'env', 'aws-profile': 'ci' }, 'aws-profile is set', 'remove aws-profile'],
    [{ export: 'none', 'aws-profile': 'ci' }, 'aws-profile is set', 'remove aws-profile'],
    [{ export: 'env', refresh: 'true' }, 'refresh is true', 'remove refresh'],
    [{ export: 'none', refresh: 'true' }, 'refresh is true', 'remove refresh'],
  ] as const)('refuses %j: a profile cannot be handed over as variables or not at all', (inputs, cause, fix) => {
    const error = errorFrom(inputs);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toBe(`Input export is ${inputs.export}, but ${cause}, which hands the credentials over as a profile.`);
    expect(error.hint).toBe(`Set export to profile (or leave it empty), or ${fix}.`);
  });
});

const credentials = { accessKeyId: 'ASIANEW', secretAccessKey: 'new-secret', sessionToken: 'new-token' };

describe('what a hand-over clears', () => {
  it('a profile clears the keys that are set, which boto3 and the AWS CLI would use before AWS_PROFILE', () => {
    const env = { AWS_ACCESS_KEY_ID: 'ASIAOLD', AWS_SECRET_ACCESS_KEY: 'old', AWS_SESSION_TOKEN: '', AWS_PROFILE: 'x' };
    expect(profileHandover('ci', 'eu-west-1', env)).toEqual({
      set: [['AWS_PROFILE', 'ci'], ['AWS_REGION', 'eu-west-1'], ['AWS_DEFAULT_REGION', 'eu-west-1'], ['AWS_SDK_LOAD_CONFIG', '1']],
      clear: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
    });
    expect(profileHandover('ci', 'eu-west-1', {}).clear).toEqual([]);
  });

  it('keys clear an AWS_PROFILE that is set, which the JS SDK would use before them', () => {
    expect(credentialHandover(credentials, 'us-east-1', setIn({ AWS_PROFILE: 'old' })).clear).toEqual(['AWS_PROFILE']);
    expect(credentialHandover(credentials, 'us-east-1', setIn({ AWS_PROFILE: '', AWS_ACCESS_KEY_ID: 'ASIAOLD' })).clear).toEqual([]);
  });

  it('in shell lines: unset first, then quoted exports', () => {
    const handover = credentialHandover({ ...credentials, sessionToken: "it's" }, 'us-east-1', setIn({ AWS_PROFILE: 'old' }));
    expect(handoverShellLines(handover)).toBe(
      "unset AWS_PROFILE\nexport AWS_ACCESS_KEY_ID='ASIANEW'\nexport AWS_SECRET_ACCESS_KEY='new-secret'\nexport AWS_SESSION_TOKEN='it'\\''s'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\n",
    );
    expect(handoverShellLines(profileHandover('ci', 'us-east-1', {}))).toBe("export AWS_PROFILE='ci'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\nexport AWS_SDK_LOAD_CONFIG='1'\n");
  });
});

describe('when the renewing profile renews', () => {
  it('renews before botocore\'s 15-minute window when that leaves 15 minutes of the session, else at the JS SDK\'s 5', () => {
    expect(CLIENT_REFRESH_WINDOW_MS).toBe(15 * 60_000);
    expect(renewBeforeMs(3600)).toBe(15 * 60_000);
    expect(renewBeforeMs(1800)).toBe(15 * 60_000);
    expect(renewBeforeMs(1799)).toBe(5 * 60_000);
    expect(renewBeforeMs(901)).toBe(5 * 60_000);
    expect(renewBeforeMs(900)).toBe(5 * 60_000);
  });

  it('renews at most once per 10 minutes, whatever the duration STS accepts (900 to 43200 s)', () => {
    for (let seconds = 900; seconds <= 43200; seconds++) {
      const interval = seconds * 1000 - renewBeforeMs(seconds);
      if (interval < 10 * 60_000) expect.fail(`a ${seconds}-s session would renew every ${interval / 1000} s`);
    }
  });

  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const NOW = Date.parse('2030-01-01T12:00:00Z');

  /** What the credential process prints with a cached session `minutesLeft` from expiry, and whether it went to STS. */
  async function answer(minutesLeft: number, duration: string): Promise<{ renewed: boolean; keyId: string }> {
    dir = mkdtempSync(join(tmpdir(), 'claimcheck-renew-'));
    const configPath = join(dir, 'config.json');
    const inputs = { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', issuer: 'https://issuer.example', 'role-duration-seconds': duration };
    writePrivateFile(configPath, JSON.stringify({ version: 1, inputs, token: { kind: 'file', path: join(dir, 'token') } }), OWN_FILE);
    writePrivateFile(join(dir, 'credentials.json'), JSON.stringify({ accessKeyId: 'ASIACACHED', secretAccessKey: 's', sessionToken: 't', expiration: new Date(NOW + minutesLeft * 60_000).toISOString() }), OWN_FILE);
    writeFileSync(join(dir, 'token'), 'unused');
    let renewed = false;
    // The renewal itself is the flow's (tested elsewhere): here it stops at the token.
    const door: CredentialProcessDoor = () => ({
      get: async () => ({}),
      requestToken: async () => {
        renewed = true;
        throw new Error('renewal attempted');
      },
      defaultSessionName: () => 'session',
    });
    let stdout = '';
    await runCredentialProcess(configPath, door, { stdout: (text) => (stdout += text), stderr: () => {}, now: () => NOW });
    return { renewed, keyId: stdout ? (JSON.parse(stdout) as { AccessKeyId: string }).AccessKeyId : '' };
  }

  it.each([
    [16, '3600', false],
    [14, '3600', true],
    [6, '900', false],
    [4, '900', true],
    // A 901-s session just made: 15 min 1 s left is no reason to renew (it once renewed on every call).
    [15 + 1 / 60, '901', false],
    [14, '1500', false],
    [4, '1500', true],
  ] as const)('with %i minutes left of a %s-second session, renews: %s', async (minutesLeft, duration, renews) => {
    const result = await answer(minutesLeft, duration);
    expect(result.renewed).toBe(renews);
    if (!renews) expect(result.keyId).toBe('ASIACACHED');
  });
});
