// The environment variables a successful run hands to later steps, in one place for every
// front door: static credentials, or the profile that renews its own; and the variables an
// earlier step left that real clients would take instead of them.
//
// Which source wins differs by client: boto3 and the AWS CLI (botocore) take
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment before AWS_PROFILE; the
// JS SDK v3's default chain takes AWS_PROFILE first (and warns that it may change). So a
// hand-over clears whatever of the other kind is set, or two clients would use two roles.
import { exportLines, unsetLine } from '../text/shell.js';

/** What a run with static credentials exports, and a post step or cleanup blanks again. */
export const EXPORTED_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/** What a run in refresh mode exports instead: the renewing profile and the region. */
export const PROFILE_VARIABLES = ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/** Keys that boto3 and the AWS CLI use before AWS_PROFILE; empty counts as unset in all three clients. */
export const STATIC_KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** The profile written when export is profile (or refresh is on) and aws-profile names none. */
export const DEFAULT_PROFILE = 'claimcheck';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** EXPORTED_VARIABLES with their values. */
export function credentialVariables(credentials: StaticCredentials, region: string): Array<[string, string]> {
  const values = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken, region, region];
  return EXPORTED_VARIABLES.map((name, index) => [name, values[index] as string]);
}

/** PROFILE_VARIABLES with their values. */
export function profileVariables(profile: string, region: string): Array<[string, string]> {
  const values = [profile, region, region];
  return PROFILE_VARIABLES.map((name, index) => [name, values[index] as string]);
}

/** What a hand-over does to later steps' environment: what it sets, and what it must clear. */
export interface Handover {
  readonly set: ReadonlyArray<readonly [string, string]>;
  /** Set now (by an earlier step or the job) and taken before `set` by some client. */
  readonly clear: readonly string[];
}

/** Whether a variable is set to something in the environment the step runs in. */
export type IsSet = (name: string) => boolean;

export function setIn(env: Readonly<Record<string, string | undefined>>): IsSet {
  return (name) => (env[name] ?? '') !== '';
}

/** Static credentials: an AWS_PROFILE already set would win over them in the JS SDK. */
export function credentialHandover(credentials: StaticCredentials, region: string, isSet: IsSet): Handover {
  return { set: credentialVariables(credentials, region), clear: isSet('AWS_PROFILE') ? ['AWS_PROFILE'] : [] };
}

/** A profile selected by AWS_PROFILE: keys already set would win over it in boto3 and the AWS CLI. */
export function profileHandover(profile: string, region: string, isSet: IsSet): Handover {
  return { set: profileVariables(profile, region), clear: STATIC_KEY_VARIABLES.filter(isSet) };
}

/**
 * GitHub steps cannot unset a variable, and an empty AWS_PROFILE is no profile to the JS SDK
 * but makes boto3 and the AWS CLI look for a profile named "": one left set is only warned of.
 */
export const STALE_PROFILE_ON_GITHUB =
  'AWS_PROFILE is set in this job (by an earlier step or the job), and the JS SDK uses that profile before the keys exported here; boto3 and the AWS CLI use the keys. A GitHub step cannot unset it, and an empty one breaks boto3 and the AWS CLI: unset AWS_PROFILE in the steps that use the JS SDK, or hand these credentials over as a profile (export: profile, or refresh).';

/** Keys set in the environment that would shadow a profile selected by AWS_PROFILE alone. */
export function keysShadowingProfile(isSet: IsSet): string[] {
  return STATIC_KEY_VARIABLES.filter(isSet);
}

/** For bash ($BASH_ENV, `eval`): `unset` for what must go, then quoted exports. */
export function handoverShellLines(handover: Handover): string {
  return (handover.clear.length > 0 ? unsetLine(handover.clear) : '') + exportLines(handover.set);
}

/** The log line that says what was cleared and why; empty when nothing was. */
export function clearedNote(cleared: readonly string[], how: 'unset' | 'blank'): string {
  if (cleared.length === 0) return '';
  const names = listed(cleared);
  const verb = how === 'unset' ? 'Unset' : 'Cleared (set empty, which every client reads as unset)';
  const why = cleared.includes('AWS_PROFILE')
    ? 'the JS SDK would use that profile before the keys exported here'
    : 'boto3 and the AWS CLI would use those keys before AWS_PROFILE';
  return `${verb} ${names}, which an earlier step or the job had set, for the steps that follow: ${why}.`;
}

/** A profile written without AWS_PROFILE exported: how to select it when keys are set too. */
export function shadowedProfileNote(profile: string, keys: readonly string[]): string {
  if (keys.length === 0) return '';
  return `${listed(keys)} ${keys.length === 1 ? 'is' : 'are'} set in this job, and boto3 and the AWS CLI use ${keys.length === 1 ? 'it' : 'them'} before AWS_PROFILE: select profile ${profile} with --profile ${profile} (boto3: Session(profile_name=…)), which they honour first.`;
}

/** `A`, `A and B`, `A, B and C`: callers pass one name or more. */
function listed(names: readonly string[]): string {
  const last = names.at(-1) as string;
  return names.length < 2 ? last : `${names.slice(0, -1).join(', ')} and ${last}`;
}
