// The rules that stand for the jobs one token comes from, for `trust-policy --token-file`: the
// job pinned by what stays the same from run to run (ids where the cloud's policy language has
// a key for them), never by what changes every run (Buildkite's commit and step, Bitbucket's
// step, CircleCI's user, a run id), and never by a name alone where the token carries its id.
// A token of no platform claimcheck knows is pinned by its exact subject. The rules then go
// through the one compiler, like a rules file's.
import type { ClaimRule, PatternToken } from '../rules/rules.js';

type Claims = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function exact(claim: string, value: string): ClaimRule {
  return { source: `${claim}=${JSON.stringify(value)}`, claim, alternatives: [{ exact: value }] };
}

/** A glob of literal parts and stars: a part that is a string is literal, whatever it holds. */
function glob(claim: string, parts: ReadonlyArray<string | 'segment' | 'any'>, shown: string): ClaimRule {
  const tokens = parts.flatMap((part, index): PatternToken[] =>
    index % 2 === 1 ? [{ star: part as 'segment' | 'any' }] : Array.from(part as string, (char) => ({ literal: char })),
  );
  return { source: `${claim}=${shown}`, claim, alternatives: [{ glob: tokens }] };
}

interface Pins {
  readonly rules: ClaimRule[];
  /** Sets a rule on the claim when the token has it and the policy language can check it. */
  pin(claim: string): boolean;
}

function pins(claims: Claims, hasKey: (claim: string) => boolean): Pins {
  const rules: ClaimRule[] = [];
  return {
    rules,
    pin(claim) {
      const value = text(claims[claim]);
      if (value === undefined || !hasKey(claim)) return false;
      rules.push(exact(claim, value));
      return true;
    },
  };
}

/** GitHub: the repository by its ids, then the environment, else the ref (a pull request by its subject). */
function github(claims: Claims, sub: string, p: Pins): boolean {
  if (!p.pin('repository_id')) return false;
  p.pin('repository_owner_id');
  if (p.pin('environment')) return true;
  const pullRequest = /^repo:([^/@:]+)(?:@\d+)?\/([^/@:]+)(?:@\d+)?:pull_request$/.exec(sub);
  if (pullRequest) {
    const [owner, name] = [pullRequest[1] as string, pullRequest[2] as string];
    const [ownerId, repositoryId] = [text(claims.repository_owner_id), text(claims.repository_id)];
    const subjects = [`repo:${owner}/${name}:pull_request`, ...(ownerId && repositoryId ? [`repo:${owner}@${ownerId}/${name}@${repositoryId}:pull_request`] : [])];
    p.rules.push({ source: `sub=${subjects.join('|')}`, claim: 'sub', alternatives: subjects.map((subject) => ({ exact: subject })) });
    return true;
  }
  if (!p.pin('ref')) p.rules.push(exact('sub', sub));
  return true;
}

/** CircleCI: the project by its id, and any user's jobs on the token's ref (v2 subjects name it). */
function circleci(sub: string, p: Pins): boolean {
  const match = /^org\/([^/]+)\/project\/([^/]+)\/user\/[^/]+(?:\/vcs-origin\/(.+)\/vcs-ref\/(.+))?$/s.exec(sub);
  if (!match) return false;
  p.pin('oidc.circleci.com/project-id');
  const [, organization, project, origin, ref] = match as unknown as [string, string, string, string | undefined, string | undefined];
  const head = `org/${organization}/project/${project}/user/`;
  const tail = origin !== undefined && ref !== undefined ? `/vcs-origin/${origin}/vcs-ref/${ref}` : '';
  p.rules.push(glob('sub', [head, 'segment', tail], `${head}*${tail}`));
  return true;
}

/** Buildkite: the organization and pipeline (by id when the token carries them), the ref, any commit and step. */
function buildkite(sub: string, p: Pins): boolean {
  const match = /^organization:([^:]+):pipeline:([^:]+):ref:([^:]*):commit:[^:]*:step:.*$/s.exec(sub);
  if (!match) return false;
  if (!p.pin('organization_id')) p.pin('organization_slug');
  if (!p.pin('pipeline_id')) p.pin('pipeline_slug');
  const [, organization, pipeline, ref] = match as unknown as [string, string, string, string];
  const head = `organization:${organization}:pipeline:${pipeline}:ref:${ref}:commit:`;
  p.rules.push(glob('sub', [head, 'segment', ':step:', 'any', ''], `${head}*:step:**`));
  return true;
}

/** Bitbucket: the repository (and deployment environment) by UUID; the step's UUID is new in every run. */
function bitbucket(claims: Claims, sub: string, p: Pins): boolean {
  const repository = text(claims.repositoryUuid);
  if (repository === undefined || text(claims.stepUuid) === undefined || !sub.startsWith(`${repository}:`)) return false;
  const environment = text(claims.deploymentEnvironmentUuid);
  const scope = environment !== undefined && sub.startsWith(`${repository}:${environment}:`) ? `${repository}:${environment}:` : `${repository}:`;
  p.rules.push(glob('sub', [scope, 'segment', ''], `${scope}*`));
  return true;
}

/** GitLab: the project by its id besides the subject (which names the project's path and the ref, nothing per run). */
function gitlab(sub: string, p: Pins): boolean {
  if (!/^project_path:[^:]+:ref_type:(branch|tag):ref:/.test(sub)) return false;
  p.pin('project_id');
  p.rules.push(exact('sub', sub));
  return true;
}

/**
 * The rules for the jobs this token stands for. `hasKey`: whether the policy language can check
 * a claim (for AWS, whether STS has a condition key for it at this issuer).
 */
export function tokenRules(claims: Claims, hasKey: (claim: string) => boolean): ClaimRule[] {
  const sub = text(claims.sub) ?? '';
  const p = pins(claims, hasKey);
  const shaped =
    ((hasKey('repository_id') || text(claims.repository) !== undefined) && github(claims, sub, p)) ||
    (text(claims['oidc.circleci.com/project-id']) !== undefined && circleci(sub, p)) ||
    buildkite(sub, p) ||
    bitbucket(claims, sub, p) ||
    gitlab(sub, p);
  return shaped ? p.rules : [exact('sub', sub)];
}
