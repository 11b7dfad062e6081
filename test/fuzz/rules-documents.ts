// Rules files as YAML or JSON parse them: mostly near-valid documents (right shape, some
// wrong values or keys), so that the checks deep inside are reached, plus any JSON value.
import fc from 'fast-check';
import { hostileString } from './arbitraries.ts';

const ROLE_ARNS = ['arn:aws:iam::123456789012:role/deploy', 'arn:aws:iam::123456789012:role/read-only'];

/** Regular-expression sources built from the characters that change its structure. */
export const regexSource = fc.string({
  unit: fc.constantFrom('a', 'b', '.', '*', '+', '?', '|', '(', ')', '(?:', '[', ']', '\\', '{2}', '^', '$', '/'),
  maxLength: 8,
});

const claimKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('sub', 'ref', 'repository', 'repository_id', 'actor', 'project-id', 'oidc.circleci.com/vcs-origin', 'context-ids') },
  { weight: 1, arbitrary: fc.constantFrom('', 'unknown', '__proto__', 'constructor', 'oidc.circleci.com/') },
  { weight: 1, arbitrary: hostileString },
);

const pattern = fc.oneof(
  fc.constantFrom('refs/heads/main', 'refs/tags/v*', '**', 'a\\|b', 'a\\*', '\\x', '***', '', 'trailing\\'),
  hostileString,
);

const alternative: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: pattern },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 2, arbitrary: fc.record({ equals: fc.oneof(fc.string(), fc.integer()) }) },
  { weight: 2, arbitrary: fc.record({ regex: fc.oneof(regexSource, fc.string()) }) },
  { weight: 1, arbitrary: fc.record({ equals: fc.string(), regex: regexSource, other: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const claims: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(claimKey, fc.oneof(alternative, fc.array(alternative, { maxLength: 3 })), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const sessionPolicy: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({ Version: '2012-10-17', Statement: [] }),
  fc.constant('{"Version":"2012-10-17","Statement":[]}'),
  fc.jsonValue({ maxDepth: 3 }),
  hostileString,
);

/** The value, and now and then one more key that the format does not know. */
function withRareExtraKey(value: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('Claims', 'role_arn', '__proto__'), fc.string()), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 1 }) },
  );
  return fc.tuple(value, extra).map(([base, more]) => ({ ...base, ...more }));
}

const roleEntry: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: withRareExtraKey(fc.record(
      {
        name: fc.oneof(fc.constantFrom('deploy', 'read', ''), fc.string(), fc.integer()),
        role: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ROLE_ARNS) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
        claims,
        'duration-seconds': fc.oneof(fc.integer({ min: 800, max: 44_000 }), fc.double(), fc.string(), fc.constant(null)),
        'session-policy': sessionPolicy,
      },
      { requiredKeys: ['role'] },
    )),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const nearValidDocument: fc.Arbitrary<unknown> = withRareExtraKey(
  fc.record(
    {
      version: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
      platform: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('github', 'circleci') }, { weight: 1, arbitrary: fc.constantFrom('gitlab', 'GitHub') }),
      claims,
      roles: fc.oneof({ weight: 5, arbitrary: fc.array(roleEntry, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    },
    { requiredKeys: ['version'] },
  ),
);

/** What a rules file can hold once parsed: near-valid documents, and any JSON value. */
export const rulesDocument: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nearValidDocument },
  { weight: 1, arbitrary: fc.jsonValue() },
);
