// `explain --trust-policy`: a token against a trust policy as STS would judge it, the statement
// that accepts it or, for each statement, what refuses it with the token's own value, and the
// near misses people hit (case, GitHub's two subject forms, an environment job's subject, the
// audience, another provider's keys).
import { describe, expect, it } from 'vitest';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { simulateToken } from '../../src/core/trust/aws/check/simulate.js';

const P = 'token.actions.githubusercontent.com';
const ISSUER = `https://${P}`;
const ARN = `arn:aws:iam::123456789012:oidc-provider/${P}`;
const KEYS_LINE = `Condition keys from this token (AWS's github keys): ${P}:sub, ${P}:aud, ${P}:ref, ${P}:repository_id, ${P}:repository_owner_id`;

const IMMUTABLE = 'repo:acme@12/api@34:ref:refs/heads/main';
const LEGACY = 'repo:acme/api:ref:refs/heads/main';
const TOKEN = { sub: IMMUTABLE, aud: 'sts.amazonaws.com', repository_owner_id: '12', repository_id: '34', ref: 'refs/heads/main', event_name: 'push' };

function policy(condition: object | undefined, extra: object = {}) {
  return readPolicyDocument({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: ARN }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition ? { Condition: condition } : {}), ...extra }],
  });
}

function simulate(condition: object | undefined, claims: Record<string, unknown> = TOKEN, extra: object = {}) {
  return simulateToken({ policy: policy(condition, extra), claims, issuer: ISSUER });
}

const onSub = (sub: string | string[], operator = 'StringEquals') => ({ [operator]: { [`${P}:sub`]: sub } });

describe('an accepted token', () => {
  it('names the statement that accepts it and the condition keys the token gives', () => {
    expect(simulate(onSub(IMMUTABLE))).toEqual({ allowed: true, lines: [`ACCEPTED by Statement[0].`, KEYS_LINE] });
    expect(simulate(onSub(IMMUTABLE), TOKEN, { Sid: 'Deploy' }).lines[0]).toBe('ACCEPTED by Statement[0] (Deploy).');
  });

  it('says when AWS sees only sub and aud of the issuer', () => {
    const document = readPolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*' }] });
    const other = simulateToken({ policy: document, claims: { sub: 's', aud: 'a', ref: 'r' }, issuer: 'https://issuer.example' });
    expect(other).toEqual({ allowed: true, lines: ['ACCEPTED by Statement[0].', 'Condition keys from this token (AWS evaluates only sub and aud for this issuer): issuer.example:sub, issuer.example:aud'] });
    // An explicit family wins over the issuer's own.
    const forced = simulateToken({ policy: document, claims: TOKEN, issuer: ISSUER, family: 'none' });
    expect(forced.lines[1]).toBe(`Condition keys from this token (AWS evaluates only sub and aud for this issuer): ${P}:sub, ${P}:aud`);
  });
});

