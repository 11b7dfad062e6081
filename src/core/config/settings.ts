// Every input, parsed strictly in one place into one typed Settings object. A bad value
// ends the run with an error that names the input, what it held and the accepted form.
// Defaults come from action.yml (via inputs.generated.ts) and from nowhere else.
import { isPolicyArn, isRegion, parseRoleArn, partitionOfRegion, type RoleArn } from '../aws/arn.js';
import { ChainSyntaxError, parseChainInput, type ChainHop } from '../aws/chain.js';
import { ClaimcheckError } from '../errors.js';
import { parseBoolean, parseInteger, parseList, parseServiceUrl } from './input-values.js';
import { INPUTS, type InputName } from './inputs.generated.js';
import { MAX_POLICY_DEPTH, nestedDeeperThan } from '../text/json-depth.js';
import { mutableNameWarnings, readRulesDocument, RulesFileError, type RoleEntry, type RulesDocument } from '../rules/rules-file.js';
import { parseClaimRules, RuleSyntaxError, type ClaimRule } from '../rules/rules.js';
import { isSessionName } from '../aws/session-name.js';

export interface Settings {
  /** The role to assume, unless a role map (roleMap) chooses it per token. */
  readonly roleArn: RoleArn | undefined;
  readonly roleMap: readonly RoleEntry[];
  /** Roles assumed after the first, each with the previous session's credentials (the role-chain input). */
  readonly roleChain: readonly ChainHop[];
  readonly region: string;
  readonly audience: string;
  /** Rules every token must meet: the claims input's, then the rules file's. */
  readonly rules: readonly ClaimRule[];
  /** Advice that does not stop the run (rules on renamable names). */
  readonly warnings: readonly string[];
  readonly issuer: string;
  /** Read the token from this file (an absolute path) instead of the platform's source. */
  readonly webIdentityTokenFile: string | undefined;
  /** Undefined: derive one from the token's claims. */
  readonly roleSessionName: string | undefined;
  readonly durationSeconds: number;
  readonly inlineSessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[];
  readonly allowedAccountIds: readonly string[];
  readonly maskAccountId: boolean;
  readonly outputCredentials: boolean;
  /** Write this named profile instead of exporting environment variables. */
  readonly awsProfile: string | undefined;
  /** Write a self-renewing (credential_process) profile instead of static credentials. */
  readonly refresh: boolean;
  /** How later steps get the credentials: variables, a profile (awsProfile, or claimcheck), or not at all. */
  readonly export: ExportMode;
  readonly stsEndpoint: string | undefined;
  readonly retryMaxAttempts: number;
  readonly clockToleranceSeconds: number;
}

/** Reads one input's raw text; undefined or empty means "not set". */
export type InputSource = (name: InputName) => string | undefined;

export interface SettingsContext {
  /** Reads and parses the rules file at a path (YAML or JSON); throws a ClaimcheckError when it cannot. */
  readonly readRulesFile?: (path: string) => unknown;
  /** A custom STS endpoint from the environment, and the variable it came from. */
  readonly endpointFromEnvironment?: { readonly variable: string; readonly value: string } | undefined;
}

const MAX_INLINE_POLICY = 2048;
const MAX_MANAGED_POLICIES = 10;

