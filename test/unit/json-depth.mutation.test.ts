// How deep a policy may nest (src/core/text/json-depth.ts): exactly the limit passes, one more does not.
import { describe, expect, it } from 'vitest';
import { MAX_POLICY_DEPTH, nestedDeeperThan } from '../../src/core/text/json-depth.js';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < levels; level++) value = level % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('nestedDeeperThan', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan([], 1)).toBe(false);
  });

  it('accepts the limit and refuses one level more', () => {
    expect(nestedDeeperThan(nested(MAX_POLICY_DEPTH), MAX_POLICY_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_POLICY_DEPTH + 1), MAX_POLICY_DEPTH)).toBe(true);
  });
});
