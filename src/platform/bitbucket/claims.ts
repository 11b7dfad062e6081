// What Bitbucket Pipelines' step tokens say about the step: a default session name, the facts
// for the summary and audit line, and the workspace's issuer. The token holds only UUIDs, so
// names come from the step's environment; the issuer comes from BITBUCKET_WORKSPACE, never
// from the token's own iss.
import { ClaimcheckError } from '../../core/errors.js';
import { sessionNameFrom } from '../../core/aws/session-name.js';

type Claims = Readonly<Record<string, unknown>>;
type Environment = Readonly<Record<string, string | undefined>>;

/** Set in every step with `oidc: true`. */
export const BITBUCKET_TOKEN_VARIABLE = 'BITBUCKET_STEP_OIDC_TOKEN';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Workspace IDs (slugs): letters, digits, `-`, `_` and `.`; anything else is refused, not escaped. */
const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function isBitbucketWorkspace(workspace: string): boolean {
  return WORKSPACE.test(workspace);
}

/** The workspace's identity provider URL, as Repository settings > OpenID Connect shows it. */
export function bitbucketIssuer(workspace: string): string {
  if (!isBitbucketWorkspace(workspace)) {
    throw new ClaimcheckError('INPUT_INVALID', `The Bitbucket workspace ${JSON.stringify(workspace.slice(0, 100))} is not a workspace ID.`, 'Give the workspace ID from its URL (bitbucket.org/WORKSPACE/…), or the issuer itself with --issuer.');
  }
  return `https://api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
}

/** The step's workspace issuer, from BITBUCKET_WORKSPACE; undefined outside a step. */
export function bitbucketIssuerFromEnvironment(env: Environment): string | undefined {
  const workspace = env.BITBUCKET_WORKSPACE?.trim();
  return workspace ? bitbucketIssuer(workspace) : undefined;
}

/** `workspace.repo@<build number>` from the step's environment; the repository UUID without it. */
export function bitbucketSessionName(env: Environment, claims: Claims): string {
  const repository = env.BITBUCKET_REPO_FULL_NAME?.replaceAll('/', '.') || text(claims.repositoryUuid).replace(/[{}]/g, '') || 'bitbucket';
  return sessionNameFrom(repository, env.BITBUCKET_BUILD_NUMBER ?? '');
}

export function bitbucketJobFacts(env: Environment, claims: Claims): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Repository', [env.BITBUCKET_REPO_FULL_NAME, text(claims.repositoryUuid)].filter(Boolean).join(' ')],
    ['Workspace', text(claims.workspaceUuid)],
    ['Branch', text(claims.branchName)],
    ['Environment', [env.BITBUCKET_DEPLOYMENT_ENVIRONMENT, text(claims.deploymentEnvironmentUuid)].filter(Boolean).join(' ')],
    ['Pipeline', [env.BITBUCKET_BUILD_NUMBER ? `#${env.BITBUCKET_BUILD_NUMBER}` : '', text(claims.pipelineUuid)].filter(Boolean).join(' ')],
    ['Step', text(claims.stepUuid)],
  ];
  return rows.filter(([, value]) => value !== '');
}

export function looksLikeBitbucket(claims: Claims): boolean {
  return typeof claims.repositoryUuid === 'string' && typeof claims.stepUuid === 'string';
}
