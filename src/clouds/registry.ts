// The clouds claimcheck knows, in one place: which ones a step's settings target (how to undo
// what each one's hand-over recorded is in records.ts, which the post step and the cleanups
// load without any cloud's exchange). Front doors ask here; the flow never names a cloud.
import type { Settings } from '../core/config/settings.js';
import type { CloudTarget } from '../flow/cloud.js';
import { awsTarget } from './aws/cloud.js';
import { azureTarget } from './azure/cloud.js';
import { gcpTarget } from './gcp/cloud.js';

/** Every cloud the settings target, in a fixed order: AWS, Google Cloud, then Azure. */
export function cloudTargets(settings: Settings): CloudTarget[] {
  return [
    ...(settings.aws ? [awsTarget(settings, settings.aws)] : []),
    ...(settings.gcp ? [gcpTarget(settings, settings.gcp)] : []),
    ...(settings.azure ? [azureTarget(settings, settings.azure)] : []),
  ];
}
