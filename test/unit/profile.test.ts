import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPrivateFile } from '../../src/files/private-file.js';
import { freshPrivateFolder, ownFolder, removeOwnFolder } from '../../src/files/private-folder.js';
import { foreignSections, leaveEmptyProfile, profileFiles, removeProfile, sectionsOf, writeProcessProfile, writeProfile, type ProfileFiles } from '../../src/clouds/aws/profile.js';
import { unwritableFolder } from '../../src/files/writable-folder.js';
import { refuseEndlessSharedFiles } from '../../src/clouds/aws/shared-files.js';
import { removeSection, upsertSection } from '../../src/core/text/ini.js';

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

const isRoot = process.getuid?.() === 0;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-profile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('named profiles', () => {
  let files: ProfileFiles;
  beforeEach(() => {
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

  it('expands ~ and ~/ in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE with the home, as the SDKs do; refuses ~name', () => {
    expect(profileFiles({ AWS_CONFIG_FILE: '~/.aws/ci', AWS_SHARED_CREDENTIALS_FILE: '~' }, dir)).toEqual({ config: join(dir, '.aws', 'ci'), credentials: dir });
    expect(profileFiles({ AWS_CONFIG_FILE: 'rel/~/c' }, dir).config).toBe('rel/~/c');
    expect(() => profileFiles({ AWS_CONFIG_FILE: '~bob/.aws/config' }, dir)).toThrow(/^AWS_CONFIG_FILE is "~bob\/\.aws\/config": boto3 and the AWS CLI read ~name as that user's home folder, the JS SDK as a folder named ~name/);
  });

  it('tells the profiles the user had from those claimcheck wrote or left', () => {
    mkdirSync(join(dir, '.aws'));
    writeFileSync(files.config, '[default]\nregion = eu-west-1\n');
    expect(foreignSections(files, 'default')).toEqual([files.config]);
    writeProfile(files, 'ci', credentials, 'us-east-1');
    expect(foreignSections(files, 'ci')).toEqual([]);
    writeProcessProfile(files, 'renewing', '/bin/true', 'us-east-1');
    leaveEmptyProfile(files, 'renewing');
    expect(readFileSync(files.config, 'utf8')).toContain('[profile renewing]\n# left by claimcheck: AWS_PROFILE names this profile until the job ends');
    expect(foreignSections(files, 'renewing')).toEqual([]);
    writeFileSync(files.credentials, '[ci]\n# a note of the user\'s\naws_access_key_id = AKIAOWN\n');
    expect(foreignSections(files, 'ci')).toEqual([files.credentials]);
  });

  it('puts back the sections a profile had, byte for byte, beside the others', () => {
    const config = '[default]\nregion = eu-west-1\noutput = table\n\n[profile chained]\nsource_profile = default\n';
    const creds = '[default]\naws_access_key_id = AKIAOWN\naws_secret_access_key = own\n';
    mkdirSync(join(dir, '.aws'));
    writeFileSync(files.config, config);
    writeFileSync(files.credentials, creds);
    const saved = sectionsOf(files, 'default');
    writeProfile(files, 'default', credentials, 'us-east-1');
    expect(readFileSync(files.credentials, 'utf8')).toContain('aws_access_key_id = ASIAEXAMPLE');
    removeProfile(files, 'default', saved);
    expect([readFileSync(files.config, 'utf8'), readFileSync(files.credentials, 'utf8')]).toEqual([config, creds]);
  });

  it('finds a folder that cannot take a file before anything is written, naming the nearest part that exists', () => {
    writeFileSync(join(dir, 'plain'), '');
    expect(unwritableFolder(join(dir, 'plain', '.aws'))).toBe(`${join(dir, 'plain')}, the nearest part of ${join(dir, 'plain', '.aws')} that exists, is a file, not a folder`);
    expect(unwritableFolder(join(dir, 'new', 'deeper'))).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['plain']);
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

// A FIFO at a profile file is driven through the built bundles (test/e2e/hostile-files.test.ts),
// where a regression hangs a child process that the test kills, not this worker.
describe('files that are not regular files', () => {
  const fifoAt = (path: string) => execFileSync('mkfifo', [path]);

  it('refuses a directory or a device where a file should be', () => {
    mkdirSync(join(dir, 'folder'));
    expect(() => readPrivateFile(join(dir, 'folder'))).toThrow(/it is a directory/);
    expect(() => readPrivateFile('/dev/zero')).toThrow(/it is a device/);
  });

  it('removes the config section even when the credentials file cannot be read', () => {
    const files = profileFiles({}, dir);
    writeProfile(files, 'ci', credentials, 'us-east-1');
    rmSync(files.credentials);
    mkdirSync(files.credentials);
    expect(() => removeProfile(files, 'ci')).toThrow(/credentials: it is a directory/);
    expect(readFileSync(files.config, 'utf8')).toBe('');
  });

  it('refuses, before the AWS SDK reads them, shared files whose read would never end', () => {
    fifoAt(join(dir, 'credentials'));
    expect(() => refuseEndlessSharedFiles({ AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: '/dev/null' })).toThrow(/^Refusing to use \S+\/credentials: it is a named pipe \(FIFO\)/);
    expect(() => refuseEndlessSharedFiles({ AWS_SHARED_CREDENTIALS_FILE: join(dir, 'missing'), AWS_CONFIG_FILE: '/dev/zero' })).toThrow(/^Refusing to use \/dev\/zero: it is a device/);
    expect(() => refuseEndlessSharedFiles({ AWS_SHARED_CREDENTIALS_FILE: join(dir, 'missing'), AWS_CONFIG_FILE: '/dev/null' })).not.toThrow();
  });

  it.skipIf(!isRoot)('refuses claimcheck\'s own file when another user owns it (needs root to chown)', () => {
    writeFileSync(join(dir, 'config.json'), '{}');
    chownSync(join(dir, 'config.json'), 65534, 65534);
    expect(readPrivateFile(join(dir, 'config.json'))).toBe('{}');
    expect(() => readPrivateFile(join(dir, 'config.json'), { mine: true })).toThrow(/it belongs to another user \(uid 65534\)/);
  });
});

describe('claimcheck\'s own folders', () => {
  it('makes ~/.claimcheck 0700, and refuses one that others can write or that is a link', () => {
    ownFolder(join(dir, 'own'));
    expect(statSync(join(dir, 'own')).mode & 0o777).toBe(0o700);
    chmodSync(join(dir, 'own'), 0o777);
    expect(() => ownFolder(join(dir, 'own'))).toThrow(/^Refusing to use \S+\/own: other users can write to it\.$/);
    symlinkSync(join(dir, 'own'), join(dir, 'link'));
    expect(() => ownFolder(join(dir, 'link'))).toThrow(/it is a symbolic link/);
  });

  it('replaces a renewal folder that is a link, and leaves what it pointed at alone', () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'keep'), 'x');
    symlinkSync(elsewhere, join(dir, 'refresh'));
    freshPrivateFolder(join(dir, 'refresh'));
    expect(lstatSync(join(dir, 'refresh')).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'refresh')).mode & 0o777).toBe(0o700);
    expect(readdirSync(elsewhere)).toEqual(['keep']);
  });

  it('keeps a renewal folder that is already private, with what is in it', () => {
    freshPrivateFolder(join(dir, 'refresh'));
    writeFileSync(join(dir, 'refresh', 'config.json'), '{}');
    freshPrivateFolder(join(dir, 'refresh'));
    expect(readdirSync(join(dir, 'refresh'))).toEqual(['config.json']);
  });

  it.skipIf(!isRoot)('leaves another user\'s folder in place when removing (needs root to chown)', () => {
    mkdirSync(join(dir, 'theirs'));
    chownSync(join(dir, 'theirs'), 65534, 65534);
    expect(() => removeOwnFolder(join(dir, 'theirs'))).toThrow(/belongs to another user/);
    expect(lstatSync(join(dir, 'theirs')).isDirectory()).toBe(true);
  });
});
