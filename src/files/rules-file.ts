// Reads a rules file from disk: JSON by its .json extension, YAML (a superset) otherwise.
// Only a regular file is read, and at most MAX_BYTES of it: the open neither blocks (a FIFO)
// nor follows a symbolic link, and the size is what was read, not what stat claims
// (/dev/zero and /proc files say 0). A link is refused rather than followed because a
// checkout could otherwise point the step at any file the runner can read, and parse errors
// quote a little of the text. The YAML parser is imported only when needed: ncc puts it in
// a chunk of its own, so runs without a YAML rules file never load it.
import { readlinkSync } from 'node:fs';
import { describeDuplicateKey, duplicateJsonKey } from '../core/text/duplicate-keys.js';
import { ClaimcheckError } from '../core/errors.js';
import type { InputSource } from '../core/config/settings.js';
import { readRegular } from './regular-file.js';

const MAX_BYTES = 256 * 1024;

type Fail = (why: string) => ClaimcheckError;

async function parseRulesFile(path: string): Promise<unknown> {
  const fail: Fail = (why) => new ClaimcheckError('INPUT_INVALID', `Input rules-file: ${path}${why}.`, 'Point rules-file at a YAML or JSON rules file in the workspace (relative to the working directory).');
  const text = readRulesText(path, fail);
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
    throw fail(` is not valid ${json ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed.keyProblem !== undefined) {
    throw new ClaimcheckError('INPUT_INVALID', `Rules file ${path}: ${parsed.keyProblem}.`, 'Name each key once per map: parsers disagree on which of two copies wins, so claimcheck takes neither.');
  }
  return parsed.value;
}

function readRulesText(path: string, fail: Fail): string {
  const refuse = (_: string, why: string) => (why === 'it is a symbolic link' ? fail(`: it is a symbolic link${linkTarget(path)}, and rules files are read without following links: point rules-file at the file itself`) : fail(`: ${why}`));
  const bytes = readRegular(path, { refuse, maxBytes: MAX_BYTES, tooLarge: `it is larger than ${MAX_BYTES} bytes` });
  if (bytes === undefined) throw fail(': it cannot be read (ENOENT)');
  return bytes.toString('utf8');
}

function linkTarget(path: string): string {
  try {
    return ` (to ${JSON.stringify(readlinkSync(path))})`;
  } catch {
    return '';
  }
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
