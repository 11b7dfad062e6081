// The STS double's IAM trust-policy evaluator, written from IAM's documentation and apart from
// src/ (a property test compares the two). The policy is parsed strictly first, as octo-sts
// does: an element, operator or form it does not know refuses the request, never allows it.
// Then: explicit Deny wins; an Allow needs its principal, action and every condition to hold.
import { checkCondition, parseConditions, UnsupportedPolicy } from './trust-conditions.ts';
import type { Condition, ConditionBlock, RequestContext } from './trust-conditions.ts';

export type { ConditionBlock, ConditionValue, ConditionValues } from './trust-conditions.ts';

type PrincipalElement = '*' | { Federated?: string | string[]; AWS?: string | string[]; Service?: string | string[]; CanonicalUser?: string | string[] };

export interface TrustStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  /** Exactly one of Principal and NotPrincipal (NotPrincipal only in a Deny). */
  Principal?: PrincipalElement;
  NotPrincipal?: PrincipalElement;
  /** Exactly one of Action and NotAction. */
  Action?: string | string[];
  NotAction?: string | string[];
  Condition?: Record<string, ConditionBlock>;
}

export interface TrustPolicy {
  /** '2012-10-17' (policy variables) or '2008-10-17'; anything else is refused. */
  Version?: string;
  Id?: string;
  Statement: TrustStatement | TrustStatement[];
}

/**
 * Who is asking: a federated identity provider (AssumeRoleWithWebIdentity, AssumeRoleWithSAML),
 * an AWS session (AssumeRole), or an AWS service (AssumeRole on its behalf, named by its service
 * principal, e.g. lambda.amazonaws.com).
 */
export type TrustPrincipal =
  | { kind: 'Federated'; arn: string }
  | { kind: 'AWS'; roleArn: string; sessionArn: string; accountId: string; partition: string }
  | { kind: 'Service'; service: string };

/** Values of a request's condition key: one string for a single-valued key, a list for a multivalued one. */
export type ContextValues = string | string[];

export interface TrustRequest {
  action: string;
  principal: TrustPrincipal;
  /** Condition keys (e.g. `host:sub`) and their values; names are matched case-insensitively, like IAM. */
  context: Record<string, ContextValues>;
}

export interface TrustDecision {
  allowed: boolean;
  /** Which statement allowed, or which statement and condition refused (or what the evaluator does not support). */
  reason: string;
}

export function evaluateTrustPolicy(policy: TrustPolicy | object, request: TrustRequest): TrustDecision {
  let statements: ParsedStatement[];
  try {
    statements = parsePolicy(policy);
  } catch (error) {
    if (error instanceof UnsupportedPolicy) return { allowed: false, reason: `unsupported policy: ${error.message}` };
    throw error;
  }
  const context = contextOf(request.context);
  const misses: string[] = [];
  let allowedBy: string | undefined;
  for (const statement of statements) {
    const verdict = statementVerdict(statement, request, context);
    if (statement.effect === 'Deny' && verdict.kind === 'applies') {
      return { allowed: false, reason: `explicit Deny in ${statement.label}${verdict.why}` };
    }
    if (statement.effect === 'Deny' && verdict.kind === 'undecided') {
      // IAM would drop this statement; the double refuses instead, so a Deny is never lost by accident.
      return { allowed: false, reason: `${statement.label} is a Deny the evaluator cannot decide: ${verdict.why}` };
    }
    if (statement.effect === 'Allow' && verdict.kind === 'applies') allowedBy ??= statement.label;
    else if (statement.effect === 'Allow') misses.push(`${statement.label}: ${verdict.why}`);
  }
  if (allowedBy !== undefined) return { allowed: true, reason: `allowed by ${allowedBy}` };
  return { allowed: false, reason: `no statement allows ${request.action}: ${misses.join('; ') || 'no Allow statement'}` };
}

// --- Parsing -------------------------------------------------------------------------------------

interface ParsedPrincipal {
  readonly negated: boolean;
  /** `"*"`, or the principals listed by type (AWS, Federated, Service, CanonicalUser). */
  readonly principals: '*' | ReadonlyMap<string, readonly string[]>;
}

interface ParsedStatement {
  /** `Statement[i]`, with its Sid when it has one. */
  readonly label: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principal: ParsedPrincipal;
  readonly action: { readonly negated: boolean; readonly patterns: readonly string[] };
  readonly conditions: readonly Condition[];
}

const POLICY_FIELDS = new Set(['Version', 'Id', 'Statement']);
// Resource and NotResource are prohibited in a role's trust policy.
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser']);

function parsePolicy(policy: unknown): ParsedStatement[] {
  const fields = record(policy, 'the policy');
  const unknown = Object.keys(fields).find((name) => !POLICY_FIELDS.has(name));
  if (unknown !== undefined) throw new UnsupportedPolicy(`unknown policy element "${unknown}"`);
  const version = fields.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw new UnsupportedPolicy(`Version ${JSON.stringify(version)} is not 2012-10-17 or 2008-10-17`);
  }
  const raw = fields.Statement;
  if (raw === undefined || raw === null) throw new UnsupportedPolicy('no Statement');
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  // Policy variables came with Version 2012-10-17; before it `${...}` is literal text.
  return list.map((statement, i) => parseStatement(statement, i, version === '2012-10-17'));
}

