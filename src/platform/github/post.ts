// The Action's post step: undo what the main step recorded, even when it stopped half-way.
// Exported variables are blanked (a post step cannot unset them): boto3, the AWS CLI and the
// JS SDK read an empty key or region as unset. An empty AWS_PROFILE only the JS SDK does
// (botocore looks for a profile named ""), which is what the post steps after this one run:
// mostly JavaScript actions. A renewing profile's private files and a profile it wrote
// are removed.
// Each part is tried on its own: one that fails does not keep the others in place.
import * as core from '@actions/core';
import { removeProfile, type ProfileFiles } from '../../clouds/aws/profile.js';
import { EXPORTED_VARIABLES, PROFILE_VARIABLES } from '../../core/aws/exported-variables.js';
import { uninstallRefresh, type RefreshSetup } from '../../clouds/aws/refresh.js';

function clearExported(): void {
  if (core.getState('exported') !== 'true') return;
  for (const name of EXPORTED_VARIABLES) core.exportVariable(name, '');
  core.info(`claimcheck: cleared ${EXPORTED_VARIABLES.join(', ')}.`);
}

function removeRenewing(): void {
  const refresh = core.getState('refresh');
  if (!refresh) return;
  const setup = JSON.parse(refresh) as RefreshSetup;
  for (const name of PROFILE_VARIABLES) core.exportVariable(name, '');
  uninstallRefresh(setup);
  core.info(`claimcheck: removed the renewing profile ${setup.profile} and its files; cleared AWS_PROFILE.`);
}

function removeNamedProfile(): void {
  const profile = core.getState('profile');
  if (!profile) return;
  const { name, files } = JSON.parse(profile) as { name: string; files: ProfileFiles };
  removeProfile(files, name);
  core.info(`claimcheck: removed profile ${name} from ${files.credentials} and ${files.config}.`);
}

export function runPost(): void {
  for (const part of [clearExported, removeRenewing, removeNamedProfile]) {
    try {
      part();
    } catch (error) {
      core.warning(`claimcheck could not clean up: ${(error as Error).message}`);
    }
  }
}
