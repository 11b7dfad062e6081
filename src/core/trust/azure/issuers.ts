// What Entra ID can match in the tokens of each kind of issuer. Every federated credential
// matches issuer, subject and audience exactly and case-sensitively, at most 20 per app.
// Flexible credentials (preview; Entra docs, "Flexible federated identity credentials")
// take `claims['<claim>'] matches|eq '<value>'` joined by `and`, for three families only:
// - GitHub (https://token.actions.githubusercontent.com): sub and job_workflow_ref
//   (eq, matches), repository_id and repository_owner_id (eq); one of the two ids is required;
// - GitLab (https://gitlab.com, https://gitlab.<name>.com|.ca): sub (eq, matches), project_id
//   (eq), required with GitLab's path-based subjects;
// - Terraform Cloud (https://app.terraform.io, https://app.eu.terraform.io): sub (eq, matches).
// In `matches`, `*` stands for any run of characters and `?` for one; nothing escapes them.
import type { Platform } from '../../rules/rules-file.js';

export type AzureFamily = 'github' | 'gitlab' | 'terraform' | 'circleci' | 'buildkite' | 'bitbucket' | 'other';

export interface FlexibleSupport {
  /** Claims a flexible credential may name, and whether `matches` is allowed on them. */
  readonly claims: Readonly<Record<string, 'eq' | 'matches'>>;
  /** A flexible credential must also match one of these with eq. */
  readonly requiresOneOf: readonly string[];
}

const GITHUB_FLEXIBLE: FlexibleSupport = { claims: { sub: 'matches', job_workflow_ref: 'matches', repository_id: 'eq', repository_owner_id: 'eq' }, requiresOneOf: ['repository_id', 'repository_owner_id'] };
const GITLAB_FLEXIBLE: FlexibleSupport = { claims: { sub: 'matches', project_id: 'eq' }, requiresOneOf: ['project_id'] };
const TERRAFORM_FLEXIBLE: FlexibleSupport = { claims: { sub: 'matches' }, requiresOneOf: [] };

const hostOf = (issuer: string): string | undefined => {
  try {
    const url = new URL(issuer);
    return url.protocol === 'https:' && (url.pathname === '/' || url.pathname === '') ? url.hostname : undefined;
  } catch {
    return undefined;
  }
};

/** The flexible credentials Entra supports for this issuer exactly, or undefined. */
export function flexibleSupport(issuer: string): FlexibleSupport | undefined {
  if (issuer === 'https://token.actions.githubusercontent.com') return GITHUB_FLEXIBLE;
  if (issuer.endsWith('/')) return undefined;
  const host = hostOf(issuer);
  if (host === 'gitlab.com' || (host !== undefined && /^gitlab\.[a-z0-9-]+\.(?:com|ca)$/.test(host))) return GITLAB_FLEXIBLE;
  if (host === 'app.terraform.io' || host === 'app.eu.terraform.io') return TERRAFORM_FLEXIBLE;
  return undefined;
}

/** The family of subjects a token of this issuer carries: the platform named, else the issuer's host. */
export function azureFamily(issuer: string, platform: Platform | undefined): AzureFamily {
  if (platform !== undefined) return platform;
  if (/^https:\/\/token\.actions\.githubusercontent\.com(?:\/[^/]+)?$/.test(issuer) || /^https:\/\/[^/]+\/_services\/token$/.test(issuer)) return 'github';
  if (/^https:\/\/oidc\.circleci\.com\/org\//.test(issuer)) return 'circleci';
  const host = hostOf(issuer);
  if (host === 'agent.buildkite.com') return 'buildkite';
  if (host === 'app.terraform.io' || host === 'app.eu.terraform.io') return 'terraform';
  if (host === 'gitlab.com' || (host !== undefined && /^gitlab\./.test(host))) return 'gitlab';
  if (/^https:\/\/api\.bitbucket\.org\/2\.0\/workspaces\//.test(issuer)) return 'bitbucket';
  return 'other';
}

/** Why no credential can name every run of a job on these platforms: their subjects carry a per-run part. */
export const PER_RUN_SUBJECTS: Readonly<Partial<Record<AzureFamily, string>>> = {
  circleci: "CircleCI's subject names the user who started the job (org/<org>/project/<project>/user/<user>…)",
  buildkite: "Buildkite's subject names the build's commit and step (…:ref:<ref>:commit:<sha>:step:<key>)",
  bitbucket: "Bitbucket's subject names the pipeline step ({repository}:{environment}:{step UUID})",
};