export function parseSettings(source: InputSource, context: SettingsContext = {}): Settings {
  const read = (name: InputName): string => {
    const raw = source(name)?.trim() ?? '';
    const value = raw === '' ? INPUTS[name].default : raw;
    if (value === '' && INPUTS[name].required) {
      throw new ClaimcheckError('INPUT_REQUIRED', `Input ${name} is required but was not set.`, `Add "${name}:" to the step's inputs: ${INPUTS[name].description}`);
    }
    return value;
  };
  const optional = (name: InputName): string | undefined => read(name) || undefined;

  const roleArn = mapOptional(optional('role-to-assume'), parseRole);
  const rulesFile = mapOptional(optional('rules-file'), (path) => loadRulesFile(path, context));
  const roleMap = rulesFile?.roles ?? [];
  const fileRules = rulesFile?.rules ?? [];
  checkRoleSource(roleArn, roleMap);
  const roleChain = parseRoleChain(read('role-chain'), roleMap, read('managed-session-policies') !== '');
  const region = parseRegion(read('aws-region'), [...(roleArn ? [roleArn] : roleMap.map((entry) => entry.roleArn)), ...chainRoles(roleChain, roleMap)]);
  const claimsRules = parseRules(read('claims'));
  const awsProfile = mapOptional(optional('aws-profile'), parseProfileName);
  const refresh = boolean('refresh', read('refresh'));
  const exportMode = parseExport(read('export'), refresh, awsProfile);
  return {
    roleArn,
    roleMap,
    roleChain,
    region,
    audience: parseAudience(read('audience')),
    rules: [...claimsRules, ...fileRules],
    warnings: [
      ...mutableNameWarnings(claimsRules, 'The claims input'),
      ...mutableNameWarnings(fileRules, 'The rules file'),
      ...roleMap.flatMap((entry) => mutableNameWarnings([...fileRules, ...entry.rules], `Role map entry ${entry.name}`)),
    ],
    issuer: parseUrlInput('issuer', read('issuer')),
    webIdentityTokenFile: parseTokenFile(optional('web-identity-token-file'), source),
    roleSessionName: mapOptional(optional('role-session-name'), parseSessionName),
    durationSeconds: integer('role-duration-seconds', read('role-duration-seconds'), 900, 43200, 'a whole number of seconds from 900 to 43200'),
    inlineSessionPolicy: mapOptional(optional('inline-session-policy'), parseInlinePolicy),
    managedSessionPolicies: parseManagedPolicies(read('managed-session-policies')),
    allowedAccountIds: parseAccountIds(read('allowed-account-ids')),
    maskAccountId: boolean('mask-aws-account-id', read('mask-aws-account-id')),
    // export: none hands the credentials over as outputs only.
    outputCredentials: boolean('output-credentials', read('output-credentials')) || exportMode === 'none',
    awsProfile,
    refresh,
    export: exportMode,
    stsEndpoint: parseStsEndpoint(optional('sts-endpoint'), context),
    retryMaxAttempts: integer('retry-max-attempts', read('retry-max-attempts'), 1, 10, 'a whole number from 1 to 10'),
    clockToleranceSeconds: integer('clock-tolerance', read('clock-tolerance'), 0, 300, 'a whole number of seconds from 0 to 300'),
  };
}

function mapOptional<T>(value: string | undefined, parse: (text: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function invalid(name: string, value: string, expected: string): ClaimcheckError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new ClaimcheckError('INPUT_INVALID', `Input ${name} is ${JSON.stringify(shown)}, which is not ${expected}.`, `Set ${name} to ${expected}.`);
}

/** The rules file at `path`, read through the context and checked strictly. */
export function loadRulesFile(path: string, context: SettingsContext): RulesDocument {
  if (!context.readRulesFile) throw new ClaimcheckError('INPUT_INVALID', 'Input rules-file is set, but rules files cannot be read here.', 'Remove rules-file.');
  const document = context.readRulesFile(path);
  try {
    return readRulesDocument(document, (text, where) => policyDocument(text, `${path}: ${where}`));
  } catch (error) {
    if (!(error instanceof RulesFileError)) throw error;
    throw new ClaimcheckError('INPUT_INVALID', `Rules file ${path}: ${error.message}.`, 'See schema/rules.schema.json for the format of rules files.');
  }
}

function checkRoleSource(roleArn: RoleArn | undefined, roleMap: readonly RoleEntry[]): void {
  if (!roleArn && roleMap.length === 0) {
    throw new ClaimcheckError('INPUT_REQUIRED', 'Input role-to-assume is required but was not set (and rules-file holds no role map).', 'Set role-to-assume to the ARN of the role to assume, or give rules-file a roles list.');
  }
  if (roleArn && roleMap.length > 0) {
    throw new ClaimcheckError('INPUT_INVALID', 'Both role-to-assume and a role map in rules-file name the role to assume.', 'Keep one: role-to-assume for a single role, or the role map to choose a role by claims.');
  }
}

/** The role-chain input's hops, which only a role map without chains of its own may add to. */
function parseRoleChain(text: string, roleMap: readonly RoleEntry[], managedPoliciesInput: boolean): ChainHop[] {
  let hops: ChainHop[];
  try {
    hops = parseChainInput(text);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: equivalent: parseChainInput throws nothing else
    if (!(error instanceof ChainSyntaxError)) throw error;
    throw new ClaimcheckError('INPUT_INVALID', `Input role-chain: ${error.message}.`, CHAIN_SYNTAX_HINT);
  }
  const chained = roleMap.find((entry) => entry.chain !== undefined);
  if (hops.length > 0 && chained) {
    throw new ClaimcheckError('INPUT_INVALID', `Both the role-chain input and role map entry ${chained.name} in rules-file declare a role chain.`, 'Declare the chain in one place: the role-chain input for every role, or chain: in the role map entries.');
  }
  if (managedPoliciesInput && hops.at(-1)?.managedSessionPolicies !== undefined) {
    throw new ClaimcheckError('INPUT_INVALID', `Input role-chain: hop ${hops.length} sets managed-session-policies, and so does the managed-session-policies input; both would narrow the session handed over.`, 'Keep one of them.');
  }
  return hops;
}

const CHAIN_SYNTAX_HINT =
  'Write one hop per line: the role ARN, then options as name=value separated by spaces, e.g. arn:aws:iam::123456789012:role/deploy external-id=acme tags=Repository={claims.repository} transitive-tag-keys=Repository source-identity=none.';

/** Every role a chain may assume: the input's, and those of the role map's entries. */
export function chainRoles(roleChain: readonly ChainHop[], roleMap: readonly RoleEntry[]): RoleArn[] {
  return [...roleChain, ...roleMap.flatMap((entry) => entry.chain ?? [])].map((hop) => hop.roleArn);
}

function parseRole(text: string): RoleArn {
  const arn = parseRoleArn(text);
  if (!arn) throw invalid('role-to-assume', text, 'an IAM role ARN such as arn:aws:iam::123456789012:role/deploy');
  return arn;
}

function parseRegion(text: string, roles: readonly RoleArn[]): string {
  if (!isRegion(text)) throw invalid('aws-region', text, 'an AWS region name such as us-east-1');
  const partition = partitionOfRegion(text);
  const other = roles.find((role) => role.partition !== partition);
  if (other) {
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `Input aws-region is ${text} (partition ${partition}) but the role ${other.arn} is in partition ${other.partition}.`,
      `Use a region of the role's partition, or the role ARN of that partition (arn:${partition}:iam::…).`,
    );
  }
  return text;
}

