// The files a CI runner reads between steps ($BASH_ENV, which bash sources before every
// CircleCI step, and $GITHUB_ENV): appended to without following a link or waiting on a
// FIFO, and created 0600 when missing, since they carry credentials. The orb's cleanup
// takes its own lines out again, found by the digest it recorded before writing them (the
// record holds no secret), and rewrites the file in place: the same file, owner and mode,
// which the next step's bash sources as usual.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { openRegularFile, type Refusal } from '../../files/private-file.js';
import { ClaimcheckError } from '../../core/errors.js';
import { unsetLine, withoutLineRun } from '../../core/text/shell.js';

/** Lines claimcheck appended: the variables they set, and how to find them again. */
export interface WrittenLines {
  readonly names: readonly string[];
  readonly lines: number;
  readonly sha256: string;
}

function refusal(variable: string): Refusal {
  return (path, why) =>
    new ClaimcheckError('EXPORT_FAILED', `Refusing to write $${variable} (${path}): ${why}.`, `Point ${variable} at a regular file (as the CI runner sets it); claimcheck neither writes through a link nor waits on a FIFO.`);
}

// Bytes as they are: the rest of the file need not be UTF-8, and must come back unchanged.
const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'latin1')).digest('hex');

/** The record of `text` (whole `\n`-ended lines setting `names`), made before it is written. */
export function writtenLines(names: readonly string[], text: string): WrittenLines {
  return { names: [...names], lines: text.split('\n').length - 1, sha256: sha256(Buffer.from(text, 'utf8').toString('latin1')) };
}

function lastByte(fd: number, size: number): number {
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  return byte[0] as number;
}

function writeAllAt(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Appends `text` (whole lines) to the file, made 0600 if it does not exist yet. */
export function appendToEnvFile(variable: string, path: string, text: string): void {
  const refuse = refusal(variable);
  const fd = openRegularFile(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, { refuse }, 0o600);
  if (fd === undefined) throw refuse(path, 'its folder does not exist');
  try {
    const { size } = fstatSync(fd);
    // A last line without its newline would swallow our first one.
    const start = size > 0 && lastByte(fd, size) !== 0x0a ? '\n' : '';
    writeAllAt(fd, Buffer.from(start + text, 'utf8'), size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates an empty 0600 file where none exists, for writers that append with the default
 * mode (@actions/core). Anything already there is left to them: no link is followed here.
 */
export function createPrivateIfMissing(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch {
    // It exists (or cannot be made): the writer reports what it finds.
  }
}

/** Takes each recorded run of lines out of the file, in place; returns how many were found, and names each one not found to `missing`. */
export function removeWrittenLines(variable: string, path: string, records: readonly WrittenLines[], missing: (record: WrittenLines) => void = () => {}): number {
  const fd = openRegularFile(path, constants.O_RDWR, { refuse: refusal(variable) });
  if (fd === undefined) {
    records.forEach(missing);
    return 0;
  }
  try {
    const before = readFileSync(fd, 'latin1');
    let text = before;
    let found = 0;
    for (const record of records) {
      const after = record.lines > 0 ? withoutLineRun(text, record.lines, (run) => sha256(run) === record.sha256) : undefined;
      if (after === undefined) {
        missing(record);
        continue;
      }
      text = after;
      found += 1;
    }
    if (found > 0) {
      ftruncateSync(fd, 0);
      writeAllAt(fd, Buffer.from(text, 'latin1'), 0);
    }
    return found;
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes the recorded lines out of an env file that each later step sources afresh
 * ($BASH_ENV): the variables are then as the job had them (a context's region or keys
 * included). Only for lines no longer found as written is an `unset` appended, so that their
 * credentials go all the same. Returns the records not found.
 */
export function takeBackLines(variable: string, path: string, records: readonly WrittenLines[]): WrittenLines[] {
  const missing: WrittenLines[] = [];
  removeWrittenLines(variable, path, records, (record) => missing.push(record));
  if (missing.length > 0) appendToEnvFile(variable, path, unsetLine([...new Set(missing.flatMap((record) => record.names))]));
  return missing;
}
