// What Buildkite's OIDC tokens say about the job: a default session name, the facts for the
// summary and audit line, and the token command. One issuer serves every organization, so
// the trust policy must pin the organization (and the token may carry its id: --claim).
import { sessionNameFrom } from '../../core/aws/session-name.js';
import { shellQuote } from '../../core/text/shell.js';

type Claims = Readonly<Record<string, unknown>>;

export const BUILDKITE_ISSUER = 'https://agent.buildkite.com';

/** build_number is a number in the token; step_key and build_tag may be null. */
const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '');

/**
 * The agent's token request for an audience, with the organization's and pipeline's UUIDs
 * (optional claims, which AWS checks as condition keys: ids, unlike slugs, never change hands).
 */
export function buildkiteTokenCommand(audience: string): string {
  return `buildkite-agent oidc request-token --audience ${shellQuote(audience)} --claim organization_id,pipeline_id`;
}

/** `organization.pipeline@<build number>`: CloudTrail then names the build. */
export function buildkiteSessionName(claims: Claims): string {
  const pipeline = [text(claims.organization_slug), text(claims.pipeline_slug)].filter(Boolean).join('.') || 'buildkite';
  return sessionNameFrom(pipeline, text(claims.build_number));
}

export function buildkiteJobFacts(claims: Claims): Array<[string, string]> {
  const organization = text(claims.organization_slug);
  const pipeline = text(claims.pipeline_slug);
  const tag = text(claims.build_tag);
  const rows: Array<[string, string]> = [
    ['Pipeline', organization && pipeline ? `${organization}/${pipeline}` : pipeline],
    ['Build', text(claims.build_number) ? `#${text(claims.build_number)}${claims.build_source ? ` (${text(claims.build_source)})` : ''}` : ''],
    ['Ref', tag ? `tag ${tag}` : text(claims.build_branch) ? `branch ${text(claims.build_branch)}` : ''],
    ['Commit', text(claims.build_commit)],
    ['Step', text(claims.step_key)],
    ['Job', text(claims.job_id)],
    ['Agent', [text(claims.agent_id), text(claims.runner_environment)].filter(Boolean).join(', ')],
  ];
  return rows.filter(([, value]) => value !== '');
}

export function looksLikeBuildkite(claims: Claims): boolean {
  return typeof claims.organization_slug === 'string' && typeof claims.pipeline_slug === 'string' && claims.build_number !== undefined;
}
