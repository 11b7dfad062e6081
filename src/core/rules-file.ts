// Rules files: claim rules and a claim → role map as data (YAML or JSON, already parsed),
// read strictly: unknown keys, wrong types and unknown claims of the named platform are
// errors that give the path at fault. schema/rules.schema.json publishes the same shape.
import { parseRoleArn, type RoleArn } from './arn.js';
import { ChainSyntaxError, readChainList, type ChainHop } from './chain.js';
import { MAX_POLICY_DEPTH, nestedDeeperThan } from './json-depth.js';
import { compileLinearRegex, RegexUnsupportedError } from './linear-regex.js';
import { globAlternative, RuleSyntaxError, type Alternative, type ClaimRegex, type ClaimRule } from './rules.js';

export type Platform = 'github' | 'circleci';

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

/** The claim a rules file names: CircleCI's custom claims may drop their prefix. */
function claimName(key: string, platform: Platform | undefined, path: string): string {
  if (platform === 'github' && !GITHUB_CLAIMS.includes(key)) {
    throw new RulesFileError(`${path}: ${key} is not a claim of GitHub's tokens (known: ${GITHUB_CLAIMS.join(', ')})`);
  }
  if (platform === 'circleci') {
    const short = key.startsWith(CIRCLECI_PREFIX) ? key.slice(CIRCLECI_PREFIX.length) : key;
    if (CIRCLECI_CUSTOM.includes(short)) return `${CIRCLECI_PREFIX}${short}`;
    if (!['sub', 'aud', 'iss', 'jti'].includes(key)) {
      throw new RulesFileError(`${path}: ${key} is not a claim of CircleCI's tokens (known: sub, aud, iss, ${CIRCLECI_CUSTOM.join(', ')})`);
    }
  }
  return key;
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
  if (duration !== undefined && (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 900 || duration > 43200)) {
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
  if (platform !== undefined && platform !== 'github' && platform !== 'circleci') throw new RulesFileError('platform: expected github or circleci');
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