describe('a refused token', () => {
  it('shows the failing condition with the token\'s value', () => {
    const result = simulate({ StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com', [`${P}:repository_id`]: '35' } });
    expect(result).toEqual({
      allowed: false,
      lines: ['REFUSED: no statement allows this token.', 'Statement[0] refuses it:', `  - StringEquals ${P}:repository_id "35" does not hold: the token has "34"`, KEYS_LINE],
    });
  });

  it('shows a missing claim, a list of values and a list the token presents', () => {
    const missing = simulate({ StringEquals: { [`${P}:environment`]: ['prod', 'stage'] } });
    expect(missing.lines[2]).toBe(`  - StringEquals ${P}:environment ["prod","stage"] does not hold: the token has no such claim`);
    const two = simulate({ StringEquals: { [`${P}:aud`]: 'x' } }, { ...TOKEN, aud: ['a', 'b'] });
    expect(two.lines[2]).toBe(`  - StringEquals ${P}:aud "x" does not hold: the token has ["a","b"]`);
  });

  it('hints at the immutable subject when the policy matches only the legacy form', () => {
    const result = simulate(onSub(LEGACY));
    expect(result.lines.slice(2, 4)).toEqual([
      `  - StringEquals ${P}:sub "${LEGACY}" does not hold: the token has "${IMMUTABLE}"`,
      `    hint: This repository uses GitHub's immutable subject ("${IMMUTABLE}"); the policy matches the legacy form "${LEGACY}". Trust both forms, or pin repository_id with ${P}:repository_id.`,
    ]);
    expect(result.lines).toHaveLength(5);
    // A pattern that matches the legacy form counts too.
    expect(simulate(onSub('repo:acme/api:*', 'StringLike')).lines[3]).toContain("This repository uses GitHub's immutable subject");
  });

  it('hints at the legacy form when the policy matches only the immutable one', () => {
    const result = simulate(onSub(IMMUTABLE), { ...TOKEN, sub: LEGACY });
    expect(result.lines[3]).toBe(`    hint: The policy matches the immutable subject form "${IMMUTABLE}", but this token carries the legacy form "${LEGACY}".`);
    // No hint when the other form does not match either, or the token has no ids to build it.
    expect(simulate(onSub('repo:acme@12/api@34:ref:refs/heads/dev'), { ...TOKEN, sub: LEGACY }).lines).toHaveLength(4);
    expect(simulate(onSub(IMMUTABLE), { sub: LEGACY, aud: 'sts.amazonaws.com' }).lines).toHaveLength(4);
    // The other form is compared case-sensitively.
    expect(simulate(onSub('repo:ACME/api:ref:refs/heads/main')).lines.join('\n')).not.toContain('immutable subject (');
  });

  it('hints that values differ only in case, for positive operators only', () => {
    const result = simulate(onSub('REPO:acme@12/api@34:ref:refs/heads/main'));
    expect(result.lines[3]).toBe('    hint: The values differ only in case: IAM compares sub case-sensitively.');
    expect(simulate(onSub('REPO:acme@12/*', 'StringLike')).lines[3]).toBe('    hint: The values differ only in case: IAM compares sub case-sensitively.');
    // A literal * under StringEquals is no pattern.
    expect(simulate(onSub('REPO:acme@12/*')).lines).toHaveLength(4);
    expect(simulate(onSub('repo:acme@*', 'StringNotLike')).lines).toEqual([
      'REFUSED: no statement allows this token.',
      'Statement[0] refuses it:',
      `  - StringNotLike ${P}:sub "repo:acme@*" does not hold: the token has "${IMMUTABLE}"`,
      KEYS_LINE,
    ]);
    expect(simulate({ StringEquals: { [`${P}:ref`]: 'refs/heads/MAIN' } }).lines[3]).toBe('    hint: The values differ only in case: IAM compares ref case-sensitively.');
  });

  it('hints at an environment job\'s subject when the policy trusts a ref', () => {
    const result = simulate(onSub('repo:acme/api:ref:refs/heads/main'), { ...TOKEN, sub: 'repo:acme/api:environment:prod', environment: 'prod' });
    expect(result.lines[3]).toBe(
      `    hint: This job uses the environment "prod", so its subject ends in :environment:prod, not the branch: trust that subject, or use ${P}:environment and ${P}:ref.`,
    );
    // Not for a policy without :ref:, a token without an environment, or a subject GitHub did not write.
    expect(simulate(onSub('repo:acme/api:pull_request'), { ...TOKEN, sub: 'repo:acme/api:environment:prod', environment: 'prod' }).lines.join('\n')).not.toContain('hint:');
    expect(simulate(onSub('repo:acme/api:ref:refs/heads/dev'), { ...TOKEN, sub: LEGACY }).lines.join('\n')).not.toContain('environment');
    expect(simulate(onSub('x:ref:y'), { ...TOKEN, sub: 'custom:environment:prod', environment: 'prod' }).lines.join('\n')).not.toContain('hint:');
    expect(simulate(onSub('x:ref:y'), { ...TOKEN, sub: LEGACY, environment: 7 }).lines.join('\n')).not.toContain('hint:');
  });

  it('hints at the audience to request', () => {
    const result = simulate({ StringEquals: { [`${P}:aud`]: 'other' } });
    expect(result.lines[3]).toBe(
      '    hint: The token\'s audience is "sts.amazonaws.com": request the token for an audience the policy lists (the audience input), and list it as a client ID of the IAM OIDC provider.',
    );
    expect(simulate({ StringEquals: { [`${P}:aud`]: 'other' } }, { ...TOKEN, aud: undefined }).lines[3]).toContain('The token\'s audience is undefined');
  });

  it('says when a key belongs to another provider, and nothing more', () => {
    const result = simulate({ StringEquals: { 'gitlab.com:aud': 'STS.amazonaws.com' } });
    expect(result.lines.slice(2, 5)).toEqual([
      '  - StringEquals gitlab.com:aud "STS.amazonaws.com" does not hold: the token has no such claim',
      `    hint: The key gitlab.com:aud is for another provider: this token's keys start with ${P}: (the issuer's URL without https://).`,
      KEYS_LINE,
    ]);
    // The provider's keys are compared without case, as IAM does.
    expect(simulate({ StringEquals: { 'TOKEN.actions.githubusercontent.com:aud': 'other' } }).lines[3]).toContain("The token's audience");
    // Another provider whose host starts like this one's.
    expect(simulate({ StringEquals: { [`${P}.evil:aud`]: 'x' } }).lines[3]).toContain('is for another provider');
  });

  it('names a principal or an action that does not fit', () => {
    const result = simulate(undefined, TOKEN, { Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'sts:AssumeRole' });
    expect(result.lines).toEqual([
      'REFUSED: no statement allows this token.',
      'Statement[0] refuses it:',
      `  - its Principal {"AWS":"arn:aws:iam::1:root"} is not the IAM OIDC provider of this token's issuer (…:oidc-provider/${P})`,
      '  - its Action does not include sts:AssumeRoleWithWebIdentity',
      KEYS_LINE,
    ]);
    expect(simulate(undefined, TOKEN, { Principal: { Federated: 'arn:aws:iam::1:oidc-provider/gitlab.com' } }).lines[2]).toBe(
      `  - its Principal "arn:aws:iam::1:oidc-provider/gitlab.com" is not the IAM OIDC provider of this token's issuer (…:oidc-provider/${P})`,
    );
    // A Principal IAM would not take has no verdict at all.
    expect(simulate(undefined, TOKEN, { Principal: null }).lines[0]).toMatch(/^CANNOT VERIFY: the policy is not one IAM would take: Statement\[0\]: its Principal is neither/);
    expect(simulate(undefined, TOKEN, { Principal: 'arn:x' }).lines[0]).toMatch(/^CANNOT VERIFY: the policy is not one IAM would take: Statement\[0\]: its Principal is neither/);
  });

  it('explains every Allow statement and says when there is none', () => {
    const document = readPolicyDocument({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: '*', Condition: { StringEquals: { [`${P}:ref`]: 'x' } } },
        { Sid: 'A', Effect: 'Allow', Principal: '*', Action: '*', Condition: { StringEquals: { [`${P}:ref`]: 'a' } } },
        { Sid: 'B', Effect: 'Allow', Principal: '*', Action: '*', Condition: { StringEquals: { [`${P}:ref`]: 'b' } } },
      ],
    });
    expect(simulateToken({ policy: document, claims: TOKEN, issuer: ISSUER }).lines).toEqual([
      'REFUSED: no statement allows this token.',
      'Statement[1] (A) refuses it:',
      `  - StringEquals ${P}:ref "a" does not hold: the token has "refs/heads/main"`,
      'Statement[2] (B) refuses it:',
      `  - StringEquals ${P}:ref "b" does not hold: the token has "refs/heads/main"`,
      KEYS_LINE,
    ]);
    const denyOnly = readPolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Condition: { StringEquals: { [`${P}:ref`]: 'x' } } }] });
    expect(simulateToken({ policy: denyOnly, claims: TOKEN, issuer: ISSUER }).lines).toEqual(['REFUSED: no statement allows this token.', 'REFUSED: the policy has no Allow statement.', KEYS_LINE]);
  });

  it('names the Deny that applies', () => {
    const document = readPolicyDocument({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: '*' },
        { Sid: 'NoMain', Effect: 'Deny', Principal: '*', Action: '*', Condition: { StringEquals: { [`${P}:ref`]: 'refs/heads/main' } } },
      ],
    });
    expect(simulateToken({ policy: document, claims: TOKEN, issuer: ISSUER })).toEqual({
      allowed: false,
      lines: ['REFUSED: Statement[1] (NoMain) denies it explicitly (a Deny wins over every Allow).', KEYS_LINE],
    });
  });
});

