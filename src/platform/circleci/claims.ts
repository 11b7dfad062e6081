// What CircleCI's claims and job environment say about the job: a default session name
// and the facts for the log's summary and audit line.
import { sessionNameFrom } from '../../core/aws/session-name.js';

type Claims = Readonly<Record<string, unknown>>;
type Environment = Readonly<Record<string, string | undefined>>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** `owner.repo@<build number>` from the job's environment; the project id when that is absent. */
export function circleciSessionName(env: Environment, claims: Claims): string {
  const project = [env.CIRCLE_PROJECT_USERNAME, env.CIRCLE_PROJECT_REPONAME].filter(Boolean).join('.');
  return sessionNameFrom(project || text(claims['oidc.circleci.com/project-id']) || 'circleci', env.CIRCLE_BUILD_NUM ?? '');
}

export function circleciJobFacts(env: Environment, claims: Claims): Array<[string, string]> {
  const contexts = claims['oidc.circleci.com/context-ids'];
  const rows: Array<[string, string]> = [
    ['Project', text(claims['oidc.circleci.com/vcs-origin']) || [env.CIRCLE_PROJECT_USERNAME, env.CIRCLE_PROJECT_REPONAME].filter(Boolean).join('/')],
    ['Project ID', text(claims['oidc.circleci.com/project-id'])],
    ['Ref', text(claims['oidc.circleci.com/vcs-ref'])],
    ['Contexts', Array.isArray(contexts) ? contexts.filter((id) => typeof id === 'string').join(', ') : ''],
    ['Job', env.CIRCLE_JOB ? `${env.CIRCLE_JOB} #${env.CIRCLE_BUILD_NUM ?? '?'}` : ''],
    ['Build', env.CIRCLE_BUILD_URL ?? ''],
  ];
  return rows.filter(([, value]) => value !== '');
}
