// readTokenFile: the kubelet's links followed to a regular file, anything else refused before
// it can block, and the size capped. The Action and the orb with a token file: e2e tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TOKEN_FILE_BYTES, readTokenFile } from '../../src/files/token-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-token-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (path: string) => readTokenFile(path, 'web-identity-token-file');

describe('readTokenFile', () => {
  it('reads the token through a chain of links, trimmed', async () => {
    writeFileSync(join(dir, 'real'), 'header.payload.signature\n');
    symlinkSync('real', join(dir, 'one'));
    symlinkSync(join(dir, 'one'), join(dir, 'two'));
    await expect(read(join(dir, 'two'))).resolves.toBe('header.payload.signature');
  });

  it('takes a file of exactly the cap, and refuses one byte more', async () => {
    writeFileSync(join(dir, 'max'), 'x'.repeat(MAX_TOKEN_FILE_BYTES));
    await expect(read(join(dir, 'max'))).resolves.toHaveLength(MAX_TOKEN_FILE_BYTES);
    writeFileSync(join(dir, 'over'), 'x'.repeat(MAX_TOKEN_FILE_BYTES + 1));
    await expect(read(join(dir, 'over'))).rejects.toMatchObject({ code: 'TOKEN_REQUEST_FAILED', message: expect.stringMatching(/larger than 64 KiB/) });
  });

  it.each([
    ['an empty file', (path: string) => writeFileSync(path, ' \n'), /: it is empty\.$/],
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), /: it is a named pipe \(FIFO\)\.$/],
    ['a dangling link', (path: string) => symlinkSync(join(dir, 'nowhere'), path), /: ENOENT\.$/],
  ])('refuses %s, naming the input and the path', async (_, make, why) => {
    const path = join(dir, 'token');
    make(path);
    await expect(read(path)).rejects.toMatchObject({ code: 'TOKEN_REQUEST_FAILED', message: expect.stringMatching(why) });
    await expect(read(path)).rejects.toMatchObject({ message: expect.stringContaining(`from web-identity-token-file ${path}:`) });
  });
});