function parseAudience(text: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(text)) throw invalid('audience', text, 'one audience of up to 255 printable characters without spaces, such as sts.amazonaws.com');
  return text;
}

function parseRules(text: string): ClaimRule[] {
  try {
    return parseClaimRules(text);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: equivalent: parseClaimRules throws nothing else
    if (!(error instanceof RuleSyntaxError)) throw error;
    throw new ClaimcheckError('INPUT_INVALID', `Input claims: ${error.message}.`, 'Write one rule per line as claim=value, e.g. repository=acme/api or ref=refs/heads/main|refs/tags/v*.');
  }
}

function parseUrlInput(name: string, text: string): string {
  const url = parseServiceUrl(text);
  if (!url) throw invalid(name, text, 'an https:// URL (http:// only for 127.0.0.1, localhost or [::1]) without query or credentials');
  return url;
}

/** A token file's path: absolute (renewals run elsewhere), and only with an issuer given for its tokens. */
function parseTokenFile(path: string | undefined, source: InputSource): string | undefined {
  if (path === undefined) return undefined;
  if (!/^(\/|[A-Za-z]:[\\/])/.test(path) || path.length > 4096 || /\p{Cc}/u.test(path)) {
    throw invalid('web-identity-token-file', path, 'an absolute path such as /var/run/secrets/eks.amazonaws.com/serviceaccount/token');
  }
  if (!source('issuer')?.trim()) {
    throw new ClaimcheckError(
      'INPUT_REQUIRED',
      'Input issuer is required with web-identity-token-file: the token in that file comes from your cluster\'s OIDC issuer, not from the CI platform.',
      "Set issuer to the cluster's OIDC issuer URL, exactly the token's iss (EKS: aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer).",
    );
  }
  return path;
}

function parseSessionName(text: string): string {
  if (!isSessionName(text)) throw invalid('role-session-name', text, '2 to 64 characters of letters, digits and + = , . @ _ -');
  return text;
}

/** A profile name: also one path segment, as claimcheck's renewal folders use it. */
export const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function parseProfileName(text: string): string {
  if (!PROFILE_NAME.test(text)) throw invalid('aws-profile', text, 'a profile name of 1 to 64 letters, digits, dots, underscores and hyphens');
  return text;
}

