// What an AWS hand-over will write, checked before any token is requested or STS called: the
// folders of the profile files and of the renewal's private files must take new files, and the
// profile must not be one the user already has (unless replace-profile says to take it over).
import { dirname } from 'node:path';
import { DEFAULT_PROFILE } from '../../core/aws/exported-variables.js';
import type { AwsSettings } from '../../core/aws/settings.js';
import { ClaimcheckError } from '../../core/errors.js';
import { cannotWriteError, unwritableFolder } from '../../files/writable-folder.js';
import type { HandOverPlace } from '../../flow/cloud.js';
import { foreignSections, profileFiles, sectionsOf } from './profile.js';
import { refuseEndlessFiles } from './shared-files.js';

const ELSEWHERE = 'point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at files in a folder it can write; export: env writes no file at all.';

function assertWritable(path: string, home: string): void {
  const why = unwritableFolder(dirname(path));
  if (why) throw cannotWriteError(path, why, home, ELSEWHERE);
}

export function profileExistsError(profile: string, paths: readonly string[]): ClaimcheckError {
  return new ClaimcheckError(
    'PROFILE_EXISTS',
    `Profile ${profile} is already in ${paths.join(' and ')}, and claimcheck did not write it: writing it would replace the settings and keys there, and cleanup would then remove them.`,
    `Name a profile of claimcheck's own with aws-profile (orb: profile_name; default ${DEFAULT_PROFILE}), or set replace-profile to true to use this one for the job: claimcheck saves its sections and the post step (orb: cleanup) puts them back.`,
  );
}

/** Throws the error the hand-over would meet, before anything is asked of a server. */
export function checkAwsHandOver(aws: AwsSettings, place: HandOverPlace): void {
  if (!aws.refresh && aws.export !== 'profile') return;
  const profile = aws.awsProfile ?? DEFAULT_PROFILE;
  const files = profileFiles(place.env, place.home);
  refuseEndlessFiles(files);
  const sections = sectionsOf(files, profile);
  // A renewing profile lives in the config file; it touches the credentials file only to take out a section there.
  for (const path of [files.config, ...(aws.refresh && sections.credentials === undefined ? [] : [files.credentials])]) assertWritable(path, place.home);
  if (aws.refresh) assertWritable(place.privateFolder(`refresh-${profile}`), place.home);
  const foreign = foreignSections(files, profile);
  if (foreign.length > 0 && !aws.replaceProfile) throw profileExistsError(profile, foreign);
  if (foreign.length > 0) assertWritable(place.privateFolder(`saved-${profile}`), place.home);
}
