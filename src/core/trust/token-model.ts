// Tokens as a platform issues them, for checking policies: claims that hang together (the
// subject is built from the repository, ids, ref and environment, as GitHub and CircleCI
// build it), so that a changed claim changes the subject too and no check rests on a token
// the platform would never sign.
import { claimValues, type IssuerKeys } from '../iam/keys.js';

export type Claims = Record<string, string>;

export interface TokenModel {
  /** A plausible token of the platform, before any rule or policy is applied. */
  readonly base: () => Claims;
  /** The token with one claim changed (or removed), related claims kept consistent. */
  readonly set: (claims: Claims, claim: string, value: string | undefined) => Claims;
  /** The subjects the platform could give this token (GitHub: legacy and immutable). */
  readonly subjects: (claims: Claims) => string[];
  /** Claims a subject value stands for (for values read off a policy's sub conditions). */
  readonly fromSubject: (sub: string) => Claims;
}

const CIRCLECI = 'oidc.circleci.com/';

function githubModel(): TokenModel {
  const subjects = (claims: Claims): string[] => {
    const [owner, name] = (claims.repository ?? '').split('/');
    const context = claims.environment !== undefined ? `environment:${claims.environment}` : claims.event_name === 'pull_request' ? 'pull_request' : `ref:${claims.ref ?? ''}`;
    return [`repo:${owner}/${name}:${context}`, `repo:${owner}@${claims.repository_owner_id ?? ''}/${name}@${claims.repository_id ?? ''}:${context}`];
  };
  return {
    base: () => ({
      repository: 'acme/api', repository_owner: 'acme', repository_id: '100000001', repository_owner_id: '200000002', ref: 'refs/heads/main',
      ref_type: 'branch', event_name: 'push', actor: 'octocat', actor_id: '583231', workflow: 'deploy', job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/main',
    }),
    set: (claims, claim, value) => {
      const next: Claims = { ...claims };
      if (value === undefined) delete next[claim];
      else next[claim] = value;
      // The owner is the first half of the repository: change one, change the other.
      if (claim === 'repository' && value !== undefined) next.repository_owner = value.split('/')[0] ?? '';
      if (claim === 'repository_owner' && value !== undefined) next.repository = `${value}/${(claims.repository ?? '/api').split('/')[1] ?? 'api'}`;
      return next;
    },
    subjects,
    fromSubject: (sub) => {
      const match = /^repo:([^/@:]+)(?:@([^/:]*))?\/([^/@:]+)(?:@([^:]*))?:(.*)$/s.exec(sub);
      if (!match) return {};
      const [, owner = '', ownerId, name = '', repositoryId, context = ''] = match;
      const claims: Claims = { repository: `${owner}/${name}`, repository_owner: owner };
      if (ownerId) claims.repository_owner_id = ownerId;
      if (repositoryId) claims.repository_id = repositoryId;
      if (context.startsWith('ref:')) claims.ref = context.slice(4);
      else if (context.startsWith('environment:')) claims.environment = context.slice(12);
      else if (context === 'pull_request') claims.event_name = 'pull_request';
      return claims;
    },
  };
}

function circleciModel(organization: string): TokenModel {
  return {
    base: () => ({
      [`${CIRCLECI}project-id`]: '3f1c0c2e-0000-4000-8000-000000000001',
      [`${CIRCLECI}vcs-origin`]: 'github.com/acme/api',
      [`${CIRCLECI}vcs-ref`]: 'refs/heads/main',
      user: '3f1c0c2e-0000-4000-8000-0000000000aa',
    }),
    set: (claims, claim, value) => {
      const next: Claims = { ...claims };
      if (value === undefined) delete next[claim];
      else next[claim] = value;
      return next;
    },
    subjects: (claims) => {
      const v1 = `org/${organization}/project/${claims[`${CIRCLECI}project-id`] ?? ''}/user/${claims.user ?? ''}`;
      return [v1, `${v1}/vcs-origin/${claims[`${CIRCLECI}vcs-origin`] ?? ''}/vcs-ref/${claims[`${CIRCLECI}vcs-ref`] ?? ''}`];
    },
    fromSubject: (sub) => {
      const match = /^org\/[^/]+\/project\/([^/]+)\/user\/([^/]+)(?:\/vcs-origin\/(.+)\/vcs-ref\/(.+))?$/s.exec(sub);
      if (!match) return {};
      const claims: Claims = { [`${CIRCLECI}project-id`]: match[1] ?? '', user: match[2] ?? '' };
      if (match[3] !== undefined) claims[`${CIRCLECI}vcs-origin`] = match[3];
      if (match[4] !== undefined) claims[`${CIRCLECI}vcs-ref`] = match[4];
      return claims;
    },
  };
}

/** Other issuers: the subject is a claim of its own. */
function plainModel(): TokenModel {
  return {
    base: () => ({ sub: 'subject' }),
    set: (claims, claim, value) => {
      const next: Claims = { ...claims };
      if (value === undefined) delete next[claim];
      else next[claim] = value;
      return next;
    },
    subjects: (claims) => [claims.sub ?? ''],
    fromSubject: (sub) => ({ sub }),
  };
}

export function tokenModel(keys: IssuerKeys, platform: 'github' | 'circleci' | undefined): TokenModel {
  if (platform === 'github' || keys.family === 'github') return githubModel();
  const organization = /^oidc\.circleci\.com\/org\/([^/]+)$/.exec(keys.prefix)?.[1];
  if (platform === 'circleci' || keys.family === 'circleci') return circleciModel(organization ?? '00000000-0000-4000-8000-000000000000');
  return plainModel();
}

/** The token's claims with a given subject and audience, as the request's claims. */
export function withSubject(claims: Claims, sub: string, audience: string): Record<string, unknown> {
  return { ...claims, sub, aud: audience };
}

/** Claims as text, the way a rule or IAM sees them (arrays and numbers flattened). */
export function textClaims(claims: Readonly<Record<string, unknown>>): Claims {
  const out: Claims = {};
  for (const [name, value] of Object.entries(claims)) {
    const [first] = claimValues(value);
    if (first !== undefined) out[name] = first;
  }
  return out;
}