export const EXPORT_MODES = ['env', 'profile', 'none'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

/** Empty means what aws-profile and refresh meant before the export input: a profile, else variables. */
function parseExport(text: string, refresh: boolean, awsProfile: string | undefined): ExportMode {
  if (text === '') return refresh || awsProfile !== undefined ? 'profile' : 'env';
  if (!(EXPORT_MODES as readonly string[]).includes(text)) throw invalid('export', text, 'env, profile or none');
  const mode = text as ExportMode;
  if (mode === 'profile' || (!refresh && awsProfile === undefined)) return mode;
  const other = refresh ? 'refresh' : 'aws-profile';
  throw new ClaimcheckError(
    'INPUT_INVALID',
    `Input export is ${mode}, but ${refresh ? 'refresh is true' : 'aws-profile is set'}, which hands the credentials over as a profile.`,
    `Set export to profile (or leave it empty), or remove ${other}.`,
  );
}

function integer(name: string, text: string, min: number, max: number, expected: string): number {
  const value = parseInteger(text, min, max);
  if (value === undefined) throw invalid(name, text, expected);
  return value;
}

function boolean(name: string, text: string): boolean {
  const value = parseBoolean(text);
  if (value === undefined) throw invalid(name, text, 'true or false');
  return value;
}

function parseInlinePolicy(text: string): string {
  return policyDocument(text, 'Input inline-session-policy');
}

/** A session policy: JSON of an object, sent compact, within STS's 2048 characters. */
function policyDocument(text: string, what: string): string {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // Not JSON: refused below, as document is still undefined.
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ClaimcheckError('INPUT_INVALID', `${what} is not an IAM policy document in JSON (an object).`, 'Write the policy as JSON: {"Version": "2012-10-17", "Statement": [...]}.');
  }
  if (nestedDeeperThan(document, MAX_POLICY_DEPTH)) {
    throw new ClaimcheckError('INPUT_INVALID', `${what} nests objects or arrays more than ${MAX_POLICY_DEPTH} levels deep; IAM policies need a few.`, 'Write the policy as {"Version": "2012-10-17", "Statement": [...]}; a statement nests only a few levels (Condition, then operator, then key).');
  }
  // STS counts the characters it is sent, so send the compact form.
  const compact = JSON.stringify(document);
  if (compact.length > MAX_INLINE_POLICY) {
    throw new ClaimcheckError('INPUT_INVALID', `${what} is ${compact.length} characters even without whitespace; STS accepts at most ${MAX_INLINE_POLICY}.`, 'Shorten the policy, or move part of it into a managed policy listed in managed-session-policies.');
  }
  return compact;
}

function parseManagedPolicies(text: string): string[] {
  const arns = parseList(text);
  const bad = arns.find((arn) => !isPolicyArn(arn));
  if (bad !== undefined) throw invalid('managed-session-policies', bad, 'an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess');
  if (arns.length > MAX_MANAGED_POLICIES) {
    throw new ClaimcheckError('INPUT_INVALID', `Input managed-session-policies lists ${arns.length} policies; STS accepts at most ${MAX_MANAGED_POLICIES}.`, 'Combine policies, or narrow the session with inline-session-policy instead.');
  }
  return arns;
}

function parseAccountIds(text: string): string[] {
  const ids = parseList(text);
  const bad = ids.find((id) => !/^\d{12}$/.test(id));
  if (bad !== undefined) throw invalid('allowed-account-ids', bad, 'a comma-separated list of 12-digit AWS account IDs');
  return ids;
}

function parseStsEndpoint(input: string | undefined, context: SettingsContext): string | undefined {
  if (input !== undefined) return parseUrlInput('sts-endpoint', input);
  const fromEnvironment = context.endpointFromEnvironment;
  if (!fromEnvironment) return undefined;
  const url = parseServiceUrl(fromEnvironment.value);
  if (!url) {
    throw new ClaimcheckError('INPUT_INVALID', `Environment variable ${fromEnvironment.variable} is ${JSON.stringify(fromEnvironment.value)}, which is not an https:// URL (http:// only for loopback).`, `Fix or unset ${fromEnvironment.variable}, or set the sts-endpoint input.`);
  }
  return url;
}

/** Fails unless `accountId` is allowed; an empty list allows every account. */
export function assertAccountAllowed(allowedAccountIds: readonly string[], accountId: string, what: string): void {
  if (allowedAccountIds.length === 0 || allowedAccountIds.includes(accountId)) return;
  throw new ClaimcheckError(
    'ACCOUNT_NOT_ALLOWED',
    `${what} is in account ${accountId}, which allowed-account-ids (${allowedAccountIds.join(', ')}) does not list.`,
    'Assume a role in one of the allowed accounts, or add this account to allowed-account-ids if it is trusted.',
  );
}
