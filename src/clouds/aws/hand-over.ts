// How an AWS session reaches later steps, in whatever place the front door gives: a profile
// that renews itself (refresh), a named profile (export: profile), the variables every client
// reads (export: env), or only step outputs (export: none). Files are recorded for cleanup
// before they are written; the variables are the front door's to set. checkAwsHandOver
// (hand-over-check.ts) has already found, before any token, that all of it can be written.
import { clearedNote, credentialHandover, DEFAULT_PROFILE, overriddenByKeysNote, overriddenProfileNote, profileHandover, setIn, shadowedProfileNote, STALE_PROFILE_ON_GITHUB } from '../../core/aws/exported-variables.js';
import type { AwsSettings } from '../../core/aws/settings.js';
import type { HandOver, HandOverPlace } from '../../flow/cloud.js';
import type { AwsAssumed } from './exchange.js';
import { foreignSections, leaveEmptyProfile, profileFiles, removeProfile, sectionsOf, writeProfile, type ProfileFiles } from './profile.js';
import { installRefresh, pinnedInputs, uninstallRefresh, type RefreshSetup } from './refresh.js';
import { readSavedSections, removeSavedSections, saveSections } from './saved-profile.js';

/**
 * What AWS records of its files: a named profile, or a renewing one with its private folder.
 * `saved` is the folder holding the sections of a profile the user had (replace-profile), put
 * back on cleanup; `leave` says to leave the renewing profile's section empty instead of
 * removing it, where AWS_PROFILE stays set to its name (GitHub).
 */
export type AwsUndo =
  | { readonly cloud: 'aws'; readonly kind: 'profile'; readonly name: string; readonly files: ProfileFiles; readonly saved?: string }
  | { readonly cloud: 'aws'; readonly kind: 'renewing'; readonly profile: string; readonly dir: string; readonly files: ProfileFiles; readonly saved?: string; readonly leave?: boolean };

/** Regions stay set after cleanup when the job had none: an empty one is an invalid region to every client, and a set one harms nothing. */
const REGIONS = ['AWS_REGION', 'AWS_DEFAULT_REGION'];

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

type Delivery = Pick<HandOver, 'set' | 'clear' | 'notes' | 'warnings' | 'keep'>;

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
  const notes = [overriddenByKeysNote(place.env)];
  if (!place.canUnset) return { set: handover.set, clear: [], keep: REGIONS, notes: notes.filter(Boolean), warnings: handover.clear.length > 0 ? [STALE_PROFILE_ON_GITHUB] : [] };
  return { set: handover.set, clear: handover.clear, keep: REGIONS, notes: [clearedNote(handover.clear, 'unset'), ...notes].filter(Boolean), warnings: [] };
}

/**
 * A profile the user already had (checked before the token: only with replace-profile): its
 * sections are saved, in a folder recorded first, before claimcheck writes over them.
 */
function takeOver(place: HandOverPlace, files: ProfileFiles, profile: string): { saved?: string; note: string } {
  const foreign = foreignSections(files, profile);
  if (foreign.length === 0) return { note: '' };
  const saved = place.privateFolder(`saved-${profile}`);
  const back = 'the Action\'s post step and the orb\'s cleanup put them back (after the CLI, restore them from there by hand)';
  return { saved, note: `Profile ${profile} was already in ${foreign.join(' and ')} (not written by claimcheck); replace-profile is true, so its sections were saved to ${saved} and ${back}.` };
}

function namedProfile(aws: AwsSettings, assumed: AwsAssumed, place: HandOverPlace): Delivery {
  const name = aws.awsProfile ?? DEFAULT_PROFILE;
  const files = profileFiles(place.env, place.home);
  const { saved, note } = takeOver(place, files, name);
  place.record({ cloud: 'aws', kind: 'profile', name, files, ...(saved === undefined ? {} : { saved }) } satisfies AwsUndo);
  if (saved !== undefined) saveSections(saved, sectionsOf(files, name));
  writeProfile(files, name, assumed.session, aws.region);
  const notes = [note, `Wrote profile ${name} to ${files.credentials} and ${files.config}; use it with --profile ${name} or AWS_PROFILE=${name}.`, shadowedProfileNote(name, place.env)];
  return { set: [], clear: [], notes: notes.filter(Boolean), warnings: [] };
}

