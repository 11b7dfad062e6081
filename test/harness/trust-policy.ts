// A small IAM trust-policy evaluator: enough of IAM's semantics to decide role assumption in
// the STS double. Explicit Deny wins; an Allow needs its principal, action and every condition
// block to match. Anything it does not understand fails closed (never allows by accident).

export type ConditionValues = string | string[];
export type ConditionBlock = Record<string, ConditionValues>;

export interface TrustStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: '*' | { Federated?: string | string[]; AWS?: string | string[] };
  Action: string | string[];
  Condition?: Record<string, ConditionBlock>;
}

export interface TrustPolicy {
  Version?: string;
  Statement: TrustStatement | TrustStatement[];
}

/** Who is asking: a federated OIDC provider (AssumeRoleWithWebIdentity) or an AWS session (AssumeRole). */
export type TrustPrincipal =
  | { kind: 'Federated'; arn: string }
  | { kind: 'AWS'; roleArn: string; sessionArn: string; accountId: string; partition: string };

export interface TrustRequest {
  action: string;
  principal: TrustPrincipal;
  /** Condition keys (e.g. `host:sub`) and their values; names are matched case-insensitively, like IAM. */
  context: Record<string, ConditionValues>;
}

export interface TrustDecision {
  allowed: boolean;
  reason: string;
}

export function evaluateTrustPolicy(policy: TrustPolicy | object, request: TrustRequest): TrustDecision {
  const statements = statementsOf(policy);
  if (!statements) return { allowed: false, reason: 'malformed policy: no Statement' };
  const context = lowerKeys(request.context);
  const misses: string[] = [];
  let allowedBy: number | undefined;
  for (const [i, statement] of statements.entries()) {
    const miss = statementMiss(statement, request, context);
    if (miss === undefined && statement.Effect === 'Deny') {
      return { allowed: false, reason: `explicit Deny in Statement[${i}]` };
    }
    if (miss === undefined && statement.Effect === 'Allow') allowedBy ??= i;
    else if (miss !== undefined) misses.push(`Statement[${i}]: ${miss}`);
  }
  if (allowedBy !== undefined) return { allowed: true, reason: `allowed by Statement[${allowedBy}]` };
  return { allowed: false, reason: `no statement allows ${request.action}: ${misses.join('; ') || 'no statements'}` };
}

function statementsOf(policy: object): TrustStatement[] | undefined {
  const raw = (policy as Partial<TrustPolicy>).Statement;
  if (raw === undefined || raw === null) return undefined;
  return Array.isArray(raw) ? raw : [raw];
}

/** Why a statement does not apply to the request, or undefined when it applies. */
function statementMiss(
  statement: TrustStatement,
  request: TrustRequest,
  context: Map<string, string[]>,
): string | undefined {
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return `unknown Effect ${String(statement.Effect)}`;
  if (!principalMatches(statement.Principal, request.principal)) return 'principal does not match';
  if (!listOf(statement.Action).some((a) => actionMatches(a, request.action))) return 'action does not match';
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    const miss = conditionMiss(operator, block, context);
    if (miss) return miss;
  }
  return undefined;
}

function principalMatches(principal: TrustStatement['Principal'] | undefined, who: TrustPrincipal): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  if (who.kind === 'Federated') return listOf(principal.Federated).includes(who.arn);
  const root = `arn:${who.partition}:iam::${who.accountId}:root`;
  return listOf(principal.AWS).some(
    (p) => p === '*' || p === who.roleArn || p === who.sessionArn || p === root || p === who.accountId,
  );
}

/** IAM action names are case-insensitive and may use `*` / `?` wildcards (e.g. `sts:*`). */
function actionMatches(pattern: string, action: string): boolean {
  return wildcardRegExp(pattern, 'i').test(action);
}

type Test = (actual: string, wanted: string) => boolean;

const OPERATORS: Record<string, { test: Test; negated: boolean }> = {
  stringequals: { test: (a, w) => a === w, negated: false },
  stringnotequals: { test: (a, w) => a === w, negated: true },
  stringequalsignorecase: { test: (a, w) => a.toLowerCase() === w.toLowerCase(), negated: false },
  stringnotequalsignorecase: { test: (a, w) => a.toLowerCase() === w.toLowerCase(), negated: true },
  stringlike: { test: (a, w) => wildcardRegExp(w, '').test(a), negated: false },
  stringnotlike: { test: (a, w) => wildcardRegExp(w, '').test(a), negated: true },
};

/**
 * Every key in the block must hold. For a key, a list of wanted values means "any of them".
 * A key missing from the context makes a positive operator false and a negated one true.
 */
function conditionMiss(operator: string, block: ConditionBlock, context: Map<string, string[]>): string | undefined {
  const op = OPERATORS[operator.toLowerCase()];
  if (!op) return `unsupported condition operator ${operator}`;
  for (const [key, wantedRaw] of Object.entries(block)) {
    const wanted = listOf(wantedRaw).map(String);
    const actual = context.get(key.toLowerCase());
    if (actual === undefined) {
      if (op.negated) continue;
      return `${operator} on "${key}" failed: key not present in request`;
    }
    const anyMatch = actual.some((a) => wanted.some((w) => op.test(a, w)));
    if (anyMatch === op.negated) {
      return `${operator} on "${key}" failed: got ${JSON.stringify(actual.length === 1 ? actual[0] : actual)}, policy has ${JSON.stringify(wantedRaw)}`;
    }
  }
  return undefined;
}

/** `*` is any sequence (crossing `/` and `:`), `?` exactly one character; the rest is literal. */
function wildcardRegExp(pattern: string, flags: string): RegExp {
  const body = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, `s${flags}`);
}

function listOf(value: ConditionValues | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function lowerKeys(context: Record<string, ConditionValues>): Map<string, string[]> {
  return new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), listOf(v)]));
}

/**
 * A role trust policy for tokens of one issuer, as users write them: the federated
 * principal of the issuer's IAM OIDC provider (account 111122223333) and a subject pattern,
 * plus the audience when given.
 */
export function webIdentityTrustPolicy(issuerHost: string, sub: string, aud?: string): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${issuerHost}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          ...(aud === undefined ? {} : { StringEquals: { [`${issuerHost}:aud`]: aud } }),
          StringLike: { [`${issuerHost}:sub`]: sub },
        },
      },
    ],
  };
}
