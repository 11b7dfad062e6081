// The compile cache is turned on only in a folder that is this user's and closed to others,
// inside a parent nobody else can write to: V8 runs the code it reads back from it as it is.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCompileCache } from '../../src/platform/shared/compile-cache.js';

const isRoot = process.getuid?.() === 0;

/** A stand-in for module.enableCompileCache that records where it was asked to cache. */
function recorder() {
  const dirs: string[] = [];
  return { dirs, enable: (dir: string) => void dirs.push(dir) };
}

const parent = () => mkdtempSync(join(tmpdir(), 'compile-cache-'));

describe('startCompileCache', () => {
  it('makes a private folder in a parent of its own and turns the cache on there', () => {
    const { dirs, enable } = recorder();
    const dir = join(parent(), 'cache');
    expect(startCompileCache(dir, enable)).toBe(true);
    expect(dirs).toEqual([dir]);
    expect(lstatSync(dir).isDirectory()).toBe(true);
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });

  it('keeps a private folder it made before, and what is in it', () => {
    const { enable } = recorder();
    const dir = join(parent(), 'cache');
    startCompileCache(dir, enable);
    writeFileSync(join(dir, 'entry'), 'cached');
    expect(startCompileCache(dir, enable)).toBe(true);
    expect(lstatSync(join(dir, 'entry')).isFile()).toBe(true);
  });

  it('does not cache in a parent that others can write to', () => {
    const { dirs, enable } = recorder();
    const open = parent();
    chmodSync(open, 0o777);
    expect(startCompileCache(join(open, 'cache'), enable)).toBe(false);
    expect(dirs).toEqual([]);
  });

  it('replaces a folder that others can open or write to, and what it held', () => {
    const { dirs, enable } = recorder();
    const dir = join(parent(), 'cache');
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'planted'), 'bytecode');
    expect(startCompileCache(dir, enable)).toBe(true);
    expect(dirs).toEqual([dir]);
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    expect(() => lstatSync(join(dir, 'planted'))).toThrow();
  });

  it('replaces a symbolic link where the folder should be, and leaves its target alone', () => {
    const { enable } = recorder();
    const base = parent();
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    const dir = join(base, 'cache');
    symlinkSync(elsewhere, dir);
    expect(readlinkSync(dir)).toBe(elsewhere);
    expect(startCompileCache(dir, enable)).toBe(true);
    expect(lstatSync(dir).isDirectory()).toBe(true);
    expect(lstatSync(elsewhere).isDirectory()).toBe(true);
  });

  it.runIf(isRoot)('replaces a folder that another user owns', () => {
    const { dirs, enable } = recorder();
    const dir = join(parent(), 'cache');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 4242, 4242);
    expect(startCompileCache(dir, enable)).toBe(true);
    expect(dirs).toEqual([dir]);
    expect(lstatSync(dir).uid).toBe(0);
  });

  it.runIf(isRoot)('does not cache in a parent that another user owns', () => {
    const { dirs, enable } = recorder();
    const theirs = parent();
    chownSync(theirs, 4242, 4242);
    expect(startCompileCache(join(theirs, 'cache'), enable)).toBe(false);
    expect(dirs).toEqual([]);
  });

  it('does nothing without a folder, or on a Node without the cache', () => {
    const { dirs, enable } = recorder();
    expect(startCompileCache(undefined, enable)).toBe(false);
    expect(startCompileCache(join(parent(), 'cache'), null)).toBe(false);
    expect(dirs).toEqual([]);
  });

  it('never fails the run when the folder cannot be made', () => {
    const { dirs, enable } = recorder();
    const base = parent();
    writeFileSync(join(base, 'file'), '');
    expect(startCompileCache(join(base, 'file', 'cache'), enable)).toBe(false);
    expect(dirs).toEqual([]);
  });
});
