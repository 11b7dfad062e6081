// A rules file as a Workload Identity Federation provider: the attribute condition Google
// checks on every token (the rules, immutable ids first; with a role map, the token must also
// match an entry), the attribute mapping (google.subject, each ruled claim, and with a role
// map the entry a token gets, first match wins as in claimcheck), and the IAM members that
// may impersonate each service account. Google's limits are checked here, with the reason.
import type { ClaimRule } from '../../rules/rules.js';
import type { Platform, RoleEntry } from '../../rules/rules-file.js';
import { principalSetOf, poolName, type ProviderName } from '../../gcp/provider.js';
import { celClaim, CelCompileError, celString, guardedRuleCel, ruleCel } from './cel.js';

export const MAX_CONDITION_CHARS = 4096;
export const MAX_CUSTOM_ATTRIBUTES = 50;
export const MAX_SUBJECT_BYTES = 127;
export const ROLE_ATTRIBUTE = 'claimcheck_role';

export interface GcpCompileInput {
  readonly platform: Platform | undefined;
  readonly rules: readonly ClaimRule[];
  readonly roles: readonly RoleEntry[];
  readonly issuer: string;
  /** The audiences the provider allows; empty: Google's default (https://iam.googleapis.com/<provider>). */
  readonly audiences: readonly string[];
  readonly provider: ProviderName | undefined;
  /** The google.subject mapping; undefined: the platform's. */
  readonly subject: string | undefined;
  /** Accept a condition that names no repository or project of the issuer. */
  readonly allowUnpinned: boolean;
}

export interface GcpMember {
  /** The role map entry, or undefined without a role map. */
  readonly entry: string | undefined;
  readonly member: string;
}

export interface GcpProviderConfig {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly attributeMapping: Readonly<Record<string, string>>;
  readonly attributeCondition: string;
  readonly members: readonly GcpMember[];
  readonly notes: readonly string[];
}

/** A compiled provider Google would refuse, or one that pins nothing: the message says which limit or why. */
export class GcpProviderError extends Error {
  readonly code: 'GCP_PROVIDER_LIMIT' | 'GCP_CONDITION_UNPINNED';

