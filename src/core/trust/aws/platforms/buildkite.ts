// What people should hear about trusting Buildkite pipelines. Every organization shares the
// issuer https://agent.buildkite.com, and slugs can be renamed and taken by others; the
// organization's and pipeline's UUIDs cannot.

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

/** With branches and tags in one policy, build_branch holds both: a tag push's build carries the tag as its branch. */
export function buildkiteTagBranchNotice(): string {
  return "Note: with --branch and --tag together, a tag build is trusted when its branch is the tag's name, as Buildkite sets it for a tag push.";
}
