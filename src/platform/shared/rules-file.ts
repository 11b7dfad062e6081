// Reads a rules file from disk: JSON by its .json extension, YAML (a superset) otherwise.
// The YAML parser is imported only when needed: ncc puts it in a chunk of its own, so
// runs without a YAML rules file never load it.
import { readFile, stat } from 'node:fs/promises';
import { ClaimcheckError } from '../../core/errors.js';
import type { InputSource } from '../../core/settings.js';

const MAX_BYTES = 256 * 1024;

async function parseRulesFile(path: string): Promise<unknown> {
  const fail = (why: string) => new ClaimcheckError('INPUT_INVALID', `Input rules-file: ${path} ${why}.`, 'Point rules-file at a YAML or JSON rules file in the workspace (relative to the working directory).');
  let text: string;
  try {
    if ((await stat(path)).size > MAX_BYTES) throw fail(`is larger than ${MAX_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ClaimcheckError) throw error;
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    if (path.endsWith('.json')) return JSON.parse(text) as unknown;
    const { parse } = await import('yaml');
    return parse(text, { uniqueKeys: true, maxAliasCount: 10 }) as unknown;
  } catch (error) {
    throw fail(`is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`);
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
