// The environment variables a successful run hands to later steps, in one place for every
// front door: static credentials, or the profile that renews its own; and the variables an
// earlier step, the job or the machine left that real clients would take instead of them.
//
// Which source wins differs by client (docs/aws.md#which-credentials-a-client-takes, measured
// by test/e2e/clients.test.ts): boto3 and the AWS CLI (botocore) take AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, then a web identity role (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE,
// as IRSA sets on a Kubernetes pod), before the profile AWS_PROFILE selects, and boto3 and AWS
// CLI v1 read AWS_DEFAULT_PROFILE before AWS_PROFILE; the JS SDK v3 takes AWS_PROFILE first;
// the JS SDK v2 takes container credentials (AWS_CONTAINER_CREDENTIALS_*_URI) before a
// profile's credential_process, and reads ~/.aws/config only with AWS_SDK_LOAD_CONFIG set.
// So a hand-over clears or overrides whatever some client would take first.
import { exportLines, unsetLine } from '../text/shell.js';

/** What a run with static credentials exports. */
export const EXPORTED_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/** What a run in refresh mode exports instead: the renewing profile, the region, and the JS SDK v2's switch to read the config file. */
export const PROFILE_VARIABLES = ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_SDK_LOAD_CONFIG'] as const;

/** Keys that boto3 and the AWS CLI use before AWS_PROFILE; empty counts as unset in all three clients. */
export const STATIC_KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** A web identity role (IRSA on Kubernetes): botocore assumes it before the profile AWS_PROFILE selects. */
export const WEB_IDENTITY_VARIABLES = ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] as const;

/** Container credentials (ECS, EKS Pod Identity): the JS SDK v2 takes them before a profile's credential_process. */
export const CONTAINER_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] as const;

/** The profile boto3 and AWS CLI v1 read before AWS_PROFILE (the AWS CLI v2 after it). */
export const DEFAULT_PROFILE_VARIABLE = 'AWS_DEFAULT_PROFILE';

/** The profile written when export is profile (or refresh is on) and aws-profile names none. */
export const DEFAULT_PROFILE = 'claimcheck';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** EXPORTED_VARIABLES with their values. */
export function credentialVariables(credentials: StaticCredentials, region: string): Array<[string, string]> {
  const values = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken, region, region];
  return EXPORTED_VARIABLES.map((name, index) => [name, values[index] as string]);
}

