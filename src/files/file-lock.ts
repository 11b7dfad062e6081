// Writers of one shared file take turns. Several claimcheck steps (or `claimcheck assume`
// runs) in one home read, edit and rename ~/.aws/credentials and ~/.aws/config: without turns,
// each renames in its own edit of the text it read, and the profiles the others added are lost.
// A writer holds a lock file beside the target, made with O_EXCL (which never follows a link),
// only while it reads, edits and renames in place: synchronous code, so no JavaScript signal
// handler runs part-way; a signal that kills the process outright leaves a lock whose owner is
// gone, which the next writer takes over.
import { randomBytes } from './random.js';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ClaimcheckError } from '../core/errors.js';
import { inertLine } from '../core/text/inert-text.js';
import { openRegular, readCappedSync } from './regular-file.js';

export interface LockTiming {
  /** How long a writer waits for the lock before it gives up (ms). */
  readonly waitMs: number;
  /** A lock this old is taken over whoever holds it: writers hold it for milliseconds (ms). */
  readonly staleMs: number;
  /** A lock whose owner is gone from this machine is taken over once this old (ms). */
  readonly orphanMs: number;
}

export const LOCK_TIMING: LockTiming = { waitMs: 20_000, staleMs: 15_000, orphanMs: 2_000 };

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const MAX_OWNER_BYTES = 512;

/** Where the lock of `path` lives: beside it, so it is on the same file system and folder. */
export function lockPathOf(path: string): string {
  return `${path}.claimcheck-lock`;
}

/** This machine as a lock owner names it: its host name and, on Linux, its process namespace. */
export function thisMachine(): string {
  let namespace = '';
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // not Linux: the host name alone
  }
  return namespace ? `${hostname()} ${namespace}` : hostname();
}

interface Owner {
  readonly pid: number;
  readonly machine: string;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    if (Number.isSafeInteger(value.pid) && (value.pid as number) > 0 && typeof value.machine === 'string') return { pid: value.pid as number, machine: value.machine };
  } catch {
    // half written, or not ours
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false; // our own pid reused: we hold no lock we are waiting for
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock found in place: who holds it (when it says), and the file's identity and age. */
interface Found {
  readonly stats: Stats;
  readonly owner: Owner | undefined;
}

class LockProblem extends Error {}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

/** The lock at `lockPath`, undefined if it is gone; refuses anything but a regular file there. */
function inspect(lockPath: string): Found | undefined {
  let fd: number | undefined;
  try {
    fd = openRegular(lockPath, constants.O_RDONLY, { refuse: (_, why) => new LockProblem(why.replace(/^it /, '')) });
  } catch (error) {
    const code = /\((\w+)\)$/.exec((error as Error).message)?.[1] ?? '';
    if (isDeletePending(code)) return undefined;
    throw error;
  }
  if (fd === undefined) return undefined;
  try {
    const stats = fstatSync(fd);
    return { stats, owner: parseOwner(readCappedSync(fd, MAX_OWNER_BYTES).toString('utf8')) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the lock can be taken over: too old to be held, or its owner gone from this machine.
 * A time in the future (a clock set wrong, a file restored from elsewhere) says nothing about
 * a writer holding it now, so it counts by its distance from now either way.
 */
function isAbandoned(found: Found, now: number, machine: string, timing: LockTiming): boolean {
  const age = Math.abs(now - found.stats.mtimeMs);
  if (age > timing.staleMs) return true;
  const { owner } = found;
  return owner !== undefined && owner.machine === machine && age > timing.orphanMs && !isRunning(owner.pid);
}

/**
 * Removes the abandoned lock, unless another writer has replaced it since it was looked at.
 * (Two writers that find the same abandoned lock at once leave a window of microseconds, between
 * this check and the removal, in which one could remove the lock the other has just made.)
 */
function takeOver(lockPath: string, found: Found): void {
  try {
    const now = lstatSync(lockPath);
    if (now.ino === found.stats.ino && now.dev === found.stats.dev) unlinkSync(lockPath);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT' && !isDeletePending(errorCode(error))) throw new LockProblem(`cannot be removed (${errorCode(error)})`);
  }
}

interface Held {
  readonly fd: number;
  readonly stats: Stats;
}

/**
 * On Windows a file removed while a process still has it open stays, delete-pending, until it
 * is closed; meanwhile opening it or making one of that name fails with EPERM (or EACCES).
 */
function isDeletePending(code: string): boolean {
  return process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES');
}

/** Makes the lock file, or undefined when one is there already. */
function tryCreate(lockPath: string, machine: string): Held | undefined {
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST' || isDeletePending(errorCode(error))) return undefined;
    throw new LockProblem(`cannot be created (${errorCode(error)})`);
  }
  const held = { fd, stats: fstatSync(fd) };
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, machine, since: new Date().toISOString() }));
    return held;
  } catch (error) {
    release(lockPath, held);
    throw new LockProblem(`cannot be written (${errorCode(error)})`);
  }
}

