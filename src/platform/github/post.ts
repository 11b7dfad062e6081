// The Action's post step: undo what the main step recorded, even when it stopped half-way.
// Exported variables are blanked (a post step cannot unset them): boto3, the AWS CLI and the
// JS SDK read an empty key or region as unset. An empty AWS_PROFILE only the JS SDK does
// (botocore looks for a profile named ""), which is what the post steps after this one run:
// mostly JavaScript actions. Then each cloud removes the files its hand-over recorded.
// Each part is tried on its own: one that fails does not keep the others in place.
import * as core from '@actions/core';
import { readUndoRecord, undoHandOver } from '../../clouds/registry.js';
import { HANDOVER_STATE, VARIABLES_STATE } from './state.js';

/** A list kept in the state as JSON; empty when absent. */
function stateList(name: string): unknown[] {
  const text = core.getState(name);
  if (!text) return [];
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value : [];
}

function clearExported(): void {
  const names = stateList(VARIABLES_STATE).filter((name): name is string => typeof name === 'string');
  if (names.length === 0) return;
  for (const name of names) core.exportVariable(name, '');
  core.info(`claimcheck: cleared ${names.join(', ')}.`);
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
  attempt(clearExported);
  attempt(removeRecorded);
}
