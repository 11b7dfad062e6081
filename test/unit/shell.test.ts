import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportLines, shellQuote, withoutLineRun } from '../../src/core/text/shell.js';
import { appendToEnvFile, removeWrittenLines, writtenLines } from '../../src/platform/shared/env-file.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-shell-'));
  made.push(dir);
  return dir;
}

const hostile = [
  "it's",
  '$(touch MARKER)',
  '`touch MARKER`',
  '$(touch MARKER)\'$(touch MARKER)',
  'a\nexport INJECTED=1\n',
  "'; export INJECTED=1; '",
  '${HOME}',
  '\\',
  '"double"',
  ' leading and trailing ',
  '',
  'ünïcödé ✓',
];

describe('bash quoting', () => {
  it.each(hostile)('bash reads back %j exactly, runs nothing and sets nothing else', (template) => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const value = template.replaceAll('MARKER', marker);
    const file = join(dir, 'bash_env');
    writeFileSync(file, exportLines([['VALUE', value]]));
    const script = `source ${shellQuote(file)}; printf '%s' "$VALUE"; echo; echo "\${INJECTED:-unset}"; [ -e ${shellQuote(marker)} ] && echo ran || echo clean`;
    const output = execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir } });
    const lines = output.split('\n');
    expect(lines.slice(0, -3).join('\n')).toBe(value);
    expect(lines.slice(-3, -1)).toEqual(['unset', 'clean']);
  });

  it('refuses a name that is not a variable name', () => {
    expect(() => exportLines([['A=B', 'x']])).toThrow(/not a shell variable name/);
  });
});

describe('taking recorded lines out of $BASH_ENV', () => {
  it('removes the first whole-line run that matches, wherever it is', () => {
    const isB = (run: string) => run === 'b\nc\n';
    expect(withoutLineRun('a\nb\nc\nd\n', 2, isB)).toBe('a\nd\n');
    expect(withoutLineRun('b\nc\n', 2, isB)).toBe('');
    expect(withoutLineRun('xb\nc\n', 2, isB)).toBeUndefined(); // not line-aligned
    expect(withoutLineRun('a\nb\nc', 2, isB)).toBeUndefined(); // its last line is cut short
  });

  it('finds each block by its digest, keeps every other byte, and leaves the same file in place', () => {
    const file = join(tempDir(), 'bash_env');
    const foreign = Buffer.from([0x65, 0x78, 0x70, 0x6f, 0x72, 0x74, 0x20, 0x58, 0x3d, 0xff, 0xfe, 0x0a]); // not UTF-8
    writeFileSync(file, foreign, { mode: 0o640 });
    const first = exportLines([['AWS_ACCESS_KEY_ID', 'ASIA1'], ['AWS_SECRET_ACCESS_KEY', "s'ecr\u00e9t"]]);
    const second = exportLines([['AWS_PROFILE', 'ci']]);
    const records = [writtenLines(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], first), writtenLines(['AWS_PROFILE'], second)];
    appendToEnvFile('BASH_ENV', file, first);
    appendToEnvFile('BASH_ENV', file, "echo 'user line'\n");
    appendToEnvFile('BASH_ENV', file, second);
    const inode = statSync(file).ino;
    expect(JSON.stringify(records)).not.toContain('ASIA1');
    expect(removeWrittenLines('BASH_ENV', file, records)).toBe(2);
    expect(readFileSync(file)).toEqual(Buffer.concat([foreign, Buffer.from("echo 'user line'\n")]));
    expect(statSync(file).ino).toBe(inode);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(removeWrittenLines('BASH_ENV', file, records)).toBe(0);
  });

  it('starts on a new line when the file does not end with one, and creates a missing file 0600', () => {
    const file = join(tempDir(), 'bash_env');
    appendToEnvFile('BASH_ENV', file, 'export A=1\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'export A=1');
    appendToEnvFile('BASH_ENV', file, 'export B=2\n');
    expect(readFileSync(file, 'utf8')).toBe('export A=1\nexport B=2\n');
  });

  it('refuses to append through a symlink', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'target'), '');
    symlinkSync(join(dir, 'target'), join(dir, 'bash_env'));
    expect(() => appendToEnvFile('BASH_ENV', join(dir, 'bash_env'), 'export A=1\n')).toThrow(/^Refusing to write \$BASH_ENV \(\S+\): it is a symbolic link\.$/);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('');
  });
});