/**
 * Removes our lock; one that another writer took over as abandoned stays theirs. Closed first,
 * so that on Windows the name is free as soon as it is removed.
 */
function release(lockPath: string, held: Held): void {
  closeSync(held.fd);
  try {
    const now = lstatSync(lockPath);
    if (now.ino === held.stats.ino && now.dev === held.stats.dev) unlinkSync(lockPath);
  } catch {
    // already gone
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread: the writers are synchronous, and there is nothing else to do meanwhile. */
function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(SLEEPER, 0, 0, ms);
}

/** Backoff with jitter, so that waiting writers do not retry in step: 5 ms doubling to 250 ms. */
function pause(attempt: number): number {
  const ceiling = Math.min(250, 5 * 2 ** attempt);
  return ceiling / 2 + (randomBytes(1)[0]! / 255) * (ceiling / 2);
}

function describeOwner(found: Found | undefined): string {
  if (!found?.owner) return 'a writer that did not say who it is';
  return `process ${found.owner.pid} on ${inertLine(found.owner.machine.slice(0, 100))}`;
}

function lockError(path: string, lockPath: string, why: string): ClaimcheckError {
  return new ClaimcheckError(
    'PROFILE_WRITE',
    `Cannot write ${path}: its lock file ${lockPath} ${why}.`,
    `Remove the lock file if nothing is writing ${path}; claimcheck also takes a lock over once its owner has exited, or once it is ${LOCK_TIMING.staleMs / 1000} s old.`,
  );
}

function acquire(path: string, lockPath: string, timing: LockTiming): Held {
  const machine = thisMachine();
  const deadline = Date.now() + timing.waitMs;
  let last: Found | undefined;
  for (let attempt = 0; ; attempt++) {
    const held = tryCreate(lockPath, machine);
    if (held) return held;
    last = inspect(lockPath);
    if (last && isAbandoned(last, Date.now(), machine, timing)) {
      takeOver(lockPath, last);
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw lockError(path, lockPath, `is held by ${describeOwner(last)}, which did not let go within ${timing.waitMs / 1000} s`);
    sleep(Math.min(left, pause(attempt)));
  }
}

/**
 * Takes the lock of `path`, made beside it, and returns how to let it go: for work that is
 * not synchronous (a renewal waits on the network), whose other takers wait meanwhile.
 */
export function holdFileLock(path: string, timing: LockTiming = LOCK_TIMING): () => void {
  const lockPath = lockPathOf(path);
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    // Its folder, not the lock, is what could not be made: say so (a read-only home, say).
    throw new ClaimcheckError('PROFILE_WRITE', `Cannot write ${path}: its folder ${folder} cannot be created (${errorCode(error)}).`, 'Point the path at a folder this job can write, or give the job a HOME it can write.');
  }
  let held: Held;
  try {
    held = acquire(path, lockPath, timing);
  } catch (error) {
    if (error instanceof LockProblem) throw lockError(path, lockPath, error.message);
    if (error instanceof ClaimcheckError) throw error;
    throw lockError(path, lockPath, `cannot be made (${errorCode(error)})`);
  }
  return () => release(lockPath, held);
}

/** Runs `work` while holding the lock of `path`, made beside it; the lock is removed afterwards whatever happens. */
export function withFileLock<T>(path: string, work: () => T, timing: LockTiming = LOCK_TIMING): T {
  const release = holdFileLock(path, timing);
  try {
    return work();
  } finally {
    release();
  }
}
