// The Action's post step: blank the variables the main step exported. A post step cannot
// unset variables; SDKs and the AWS CLI treat an empty value as unset.
import * as core from '@actions/core';
import { EXPORTED_VARIABLES } from '../../core/exported-variables.js';

export function runPost(): void {
  try {
    if (core.getState('exported') !== 'true') return;
    for (const name of EXPORTED_VARIABLES) core.exportVariable(name, '');
    core.info(`claimcheck: cleared ${EXPORTED_VARIABLES.join(', ')}.`);
  } catch (error) {
    core.warning(`claimcheck could not clear the exported credentials: ${(error as Error).message}`);
  }
}
