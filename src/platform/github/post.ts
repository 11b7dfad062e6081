// The Action's post step: undo what the main step left behind. Exported variables are
// blanked (a post step cannot unset them; SDKs and the AWS CLI treat empty as unset) and a
// profile it wrote is removed from the shared files.
import * as core from '@actions/core';
import { removeProfile, type ProfileFiles } from '../../aws/profile.js';
import { EXPORTED_VARIABLES, PROFILE_VARIABLES } from '../../core/exported-variables.js';
import { uninstallRefresh, type RefreshSetup } from '../shared/refresh.js';

export function runPost(): void {
  try {
    if (core.getState('exported') === 'true') {
      for (const name of EXPORTED_VARIABLES) core.exportVariable(name, '');
      core.info(`claimcheck: cleared ${EXPORTED_VARIABLES.join(', ')}.`);
    }
    const refresh = core.getState('refresh');
    if (refresh) {
      const setup = JSON.parse(refresh) as RefreshSetup;
      uninstallRefresh(setup);
      for (const name of PROFILE_VARIABLES) core.exportVariable(name, '');
      core.info(`claimcheck: removed the renewing profile ${setup.profile} and its files; cleared AWS_PROFILE.`);
    }
    const profile = core.getState('profile');
    if (profile) {
      const { name, files } = JSON.parse(profile) as { name: string; files: ProfileFiles };
      removeProfile(files, name);
      core.info(`claimcheck: removed profile ${name} from ${files.credentials} and ${files.config}.`);
    }
  } catch (error) {
    core.warning(`claimcheck could not clean up: ${(error as Error).message}`);
  }
}
