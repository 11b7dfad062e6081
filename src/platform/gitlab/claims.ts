// What GitLab's ID tokens say about the job: a default session name, the facts for the
// summary and audit line, and where the token and its issuer come from in a GitLab job.
// The job names the token's variable itself (`id_tokens:`); CI_JOB_JWT_V2 is gone since 17.0.
import { sessionNameFrom } from '../../core/aws/session-name.js';

type Claims = Readonly<Record<string, unknown>>;
type Environment = Readonly<Record<string, string | undefined>>;

/** The variable GitLab's AWS guide names in `id_tokens:`; --token-env names another. */
export const GITLAB_TOKEN_VARIABLE = 'GITLAB_OIDC_TOKEN';
export const GITLAB_COM = 'https://gitlab.com';

/** GitLab numbers are strings in the token (runner_id a number): either, as text. */
const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '');

/** The instance the job runs on (CI_SERVER_URL), else GitLab.com: the issuer of its ID tokens. */
export function gitlabIssuer(env: Environment): string {
  return env.CI_SERVER_URL?.trim() || GITLAB_COM;
}

/** `group.project@<pipeline_id>-<job_id>`: CloudTrail then names the pipeline and the job. */
export function gitlabSessionName(claims: Claims): string {
  const project = text(claims.project_path).replaceAll('/', '.') || 'gitlab';
  const run = [text(claims.pipeline_id), text(claims.job_id)].filter(Boolean).join('-');
  return sessionNameFrom(project, run);
}

export function gitlabJobFacts(claims: Claims): Array<[string, string]> {
  const project = text(claims.project_path);
  const id = text(claims.project_id);
  const ref = text(claims.ref);
  const rows: Array<[string, string]> = [
    ['Project', id ? `${project} (id ${id})` : project],
    ['Ref', ref ? `${text(claims.ref_type) || 'ref'} ${ref}${text(claims.ref_protected) === 'true' ? ' (protected)' : ''}` : ''],
    ['Environment', text(claims.environment)],
    ['Pipeline', claims.pipeline_id === undefined ? '' : `${text(claims.pipeline_id)}${claims.pipeline_source ? ` (${text(claims.pipeline_source)})` : ''}`],
    ['Job', text(claims.job_id)],
    ['User', text(claims.user_login)],
    ['Runner', [text(claims.runner_id), text(claims.runner_environment)].filter(Boolean).join(', ')],
  ];
  return rows.filter(([, value]) => value !== '');
}

/** GitLab's own claims, so that the CLI can tell a GitLab token without --platform. */
export function looksLikeGitlab(claims: Claims): boolean {
  return typeof claims.project_path === 'string' && claims.pipeline_id !== undefined && claims.job_id !== undefined;
}
