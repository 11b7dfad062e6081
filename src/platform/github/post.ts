// The Action's post step: undo what the main step recorded, even when it stopped half-way.
// A post step cannot unset a variable, so each one the main step set or cleared gets back the
// value the job had before it (an earlier step's keys, a region from the workflow's env);
// one the job did not have is set empty (boto3, the AWS CLI and the JS SDK read an empty key
// as unset), except those the cloud keeps, which an empty value would break (a region, a
// profile name that must stay a profile). Then each cloud removes the files its hand-over
// recorded. Each part is tried on its own: one that fails does not keep the others in place.
import * as core from '@actions/core';
import { readUndoRecord, undoHandOver } from '../../clouds/records.js';
import { HANDOVER_STATE, VARIABLES_STATE } from './state.js';

/** A list kept in the state as JSON; empty when absent. */
function stateList(name: string): unknown[] {
  const text = core.getState(name);
  if (!text) return [];
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value : [];
}

interface Recorded {
  readonly name: string;
  readonly before: string | null;
  readonly keep: boolean;
}

/** An entry of the main step's record (a bare name from an older main step: set it empty). */
function recorded(entry: unknown): Recorded | undefined {
  if (typeof entry === 'string') return { name: entry, before: null, keep: false };
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { name, before, keep } = entry as Record<string, unknown>;
  if (typeof name !== 'string' || !(typeof before === 'string' || before === null)) return undefined;
  return { name, before, keep: keep === true };
}

function listed(names: readonly string[]): string {
  return names.join(', ');
}

function restoreExported(): void {
  const entries = stateList(VARIABLES_STATE).map(recorded).filter((entry): entry is Recorded => entry !== undefined);
  const restored: string[] = [];
  const cleared: string[] = [];
  const kept: string[] = [];
  for (const { name, before, keep } of entries) {
    if (before !== null) {
      core.exportVariable(name, before);
      restored.push(name);
    } else if (keep) {
      kept.push(name);
    } else {
      core.exportVariable(name, '');
      cleared.push(name);
    }
  }
  if (restored.length > 0) core.info(`claimcheck: put back ${listed(restored)} as the job had them before the step.`);
  if (cleared.length > 0) core.info(`claimcheck: cleared ${listed(cleared)}.`);
  if (kept.length > 0) core.info(`claimcheck: left ${listed(kept)} as the step set them: the job had none, and an empty one is an invalid value to boto3, the AWS CLI and the JS SDK.`);
}

/** Each cloud's files, record by record: one that cannot be removed does not keep the others. */
function removeRecorded(): void {
  for (const value of stateList(HANDOVER_STATE)) {
    attempt(() => {
      const record = readUndoRecord(value);
      if (record === undefined) throw new Error('the step state holds a record this version cannot read');
      core.info(`claimcheck: ${undoHandOver(record)}`);
    });
  }
}

function attempt(part: () => void): void {
  try {
    part();
  } catch (error) {
    core.warning(`claimcheck could not clean up: ${(error as Error).message}`);
  }
}

export function runPost(): void {
  attempt(restoreExported);
  attempt(removeRecorded);
}
