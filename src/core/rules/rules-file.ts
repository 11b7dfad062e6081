// Rules files: claim rules and a claim → role map as data (YAML or JSON, already parsed),
// read strictly: unknown keys, wrong types and unknown claims of the named platform are
// errors that give the path at fault. schema/rules.schema.json publishes the same shape.
import { parseRoleArn, type RoleArn } from '../aws/arn.js';
import { ChainSyntaxError, readChainList, type ChainHop } from '../aws/chain.js';
import { MAX_POLICY_DEPTH, nestedDeeperThan } from '../text/json-depth.js';
import { compileLinearRegex, RegexUnsupportedError } from './linear-regex.js';
import { globAlternative, RuleSyntaxError, type Alternative, type ClaimRegex, type ClaimRule } from './rules.js';

export const PLATFORMS = ['github', 'circleci', 'gitlab', 'buildkite', 'bitbucket'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: unknown): value is Platform {
  return (PLATFORMS as readonly unknown[]).includes(value);
}

export interface RoleEntry {
  readonly name: string;
  readonly roleArn: RoleArn;
  readonly rules: readonly ClaimRule[];
  readonly durationSeconds: number | undefined;
  /** Narrows the session handed over: this role's, or the last hop's when the entry has a chain. */
  readonly sessionPolicy: string | undefined;
  /** Roles this entry chains to after its role; undefined when it declares none. */
  readonly chain?: readonly ChainHop[] | undefined;
}

export interface RulesDocument {
  readonly platform: Platform | undefined;
  readonly rules: readonly ClaimRule[];
  readonly roles: readonly RoleEntry[];
}

export class RulesFileError extends Error {}

const GITHUB_CLAIMS = [
  'sub', 'aud', 'iss', 'jti', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'repository_visibility',
  'ref', 'ref_type', 'ref_protected', 'sha', 'environment', 'event_name', 'actor', 'actor_id', 'workflow', 'workflow_ref',
  'workflow_sha', 'job_workflow_ref', 'job_workflow_sha', 'run_id', 'run_number', 'run_attempt', 'runner_environment',
  'head_ref', 'base_ref', 'enterprise', 'enterprise_id',
];
const CIRCLECI_CUSTOM = ['project-id', 'context-ids', 'vcs-origin', 'vcs-ref', 'ssh-rerun'];
const CIRCLECI_PREFIX = 'oidc.circleci.com/';
/**
 * GitLab's ID tokens (id_tokens:), as GitLab's JWT code builds them: project_* name the MR's
 * source project (a fork's, for fork MR pipelines), job_project_* the project the job runs in.
 */
const GITLAB_CLAIMS = [
  'sub', 'aud', 'iss', 'jti', 'namespace_id', 'namespace_path', 'project_id', 'project_path', 'job_namespace_id', 'job_namespace_path',
  'job_project_id', 'job_project_path', 'user_id', 'user_login', 'user_email', 'user_access_level', 'user_identities', 'pipeline_id',
  'pipeline_source', 'job_id', 'ref', 'ref_type', 'ref_path', 'ref_protected', 'groups_direct', 'environment', 'environment_protected',
  'deployment_tier', 'environment_action', 'runner_id', 'runner_environment', 'sha', 'project_visibility', 'ci_config_ref_uri',
  'ci_config_sha', 'target_audience',
];
/** `buildkite-agent oidc request-token`: the standard claims, then those --claim adds. */
const BUILDKITE_CLAIMS = [
  'sub', 'aud', 'iss', 'jti', 'organization_slug', 'pipeline_slug', 'build_number', 'build_branch', 'build_tag', 'build_commit',
  'build_source', 'step_key', 'job_id', 'agent_id', 'runner_environment', 'organization_id', 'pipeline_id', 'build_id', 'cluster_id',
  'cluster_name', 'queue_id', 'queue_key',
];
/** Buildkite's agent tags, each its own claim when requested with --claim agent_tag:NAME. */
const BUILDKITE_AGENT_TAG = 'agent_tag:';
/** Bitbucket Pipelines' step tokens (BITBUCKET_STEP_OIDC_TOKEN), as its discovery document lists them. */
const BITBUCKET_CLAIMS = ['sub', 'aud', 'iss', 'workspaceUuid', 'repositoryUuid', 'pipelineUuid', 'stepUuid', 'deploymentEnvironmentUuid', 'branchName', 'compliant'];

