// Bitbucket Pipelines' UUIDs as tokens write them, and what people should hear about trusting
// them. Subjects are `{REPOSITORY_UUID}[:{ENVIRONMENT_UUID}]:{STEP_UUID}`; AWS evaluates no
// Bitbucket claim besides sub and aud, so a branch cannot be checked by AWS: a deployment
// environment (with its branch restrictions) is the handle.
import { ClaimcheckError } from '../../../errors.js';

const UUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/** A UUID as Bitbucket writes it in tokens: lower case, in braces. */
export function bitbucketUuid(text: string, flag: string): string {
  const match = UUID.exec(text.trim());
  if (!match) throw new ClaimcheckError('INPUT_INVALID', `${flag} ${JSON.stringify(text.slice(0, 80))} is not a UUID.`, 'Copy it from Repository settings > OpenID Connect (with or without its braces).');
  return `{${(match[1] as string).toLowerCase()}}`;
}

export function bitbucketBranchRefusal(): string {
  return (
    'AWS cannot check a Bitbucket branch: it is not in the subject, and AWS has no Bitbucket condition keys. ' +
    'Deploy from a deployment environment restricted to the branch (--environment-uuid), and check branchName with a rule (claimcheck only)'
  );
}

export function bitbucketRepositoryNotice(): string {
  return 'Note: without --environment-uuid this policy trusts every step of every pipeline of the repository, whatever its branch. Prefer a deployment environment.';
}
