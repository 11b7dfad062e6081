/**
 * IAM policies nest a handful of levels. JSON.parse accepts far deeper nesting than
 * JSON.stringify can write back without overflowing the stack, so a policy is measured
 * (with a bounded walk) before it is ever serialised.
 */
export const MAX_POLICY_DEPTH = 32;

/** True when `value` holds objects or arrays nested more than `limit` levels deep. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  for (const item of Object.values(value)) {
    if (nestedDeeperThan(item, limit - 1)) return true;
  }
  return false;
}
