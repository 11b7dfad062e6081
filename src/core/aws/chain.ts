// Role chains: the roles assumed after the web-identity role, each hop with what its
// AssumeRole call carries (external ID, session tags, transitive tag keys, session policies),
// and the chain's source identity. Read strictly, from the role-chain input's lines or a rules
// file's chain list; the claim templates in tag values and the source identity are filled in
// from each verified token.
import { isPolicyArn, parseRoleArn, type RoleArn } from './arn.js';
import { parseList } from '../config/input-values.js';
import { MAX_POLICY_DEPTH, nestedDeeperThan } from '../text/json-depth.js';

/** Literal text and `{claims.<name>}` references, in order. */
export type Template = ReadonlyArray<{ readonly text: string } | { readonly claim: string }>;

export interface SessionTag {
  readonly key: string;
  readonly value: Template;
}

/** Declared on the first hop: a template, or `none` for no source identity. */
export type SourceIdentitySetting = { readonly kind: 'none' } | { readonly kind: 'template'; readonly template: Template };

export interface ChainHop {
  readonly roleArn: RoleArn;
  readonly externalId: string | undefined;
  readonly tags: readonly SessionTag[];
  readonly transitiveTagKeys: readonly string[];
  /** Undefined: not declared (the first hop then sets the default). */
  readonly sourceIdentity: SourceIdentitySetting | undefined;
  /** This hop's own session policies; undefined when it declares none. */
  readonly sessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[] | undefined;
}

/** A problem in a chain declaration; the message names the hop and the option, callers add where it was read. */
export class ChainSyntaxError extends Error {}

// STS's limits (AssumeRole API reference; IAM and STS quotas).
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
const MAX_MANAGED_POLICIES = 10;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
/** Literal text in a tag value: STS's characters, less the line and paragraph separators no log should get. */
export const TAG_VALUE_CHAR = /[\p{L}\p{Zs}\p{N}_.:/=+\-@]/u;
const SOURCE_IDENTITY_CHAR = /[\w+=,.@-]/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** A claim name as rules files accept it. */
const CLAIM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;

export const HOP_OPTIONS = ['external-id', 'tags', 'transitive-tag-keys', 'source-identity', 'managed-session-policies'] as const;
const FILE_KEYS = ['role', ...HOP_OPTIONS, 'session-policy'];

export const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** `{claims.<name>}` references within literal text whose every character passes `literal`. */
export function parseTemplate(text: string, literal: RegExp, where: string): Template {
  const parts: Array<{ text: string } | { claim: string }> = [];
  let rest = text;
  // Ends at the first part without a {, the empty rest included.
  for (;;) {
    const open = rest.indexOf('{');
    const head = open < 0 ? rest : rest.slice(0, open);
    const bad = [...head].find((char) => !literal.test(char));
    if (bad !== undefined) {
      throw new ChainSyntaxError(`${where}: ${shown(text)} holds ${JSON.stringify(bad)}, which STS does not accept here${bad === '}' ? ' (a } without its {)' : ''}`);
    }
    if (head !== '') parts.push({ text: head });
    if (open < 0) break;
    const close = rest.indexOf('}', open);
    const reference = close === -1 ? undefined : rest.slice(open + 1, close);
    const claim = reference?.startsWith('claims.') ? reference.slice('claims.'.length) : undefined;
    if (claim === undefined || !CLAIM_NAME.test(claim)) {
      throw new ChainSyntaxError(`${where}: ${shown(text)} has ${close === -1 ? 'a { without its }' : `{${reference}}`}; a template names a claim as {claims.<name>}, e.g. {claims.repository}`);
    }
    parts.push({ claim });
    rest = rest.slice(close + 1);
  }
  return parts;
}

