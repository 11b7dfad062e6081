// Buildkite's subjects and the trust that pins an organization's pipeline. Every organization
// shares the issuer https://agent.buildkite.com. The subject is
// `organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:KEY`, so a policy on it needs
// `*` for the commit and the step, and IAM's `*` crosses `:`: a build on a branch named
// `main:commit:x` would match `…:ref:refs/heads/main:commit:*:step:*`. A StringNotLike refuses
// any subject whose ref holds a `:` (git refs never do). Where AWS has keys (agent.buildkite.com),
// the organization and pipeline are pinned on them too, by UUID when given.
import type { IssuerKeys } from '../keys.js';
import { audienceConditions, excludeCondition, requiredKey, statement, valueCondition, type PolicyDocument, type PolicyTarget } from '../conditions.js';

export interface BuildkiteTrust {
  readonly organization: string;
  readonly pipeline: string;
  readonly organizationId: string | undefined;
  readonly pipelineId: string | undefined;
  readonly branches: readonly string[];
  readonly tags: readonly string[];
}

function subjectPrefix(trust: BuildkiteTrust): string {
  return `organization:${trust.organization}:pipeline:${trust.pipeline}`;
}

/** The subjects of the pipeline's builds of these branches and tags, any commit and step. */
export function buildkiteSubjects(trust: BuildkiteTrust): string[] {
  const refs = [...trust.branches.map((branch) => `refs/heads/${branch}`), ...trust.tags.map((tag) => `refs/tags/${tag}`)];
  return refs.map((ref) => `${subjectPrefix(trust)}:ref:${ref}:commit:*:step:*`);
}

/** Subjects whose ref holds a `:`: the part a `*` could stretch over to fake a ref. */
export function buildkiteRefExclusion(trust: BuildkiteTrust): string {
  return `${subjectPrefix(trust)}:ref:refs/*:*:commit:*`;
}

const KEYS_HINT = 'AWS evaluates Buildkite claims only for https://agent.buildkite.com; drop the ids elsewhere (the subject still pins the slugs).';

function key(keys: IssuerKeys, claim: string, flag: string): string {
  return requiredKey(keys, claim, flag, KEYS_HINT);
}

export function buildkiteTrustPolicy(trust: BuildkiteTrust, target: PolicyTarget): PolicyDocument {
  const conditions = audienceConditions(target);
  const equals = conditions.StringEquals as Record<string, string>;
  if (target.keys.family === 'buildkite') {
    // Stryker disable next-line StringLiteral: equivalent: the flag is named only when AWS has no key, never for the buildkite family
    equals[key(target.keys, 'organization_slug', '--organization')] = trust.organization;
    // Stryker disable next-line StringLiteral: equivalent: as above
    equals[key(target.keys, 'pipeline_slug', '--pipeline')] = trust.pipeline;
  }
  if (trust.organizationId !== undefined) equals[key(target.keys, 'organization_id', '--organization-id')] = trust.organizationId;
  if (trust.pipelineId !== undefined) equals[key(target.keys, 'pipeline_id', '--pipeline-id')] = trust.pipelineId;
  const sub = `${target.keys.prefix}:sub`;
  valueCondition(conditions, sub, buildkiteSubjects(trust));
  excludeCondition(conditions, sub, [buildkiteRefExclusion(trust)]);
  return { Version: '2012-10-17', Statement: [statement(target.principal, conditions)] };
}

export function buildkiteSlugsOnlyWarning(organization: string, pipeline: string): string {
  return (
    `Warning: this policy trusts ${organization}/${pipeline} by slug only; slugs can be renamed and taken by others. ` +
    'Pin by UUID: --organization-id and --pipeline-id (BUILDKITE_ORGANIZATION_ID and BUILDKITE_PIPELINE_ID in any job), ' +
    'which the --platform buildkite token carries (--claim organization_id,pipeline_id).'
  );
}

/** Branch names come from whoever starts the build: pull request builds carry the PR's branch. */
export function buildkiteBranchNotice(): string {
  return (
    'Note: a build\'s branch is whatever the build was started with, and pull request builds carry the PR\'s branch name. ' +
    'Keep pull requests from forks off this pipeline (or off its agents), and prefer a pipeline that only deploys.'
  );
}
