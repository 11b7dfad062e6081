// The orb's parameters, read from the environment its command sets. CircleCI renders
// boolean parameters in `environment:` as 1 or 0; an empty issuer means the job's own
// organization's issuer.
import { ClaimcheckError } from '../../core/errors.js';
import type { InputName } from '../../core/inputs.generated.js';
import { isBooleanInput, orbEnvironmentVariable } from '../../core/orb-parameters.js';
import type { InputSource } from '../../core/settings.js';

type Environment = Readonly<Record<string, string | undefined>>;

export function circleciIssuer(organizationId: string): string {
  return `https://oidc.circleci.com/org/${organizationId}`;
}

export function orbInputSource(env: Environment): InputSource {
  return (name: InputName) => {
    const raw = env[orbEnvironmentVariable(name)];
    if (isBooleanInput(name) && (raw === '1' || raw === '0')) return raw === '1' ? 'true' : 'false';
    // A token from a file is the cluster's, not CircleCI's: its issuer must be given.
    if (name === 'issuer' && !raw?.trim() && !env[orbEnvironmentVariable('web-identity-token-file')]?.trim()) return defaultIssuer(env);
    return raw;
  };
}

function defaultIssuer(env: Environment): string {
  const organization = env.CIRCLE_ORGANIZATION_ID;
  if (!organization) {
    throw new ClaimcheckError(
      'INPUT_REQUIRED',
      'CIRCLE_ORGANIZATION_ID is not set, so the issuer cannot default to https://oidc.circleci.com/org/<organization-id>.',
      'Run inside a CircleCI job, or set the issuer parameter.',
    );
  }
  return circleciIssuer(organization);
}