function tag(key: string, value: string, where: string): SessionTag {
  if (!TAG_KEY.test(key) || key.length > MAX_TAG_KEY) {
    throw new ChainSyntaxError(`${where}: the tag key ${shown(key)} is not 1 to ${MAX_TAG_KEY} letters, digits, spaces or _ . : / = + - @`);
  }
  if (/^aws:/i.test(key)) throw new ChainSyntaxError(`${where}: the tag key ${shown(key)} starts with aws:, which AWS reserves`);
  return { key, value: parseTemplate(value, TAG_VALUE_CHAR, `${where}.${key}`) };
}

function sourceIdentity(text: string, where: string): SourceIdentitySetting {
  if (text === 'none') return { kind: 'none' };
  if (text === '') throw new ChainSyntaxError(`${where}: expected a template such as {claims.repository_id}@{claims.run_id}, or none`);
  return { kind: 'template', template: parseTemplate(text, SOURCE_IDENTITY_CHAR, where) };
}

function externalId(text: string, where: string): string {
  if (!EXTERNAL_ID.test(text)) throw new ChainSyntaxError(`${where}: ${shown(text)} is not 2 to 1224 letters, digits or _ + = , . @ : / -`);
  return text;
}

function managedPolicies(arns: readonly string[], where: string): string[] {
  const bad = arns.find((arn) => !isPolicyArn(arn));
  if (bad !== undefined) throw new ChainSyntaxError(`${where}: ${shown(bad)} is not an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess`);
  // Stryker disable next-line ConditionalExpression: equivalent: both callers give at least one ARN
  if (arns.length === 0 || arns.length > MAX_MANAGED_POLICIES) throw new ChainSyntaxError(`${where}: lists ${arns.length} policies; STS accepts 1 to ${MAX_MANAGED_POLICIES}`);
  return [...arns];
}

function roleArn(text: string, where: string): RoleArn {
  const arn = parseRoleArn(text);
  if (!arn) throw new ChainSyntaxError(`${where}: ${shown(text)} is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy`);
  return arn;
}

/** What one hop declares, before the checks that span the hop and the chain. */
interface HopFields {
  roleArn: RoleArn;
  externalId?: string;
  tags?: SessionTag[];
  transitiveTagKeys?: string[];
  sourceIdentity?: SourceIdentitySetting;
  sessionPolicy?: string;
  managedSessionPolicies?: string[];
}

function hopOf(fields: HopFields, where: string): ChainHop {
  const tags = fields.tags ?? [];
  const keys = tags.map((entry) => entry.key.toLowerCase());
  const twice = keys.find((key, index) => keys.indexOf(key) !== index);
  if (twice !== undefined) throw new ChainSyntaxError(`${where}: the tag key ${shown(twice)} appears twice (STS compares keys without case)`);
  if (tags.length > MAX_TAGS) throw new ChainSyntaxError(`${where}: ${tags.length} tags; STS accepts at most ${MAX_TAGS}`);
  const transitive = fields.transitiveTagKeys ?? [];
  const untagged = transitive.find((key) => !tags.some((entry) => entry.key === key));
  if (untagged !== undefined) throw new ChainSyntaxError(`${where}: transitive-tag-keys names ${shown(untagged)}, which is not a tag of this hop`);
  return {
    roleArn: fields.roleArn,
    externalId: fields.externalId,
    tags,
    transitiveTagKeys: transitive,
    sourceIdentity: fields.sourceIdentity,
    sessionPolicy: fields.sessionPolicy,
    managedSessionPolicies: fields.managedSessionPolicies,
  };
}

/** The rules that span hops: the source identity is set once, and transitive tags cannot be set again. */
export function checkChain(hops: readonly ChainHop[], label: (index: number) => string): void {
  const transitive = new Map<string, number>();
  hops.forEach((hop, index) => {
    if (index > 0 && hop.sourceIdentity !== undefined) {
      throw new ChainSyntaxError(`${label(index)}: source-identity is set once, on the first hop; AWS keeps it for every later hop and refuses to change it`);
    }
    for (const entry of hop.tags) {
      const earlier = transitive.get(entry.key.toLowerCase());
      if (earlier !== undefined) {
        throw new ChainSyntaxError(`${label(index)}: the tag ${shown(entry.key)} is transitive from ${label(earlier)}; AWS refuses a session tag with the key of an inherited one`);
      }
    }
    for (const key of hop.transitiveTagKeys) transitive.set(key.toLowerCase(), index);
  });
}

