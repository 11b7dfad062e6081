// The AWS part of the inputs: the role (or the role map's roles), the region, the session and
// how it is handed over, parsed strictly into AwsSettings. A step targets AWS when it names a
// role (role-to-assume, or a role map in the rules file); the other AWS inputs then apply.
import { isPolicyArn, isRegion, parseRoleArn, partitionOfRegion, type RoleArn } from './arn.js';
import { ChainSyntaxError, parseChainInput, type ChainHop } from './chain.js';
import { ClaimcheckError } from '../errors.js';
import { boolean, integer, invalid, mapOptional, parseUrlInput, type InputReader } from '../config/input-reader.js';
import { parseList, parseServiceUrl } from '../config/input-values.js';
import { MAX_POLICY_DEPTH, nestedDeeperThan } from '../text/json-depth.js';
import type { RoleEntry } from '../rules/rules-file.js';
import { isSessionName } from './session-name.js';

/** The audience AWS's IAM OIDC providers are usually given, and the token's when the audience input is empty. */
export const AWS_AUDIENCE = 'sts.amazonaws.com';

export interface AwsSettings {
  /** The role to assume, unless a role map (roleMap) chooses it per token. */
  readonly roleArn: RoleArn | undefined;
  readonly roleMap: readonly RoleEntry[];
  /** Roles assumed after the first, each with the previous session's credentials (the role-chain input). */
  readonly roleChain: readonly ChainHop[];
  /** The token's audience: the audience input, else sts.amazonaws.com. */
  readonly audience: string;
  readonly region: string;
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
  /** Take over a profile claimcheck did not write (its sections are saved and put back by cleanup). */
  readonly replaceProfile: boolean;
  /** How later steps get the credentials: variables, a profile (awsProfile, or claimcheck), or not at all. */
  readonly export: ExportMode;
  readonly stsEndpoint: string | undefined;
}

export interface AwsInputContext {
  /** The rules file's role map, if it has one. */
  readonly roleMap: readonly RoleEntry[];
  /** The audience input, if given. */
  readonly audience: string | undefined;
  /** A custom STS endpoint from the environment, and the variable it came from. */
  readonly endpointFromEnvironment?: { readonly variable: string; readonly value: string } | undefined;
}

const MAX_INLINE_POLICY = 2048;
const MAX_MANAGED_POLICIES = 10;

/** The AWS settings, or undefined when the step names no role (it targets other clouds only). */
export function parseAwsSettings(inputs: InputReader, context: AwsInputContext): AwsSettings | undefined {
  const { read, optional } = inputs;
  const roleArn = mapOptional(optional('role-to-assume'), parseRole);
  const { roleMap } = context;
  if (roleArn && roleMap.length > 0) {
    throw new ClaimcheckError('INPUT_INVALID', 'Both role-to-assume and a role map in rules-file name the role to assume.', 'Keep one: role-to-assume for a single role, or the role map to choose a role by claims.');
  }
  if (!roleArn && roleMap.length === 0) return undefined;
  const roleChain = parseRoleChain(read('role-chain'), roleMap, read('managed-session-policies') !== '');
  const region = parseRegion(inputs.required('aws-region'), [...(roleArn ? [roleArn] : roleMap.map((entry) => entry.roleArn)), ...chainRoles(roleChain, roleMap)]);
  const awsProfile = mapOptional(optional('aws-profile'), parseProfileName);
  const refresh = boolean('refresh', read('refresh'));
  const exportMode = parseExport(read('export'), refresh, awsProfile);
  return {
    roleArn,
    roleMap,
    roleChain,
    audience: context.audience ?? AWS_AUDIENCE,
    region,
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
    replaceProfile: boolean('replace-profile', read('replace-profile')),
    export: exportMode,
    stsEndpoint: parseStsEndpoint(optional('sts-endpoint'), context),
  };
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

function parseInlinePolicy(text: string): string {
  return policyDocument(text, 'Input inline-session-policy');
}

/** A session policy: JSON of an object, sent compact, within STS's 2048 characters. */
export function policyDocument(text: string, what: string): string {
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

function parseStsEndpoint(input: string | undefined, context: AwsInputContext): string | undefined {
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