const PLATFORM_CLAIMS: Readonly<Record<Exclude<Platform, 'circleci'>, { readonly title: string; readonly claims: readonly string[] }>> = {
  github: { title: "GitHub's", claims: GITHUB_CLAIMS },
  gitlab: { title: "GitLab's", claims: GITLAB_CLAIMS },
  buildkite: { title: "Buildkite's", claims: [...BUILDKITE_CLAIMS, `${BUILDKITE_AGENT_TAG}NAME`] },
  bitbucket: { title: "Bitbucket Pipelines'", claims: BITBUCKET_CLAIMS },
};

/**
 * Why a claim name is not one of the platform's, or undefined when it is (CircleCI's custom
 * claims with their prefix): for rules files, and for CLI rules checked against --platform.
 */
export function unknownClaimReason(claim: string, platform: Platform): string | undefined {
  if (platform === 'circleci') {
    const known = ['sub', 'aud', 'iss', 'jti', ...CIRCLECI_CUSTOM.map((name) => `${CIRCLECI_PREFIX}${name}`)];
    return known.includes(claim) ? undefined : `${claim} is not a claim of CircleCI's tokens (known: ${known.join(', ')}; a rules file may drop the ${CIRCLECI_PREFIX} prefix)`;
  }
  if (platform === 'buildkite' && claim.startsWith(BUILDKITE_AGENT_TAG) && claim.length > BUILDKITE_AGENT_TAG.length) return undefined;
  const { title, claims } = PLATFORM_CLAIMS[platform];
  return claims.includes(claim) ? undefined : `${claim} is not a claim of ${title} tokens (known: ${claims.join(', ')})`;
}

