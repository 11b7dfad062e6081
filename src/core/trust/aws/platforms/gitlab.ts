// GitLab's subjects and the trust that pins a project. Every project on GitLab.com shares the
// issuer https://gitlab.com, so a policy must name the project. The default subject is
// `project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME`; a deleted project frees its path
// for whoever creates it next, while project_id never changes hands, and AWS checks it as
// gitlab.com:project_id. A job's environment is in neither, so AWS cannot check it.
import type { IssuerKeys } from '../keys.js';
import { audienceConditions, requiredKey, statement, valueCondition, type PolicyDocument, type PolicyTarget } from '../conditions.js';

export interface GitLabTrust {
  readonly projectPath: string;
  readonly projectId: string | undefined;
  readonly namespaceId: string | undefined;
  readonly branches: readonly string[];
  readonly tags: readonly string[];
  /** Only jobs on protected branches and tags (ref_protected "true"). */
  readonly protectedRefs: boolean;
}

/** GitLab's default subjects for the project's branches and tags (IAM wildcards kept). */
export function gitlabSubjects(trust: GitLabTrust): string[] {
  const prefix = `project_path:${trust.projectPath}`;
  return [...trust.branches.map((branch) => `${prefix}:ref_type:branch:ref:${branch}`), ...trust.tags.map((tag) => `${prefix}:ref_type:tag:ref:${tag}`)];
}

const KEYS_HINT = 'AWS evaluates GitLab claims only for https://gitlab.com; for a self-managed instance drop the flag and rely on the subject, or write a rules file (its claims are then checked by claimcheck only).';

function pinKey(keys: IssuerKeys, claim: string, flag: string): string {
  return requiredKey(keys, claim, flag, KEYS_HINT);
}

/** One statement: the audience, the ids AWS checks, and the subjects of the branches and tags. */
export function gitlabTrustPolicy(trust: GitLabTrust, target: PolicyTarget): PolicyDocument {
  const conditions = audienceConditions(target);
  const equals = conditions.StringEquals as Record<string, string>;
  if (trust.projectId !== undefined) equals[pinKey(target.keys, 'project_id', '--project-id')] = trust.projectId;
  if (trust.namespaceId !== undefined) equals[pinKey(target.keys, 'namespace_id', '--namespace-id')] = trust.namespaceId;
  if (trust.protectedRefs) equals[pinKey(target.keys, 'ref_protected', '--protected')] = 'true';
  valueCondition(conditions, `${target.keys.prefix}:sub`, gitlabSubjects(trust));
  return { Version: '2012-10-17', Statement: [statement(target.principal, conditions)] };
}

/** Why a path alone is weak, for the warning printed when no --project-id is given. */
export function gitlabPathOnlyWarning(projectPath: string): string {
  return (
    `Warning: this policy trusts ${projectPath} by path only. A deleted or renamed project frees its path, and whoever creates a project ` +
    'there gets a policy written for yours. Pin the project by id: --project-id (the project\'s Settings > General, or ' +
    `curl -s https://gitlab.com/api/v4/projects/${encodeURIComponent(projectPath)} | jq .id).`
  );
}

/** A job's environment is not in GitLab's subject and AWS has no key for it. */
export function gitlabEnvironmentRefusal(): string {
  return (
    'AWS cannot check a GitLab job\'s environment: it is not in the subject, and gitlab.com has no environment condition key. ' +
    'Trust the protected branch that deploys (--branch main --protected), and check the environment with a rule (environment: production in a rules file, claimcheck only)'
  );
}
