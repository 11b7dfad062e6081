// The orb's parameters, read from the environment its command sets. CircleCI renders
// boolean parameters in `environment:` as 1 or 0; an empty issuer means the job's own
// organization's issuer. Parameters that name things (roles, regions, URLs, paths) may name
// variables of the job's environment instead, `$NAME` or `${NAME}`, which CircleCI itself
// leaves as written: core/config/variable-expansion.ts expands them, never a shell.
import { ClaimcheckError } from '../../core/errors.js';
import type { InputName } from '../../core/config/inputs.generated.js';
import { isBooleanInput, orbEnvironmentVariable, orbParameterName } from '../../core/config/orb-parameters.js';
import type { InputSource } from '../../core/config/settings.js';
import { ExpansionError, expandVariables, type ExpansionProblem } from '../../core/config/variable-expansion.js';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The parameters that expand `$NAME` / `${NAME}`: never claims (rules) or the inline session
 * policy, whose text is the user's own; integers and booleans are typed by CircleCI.
 */
export const EXPANDED_INPUTS: readonly InputName[] = [
  'role-to-assume',
  'aws-region',
  'audience',
  'role-chain',
  'rules-file',
  'issuer',
  'web-identity-token-file',
  'role-session-name',
  'managed-session-policies',
  'allowed-account-ids',
  'aws-profile',
  'sts-endpoint',
  'workload-identity-provider',
  'service-account',
  'project-id',
  'gcp-sts-endpoint',
  'gcp-iam-credentials-endpoint',
  'azure-client-id',
  'azure-tenant-id',
  'azure-subscription-id',
  'azure-authority-host',
  'azure-scope',
];

/** Secrets CircleCI does not mask (it masks only project and context variables): a parameter never holds one. */
const REFUSED = new Set(['CIRCLE_OIDC_TOKEN', 'CIRCLE_OIDC_TOKEN_V2', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);

export function circleciIssuer(organizationId: string): string {
  return `https://oidc.circleci.com/org/${organizationId}`;
}

export function orbInputSource(env: Environment): InputSource {
  return (name: InputName) => {
    const raw = expanded(name, env);
    if (isBooleanInput(name) && (raw === '1' || raw === '0')) return raw === '1' ? 'true' : 'false';
    // A token from a file is the cluster's, not CircleCI's: its issuer must be given.
    if (name === 'issuer' && !raw?.trim() && !env[orbEnvironmentVariable('web-identity-token-file')]?.trim()) return defaultIssuer(env);
    return raw;
  };
}

function expanded(name: InputName, env: Environment): string | undefined {
  const raw = env[orbEnvironmentVariable(name)];
  if (raw === undefined || !EXPANDED_INPUTS.includes(name) || !raw.includes('$')) return raw;
  try {
    return expandVariables(raw, { lookup: (variable) => env[variable], refused: (variable) => REFUSED.has(variable) });
  } catch (error) {
    if (!(error instanceof ExpansionError)) throw error;
    throw expansionFailure(orbParameterName(name), raw, error.problem);
  }
}

function expansionFailure(parameter: string, raw: string, problem: ExpansionProblem): ClaimcheckError {
  const shown = JSON.stringify(raw.length > 120 ? `${raw.slice(0, 120)}…` : raw);
  if (problem.kind === 'syntax') {
    return new ClaimcheckError(
      'INPUT_INVALID',
      `Parameter ${parameter} is ${shown}, whose $ at character ${problem.at + 1} starts no variable: the orb expands $NAME and \${NAME} from the job's environment.`,
      'Write ${NAME} or $NAME (letters, digits and _, not starting with a digit), or $$ for a literal $.',
    );
  }
  if (problem.kind === 'refused') {
    return new ClaimcheckError(
      'INPUT_INVALID',
      `Parameter ${parameter} names \${${problem.variable}}, a secret CircleCI does not mask; the orb does not expand it.`,
      `Name a variable that holds the ${parameter} value itself.`,
    );
  }
  return new ClaimcheckError(
    'INPUT_INVALID',
    `Parameter ${parameter} names \${${problem.variable}}, which is ${problem.kind === 'unset' ? 'not set' : 'empty'} in this job.`,
    `Set ${problem.variable} in the job's environment or in a context the job uses (context: in the workflow), or write the value itself in ${parameter}.`,
  );
}

/**
 * An input error about a parameter that named variables says so: the message shows the
 * expanded value, the user wrote `${NAME}`.
 */
export function withExpansionNote(error: ClaimcheckError, env: Environment): ClaimcheckError {
  if (error.code !== 'INPUT_INVALID' && error.code !== 'INPUT_REQUIRED') return error;
  const notes = EXPANDED_INPUTS.flatMap((name) => {
    const raw = env[orbEnvironmentVariable(name)];
    return raw?.includes('$') && error.message.includes(`Input ${name} `) ? [`${orbParameterName(name)} is ${JSON.stringify(raw)} in the job's configuration, expanded from its environment`] : [];
  });
  return notes.length === 0 ? error : new ClaimcheckError(error.code, `${error.message} (${notes.join('; ')})`, error.hint);
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
