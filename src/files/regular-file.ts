// The one way claimcheck opens a file it reads or writes: only a regular file, never waiting
// on a FIFO, never reading a device, never making a terminal ours, and never through a link
// in the file's own place unless the caller says links are the point (a kubelet's token).
// Links among the parent folders are the system's business (macOS's /var is one) and stay
// normal. Every refusal words the file's kind the same way, through kindOf.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** What a path is, in words, when it is not a regular file: "it is <kindOf>". */
export function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The error for a path that cannot be used: each kind of file names its own fix. */
export type FileRefusal = (path: string, why: string) => Error;

export interface RegularFileOptions {
  readonly refuse: FileRefusal;
  /** Follow a link in the file's own place to a regular file (token files only). */
  readonly follow?: boolean;
  /** The file must also belong to this process's user (claimcheck's own files). */
  readonly mine?: boolean;
  /** The mode of a file the flags create. */
  readonly mode?: number;
}

// Windows has none of these flags; there a FIFO or a link cannot stand in for these files.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NO_WAIT = constants.O_NONBLOCK ?? 0;
const NO_TERMINAL = constants.O_NOCTTY ?? 0;

/** This process's user, or undefined where there are no uids (Windows). */
export function currentUid(): number | undefined {
  return process.getuid?.();
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'error';

/** What stands at `path` (through a link when `follow`), undefined when nothing does. */
function look(path: string, follow: boolean, refuse: FileRefusal): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw refuse(path, `it cannot be examined (${codeOf(error)})`);
  }
}

function whyNot(stats: Stats, mine: boolean): string | undefined {
  if (!stats.isFile()) return `it is ${kindOf(stats)}`;
  const uid = currentUid();
  if (mine && uid !== undefined && stats.uid !== uid) return `it belongs to another user (uid ${stats.uid})`;
  return undefined;
}

function openError(path: string, error: unknown, refuse: FileRefusal): Error {
  const code = codeOf(error);
  if (code === 'ELOOP' || code === 'EMLINK') return refuse(path, 'it is a symbolic link');
  // A FIFO opened for writing without waiting, when nothing reads it.
  if (code === 'ENXIO') return refuse(path, 'it is a named pipe (FIFO)');
  if (code === 'EISDIR') return refuse(path, 'it is a directory');
  return refuse(path, `it cannot be opened (${code})`);
}

/**
 * Opens `path` with `flags` as a regular file; undefined when nothing is there and the flags
 * do not create it. What stands there is looked at first, so that no device is ever opened
 * (opening one can have effects of its own), and what was opened is checked again (the path
 * may have changed in between).
 */
export function openRegular(path: string, flags: number, options: RegularFileOptions): number | undefined {
  const { refuse, follow = false, mine = false } = options;
  const before = look(path, follow, refuse);
  const problem = before && whyNot(before, mine);
  if (problem) throw refuse(path, problem);
  let fd: number;
  try {
    fd = openSync(path, flags | NO_WAIT | NO_TERMINAL | (follow ? 0 : NO_FOLLOW), options.mode ?? 0o600);
  } catch (error) {
    if (codeOf(error) === 'ENOENT' && (flags & constants.O_CREAT) === 0) return undefined;
    throw openError(path, error, refuse);
  }
  try {
    const opened = whyNot(fstatSync(fd), mine);
    if (opened) throw refuse(path, opened);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Up to `limit` bytes from the start of an open file, however its size changes while it is read. */
export function readCappedSync(fd: number, limit: number): Buffer {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const read = readSync(fd, buffer, length, limit - length, length);
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

/**
 * A regular file's bytes, at most `maxBytes` (more is refused as `tooLarge` says); undefined
 * when it does not exist.
 */
export function readRegular(path: string, options: RegularFileOptions & { readonly maxBytes: number; readonly tooLarge: string }): Buffer | undefined {
  const fd = openRegular(path, constants.O_RDONLY, options);
  if (fd === undefined) return undefined;
  try {
    const bytes = readCappedSync(fd, options.maxBytes + 1);
    if (bytes.length > options.maxBytes) throw options.refuse(path, options.tooLarge);
    return bytes;
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof (error as NodeJS.ErrnoException).syscall === 'string') throw options.refuse(path, `it cannot be read (${codeOf(error)})`);
    throw error;
  } finally {
    closeSync(fd);
  }
}