/** The claim a rules file names: CircleCI's custom claims may drop their prefix (and may keep it). */
function claimName(key: string, platform: Platform | undefined, path: string): string {
  if (platform === undefined) return key;
  const claim = platform === 'circleci' && CIRCLECI_CUSTOM.includes(key) ? `${CIRCLECI_PREFIX}${key}` : key;
  const reason = unknownClaimReason(claim, platform);
  if (reason !== undefined) throw new RulesFileError(`${path}: ${reason}`);
  return claim;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new RulesFileError(`${path}: unknown key ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
}

function alternative(value: unknown, path: string): Alternative {
  if (typeof value === 'string') {
    if (value === '') throw new RulesFileError(`${path}: an empty pattern matches nothing useful; use { equals: "" } for an empty claim`);
    try {
      return globAlternative(value, path);
    } catch (error) {
      throw new RulesFileError((error as RuleSyntaxError).message);
    }
  }
  if (typeof value === 'number' || typeof value === 'boolean') return { exact: String(value) };
  if (isObject(value)) {
    onlyKeys(value, ['equals', 'regex'], path);
    if (typeof value.equals === 'string' && value.regex === undefined) return { exact: value.equals };
    if (typeof value.regex === 'string' && value.equals === undefined) return { regex: anchoredRegex(value.regex, path) };
  }
  throw new RulesFileError(`${path}: expected a pattern string, a number, a boolean, { equals: "…" } or { regex: "…" }`);
}

/** A whole-value regex that runs in linear time, so no claim value can hold the step. */
function anchoredRegex(source: string, path: string): ClaimRegex {
  try {
    return compileLinearRegex(source);
  } catch (error) {
    const shown = JSON.stringify(source.length > 80 ? `${source.slice(0, 80)}…` : source);
    if (error instanceof RegexUnsupportedError) throw new RulesFileError(`${path}: the regular expression ${shown} is not supported: ${error.message}`);
    throw new RulesFileError(`${path}: invalid regular expression (${(error as Error).message})`);
  }
}

function claimRules(value: unknown, platform: Platform | undefined, path: string): ClaimRule[] {
  if (value === undefined) return [];
  if (!isObject(value)) throw new RulesFileError(`${path}: expected a map of claim names to rules`);
  return Object.entries(value).map(([key, rule]) => {
    const where = `${path}.${key}`;
    const options = Array.isArray(rule) ? rule : [rule];
    if (options.length === 0) throw new RulesFileError(`${where}: an empty list allows nothing`);
    const alternatives = options.map((option, index) => alternative(option, Array.isArray(rule) ? `${where}[${index}]` : where));
    return { source: `${key}=${JSON.stringify(rule)}`, claim: claimName(key, platform, where), alternatives };
  });
}

function roleEntry(value: unknown, index: number, platform: Platform | undefined, parsePolicy: (text: string, path: string) => string): RoleEntry {
  const path = `roles[${index}]`;
  if (!isObject(value)) throw new RulesFileError(`${path}: expected a map with name, role and claims`);
  onlyKeys(value, ['name', 'role', 'claims', 'duration-seconds', 'session-policy', 'chain'], path);
  const name = typeof value.name === 'string' && value.name !== '' ? value.name : `#${index + 1}`;
  const roleArn = typeof value.role === 'string' ? parseRoleArn(value.role) : undefined;
  if (!roleArn) throw new RulesFileError(`${path}.role: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy`);
  const duration = value['duration-seconds'];
  // `% 1` is not 0 for a fraction, NaN or Infinity.
  if (duration !== undefined && (typeof duration !== 'number' || duration % 1 !== 0 || duration < 900 || duration > 43200)) {
    throw new RulesFileError(`${path}.duration-seconds: expected a whole number of seconds from 900 to 43200`);
  }
  const policy = value['session-policy'];
  if (policy !== undefined && typeof policy !== 'string' && !isObject(policy)) {
    throw new RulesFileError(`${path}.session-policy: expected an IAM policy document (a map, or JSON text)`);
  }
  if (nestedDeeperThan(policy, MAX_POLICY_DEPTH)) {
    throw new RulesFileError(`${path}.session-policy: nests more than ${MAX_POLICY_DEPTH} levels deep; an IAM policy needs a few`);
  }
  return {
    name,
    roleArn,
    rules: claimRules(value.claims, platform, `${path}.claims`),
    durationSeconds: duration,
    sessionPolicy: policy === undefined ? undefined : parsePolicy(typeof policy === 'string' ? policy : JSON.stringify(policy), `${path}.session-policy`),
    chain: value.chain === undefined ? undefined : entryChain(value.chain, policy !== undefined, path, parsePolicy),
  };
}

function entryChain(value: unknown, entryPolicy: boolean, path: string, parsePolicy: (text: string, path: string) => string): ChainHop[] {
  let chain: ChainHop[];
  try {
    chain = readChainList(value, `${path}.chain`, parsePolicy);
  } catch (error) {
    if (error instanceof ChainSyntaxError) throw new RulesFileError(error.message);
    throw error;
  }
  // Stryker disable next-line OptionalChaining: equivalent: readChainList refuses an empty chain
  if (entryPolicy && chain.at(-1)?.sessionPolicy !== undefined) {
    throw new RulesFileError(`${path}: session-policy and ${path}.chain[${chain.length - 1}].session-policy both narrow the session handed over; keep one`);
  }
  return chain;
}

/**
 * The rules and role map of a parsed rules file. `parsePolicy` validates a session policy
 * (the same check as the inline-session-policy input) and returns its compact form.
 */
export function readRulesDocument(document: unknown, parsePolicy: (text: string, path: string) => string): RulesDocument {
  if (!isObject(document)) throw new RulesFileError('expected a map with version, and claims and/or roles');
  onlyKeys(document, ['version', 'platform', 'claims', 'roles'], 'top level');
  if (document.version !== 1) throw new RulesFileError('version: expected 1');
  const platform = document.platform;
  if (platform !== undefined && !isPlatform(platform)) throw new RulesFileError(`platform: expected ${PLATFORMS.join(', ')}`);
  const roles = document.roles;
  if (roles !== undefined && (!Array.isArray(roles) || roles.length === 0)) throw new RulesFileError('roles: expected a non-empty list');
  const entries = (roles ?? []).map((entry, index) => roleEntry(entry, index, platform, parsePolicy));
  const names = entries.map((entry) => entry.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new RulesFileError(`roles: the name ${duplicate} is used twice`);
  return { platform, rules: claimRules(document.claims, platform, 'claims'), roles: entries };
}

/** Claims that name something renamable, and the immutable claim that pins the same thing. */
const MUTABLE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['repository', 'repository_id'],
  ['repository_owner', 'repository_owner_id'],
  ['actor', 'actor_id'],
  [`${CIRCLECI_PREFIX}vcs-origin`, `${CIRCLECI_PREFIX}project-id`],
];

/** Warnings for rule sets that trust a name that can change hands where an id exists. */
export function mutableNameWarnings(rules: readonly ClaimRule[], where: string): string[] {
  const claims = new Set(rules.map((rule) => rule.claim));
  return MUTABLE_NAMES.filter(([name, id]) => claims.has(name) && !claims.has(id)).map(
    ([name, id]) => `${where} checks ${name} but not ${id}: a ${name} can be renamed or re-created by someone else; add a rule on ${id}, which never changes.`,
  );
}
