// GitHub's subjects and the trust that pins a repository. Since 15 July 2026, repositories
// created or renamed (and older ones that opt in) carry an immutable subject,
// `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, instead of `repo:OWNER/REPO:…` (not on GitHub
// Enterprise Server). A policy on names alone misses those, and trusts whoever re-creates a
// deleted or renamed repository's name; the numeric ids never change hands.
import { ClaimcheckError } from '../../../errors.js';
import { conditionKeyFor, type IssuerKeys } from '../keys.js';
import { exactValue } from '../pattern.js';
import { statement, valueCondition, type Conditions } from '../conditions.js';

export type SubjectFormat = 'legacy' | 'immutable' | 'both';

export type GitHubSubjectKind = 'immutable' | 'legacy' | 'other';

const IMMUTABLE = /^repo:[^/@:]+@(\d+)\/[^/@:]+@(\d+):/;
const LEGACY = /^repo:[^/@:]+\/[^/@:]+:/;

/** Which of GitHub's subject formats a `sub` has (`other`: a customised or foreign subject). */
export function githubSubjectKind(sub: string): GitHubSubjectKind {
  if (IMMUTABLE.test(sub)) return 'immutable';
  if (LEGACY.test(sub)) return 'legacy';
  return 'other';
}

/** The legacy form of an immutable subject (ids dropped), and the reverse with the token's ids. */
export function otherSubjectForm(sub: string, claims: Readonly<Record<string, unknown>>): string | undefined {
  const immutable = /^repo:([^/@:]+)@\d+\/([^/@:]+)@\d+(:.*)/s.exec(sub);
  if (immutable) return `repo:${immutable[1]}/${immutable[2]}${immutable[3]}`;
  const legacy = /^repo:([^/@:]+)\/([^/@:]+)(:.*)/s.exec(sub);
  const { repository_owner_id: ownerId, repository_id: repositoryId } = claims;
  if (legacy && typeof ownerId === 'string' && typeof repositoryId === 'string') return `repo:${legacy[1]}@${ownerId}/${legacy[2]}@${repositoryId}${legacy[3]}`;
  return undefined;
}

export interface GitHubTrust {
  readonly repository: string;
  readonly ownerId: string | undefined;
  readonly repositoryId: string | undefined;
  readonly branches: readonly string[];
  readonly tags: readonly string[];
  readonly environments: readonly string[];
  readonly pullRequests: boolean;
  readonly subjectFormat: SubjectFormat;
}

/** What follows the repository in GitHub's default subjects: `ref:…`, `environment:…`, `pull_request`. */
function contexts(trust: GitHubTrust): string[] {
  return [
    ...trust.branches.map((branch) => `ref:refs/heads/${branch}`),
    ...trust.tags.map((tag) => `ref:refs/tags/${tag}`),
    ...trust.environments.map((environment) => `environment:${environment}`),
    ...(trust.pullRequests ? ['pull_request'] : []),
  ];
}

/**
 * The subjects for a repository in the formats asked for. Branch, tag and environment names
 * keep IAM's wildcards (`*`, `?`); the immutable form without ids matches any id.
 */
export function githubSubjects(trust: GitHubTrust): string[] {
  const [owner, name] = trust.repository.split('/') as [string, string];
  const ids = trust.ownerId !== undefined && trust.repositoryId !== undefined;
  const legacy = `repo:${owner}/${name}`;
  const immutable = ids ? `repo:${owner}@${trust.ownerId}/${name}@${trust.repositoryId}` : `repo:${owner}@*/${name}@*`;
  const prefixes = trust.subjectFormat === 'legacy' ? [legacy] : trust.subjectFormat === 'immutable' ? [immutable] : [legacy, immutable];
  return prefixes.flatMap((prefix) => contexts(trust).map((context) => `${prefix}:${context}`));
}

export interface GitHubPolicyTarget {
  readonly principal: string;
  readonly keys: IssuerKeys;
  readonly audience: string;
}

/**
 * The trust policy for a repository's branches, tags, environments and pull requests. With
 * ids, the repository is pinned by id on AWS's GitHub condition keys, which accepts both
 * subject formats and refuses a re-created name; without, by subject patterns on names.
 */
export function githubTrustPolicy(trust: GitHubTrust, target: GitHubPolicyTarget): { Version: string; Statement: object[] } {
  const { keys, principal } = target;
  const aud = { [`${keys.prefix}:aud`]: exactValue(target.audience) };
  if (trust.ownerId === undefined || trust.repositoryId === undefined) {
    const conditions: Conditions = { StringEquals: { ...aud } };
    valueCondition(conditions, `${keys.prefix}:sub`, githubSubjects(trust));
    return { Version: '2012-10-17', Statement: [statement(principal, conditions)] };
  }
  const key = (claim: string) => {
    // AWS has these keys for the GitHub family only.
    const found = conditionKeyFor(keys, claim);
    if (found === undefined) {
      throw new ClaimcheckError('INPUT_INVALID', `AWS evaluates no GitHub claims for tokens of ${keys.prefix}, so --owner-id and --repository-id cannot pin the repository.`, 'Drop --owner-id and --repository-id (GitHub Enterprise Server has no immutable subjects), or use the issuer https://token.actions.githubusercontent.com.');
    }
    return found;
  };
  const pinned = () => ({ StringEquals: { ...aud, [key('repository_owner_id')]: trust.ownerId as string, [key('repository_id')]: trust.repositoryId as string } }) as Conditions;
  const statements: object[] = [];
  const refs = [...trust.branches.map((branch) => `refs/heads/${branch}`), ...trust.tags.map((tag) => `refs/tags/${tag}`)];
  if (refs.length > 0) {
    const conditions = pinned();
    valueCondition(conditions, key('ref'), refs);
    statements.push(statement(principal, conditions));
  }
  if (trust.environments.length > 0) {
    const conditions = pinned();
    valueCondition(conditions, key('environment'), trust.environments);
    statements.push(statement(principal, conditions));
  }
  if (trust.pullRequests) {
    // No condition key tells a pull_request run apart; its subject does, in either format.
    const conditions = pinned();
    // Stryker disable next-line StringLiteral: equivalent: any format but legacy or immutable gives both
    valueCondition(conditions, `${keys.prefix}:sub`, githubSubjects({ ...trust, branches: [], tags: [], environments: [], subjectFormat: 'both' }));
    statements.push(statement(principal, conditions));
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Why names alone are weak, for the warning printed when no ids are given. */
export function namesOnlyWarning(repository: string): string {
  return (
    `Warning: this policy trusts ${repository} by name only. A deleted or renamed repository frees its name, and whoever ` +
    're-creates it gets a policy written for yours; repositories on the immutable subject format also carry their ids. ' +
    `Pin the repository by id: --owner-id and --repository-id (gh api repos/${repository} --jq '.owner.id, .id').`
  );
}

/** Trust on branches alone: what people outside the repository can start on them. */
export function branchTrustNotice(): string {
  return (
    'Note: trust on a branch also accepts pull_request_target, issue_comment and workflow_run runs on that branch, ' +
    'which people outside the repository can start. Prefer an environment with protection rules (--environment, or an ' +
    'environment rule), so that a reviewer approves the job that gets the role.'
  );
}
