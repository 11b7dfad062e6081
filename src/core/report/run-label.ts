// The CI run in the User-Agent of STS calls (`md/github.run_id#…`), so that a CloudTrail
// record's userAgent names the run that made the call. Only values that are plainly ids get
// in: the SDK escapes the rest, and a User-Agent is no place for a job's free text.

/**
 * User-Agent metadata (`md/<name>#<value>`) naming the run. Names and values of letters,
 * digits and . _ - only.
 */
export type RunLabel = ReadonlyArray<readonly [name: string, value: string]>;

const ID = /^[A-Za-z0-9._-]{1,64}$/;

function label(pairs: ReadonlyArray<readonly [string, unknown]>): RunLabel {
  return pairs.flatMap(([name, value]) => (typeof value === 'string' && ID.test(value) ? [[name, value] as const] : []));
}

/** GitHub's run from the verified token: its run_id and run_attempt claims. */
export function githubRunLabel(claims: Readonly<Record<string, unknown>>): RunLabel {
  return label([['github.run_id', claims.run_id], ['github.run_attempt', claims.run_attempt]]);
}

/** CircleCI's run from the job's environment: its tokens carry no build number. */
export function circleciRunLabel(env: Readonly<Record<string, string | undefined>>): RunLabel {
  return label([['circleci.build_num', env.CIRCLE_BUILD_NUM], ['circleci.workflow_id', env.CIRCLE_WORKFLOW_ID]]);
}

/** GitLab's run from its token: the pipeline and the job. */
export function gitlabRunLabel(claims: Readonly<Record<string, unknown>>): RunLabel {
  return label([['gitlab.pipeline_id', claims.pipeline_id], ['gitlab.job_id', claims.job_id]]);
}

/** Buildkite's run from its token: the build number and the job. */
export function buildkiteRunLabel(claims: Readonly<Record<string, unknown>>): RunLabel {
  // Buildkite's build_number is a JSON number.
  const build = Number.isSafeInteger(claims.build_number) && (claims.build_number as number) >= 0 ? String(claims.build_number) : claims.build_number;
  return label([['buildkite.build_number', build], ['buildkite.job_id', claims.job_id]]);
}

/** Bitbucket's run: the build number from the step's environment, the pipeline and step from the token (UUIDs without their braces). */
export function bitbucketRunLabel(claims: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>): RunLabel {
  const uuid = (value: unknown) => (typeof value === 'string' ? value.replace(/^\{(.*)\}$/, '$1') : undefined);
  return label([['bitbucket.build_number', env.BITBUCKET_BUILD_NUMBER], ['bitbucket.pipeline_uuid', uuid(claims.pipelineUuid)], ['bitbucket.step_uuid', uuid(claims.stepUuid)]]);
}
