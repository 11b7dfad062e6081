// What GitHub's subjects say, and what people should hear about trusting them. Since 15 July
// 2026, repositories created or renamed (and older ones that opt in) carry an immutable
// subject, `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, instead of `repo:OWNER/REPO:…` (not on GitHub
// Enterprise Server). A policy on names alone misses those, and trusts whoever re-creates a
// deleted or renamed repository's name; the numeric ids never change hands. (The grammar of
// GitHub's tokens is src/core/trust/grammar/github.ts; policies come from compile-trust.ts.)

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

/** Why names alone are weak, for the warning printed when no ids are given. */
export function namesOnlyWarning(repository: string): string {
  return (
    `Warning: this policy trusts ${repository} by name only. A deleted or renamed repository frees its name, and whoever ` +
    're-creates it gets a policy written for yours; repositories on the immutable subject format also carry their ids. ' +
    `Pin the repository by id: --repository-id (and --owner-id; gh api repos/${repository} --jq '.owner.id, .id').`
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
