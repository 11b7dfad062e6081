// Where one claim rule can bind: on the condition key AWS evaluates for the claim, or, when
// AWS cannot see the claim or the rule has no IAM form (a regular expression), only in
// claimcheck's own check. The compiler, the step summary and the audit line all ask here.
import { conditionKeyFor, type IssuerKeys } from './iam/keys.js';
import type { ClaimRule } from '../../rules/rules.js';

export type Reach = { readonly key: string } | { readonly reason: string };

export function reachOf(rule: ClaimRule, keys: IssuerKeys): Reach {
  const key = conditionKeyFor(keys, rule.claim);
  if (key === undefined) return { reason: `AWS has no condition key for ${rule.claim} in tokens of ${keys.prefix}` };
  if (rule.alternatives.some((alternative) => 'regex' in alternative)) return { reason: 'a regular expression has no IAM form' };
  return { key };
}
