// Which CI job a process runs in, as its CI names it: what binds the CLI's renewals and records
// to the job that wrote them, so that a later job on the same machine is never served them.

type Environment = Readonly<Record<string, string | undefined>>;

/** Each CI's own name for a job, in the order they are looked for; CLAIMCHECK_JOB names it anywhere else. */
const JOB_VARIABLES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['job', ['CLAIMCHECK_JOB']],
  ['github', ['GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT', 'GITHUB_JOB']],
  ['circleci', ['CIRCLE_WORKFLOW_JOB_ID']],
  ['gitlab', ['CI_JOB_ID']],
  ['buildkite', ['BUILDKITE_JOB_ID']],
  ['bitbucket', ['BITBUCKET_STEP_UUID']],
];

/** The job this process runs in; '' when no known variable says. */
export function jobOf(env: Environment): string {
  for (const [label, names] of JOB_VARIABLES) {
    if (env[names[0] as string]) return `${label}:${names.map((name) => env[name] ?? '').join('/')}`;
  }
  return '';
}

/** Whether something bound to `job` (empty: bound to none) may serve a process in `env`. */
export function sameJob(job: unknown, env: Environment): boolean {
  return typeof job !== 'string' || job === '' || job === jobOf(env);
}
