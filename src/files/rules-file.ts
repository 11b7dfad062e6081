// Reads a rules file from disk: JSON by its .json extension, YAML (a superset) otherwise.
// Only a regular file is read, and at most MAX_BYTES of it: the open neither blocks (a FIFO)
// nor follows a symbolic link, and the size is what was read, not what stat claims
// (/dev/zero and /proc files say 0). A link is refused rather than followed because a
// checkout could otherwise point the step at any file the runner can read, and parse errors
// quote a little of the text. The YAML parser is imported only when needed: ncc puts it in
// a chunk of its own, so runs without a YAML rules file never load it.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';
import { describeDuplicateKey, duplicateJsonKey } from '../core/text/duplicate-keys.js';
import { ClaimcheckError } from '../core/errors.js';
import type { InputSource } from '../core/config/settings.js';
import { readCapped } from './read-capped.js';

const MAX_BYTES = 256 * 1024;
// O_NONBLOCK and O_NOFOLLOW do not exist on Windows, where a FIFO is no file path anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

type Fail = (why: string) => ClaimcheckError;

async function parseRulesFile(path: string): Promise<unknown> {
  const fail: Fail = (why) => new ClaimcheckError('INPUT_INVALID', `Input rules-file: ${path} ${why}.`, 'Point rules-file at a YAML or JSON rules file in the workspace (relative to the working directory).');
  const text = await readRulesText(path, fail);
  const json = path.endsWith('.json');
  let parsed: { value: unknown; keyProblem: string | undefined };
  try {
    if (json) {
      const value = JSON.parse(text) as unknown;
      const duplicate = duplicateJsonKey(text);
      parsed = { value, keyProblem: duplicate && describeDuplicateKey(duplicate) };
    } else {
      const { parseYamlRules } = await import('./yaml-rules.js');
      parsed = parseYamlRules(text);
    }
  } catch (error) {
    throw fail(`is not valid ${json ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed.keyProblem !== undefined) {
    throw new ClaimcheckError('INPUT_INVALID', `Rules file ${path}: ${parsed.keyProblem}.`, 'Name each key once per map: parsers disagree on which of two copies wins, so claimcheck takes neither.');
  }
  return parsed.value;
}

async function readRulesText(path: string, fail: Fail): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const target = code === 'ELOOP' || code === 'EMLINK' ? await linkTarget(path) : undefined;
    if (target !== undefined) throw fail(`is a symbolic link (to ${target}), and rules files are read without following links: point rules-file at the file itself`);
    throw fail(`cannot be read (${code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw fail(`is ${kindOf(info)}, not a regular file`);
    const bytes = await readCapped(handle, MAX_BYTES + 1);
    if (bytes.length > MAX_BYTES) throw fail(`is larger than ${MAX_BYTES} bytes`);
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ClaimcheckError) throw error;
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

async function linkTarget(path: string): Promise<string | undefined> {
  try {
    return (await lstat(path)).isSymbolicLink() ? JSON.stringify(await readlink(path)) : undefined;
  } catch {
    return undefined;
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'something else';
}

/**
 * Reads the rules file the rules-file input names, ahead of parseSettings (which is
 * synchronous), and returns the reader it takes. Nothing is read when the input is empty.
 */
export async function preloadRulesFile(source: InputSource): Promise<(path: string) => unknown> {
  const path = source('rules-file')?.trim();
  const document = path ? await parseRulesFile(path) : undefined;
  return () => document;
}