  constructor(code: GcpProviderError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Claims that never change for the same repository, project or pipeline: checked first. */
const IMMUTABLE = ['repository_id', 'repository_owner_id', 'enterprise_id', 'oidc.circleci.com/project-id', 'project_id', 'namespace_id', 'organization_id', 'pipeline_id', 'repositoryUuid', 'workspaceUuid', 'actor_id'];
/** Claims that name a repository, project or pipeline of the issuer (or its owner): a condition needs one. */
const PINNING = [
  ...IMMUTABLE.filter((claim) => claim !== 'actor_id'),
  'repository', 'repository_owner', 'job_workflow_ref', 'workflow_ref', 'sub',
  'project_path', 'namespace_path', 'ci_config_ref_uri', 'organization_slug', 'pipeline_slug',
];

const PLATFORM_SUBJECT: Partial<Record<Platform, string>> = {
  // v2 subjects of CircleCI (org, project, user, origin and ref) are always over 127 bytes.
  circleci: `"circleci:" + ${celClaim('oidc.circleci.com/project-id')}`,
};

export function compileProvider(input: GcpCompileInput): GcpProviderConfig {
  const rules = immutableFirst(input.rules);
  assertPinned(input);
  const entries = input.roles.map((entry) => ({ name: entryValue(entry.name), rules: immutableFirst(entry.rules) }));
  const parts = rules.map(ruleCel);
  if (entries.length > 0 && entries.every((entry) => entry.rules.length > 0)) parts.push(`(${entries.map((entry) => entryCel(entry.rules, ruleCel)).join(' || ')})`);
  const attributeCondition = parts.join(' && ');
  if (attributeCondition.length > MAX_CONDITION_CHARS) {
    throw new GcpProviderError('GCP_PROVIDER_LIMIT', `the attribute condition is ${attributeCondition.length} characters, and Google accepts at most ${MAX_CONDITION_CHARS}: fewer or shorter rules (exact values and lists compile shortest, regular expressions longest)`);
  }
  // Claims every admitted token has; a role map's own claims may be absent, and an absent claim fails a mapping.
  const attributeMapping = mapping(input, rules, entries);
  const provider = input.provider;
  const members = provider === undefined ? [] : membersOf(provider, rules, entries);
  return { issuer: input.issuer, audiences: input.audiences, attributeMapping, attributeCondition, members, notes: notesOf(input, entries) };
}

function immutableFirst(rules: readonly ClaimRule[]): ClaimRule[] {
  const rank = (rule: ClaimRule) => (IMMUTABLE.includes(rule.claim) ? 0 : 1);
  return [...rules].sort((a, b) => rank(a) - rank(b));
}

function entryCel(rules: readonly ClaimRule[], compile: (rule: ClaimRule) => string): string {
  if (rules.length === 0) return 'true';
  const parts = rules.map(compile);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' && ')})`;
}

/** Whether a rule names one repository or project (or its owner): every alternative starts with literal text. */
function pins(rule: ClaimRule): boolean {
  if (!PINNING.includes(rule.claim)) return false;
  return rule.alternatives.every((alternative) => {
    if ('exact' in alternative) return alternative.exact !== '';
    if ('glob' in alternative) return alternative.glob.length > 0 && 'literal' in (alternative.glob[0] as object);
    return /^\^?[\w@/-]/.test(alternative.regex.source);
  });
}

function assertPinned(input: GcpCompileInput): void {
  if (input.allowUnpinned || input.rules.some(pins)) return;
  const unpinned = input.roles.filter((entry) => !entry.rules.some(pins));
  if (input.roles.length > 0 && unpinned.length === 0) return;
  const where = input.roles.length === 0 ? 'the rules' : `role map entry ${unpinned.map((entry) => entry.name).join(', ')}`;
  throw new GcpProviderError(
    'GCP_CONDITION_UNPINNED',
    `${where} name no repository, project or pipeline of the issuer (a rule on repository_id, repository, oidc.circleci.com/project-id, project_id, pipeline_slug or sub with a literal start), so the provider would admit every job the issuer signs for`,
  );
}

/** A role map entry's name as an attribute value in principalSet identifiers. */
function entryValue(name: string): string {
  return name.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 100);
}

/** An attribute key from a claim: lowercase letters, digits and _ (CircleCI's prefix dropped). */
export function attributeKey(claim: string): string {
  return claim.replace(/^oidc\.circleci\.com\//, '').toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 100);
}

function mapping(input: GcpCompileInput, rules: readonly ClaimRule[], entries: ReadonlyArray<{ name: string; rules: readonly ClaimRule[] }>): Record<string, string> {
  const result: Record<string, string> = { 'google.subject': input.subject ?? (input.platform && PLATFORM_SUBJECT[input.platform]) ?? 'assertion.sub' };
  for (const claim of new Set(rules.map((rule) => rule.claim))) {
    if (claim === 'sub') continue;
    let key = attributeKey(claim);
    while (`attribute.${key}` in result) key = `${key}_`;
    result[`attribute.${key}`] = celClaim(claim);
  }
  if (entries.length > 0) {
    const chain = entries.map((entry) => `${entryCel(entry.rules, guardedRuleCel)} ? ${celString(entry.name)} : `).join('');
    result[`attribute.${ROLE_ATTRIBUTE}`] = `${chain}""`;
  }
  const custom = Object.keys(result).filter((key) => key.startsWith('attribute.'));
  if (custom.length > MAX_CUSTOM_ATTRIBUTES) {
    throw new GcpProviderError('GCP_PROVIDER_LIMIT', `the attribute mapping would have ${custom.length} custom attributes, and Google accepts at most ${MAX_CUSTOM_ATTRIBUTES}: rule on fewer claims`);
  }
  return result;
}

/** Who may impersonate: each role map entry's principalSet, else the pool's identities of the pinned repository or project. */
function membersOf(provider: ProviderName, rules: readonly ClaimRule[], entries: ReadonlyArray<{ name: string }>): GcpMember[] {
  if (entries.length > 0) return entries.map((entry) => ({ entry: entry.name, member: principalSetOf(provider, ROLE_ATTRIBUTE, entry.name) }));
  const pinned = rules.find((rule) => rule.claim !== 'sub' && IMMUTABLE.includes(rule.claim) && rule.alternatives.length === 1 && 'exact' in (rule.alternatives[0] as object))
    ?? rules.find((rule) => rule.claim !== 'sub' && PINNING.includes(rule.claim) && rule.alternatives.length === 1 && exactOf(rule) !== undefined);
  const value = pinned && exactOf(pinned);
  if (pinned === undefined || value === undefined) return [{ entry: undefined, member: `principalSet://iam.googleapis.com/${poolName(provider)}/*` }];
  // A value may hold / (attribute.repository/acme/api is Google's own example); not blanks or controls.
  if (/[\s\p{Cc}]/u.test(value)) throw new CelCompileError(`the value ${JSON.stringify(value)} of ${pinned.claim} cannot stand in a principalSet identifier`);
  return [{ entry: undefined, member: principalSetOf(provider, attributeKey(pinned.claim), value) }];
}

function exactOf(rule: ClaimRule): string | undefined {
  const alternative = rule.alternatives[0];
  if (alternative === undefined) return undefined;
  if ('exact' in alternative) return alternative.exact;
  return 'glob' in alternative && alternative.glob.every((token) => 'literal' in token) ? alternative.glob.map((token) => (token as { literal: string }).literal).join('') : undefined;
}

function notesOf(input: GcpCompileInput, entries: ReadonlyArray<{ name: string }>): string[] {
  const notes: string[] = [];
  const subject = input.subject ?? (input.platform && PLATFORM_SUBJECT[input.platform]);
  if (subject === undefined) notes.push(`google.subject is the token's sub, which Google refuses past ${MAX_SUBJECT_BYTES} bytes (long repository, environment or branch names): map a shorter value with --subject if your tokens' sub can be that long.`);
  if (entries.length > 0) notes.push(`attribute.${ROLE_ATTRIBUTE} is the first role map entry whose rules the token meets, as claimcheck chooses; grant each entry's service account to its principalSet.`);
  return notes;
}
