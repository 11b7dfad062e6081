// How the Action's inputs appear in the CircleCI orb: parameters in snake_case, passed to
// the bundle as CLAIMCHECK_<PARAMETER> environment variables (never spliced into shell text).
import { INPUTS, type InputName } from './inputs.generated.js';

/** Inputs with no meaning on CircleCI, which has no step outputs: the orb leaves them out. */
export const GITHUB_ONLY_INPUTS: readonly InputName[] = ['output-credentials'];

/** Orb parameters whose name is not just the input's in snake_case. */
const RENAMED: Partial<Record<InputName, string>> = { 'aws-profile': 'profile_name' };

export function orbParameterName(input: InputName): string {
  return RENAMED[input] ?? input.replaceAll('-', '_');
}

export function orbEnvironmentVariable(input: InputName): string {
  return `CLAIMCHECK_${orbParameterName(input).toUpperCase()}`;
}

/** Inputs that are booleans: their action.yml default is true or false. */
export function isBooleanInput(input: InputName): boolean {
  return ['true', 'false'].includes(INPUTS[input].default);
}
