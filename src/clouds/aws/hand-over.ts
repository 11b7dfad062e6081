// How an AWS session reaches later steps, in whatever place the front door gives: a profile
// that renews itself (refresh), a named profile (export: profile), the variables every client
// reads (export: env), or only step outputs (export: none). Files are recorded for cleanup
// before they are written; the variables are the front door's to set.
import { clearedNote, credentialHandover, DEFAULT_PROFILE, keysShadowingProfile, profileHandover, setIn, shadowedProfileNote, STALE_PROFILE_ON_GITHUB } from '../../core/aws/exported-variables.js';
import type { AwsSettings } from '../../core/aws/settings.js';
import type { HandOver, HandOverPlace } from '../../flow/cloud.js';
import type { AwsAssumed } from './exchange.js';
import { profileFiles, removeProfile, writeProfile, type ProfileFiles } from './profile.js';
import { installRefresh, pinnedInputs, uninstallRefresh, type RefreshSetup } from './refresh.js';

/** What AWS records of its files: a named profile, or a renewing one with its private folder. */
export type AwsUndo =
  | { readonly cloud: 'aws'; readonly kind: 'profile'; readonly name: string; readonly files: ProfileFiles }
  | { readonly cloud: 'aws'; readonly kind: 'renewing'; readonly profile: string; readonly dir: string; readonly files: ProfileFiles };

export function handOverAws(aws: AwsSettings, assumed: AwsAssumed, place: HandOverPlace): HandOver {
  const { session } = assumed;
  const outputs: Array<[string, string]> = [
    ['aws-account-id', assumed.accountId],
    ['authenticated-arn', session.assumedRoleArn],
    ['aws-expiration', session.expiration.toISOString()],
    ...(aws.outputCredentials ? ([['aws-access-key-id', session.accessKeyId], ['aws-secret-access-key', session.secretAccessKey], ['aws-session-token', session.sessionToken]] as Array<[string, string]>) : []),
  ];
  const data = {
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    SessionToken: session.sessionToken,
    Expiration: session.expiration.toISOString(),
    Region: aws.region,
    AssumedRoleArn: session.assumedRoleArn,
  };
  const base = { outputs, data, formats: { 'credential-process': credentialProcessDocument(data) } };
  if (aws.refresh) return { ...base, ...renewing(aws, assumed, place) };
  if (aws.export === 'profile') return { ...base, ...namedProfile(aws, assumed, place) };
  if (aws.export === 'none') {
    return { ...base, set: [], clear: [], warnings: [], notes: ['Exported nothing (export: none): the credentials are in this step\'s outputs, and later steps keep the credentials they had.'] };
  }
  return { ...base, ...variables(aws, assumed, place) };
}

type Delivery = Pick<HandOver, 'set' | 'clear' | 'notes' | 'warnings'>;

/** The documented credential_process output that AWS SDKs and the CLI read. */
function credentialProcessDocument(data: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }): string {
  return `${JSON.stringify({ Version: 1, AccessKeyId: data.AccessKeyId, SecretAccessKey: data.SecretAccessKey, SessionToken: data.SessionToken, Expiration: data.Expiration })}\n`;
}

/**
 * Where a variable cannot be unset (GitHub), an AWS_PROFILE left set would win over the keys
 * in the JS SDK, and an empty one breaks boto3 and the AWS CLI: it is warned of, not blanked.
 */
function variables(aws: AwsSettings, assumed: AwsAssumed, place: HandOverPlace): Delivery {
  const handover = credentialHandover(assumed.session, aws.region, setIn(place.env));
  if (!place.canUnset) return { set: handover.set, clear: [], notes: [], warnings: handover.clear.length > 0 ? [STALE_PROFILE_ON_GITHUB] : [] };
  return { set: handover.set, clear: handover.clear, notes: [clearedNote(handover.clear, 'unset')].filter(Boolean), warnings: [] };
}

function namedProfile(aws: AwsSettings, assumed: AwsAssumed, place: HandOverPlace): Delivery {
  const name = aws.awsProfile ?? DEFAULT_PROFILE;
  const files = profileFiles(place.env, place.home);
  place.record({ cloud: 'aws', kind: 'profile', name, files } satisfies AwsUndo);
  writeProfile(files, name, assumed.session, aws.region);
  const notes = [`Wrote profile ${name} to ${files.credentials} and ${files.config}; use it with --profile ${name} or AWS_PROFILE=${name}.`, shadowedProfileNote(name, keysShadowingProfile(setIn(place.env)))];
  return { set: [], clear: [], notes: notes.filter(Boolean), warnings: [] };
}

function renewing(aws: AwsSettings, assumed: AwsAssumed, place: HandOverPlace): Delivery {
  const rerun = place.rerun;
  if (!rerun) throw new Error('refresh needs a way to run claimcheck again');
  const profile = aws.awsProfile ?? DEFAULT_PROFILE;
  const setup: RefreshSetup = { dir: place.privateFolder(`refresh-${profile}`), profile, files: profileFiles(place.env, place.home) };
  place.record({ cloud: 'aws', kind: 'renewing', profile, dir: setup.dir, files: setup.files } satisfies AwsUndo);
  const launcher = rerun.launcher === undefined ? {} : { launcher: rerun.launcher };
  installRefresh(setup, { self: rerun.self, inputs: pinnedInputs(rerun.inputs, aws), token: rerun.token, session: assumed.session, region: aws.region, ...launcher });
  const handover = profileHandover(profile, aws.region, setIn(place.env));
  const note = `Wrote profile ${profile} to ${setup.files.config}; it renews its own credentials, and AWS_PROFILE selects it in the steps that follow.`;
  // An empty key is no key to boto3, the AWS CLI and the JS SDK: where variables cannot be unset, they are blanked.
  return { set: handover.set, clear: handover.clear, notes: [note, clearedNote(handover.clear, place.canUnset ? 'unset' : 'blank')].filter(Boolean), warnings: [] };
}

/** Undoes what an AWS record names; the message says what was removed. */
export function undoAws(record: AwsUndo): string {
  if (record.kind === 'profile') {
    removeProfile(record.files, record.name);
    return `Removed profile ${record.name} from ${record.files.credentials} and ${record.files.config}.`;
  }
  uninstallRefresh({ dir: record.dir, profile: record.profile, files: record.files });
  return `Removed the renewing profile ${record.profile} and its files.`;
}

/** An AWS record read back from a state file nobody vouches for: its own fields only, of the right kinds. */
export function readAwsUndo(value: Readonly<Record<string, unknown>>, isProfileName: (name: unknown) => name is string): AwsUndo | undefined {
  const files = value.files;
  if (typeof files !== 'object' || files === null) return undefined;
  const { credentials, config } = files as Record<string, unknown>;
  if (typeof credentials !== 'string' || typeof config !== 'string') return undefined;
  const copied = { credentials, config };
  if (value.kind === 'profile' && isProfileName(value.name)) return { cloud: 'aws', kind: 'profile', name: value.name, files: copied };
  if (value.kind === 'renewing' && isProfileName(value.profile) && typeof value.dir === 'string') return { cloud: 'aws', kind: 'renewing', profile: value.profile, dir: value.dir, files: copied };
  return undefined;
}
