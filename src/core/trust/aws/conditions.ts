// The pieces of a trust policy statement the platform builders share: a condition on a key
// that takes values (exact when literal, a pattern when any has an IAM wildcard), and the
// Allow statement for the IAM OIDC provider.
import { ClaimcheckError } from '../../errors.js';
import { conditionKeyFor, type IssuerKeys } from './keys.js';
import { exactValue, hasWildcard } from './pattern.js';

export type Conditions = Record<string, Record<string, string | string[]>>;

export interface PolicyTarget {
  /** The IAM OIDC provider's ARN (the statement's Federated principal). */
  readonly principal: string;
  readonly keys: IssuerKeys;
  readonly audience: string;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: object[];
}

function one(values: readonly string[]): string | string[] {
  return values.length === 1 ? (values[0] as string) : [...values];
}

/**
 * StringEquals for literal values, StringLike when any has an IAM wildcard (`*`, `?`); in both,
 * `${` is escaped so that no value starts a policy variable.
 */
export function valueCondition(conditions: Conditions, key: string, values: readonly string[]): void {
  (values.some(hasWildcard) ? (conditions.StringLike ??= {}) : (conditions.StringEquals ??= {}))[key] = one(values.map(exactValue));
}

/** Values a key must not take: StringNotLike. */
export function excludeCondition(conditions: Conditions, key: string, patterns: readonly string[]): void {
  (conditions.StringNotLike ??= {})[key] = one(patterns);
}

/** The audience condition every statement starts from. */
export function audienceConditions(target: PolicyTarget): Conditions {
  return { StringEquals: { [`${target.keys.prefix}:aud`]: exactValue(target.audience) } };
}

export function statement(principal: string, conditions: Conditions): object {
  return { Effect: 'Allow', Principal: { Federated: principal }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions };
}

/**
 * The condition key AWS evaluates for a platform's claim on this issuer, or an error that
 * says the flag cannot bind (an issuer whose claims AWS does not see, e.g. a self-managed host).
 */
export function requiredKey(keys: IssuerKeys, claim: string, flag: string, why: string): string {
  const key = conditionKeyFor(keys, claim);
  if (key === undefined) {
    throw new ClaimcheckError('INPUT_INVALID', `AWS evaluates no ${claim} claim for tokens of ${keys.prefix}, so ${flag} cannot bind there.`, why);
  }
  return key;
}
