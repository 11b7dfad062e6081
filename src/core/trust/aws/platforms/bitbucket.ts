// Bitbucket Pipelines' subjects: `{REPOSITORY_UUID}[:{ENVIRONMENT_UUID}]:{STEP_UUID}`, the
// environment only for deployment steps, the step's UUID new in every run. The issuer is the
// workspace's own; AWS evaluates no Bitbucket claim besides sub and aud, so a branch cannot be
// checked by AWS: a deployment environment (with its branch restrictions) is the handle.
import { ClaimcheckError } from '../../../errors.js';
import { audienceConditions, statement, valueCondition, type PolicyDocument, type PolicyTarget } from '../conditions.js';

export interface BitbucketTrust {
  readonly repositoryUuid: string;
  readonly environmentUuids: readonly string[];
}

const UUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/** A UUID as Bitbucket writes it in tokens: lower case, in braces. */
export function bitbucketUuid(text: string, flag: string): string {
  const match = UUID.exec(text.trim());
  if (!match) throw new ClaimcheckError('INPUT_INVALID', `${flag} ${JSON.stringify(text.slice(0, 80))} is not a UUID.`, 'Copy it from Repository settings > OpenID Connect (with or without its braces).');
  return `{${(match[1] as string).toLowerCase()}}`;
}

/** Steps of the repository in these environments, or every step of it. */
export function bitbucketSubjects(trust: BitbucketTrust): string[] {
  if (trust.environmentUuids.length === 0) return [`${trust.repositoryUuid}:*`];
  return trust.environmentUuids.map((environment) => `${trust.repositoryUuid}:${environment}:*`);
}

export function bitbucketTrustPolicy(trust: BitbucketTrust, target: PolicyTarget): PolicyDocument {
  const conditions = audienceConditions(target);
  valueCondition(conditions, `${target.keys.prefix}:sub`, bitbucketSubjects(trust));
  return { Version: '2012-10-17', Statement: [statement(target.principal, conditions)] };
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