function renewing(aws: AwsSettings, assumed: AwsAssumed, place: HandOverPlace): Delivery {
  const rerun = place.rerun;
  if (!rerun) throw new Error('refresh needs a way to run claimcheck again');
  const profile = aws.awsProfile ?? DEFAULT_PROFILE;
  const setup: RefreshSetup = { dir: place.privateFolder(`refresh-${profile}`), profile, files: profileFiles(place.env, place.home) };
  const { saved, note } = takeOver(place, setup.files, profile);
  // AWS_PROFILE stays set to this name after the post step where it cannot be unset and the job had none.
  const keepProfile = !place.canUnset && place.env.AWS_PROFILE === undefined;
  const leave = keepProfile && saved === undefined;
  place.record({ cloud: 'aws', kind: 'renewing', profile, dir: setup.dir, files: setup.files, ...(saved === undefined ? {} : { saved }), ...(leave ? { leave } : {}) } satisfies AwsUndo);
  const sections = saved === undefined ? undefined : sectionsOf(setup.files, profile);
  if (saved !== undefined && sections !== undefined) saveSections(saved, sections);
  const optional = { ...(rerun.launcher === undefined ? {} : { launcher: rerun.launcher }), ...(sections === undefined ? {} : { saved: sections }) };
  installRefresh(setup, { self: rerun.self, inputs: pinnedInputs(rerun.inputs, aws), token: rerun.token, session: assumed.session, sessionSeconds: assumed.target.durationSeconds, region: aws.region, ...optional });
  const handover = profileHandover(profile, aws.region, place.env);
  const wrote = `Wrote profile ${profile} to ${setup.files.config}; it renews its own credentials, and AWS_PROFILE selects it in the steps that follow.`;
  // An empty key is no key to boto3, the AWS CLI and the JS SDK: where variables cannot be unset, they are blanked.
  const notes = [note, wrote, clearedNote(handover.clear, place.canUnset ? 'unset' : 'blank'), overriddenProfileNote(handover, place.env)];
  return { set: handover.set, clear: handover.clear, keep: [...REGIONS, ...(keepProfile ? ['AWS_PROFILE'] : [])], notes: notes.filter(Boolean), warnings: [] };
}

/** Undoes what an AWS record names; the message says what was removed or put back. */
export function undoAws(record: AwsUndo): string {
  // Read first: sections that cannot be read back are not replaced by nothing.
  const saved = record.saved === undefined ? undefined : readSavedSections(record.saved);
  if (record.kind === 'profile') removeProfile(record.files, record.name, saved);
  else uninstallRefresh({ dir: record.dir, profile: record.profile, files: record.files }, saved === undefined && record.leave === true ? leaveEmptyProfile : undefined, saved);
  if (record.saved !== undefined) removeSavedSections(record.saved);
  return undoneMessage(record, saved !== undefined);
}

function undoneMessage(record: AwsUndo, putBack: boolean): string {
  const name = record.kind === 'profile' ? record.name : record.profile;
  const what = record.kind === 'profile' ? `profile ${name} from ${record.files.credentials} and ${record.files.config}` : `the renewing profile ${name} and its files`;
  if (putBack) return `Removed ${what}, and put back the profile ${name} that was there before.`;
  if (record.kind === 'renewing' && record.leave === true) return `Removed ${what}; AWS_PROFILE still names ${name}, left without credentials, as a GitHub step cannot unset it.`;
  return `Removed ${what}.`;
}

/** An AWS record read back from a state file nobody vouches for: its own fields only, of the right kinds. */
export function readAwsUndo(value: Readonly<Record<string, unknown>>, isProfileName: (name: unknown) => name is string): AwsUndo | undefined {
  const files = value.files;
  if (typeof files !== 'object' || files === null) return undefined;
  const { credentials, config } = files as Record<string, unknown>;
  if (typeof credentials !== 'string' || typeof config !== 'string') return undefined;
  const copied = { credentials, config };
  if (value.saved !== undefined && typeof value.saved !== 'string') return undefined;
  const saved = typeof value.saved === 'string' ? { saved: value.saved } : {};
  if (value.kind === 'profile' && isProfileName(value.name)) return { cloud: 'aws', kind: 'profile', name: value.name, files: copied, ...saved };
  if (value.kind === 'renewing' && isProfileName(value.profile) && typeof value.dir === 'string') {
    return { cloud: 'aws', kind: 'renewing', profile: value.profile, dir: value.dir, files: copied, ...saved, ...(value.leave === true ? { leave: true } : {}) };
  }
  return undefined;
}