/** PROFILE_VARIABLES with their values. */
export function profileVariables(profile: string, region: string): Array<[string, string]> {
  const values = [profile, region, region, '1'];
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

export function setIn(env: Environment): IsSet {
  return (name) => (env[name] ?? '') !== '';
}

/** Static credentials: an AWS_PROFILE already set would win over them in the JS SDK. */
export function credentialHandover(credentials: StaticCredentials, region: string, isSet: IsSet): Handover {
  return { set: credentialVariables(credentials, region), clear: isSet('AWS_PROFILE') ? ['AWS_PROFILE'] : [] };
}

/** What some client takes before a profile selected by AWS_PROFILE alone, set in `env`. */
function beforeProfile(isSet: IsSet): string[] {
  return [...STATIC_KEY_VARIABLES, ...WEB_IDENTITY_VARIABLES, ...CONTAINER_VARIABLES].filter(isSet);
}

/**
 * A profile selected by AWS_PROFILE: what some client takes before it is cleared, and an
 * AWS_DEFAULT_PROFILE in the environment (even an empty one: botocore reads "" as a profile
 * name) is set to the same profile, since a step on GitHub cannot unset it.
 */
export function profileHandover(profile: string, region: string, env: Environment): Handover {
  const defaultProfile: Array<[string, string]> = env[DEFAULT_PROFILE_VARIABLE] === undefined ? [] : [[DEFAULT_PROFILE_VARIABLE, profile]];
  return { set: [...profileVariables(profile, region), ...defaultProfile], clear: beforeProfile(setIn(env)) };
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

/** Why each kind of variable had to go: which client would take it first. */
const CLEARED_BECAUSE: ReadonlyArray<readonly [readonly string[], string]> = [
  [['AWS_PROFILE'], 'the JS SDK would use that profile before the keys exported here'],
  [STATIC_KEY_VARIABLES, 'boto3 and the AWS CLI would use those keys before AWS_PROFILE'],
  [WEB_IDENTITY_VARIABLES, 'boto3 and the AWS CLI would assume that web identity role (as IRSA sets up on a Kubernetes pod) before the profile AWS_PROFILE selects'],
  [CONTAINER_VARIABLES, "the JS SDK v2 would take the container's credentials before the profile's credential_process"],
];

/** The log lines that say what was cleared and why, one per kind; empty when nothing was. */
export function clearedNote(cleared: readonly string[], how: 'unset' | 'blank'): string {
  const verb = how === 'unset' ? 'Unset' : 'Cleared (set empty, which every client reads as unset)';
  const sentences = CLEARED_BECAUSE.flatMap(([kind, why]) => {
    const names = cleared.filter((name) => kind.includes(name));
    return names.length === 0 ? [] : [`${verb} ${listed(names)}, which an earlier step or the job had set, for the steps that follow: ${why}.`];
  });
  return sentences.join(' ');
}

/** The log line for an AWS_DEFAULT_PROFILE set to the handed-over profile too; empty when it was not. */
export function overriddenProfileNote(handover: Handover, env: Environment): string {
  const entry = handover.set.find(([name]) => name === DEFAULT_PROFILE_VARIABLE);
  if (!entry) return '';
  return `Set ${DEFAULT_PROFILE_VARIABLE} to ${entry[1]} as well, which the job had set to ${JSON.stringify(env[DEFAULT_PROFILE_VARIABLE])}: boto3 and AWS CLI v1 read it before AWS_PROFILE.`;
}

/**
 * A profile written without AWS_PROFILE exported: what in the job would win over
 * `AWS_PROFILE=<profile>`, and that --profile wins over all of it.
 */
export function shadowedProfileNote(profile: string, env: Environment): string {
  const isSet = setIn(env);
  const keys = keysShadowingProfile(isSet);
  const roles = WEB_IDENTITY_VARIABLES.filter(isSet);
  const parts = [
    ...(keys.length > 0 ? [`${listed(keys)} ${keys.length === 1 ? 'is' : 'are'} set in this job, and boto3 and the AWS CLI use ${keys.length === 1 ? 'it' : 'them'} before AWS_PROFILE`] : []),
    ...(env[DEFAULT_PROFILE_VARIABLE] !== undefined ? [`${DEFAULT_PROFILE_VARIABLE} is set in this job, and boto3 and AWS CLI v1 read it before AWS_PROFILE`] : []),
    ...(roles.length > 0 ? [`${listed(roles)} ${roles.length === 1 ? 'is' : 'are'} set in this job, and boto3 and the AWS CLI assume that web identity role before a profile AWS_PROFILE selects`] : []),
  ];
  if (parts.length === 0) return '';
  return `${parts.join('; ')}: select profile ${profile} with --profile ${profile} (boto3: Session(profile_name=…)), which they honour first.`;
}

/** Keys exported: what else in the job some client reads, which they all take the keys before. */
export function overriddenByKeysNote(env: Environment): string {
  const isSet = setIn(env);
  const names = [...WEB_IDENTITY_VARIABLES.filter(isSet), ...CONTAINER_VARIABLES.filter(isSet), ...(env[DEFAULT_PROFILE_VARIABLE] !== undefined ? [DEFAULT_PROFILE_VARIABLE] : [])];
  if (names.length === 0) return '';
  return `${listed(names)} ${names.length === 1 ? 'is' : 'are'} set in this job; boto3, the AWS CLI and the JS SDK take the keys exported here before ${names.length === 1 ? 'it' : 'them'}.`;
}

/** `A`, `A and B`, `A, B and C`: callers pass one name or more. */
function listed(names: readonly string[]): string {
  const last = names.at(-1) as string;
  return names.length < 2 ? last : `${names.slice(0, -1).join(', ')} and ${last}`;
}
