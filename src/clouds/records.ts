// What each cloud's hand-over recorded, undone by the post step and the cleanups: the one list
// of the clouds' records and how to read them back and undo them. It loads no cloud's exchange,
// client or SDK, so that a post step stays small.
import { PROFILE_NAME } from '../core/aws/settings.js';
import type { UndoRecord } from '../flow/cloud.js';
import { readAwsUndo, undoAws, type AwsUndo } from './aws/hand-over.js';
import { readAzureUndo, undoAzure, type AzureUndo } from './azure/hand-over.js';
import { readGcpUndo, undoGcp, type GcpUndo } from './gcp/hand-over.js';

/** Undoes one record of a hand-over; the message says what was removed. */
export function undoHandOver(record: UndoRecord): string {
  if (record.cloud === 'aws') return undoAws(record as AwsUndo);
  if (record.cloud === 'gcp') return undoGcp(record as GcpUndo);
  if (record.cloud === 'azure') return undoAzure(record as AzureUndo, process.env);
  throw new Error(`no cloud ${record.cloud} to undo a hand-over of`);
}

const isProfileName = (value: unknown): value is string => typeof value === 'string' && PROFILE_NAME.test(value);

/**
 * A record read back from a file nobody vouches for (the orb's state): rebuilt from the fields
 * its cloud knows, of the right kinds, or undefined. `folderOf`, when given, is where the
 * platform keeps a named private folder: a record naming any other folder is refused.
 */
export function readUndoRecord(value: unknown, folderOf?: (name: string) => string): UndoRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  if (fields.cloud === 'gcp') {
    const google = readGcpUndo(fields);
    return google && folderOf !== undefined && google.dir !== folderOf(google.name) ? undefined : google;
  }
  if (fields.cloud === 'azure') return readAzureUndo(fields, folderOf);
  if (fields.cloud !== 'aws') return undefined;
  const record = readAwsUndo(fields, isProfileName);
  if (record === undefined || folderOf === undefined) return record;
  const name = record.kind === 'renewing' ? record.profile : record.name;
  if (record.kind === 'renewing' && record.dir !== folderOf(`refresh-${name}`)) return undefined;
  if (record.saved !== undefined && record.saved !== folderOf(`saved-${name}`)) return undefined;
  return record;
}
