// A profile the user already had, taken over for one job (replace-profile): its sections are
// kept in a private file before claimcheck writes its own, and put back by the post step or
// cleanup. They may hold the user's static keys, so the file is 0600 in a private folder of
// claimcheck's, never in the step's state or a log.
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../../files/private-file.js';
import { freshPrivateFolder, OWN_FILE, removeOwnFolder } from '../../files/private-folder.js';
import type { SavedSections } from './profile.js';

const FILE = 'sections.json';

export function saveSections(dir: string, sections: SavedSections): void {
  freshPrivateFolder(dir);
  writePrivateFile(join(dir, FILE), JSON.stringify({ credentials: sections.credentials ?? null, config: sections.config ?? null }), OWN_FILE);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The saved sections; throws when they cannot be read, so that nothing is removed in their place. */
export function readSavedSections(dir: string): SavedSections {
  const content = readPrivateFile(join(dir, FILE), OWN_FILE);
  if (content === '') throw new Error(`the profile sections saved in ${dir} are missing; the profile was left as it is`);
  const value = JSON.parse(content) as Record<string, unknown>;
  return { credentials: text(value.credentials), config: text(value.config) };
}

export function removeSavedSections(dir: string): void {
  removeOwnFolder(dir);
}
