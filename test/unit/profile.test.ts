import { chmodSync, lstatSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { profileFiles, removeProfile, writeProfile, type ProfileFiles } from '../../src/aws/profile.js';
import { removeSection, upsertSection } from '../../src/core/ini.js';

const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/+=', sessionToken: 'token==', expiration: new Date('2026-11-23T10:00:00Z') };

describe('INI sections', () => {
  const existing = '[default]\nregion = eu-west-1\n\n[profile other]\nregion = us-west-2 # keep\n';

  it('appends a new section and keeps every other byte', () => {
    const text = upsertSection(existing, 'profile ci', [['region', 'us-east-1']]);
    expect(text).toBe(`${existing}\n[profile ci]\nregion = us-east-1\n`);
  });

  it('replaces a section in place', () => {
    const text = upsertSection(`[ci]\nold = 1\nstale = 2\n\n[other]\nx = 1\n`, 'ci', [['new', '2']]);
    expect(text).toBe('[ci]\nnew = 2\n\n[other]\nx = 1\n');
  });

  it('removes only its own section', () => {
    expect(removeSection(`${existing}\n[ci]\na = 1\n`, 'ci')).toBe(existing);
    expect(removeSection(existing, 'missing')).toBe(existing);
    expect(removeSection('[ci]\na = 1\n', 'ci')).toBe('');
  });
});

describe('named profiles', () => {
  let dir: string;
  let files: ProfileFiles;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'claimcheck-profile-'));
    files = profileFiles({}, dir);
  });

  it('defaults to ~/.aws and honours AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE', () => {
    expect(files).toEqual({ credentials: join(dir, '.aws', 'credentials'), config: join(dir, '.aws', 'config') });
    expect(profileFiles({ AWS_SHARED_CREDENTIALS_FILE: '/c', AWS_CONFIG_FILE: '/f' }, dir)).toEqual({ credentials: '/c', config: '/f' });
  });

  it('writes both files 0600, beside an unrelated profile, and removes only its own', () => {
    writeProfile(files, 'other', credentials, 'eu-west-1');
    const other = { credentials: readFileSync(files.credentials, 'utf8'), config: readFileSync(files.config, 'utf8') };
    chmodSync(files.credentials, 0o644);
    writeProfile(files, 'ci', { ...credentials, accessKeyId: 'ASIACI' }, 'us-east-1');

    const written = readFileSync(files.credentials, 'utf8');
    expect(written).toContain('[ci]\n# written by claimcheck; expires 2026-11-23T10:00:00.000Z\naws_access_key_id = ASIACI\naws_secret_access_key = secret/+=\naws_session_token = token==\n');
    expect(readFileSync(files.config, 'utf8')).toContain('[profile ci]\n# written by claimcheck\nregion = us-east-1\n');
    expect(lstatSync(files.credentials).mode & 0o777).toBe(0o600);
    expect(lstatSync(files.config).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(dir, '.aws')).mode & 0o777).toBe(0o700);

    removeProfile(files, 'ci');
    expect(readFileSync(files.credentials, 'utf8')).toBe(other.credentials);
    expect(readFileSync(files.config, 'utf8')).toBe(other.config);
    expect(readdirSync(join(dir, '.aws')).sort()).toEqual(['config', 'credentials']);
  });

  it('refuses to write through a symlink, and leaves its target alone', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious\n');
    const linked = { credentials: join(dir, 'link'), config: join(dir, 'config') };
    symlinkSync(target, linked.credentials);
    expect(() => writeProfile(linked, 'ci', credentials, 'us-east-1')).toThrow(/Refusing to write .*link: it is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(readdirSync(dir).filter((name) => name.includes('claimcheck-'))).toEqual([]);
  });
});