// --- The role-chain input --------------------------------------------------------------------------

/** Where the options of a line start: the first space before `name=`. ARNs hold no spaces. */
const OPTIONS_START = /\s+(?=[a-z][a-z-]*=)/;

/**
 * The role-chain input: one hop per line, the role ARN then options as `name=value`
 * separated by spaces (`tags=Key=value,Key2=value`), or, as before, ARNs without options
 * separated by commas or lines. Empty lines and lines starting with # are skipped.
 */
export function parseChainInput(text: string): ChainHop[] {
  const hops: ChainHop[] = [];
  const label = (index: number, arn?: string) => `hop ${index + 1}${arn === undefined ? '' : ` (${arn})`}`;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    // A blank line holds no ARN, so only comments need skipping.
    if (line.startsWith('#')) continue;
    const split = OPTIONS_START.exec(line);
    const head = split ? line.slice(0, split.index) : line;
    const arns = parseList(head);
    if (split && arns.length !== 1) {
      throw new ChainSyntaxError(`${label(hops.length)}: options follow one role ARN; put each hop that has options on a line of its own`);
    }
    for (const arn of arns) {
      const where = label(hops.length);
      if (/\s/.test(arn)) throw new ChainSyntaxError(`${where}: ${shown(arn)} is not an IAM role ARN; write options after the ARN as name=value`);
      const fields: HopFields = { roleArn: roleArn(arn, where) };
      if (split) readLineOptions(line.slice(split.index).trim(), fields, label(hops.length, arn));
      hops.push(hopOf(fields, label(hops.length, arn)));
    }
  }
  // Stryker disable next-line OptionalChaining: equivalent: checkChain passes indexes of hops only
  checkChain(hops, (index) => label(index, hops[index]?.roleArn.arn));
  return hops;
}

function readLineOptions(text: string, fields: HopFields, where: string): void {
  const seen = new Set<string>();
  for (const word of text.split(/\s+/)) {
    const equals = word.indexOf('=');
    const name = equals < 0 ? word : word.slice(0, equals);
    // Stryker disable next-line EqualityOperator: equivalent: a word starting with = names no option, refused below
    const value = equals < 0 ? '' : word.slice(equals + 1);
    const at = `${where}, option ${name}`;
    if (!(HOP_OPTIONS as readonly string[]).includes(name)) {
      const hint = name === 'session-policy' ? ' (a per-hop session-policy is for rules files; inline-session-policy narrows the last hop)' : '';
      throw new ChainSyntaxError(`${where}: unknown option ${shown(name)}${hint}; options are ${HOP_OPTIONS.join(', ')}, written name=value`);
    }
    if (seen.has(name)) throw new ChainSyntaxError(`${at}: given twice`);
    seen.add(name);
    if (value === '') throw new ChainSyntaxError(`${at}: has no value (write ${name}=value, without spaces)`);
    readOption(name, value, fields, at);
  }
}

function readOption(name: string, value: string, fields: HopFields, at: string): void {
  switch (name) {
    case 'external-id':
      fields.externalId = externalId(value, at);
      return;
    case 'tags':
      fields.tags = value.split(',').map((pair) => {
        const equals = pair.indexOf('=');
        if (equals <= 0) throw new ChainSyntaxError(`${at}: ${shown(pair)} is not Key=value (tags=Key=value,Key2=value)`);
        return tag(pair.slice(0, equals), pair.slice(equals + 1), at);
      });
      return;
    case 'transitive-tag-keys':
      fields.transitiveTagKeys = value.split(',');
      if (fields.transitiveTagKeys.includes('')) throw new ChainSyntaxError(`${at}: an empty key in ${shown(value)}`);
      return;
    case 'source-identity':
      fields.sourceIdentity = sourceIdentity(value, at);
      return;
    case 'managed-session-policies':
      fields.managedSessionPolicies = managedPolicies(value.split(','), at);
      return;
  }
}