describe('what claimcheck cannot see or read', () => {
  it('says an answer is decided by a key claimcheck cannot see, not a wrong hint', () => {
    const session = simulate({ StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com', 'sts:RoleSessionName': 'ci' } });
    expect(session).toEqual({ allowed: false, undecided: true, lines: [`CANNOT VERIFY: whether Statement[0] (sts:RoleSessionName) accepts it is decided by a key claimcheck cannot see; every condition claimcheck can see holds.`, KEYS_LINE] });
    const operator = simulate({ StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com' }, DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } });
    expect(operator.undecided).toBe(true);
    // A known condition that fails still refuses: the unseen one is named, with no hint.
    const refused = simulate({ StringEquals: { [`${P}:repository_id`]: '35', 'sts:RoleSessionName': 'ci' } });
    expect(refused.allowed).toBe(false);
    expect(refused.undecided).toBeUndefined();
    expect(refused.lines.slice(0, 4)).toEqual([
      'REFUSED: no statement allows this token.',
      'Statement[0] refuses it:',
      `  - StringEquals ${P}:repository_id "35" does not hold: the token has "34"`,
      '  - StringEquals on sts:RoleSessionName: decided by a key claimcheck cannot see (the caller or the request sets it, or a policy variable or an operator claimcheck does not model)',
    ]);
  });

  it('reads NotAction, and has no verdict for a policy IAM would not take', () => {
    const notAction = readPolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: ARN }, NotAction: 'iam:*', Condition: { StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com' } } }] });
    expect(simulateToken({ policy: notAction, claims: TOKEN, issuer: ISSUER }).allowed).toBe(true);
    const value = simulate({ StringEquals: { [`${P}:sub`]: { nested: 1 } } });
    expect(value).toEqual({ allowed: false, undecided: true, lines: ['CANNOT VERIFY: the policy is not one IAM would take: Statement[0]: StringEquals on token.actions.githubusercontent.com:sub has a value that is not a string, number or boolean.', KEYS_LINE] });
  });

  it('is not sure of an accepted token that a Deny on an unseen key may refuse', () => {
    const document = readPolicyDocument({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Federated: ARN }, Action: 'sts:AssumeRoleWithWebIdentity' },
        { Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      ],
    });
    const result = simulateToken({ policy: document, claims: TOKEN, issuer: ISSUER });
    expect(result.lines[0]).toBe('CANNOT VERIFY: Statement[0] accepts it, but whether Statement[1] (aws:SourceIp) denies it is decided by a key claimcheck cannot see.');
  });
});

describe('near misses, in detail', () => {
  it('count a case-only match among several values, and read the policy\'s escapes', () => {
    expect(simulate({ StringEquals: { [`${P}:ref`]: ['refs/heads/dev', 'refs/heads/MAIN'] } }).lines[3]).toBe('    hint: The values differ only in case: IAM compares ref case-sensitively.');
    const escaped = simulate({ StringEquals: { [`${P}:ref`]: 'refs/heads/MAIN${$}' } }, { ...TOKEN, ref: 'refs/heads/main$' });
    expect(escaped.lines[3]).toBe('    hint: The values differ only in case: IAM compares ref case-sensitively.');
  });

  it('give no case hint for a policy variable claimcheck does not resolve', () => {
    const result = simulate({ StringEquals: { [`${P}:ref`]: '${aws:username}', [`${P}:aud`]: 'x' } });
    expect(result.lines).toEqual([
      'REFUSED: no statement allows this token.',
      'Statement[0] refuses it:',
      `  - StringEquals on ${P}:ref: decided by a key claimcheck cannot see (the caller or the request sets it, or a policy variable or an operator claimcheck does not model)`,
      `  - StringEquals ${P}:aud "x" does not hold: the token has "sts.amazonaws.com"`,
      "    hint: The token's audience is \"sts.amazonaws.com\": request the token for an audience the policy lists (the audience input), and list it as a client ID of the IAM OIDC provider.",
      KEYS_LINE,
    ]);
  });

  it('give the subject-form hints for the subject only', () => {
    const result = simulate({ StringEquals: { [`${P}:workflow`]: IMMUTABLE } }, { ...TOKEN, workflow: LEGACY, environment: 'prod' });
    expect(result.lines.join('\n')).not.toContain('hint:');
  });

  it('give the environment hint when any trusted subject names a ref', () => {
    const result = simulate(onSub(['repo:acme/api:pull_request', 'repo:acme/api:ref:refs/heads/main']), { ...TOKEN, sub: 'repo:acme/api:environment:prod', environment: 'prod' });
    expect(result.lines[3]).toMatch(/^ {4}hint: This job uses the environment "prod"/);
  });

  it('hold a Principal that names the provider under another kind than Federated as not matching', () => {
    const result = simulate(onSub(IMMUTABLE), TOKEN, { Principal: { AWS: ARN } });
    expect(result.allowed).toBe(false);
    expect(result.lines[2]).toBe(`  - its Principal {"AWS":"${ARN}"} is not the IAM OIDC provider of this token's issuer (…:oidc-provider/${P})`);
  });
});