function parseStatement(raw: unknown, index: number, variables: boolean): ParsedStatement {
  let label = `Statement[${index}]`;
  const fields = record(raw, label);
  if (typeof fields.Sid === 'string') label += ` (Sid "${fields.Sid}")`;
  else if (fields.Sid !== undefined) throw new UnsupportedPolicy(`${label}: Sid is not a string`);
  try {
    const unknown = Object.keys(fields).find((name) => !STATEMENT_FIELDS.has(name));
    if (unknown !== undefined) throw new UnsupportedPolicy(`element "${unknown}" is not allowed in a trust policy`);
    const effect = fields.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') throw new UnsupportedPolicy(`Effect ${JSON.stringify(effect)} is not Allow or Deny`);
    const principal = parsePrincipal(fields, effect);
    const action = parseAction(fields);
    return { label, effect, principal, action, conditions: parseConditions(fields.Condition, variables) };
  } catch (error) {
    if (error instanceof UnsupportedPolicy) throw new UnsupportedPolicy(`${label}: ${error.message}`);
    throw error;
  }
}

function parsePrincipal(fields: Record<string, unknown>, effect: 'Allow' | 'Deny'): ParsedPrincipal {
  const negated = fields.NotPrincipal !== undefined;
  if (negated === (fields.Principal !== undefined)) throw new UnsupportedPolicy('needs exactly one of Principal and NotPrincipal');
  // IAM refuses NotPrincipal with Allow.
  if (negated && effect === 'Allow') throw new UnsupportedPolicy('NotPrincipal is only supported in a Deny');
  const raw = negated ? fields.NotPrincipal : fields.Principal;
  if (raw === '*') return { negated, principals: '*' };
  const principals = new Map<string, readonly string[]>();
  for (const [type, values] of Object.entries(record(raw, 'Principal'))) {
    if (!PRINCIPAL_TYPES.has(type)) throw new UnsupportedPolicy(`principal type "${type}" is not supported`);
    principals.set(type, strings(values, `Principal ${type}`));
  }
  if (principals.size === 0) throw new UnsupportedPolicy('Principal names no principal');
  return { negated, principals };
}

function parseAction(fields: Record<string, unknown>): ParsedStatement['action'] {
  const negated = fields.NotAction !== undefined;
  if (negated === (fields.Action !== undefined)) throw new UnsupportedPolicy('needs exactly one of Action and NotAction');
  return { negated, patterns: strings(negated ? fields.NotAction : fields.Action, negated ? 'NotAction' : 'Action') };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnsupportedPolicy(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** A string or a non-empty list of strings. */
function strings(value: unknown, what: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item): item is string => typeof item === 'string')) {
    throw new UnsupportedPolicy(`${what} must be a string or a non-empty list of strings`);
  }
  return list;
}

// --- Evaluation ----------------------------------------------------------------------------------

/** Whether a statement applies; `why` says what refused it, or which conditions held. */
type Verdict = { kind: 'applies' | 'misses' | 'undecided'; why: string };

function statementVerdict(statement: ParsedStatement, request: TrustRequest, context: RequestContext): Verdict {
  if (principalMatches(statement.principal.principals, request.principal) === statement.principal.negated) {
    return { kind: 'misses', why: 'principal does not match' };
  }
  const actionListed = statement.action.patterns.some((pattern) => actionMatches(pattern, request.action));
  if (actionListed === statement.action.negated) return { kind: 'misses', why: 'action does not match' };
  let undecided: string | undefined;
  for (const condition of statement.conditions) {
    const outcome = checkCondition(condition, context);
    // Conditions AND: one that fails outright settles it, whatever the undecided ones say.
    if (outcome.kind === 'fails') return { kind: 'misses', why: outcome.why };
    if (outcome.kind === 'undecided') undecided ??= outcome.why;
  }
  if (undecided !== undefined) return { kind: 'undecided', why: undecided };
  const held = statement.conditions.map((c) => `${c.operator} on "${c.key}"`);
  return { kind: 'applies', why: held.length === 0 ? '' : ` (its conditions hold: ${held.join(', ')})` };
}

function principalMatches(principals: ParsedPrincipal['principals'], who: TrustPrincipal): boolean {
  if (principals === '*') return true;
  if (who.kind === 'Federated') return (principals.get('Federated') ?? []).includes(who.arn);
  // A service principal is named whole ("Service": "lambda.amazonaws.com"); no wildcard is documented.
  if (who.kind === 'Service') return (principals.get('Service') ?? []).includes(who.service);
  const root = `arn:${who.partition}:iam::${who.accountId}:root`;
  return (principals.get('AWS') ?? []).some(
    (p) => p === '*' || p === who.roleArn || p === who.sessionArn || p === root || p === who.accountId,
  );
}

/** IAM action names are case-insensitive and may use `*` / `?` wildcards (e.g. `sts:*`). */
function actionMatches(pattern: string, action: string): boolean {
  const body = [...pattern]
    .map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'iu').test(action);
}

function contextOf(context: Record<string, ContextValues>): RequestContext {
  return new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), Array.isArray(value) ? value : [value]]));
}

// --- Policies for tests --------------------------------------------------------------------------

/** The ARN of the IAM OIDC provider for an issuer (`host[:port][/path]`), in account 111122223333 unless given. */
export function oidcProviderArn(issuerHost: string, accountId = '111122223333'): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${issuerHost}`;
}

/** A one-statement trust policy: the issuer's provider may call AssumeRoleWithWebIdentity under `condition`. */
export function federatedTrustPolicy(issuerHost: string, condition: Record<string, ConditionBlock>): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn(issuerHost) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}

/**
 * A role trust policy for tokens of one issuer, as users write them: the federated
 * principal of the issuer's IAM OIDC provider (account 111122223333) and a subject pattern,
 * plus the audience when given.
 */
export function webIdentityTrustPolicy(issuerHost: string, sub: string, aud?: string): TrustPolicy {
  return federatedTrustPolicy(issuerHost, {
    ...(aud === undefined ? {} : { StringEquals: { [`${issuerHost}:aud`]: aud } }),
    StringLike: { [`${issuerHost}:sub`]: sub },
  });
}