// --- Rules files -----------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, where: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item): item is string => typeof item === 'string' && item !== '')) {
    throw new ChainSyntaxError(`${where}: expected a list of non-empty strings`);
  }
  return list;
}

/**
 * A rules file's `chain:` list: each item a role ARN, or a map with `role` and the hop's
 * options (the input's names, plus `session-policy`). `parsePolicy` checks a session policy
 * and returns its compact form.
 */
export function readChainList(value: unknown, path: string, parsePolicy: (text: string, path: string) => string): ChainHop[] {
  if (!Array.isArray(value) || value.length === 0) throw new ChainSyntaxError(`${path}: expected a non-empty list of role ARNs or hops ({ role: …, tags: … })`);
  const hops = value.map((item, index) => {
    const where = `${path}[${index}]`;
    if (typeof item === 'string') return hopOf({ roleArn: roleArn(item, where) }, where);
    if (!isObject(item)) throw new ChainSyntaxError(`${where}: expected a role ARN or a map with role and the hop's options`);
    const unknown = Object.keys(item).filter((key) => !FILE_KEYS.includes(key));
    if (unknown.length > 0) throw new ChainSyntaxError(`${where}: unknown key ${unknown.join(', ')} (allowed: ${FILE_KEYS.join(', ')})`);
    if (typeof item.role !== 'string') throw new ChainSyntaxError(`${where}.role: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy`);
    return hopOf(fileHopFields(item, where, parsePolicy), where);
  });
  checkChain(hops, (index) => `${path}[${index}]`);
  return hops;
}

function fileHopFields(item: Record<string, unknown>, where: string, parsePolicy: (text: string, path: string) => string): HopFields {
  const fields: HopFields = { roleArn: roleArn(item.role as string, `${where}.role`) };
  const id = item['external-id'];
  if (id !== undefined) fields.externalId = externalId(typeof id === 'string' ? id : '', `${where}.external-id`);
  const tags = item.tags;
  if (tags !== undefined) {
    if (!isObject(tags)) throw new ChainSyntaxError(`${where}.tags: expected a map of tag keys to values`);
    fields.tags = Object.entries(tags).map(([key, raw]) => {
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') throw new ChainSyntaxError(`${where}.tags.${key}: expected a string`);
      return tag(key, String(raw), `${where}.tags`);
    });
  }
  if (item['transitive-tag-keys'] !== undefined) fields.transitiveTagKeys = stringList(item['transitive-tag-keys'], `${where}.transitive-tag-keys`);
  const identity = item['source-identity'];
  if (identity !== undefined) {
    if (typeof identity !== 'string') throw new ChainSyntaxError(`${where}.source-identity: expected a template string, or none`);
    fields.sourceIdentity = sourceIdentity(identity, `${where}.source-identity`);
  }
  const policy = item['session-policy'];
  if (policy !== undefined) {
    if (typeof policy !== 'string' && !isObject(policy)) throw new ChainSyntaxError(`${where}.session-policy: expected an IAM policy document (a map, or JSON text)`);
    if (nestedDeeperThan(policy, MAX_POLICY_DEPTH)) throw new ChainSyntaxError(`${where}.session-policy: nests more than ${MAX_POLICY_DEPTH} levels deep; an IAM policy needs a few`);
    fields.sessionPolicy = parsePolicy(typeof policy === 'string' ? policy : JSON.stringify(policy), `${where}.session-policy`);
  }
  const managed = item['managed-session-policies'];
  if (managed !== undefined) fields.managedSessionPolicies = managedPolicies(stringList(managed, `${where}.managed-session-policies`), `${where}.managed-session-policies`);
  return fields;
}
