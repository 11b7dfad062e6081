// The lock that makes writers of one shared file take turns (src/files/file-lock.ts): it is
// removed whatever the work does, a live holder is waited for and then named, an abandoned
// lock (its owner gone from this machine, or too old to be held) is taken over, and a link
// in its place is refused, never followed. Ages are set with utimes; nothing here measures time.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdFileLock, lockPathOf, thisMachine, withFileLock, type LockTiming } from '../../src/files/file-lock.js';
import { refusalOf } from '../harness/refusal.ts';

// Short waits, so that a test of giving up does not wait 20 s; the ages that matter are set apart.
const QUICK: LockTiming = { waitMs: 150, staleMs: 15_000, orphanMs: 2_000 };

let dir: string;
let target: string;
let lock: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claimcheck-lock-'));
  target = join(dir, 'credentials');
  lock = lockPathOf(target);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function plantLock(owner: object | string, ageMs: number): void {
  writeFileSync(lock, typeof owner === 'string' ? owner : JSON.stringify(owner), { mode: 0o600 });
  const then = new Date(Date.now() - ageMs);
  utimesSync(lock, then, then);
}

const failure = refusalOf;

/** A process id that was in use and no longer is: a child that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('the lock of a shared file', () => {
  it('is held while the work runs and removed after it, whether the work returns or throws', () => {
    expect(withFileLock(target, () => {
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, machine: thisMachine() });
      expect(lstatSync(lock).mode & 0o777).toBe(0o600);
      return 'done';
    })).toBe('done');
    expect(readdirSync(dir)).toEqual([]);
    const thrown = new Error('the edit failed');
    expect(() => withFileLock(target, () => {
      throw thrown;
    })).toThrow(thrown);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('makes the folder the file goes in, private', () => {
    const nested = join(dir, 'home', '.aws', 'config');
    withFileLock(nested, () => undefined);
    expect(lstatSync(join(dir, 'home', '.aws')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'home', '.aws'))).toEqual([]);
  });

  it('waits for a live holder, then gives up naming the lock file and its holder, and leaves the lock to it', () => {
    plantLock({ pid: process.ppid, machine: thisMachine() }, 0);
    const error = failure(() => withFileLock(target, () => 'never', QUICK));
    expect(error.code).toBe('PROFILE_WRITE');
    expect(error.message).toBe(`Cannot write ${target}: its lock file ${lock} is held by process ${process.ppid} on ${thisMachine()}, which did not let go within 0.15 s.`);
    expect(error.hint).toMatch(/^Remove the lock file if nothing is writing /);
    expect(existsSync(lock)).toBe(true);
  });

  it('takes over a lock whose owner has exited, once past the grace for a writer naming itself', async () => {
    const pid = await deadPid();
    plantLock({ pid, machine: thisMachine() }, 0);
    expect(failure(() => withFileLock(target, () => 'never', QUICK)).message).toContain(`held by process ${pid}`);
    plantLock({ pid, machine: thisMachine() }, 5_000);
    expect(withFileLock(target, () => 'taken over', QUICK)).toBe('taken over');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('trusts no process check on another machine: takes the lock over only once it is too old to be held', async () => {
    const pid = await deadPid();
    plantLock({ pid, machine: 'build-7 pid:[4026531836]' }, 5_000);
    expect(failure(() => withFileLock(target, () => 'never', QUICK)).message).toContain(`held by process ${pid} on build-7 pid:[4026531836]`);
    plantLock({ pid, machine: 'build-7 pid:[4026531836]' }, 20_000);
    expect(withFileLock(target, () => 'taken over', QUICK)).toBe('taken over');
  });

  it('takes over a lock that names nobody (its writer stopped before naming itself) only once too old', () => {
    plantLock('', 5_000);
    expect(failure(() => withFileLock(target, () => 'never', QUICK)).message).toContain('held by a writer that did not say who it is');
    plantLock('', 20_000);
    expect(withFileLock(target, () => 'taken over', QUICK)).toBe('taken over');
  });

  it('takes over a lock dated in the future (a clock set wrong, a file restored from elsewhere) as it would one as old', async () => {
    // A writer holding a lock has just written it: a time far ahead of now is nobody's hold.
    plantLock({ pid: process.ppid, machine: 'build-7 pid:[4026531836]' }, -5_000);
    expect(failure(() => withFileLock(target, () => 'never', QUICK)).message).toContain('held by process');
    plantLock({ pid: process.ppid, machine: 'build-7 pid:[4026531836]' }, -365 * 24 * 3600_000);
    expect(withFileLock(target, () => 'taken over', QUICK)).toBe('taken over');
    // Its owner gone from this machine: taken over as soon as a past one would be.
    plantLock({ pid: await deadPid(), machine: thisMachine() }, -5_000);
    expect(withFileLock(target, () => 'taken over', QUICK)).toBe('taken over');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a FIFO in the lock\'s place at once, without waiting on it', () => {
    execFileSync('mkfifo', [lock]);
    expect(failure(() => withFileLock(target, () => 'never', QUICK)).message).toBe(`Cannot write ${target}: its lock file ${lock} is a named pipe (FIFO).`);
  });

  it('shows an owner\'s machine name as inert text', () => {
    plantLock({ pid: process.ppid, machine: 'evil\n::stop-commands::x' }, 0);
    expect(failure(() => withFileLock(target, () => 'never', QUICK)).message).toContain('on evil\\n::stop-commands::x,');
  });

  it('refuses a link in the lock\'s place and leaves what it points at alone', () => {
    const elsewhere = join(dir, 'elsewhere');
    writeFileSync(elsewhere, 'precious\n');
    symlinkSync(elsewhere, lock);
    const error = failure(() => withFileLock(target, () => 'never', QUICK));
    expect(error.message).toBe(`Cannot write ${target}: its lock file ${lock} is a symbolic link.`);
    expect(readFileSync(elsewhere, 'utf8')).toBe('precious\n');
    expect(readlinkSync(lock)).toBe(elsewhere);
  });

  it('waits for a writer in another process that lets go', async () => {
    // The child takes the lock the way claimcheck does, says so, and lets go a moment later.
    const script = `
      const fs = require('node:fs');
      const fd = fs.openSync(process.argv[1], fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, machine: process.argv[2] }));
      process.stdout.write('locked\\n');
      setTimeout(() => { fs.unlinkSync(process.argv[1]); fs.closeSync(fd); }, 300);`;
    const child = spawn(process.execPath, ['-e', script, lock, thisMachine()], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    expect(existsSync(lock)).toBe(true);
    expect(withFileLock(target, () => 'after the other writer')).toBe('after the other writer');
    expect(await exited).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a folder that cannot be made', () => {
  it('is named, not a lock file that does not exist', () => {
    writeFileSync(join(dir, 'plain'), '');
    const error = failure(() => withFileLock(join(dir, 'plain', '.aws', 'config'), () => 0, QUICK));
    expect(error.message).toBe(`Cannot write ${join(dir, 'plain', '.aws', 'config')}: its folder ${join(dir, 'plain', '.aws')} cannot be created (ENOTDIR).`);
  });
});

describe('a lock held across work that waits (holdFileLock)', () => {
  it('keeps others out until it is let go', async () => {
    const release = holdFileLock(target, QUICK);
    expect(existsSync(lock)).toBe(true);
    expect(failure(() => withFileLock(target, () => 0, QUICK)).message).toMatch(/which did not let go within 0\.15 s/);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect(existsSync(lock)).toBe(false);
    expect(withFileLock(target, () => 'mine', QUICK)).toBe('mine');
  });
});
