// The clouds claimcheck knows, in one place: which ones a step's settings target, and how to
// undo what each one's hand-over recorded. Front doors ask here; the flow never names a cloud.
import { PROFILE_NAME } from '../core/aws/settings.js';
import type { Settings } from '../core/config/settings.js';
import type { CloudTarget, UndoRecord } from '../flow/cloud.js';
import { awsTarget } from './aws/cloud.js';
import { readAwsUndo, undoAws, type AwsUndo } from './aws/hand-over.js';
import { azureTarget } from './azure/cloud.js';
import { readAzureUndo, undoAzure, type AzureUndo } from './azure/hand-over.js';
import { gcpTarget } from './gcp/cloud.js';
import { readGcpUndo, undoGcp, type GcpUndo } from './gcp/hand-over.js';

/** Every cloud the settings target, in a fixed order: AWS, Google Cloud, then Azure. */
export function cloudTargets(settings: Settings): CloudTarget[] {
  return [
    ...(settings.aws ? [awsTarget(settings, settings.aws)] : []),
    ...(settings.gcp ? [gcpTarget(settings, settings.gcp)] : []),
    ...(settings.azure ? [azureTarget(settings, settings.azure)] : []),
  ];
}

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
