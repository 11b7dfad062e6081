// What GitHub's claims say about the job: a default session name and the summary's rows.
import { sessionNameFrom } from '../../core/aws/session-name.js';

type Claims = Readonly<Record<string, unknown>>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** `owner.repo@<run_id>-<attempt>`: CloudTrail then shows which run held the session. */
export function githubSessionName(claims: Claims): string {
  const repository = text(claims.repository).replace('/', '.') || 'github-actions';
  const run = [text(claims.run_id), text(claims.run_attempt)].filter(Boolean).join('-');
  return sessionNameFrom(repository, run);
}

export function githubJobFacts(claims: Claims): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Repository', text(claims.repository)],
    ['Ref', text(claims.ref)],
    ['Environment', text(claims.environment)],
    ['Workflow', text(claims.job_workflow_ref) || text(claims.workflow)],
    ['Event', text(claims.event_name)],
    ['Actor', text(claims.actor)],
    ['Run', claims.run_id ? `${text(claims.run_id)} (attempt ${text(claims.run_attempt) || '1'})` : ''],
  ];
  return rows.filter(([, value]) => value !== '');
}
