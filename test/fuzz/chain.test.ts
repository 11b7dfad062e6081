// The role-chain syntax and its claim templates on arbitrary text: the parser either returns
// hops STS would take or throws a ChainSyntaxError (never anything that reaches users as "a
// bug in claimcheck"), and whatever a token's claims hold, filled-in tag values and source
// identities are within STS's characters and lengths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRoleArn } from '../../src/core/aws/arn.js';
import { ChainSyntaxError, parseChainInput, type ChainHop } from '../../src/core/aws/chain.js';
import { planChain } from '../../src/core/aws/chain-plan.js';
import { hostileString, nearMiss } from './arbitraries.ts';
import { runs } from './budget.ts';

const ROLES = ['arn:aws:iam::222233334444:role/hub', 'arn:aws:iam::111122223333:role/a+b=c.d@e_f-g', 'arn:aws-cn:iam::123456789012:role/ci/x'];
const OPTIONS = [
  'external-id=acme-ci',
  'external-id=a:b/c,d=e',
  'tags=Repository={claims.repository}',
  'tags=Run={claims.run_id}-{claims.run_attempt},Team=platform,Empty=',
  'transitive-tag-keys=Team',
  'source-identity={claims.repository}@{claims.run_id}',
  'source-identity=none',
  'managed-session-policies=arn:aws:iam::aws:policy/ReadOnlyAccess',
];

/** Lines that are valid, nearly valid, or anything at all. */
const line = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...ROLES), fc.subarray(OPTIONS, { maxLength: 3 })).map(([arn, options]) => [arn, ...options].join(' ')), weight: 6 },
  nearMiss(ROLES.map((arn) => `${arn} ${OPTIONS[2]} ${OPTIONS[4]}`)),
  fc.tuple(fc.constantFrom(...ROLES), fc.constantFrom(...OPTIONS), hostileString).map(([arn, option, noise]) => `${arn} ${option}${noise}`),
  hostileString,
);
const chainText = fc.array(line, { maxLength: 3 }).map((lines) => lines.join('\n'));

const TAG_VALUE = /^[\p{L}\p{Zs}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

function expectAcceptable(hops: readonly ChainHop[]): void {
  const transitive = new Set<string>();
  hops.forEach((hop, index) => {
    expect(parseRoleArn(hop.roleArn.arn)).toEqual(hop.roleArn);
    if (hop.externalId !== undefined) expect(hop.externalId).toMatch(/^[\w+=,.@:/-]{2,1224}$/);
    expect(hop.tags.length).toBeLessThanOrEqual(50);
    for (const tag of hop.tags) {
      expect(tag.key).toMatch(TAG_KEY);
      expect(transitive.has(tag.key.toLowerCase())).toBe(false);
    }
    for (const key of hop.transitiveTagKeys) expect(hop.tags.some((tag) => tag.key === key)).toBe(true);
    if (index > 0) expect(hop.sourceIdentity).toBeUndefined();
    for (const key of hop.transitiveTagKeys) transitive.add(key.toLowerCase());
  });
}

describe('the role-chain input on arbitrary text', () => {
  it('returns hops STS would take, or a ChainSyntaxError that names a hop', () => {
    fc.assert(
      fc.property(chainText, (text) => {
        let hops: ChainHop[];
        try {
          hops = parseChainInput(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ChainSyntaxError);
          expect((error as Error).message).toMatch(/^hop \d+/);
          return;
        }
        expectAcceptable(hops);
      }),
      runs(1000),
    );
  });

  it('reaches both outcomes often enough for the checks to mean something', () => {
    const outcomes = fc.sample(chainText, { numRuns: 300 }).map((text) => {
      try {
        return parseChainInput(text).length > 0 ? 'hops' : 'empty';
      } catch {
        return 'error';
      }
    });
    expect(outcomes.filter((outcome) => outcome === 'hops').length).toBeGreaterThan(30);
    expect(outcomes.filter((outcome) => outcome === 'error').length).toBeGreaterThan(30);
  });
});

describe('claim templates on arbitrary claims', () => {
  const hops = parseChainInput([
    `${ROLES[0]} tags=A={claims.repository},B=x{claims.run_id}y{claims.repository},C={claims.run_attempt} source-identity={claims.repository}@{claims.run_id}`,
    `${ROLES[1]} tags=D={claims.repository}{claims.repository}{claims.repository}`,
  ].join('\n'));
  const claimValue = fc.oneof(hostileString, fc.integer(), fc.boolean(), fc.double(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));

  it('give tag values and a source identity within STS\'s limits, or a ChainSyntaxError', () => {
    fc.assert(
      fc.property(claimValue, claimValue, claimValue, (repository, run_id, run_attempt) => {
        let plan;
        try {
          plan = planChain(hops, { inlineSessionPolicy: undefined, managedSessionPolicies: [] }, { repository, run_id, run_attempt }, 'default-1');
        } catch (error) {
          expect(error).toBeInstanceOf(ChainSyntaxError);
          return;
        }
        for (const hop of plan.hops) {
          for (const tag of hop.tags) {
            expect(tag.value).toMatch(TAG_VALUE);
            expect(tag.value.length).toBeLessThanOrEqual(256);
            expect(tag.value).not.toMatch(/[\ud800-\udfff]/u);
          }
        }
        expect(plan.sourceIdentity?.value).toMatch(/^[\w+=,.@-]{2,64}$/);
      }),
      runs(1000),
    );
  });
});
