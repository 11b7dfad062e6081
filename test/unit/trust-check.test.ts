// `trust-policy --check` decided, against the bugs found from outside (issue 24): every statement,
// principal and key accounted for; no false FAIL for the standard subject policy; every FAIL's
// token accepted by the STS double (the oracle, written apart from src/) and refused by the rules.
import { describe, expect, it } from 'vitest';
import { checkPolicy, type CheckResult, type Finding } from '../../src/core/trust/aws/check/check.js';
import { issuerKeys, type IssuerKeys } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import type { Platform } from '../../src/core/rules/rules-file.js';
import { evaluateTrustPolicy } from '../harness/trust-policy.ts';
import { webIdentityRequest, type ConditionKeyFamily } from '../harness/sts-context.ts';

const ISSUER = 'https://token.actions.githubusercontent.com';
const GITHUB = issuerKeys(ISSUER);
const G = GITHUB.prefix;
const AUD = 'sts.amazonaws.com';
const ACCOUNT = '111122223333';
const provider = (prefix: string) => `arn:aws:iam::${ACCOUNT}:oidc-provider/${prefix}`;

function allow(condition: object, principal: object = { Federated: provider(G) }, action: string | string[] = 'sts:AssumeRoleWithWebIdentity'): object {
  return { Effect: 'Allow', Principal: principal, Action: action, Condition: condition };
}

function policyOf(...statements: object[]): object {
  return { Version: '2012-10-17', Statement: statements };
}

interface Options {
  readonly issuer?: string;
  readonly keys?: IssuerKeys;
  readonly platform?: Platform;
  readonly allowUnpinned?: boolean;
}

function check(policy: object, rules: string | ClaimRule[], options: Options = {}): CheckResult {
  const issuer = options.issuer ?? ISSUER;
  const result = checkPolicy({
    policy: readPolicyDocument(policy),
    rules: typeof rules === 'string' ? parseClaimRules(rules) : rules,
    issuer,
    keys: options.keys ?? issuerKeys(issuer),
    audience: AUD,
    platform: options.platform,
    allowUnpinned: options.allowUnpinned ?? false,
  });
  expectReal(policy, typeof rules === 'string' ? parseClaimRules(rules) : rules, result, options.keys ?? issuerKeys(issuer));
  return result;
}

/** Every gap's token: the oracle accepts it, the rules refuse it; the witness: both accept it. */
function expectReal(policy: object, rules: readonly ClaimRule[], result: CheckResult, keys: IssuerKeys): void {
  const family = keys.family === 'none' ? undefined : (keys.family as ConditionKeyFamily);
  const oracle = (claims: Readonly<Record<string, string>>) => evaluateTrustPolicy(policy, webIdentityRequest(keys.prefix, claims, { ...(family ? { conditionKeys: family } : {}), accountId: ACCOUNT }));
  const held = (claims: Readonly<Record<string, string>>) => checkClaimRules(rules.filter((rule) => !result.claimcheckOnly.includes(rule)), claims).every((r) => r.held);
  for (const finding of result.findings) {
    if (finding.kind !== 'gap') continue;
    expect(oracle(finding.token).allowed, `${JSON.stringify(finding.token)}: ${oracle(finding.token).reason}`).toBe(true);
    expect(held(finding.token), JSON.stringify(finding.token)).toBe(false);
  }
  if (result.witness) {
    expect(oracle(result.witness).allowed, JSON.stringify(result.witness)).toBe(true);
    expect(held(result.witness)).toBe(true);
  }
}

const kinds = (result: CheckResult) => result.findings.map((finding) => finding.kind);
const gapsOf = (result: CheckResult) => result.findings.filter((finding): finding is Extract<Finding, { kind: 'gap' }> => finding.kind === 'gap');

const aud = { [`${G}:aud`]: AUD };

describe('the standard subject policy', () => {
  const policy = policyOf(allow({ StringEquals: { ...aud, [`${G}:sub`]: 'repo:acme/api:ref:refs/heads/main' } }));

  it('passes against the rules it stands for (no token with repository acme/api/x beside repo:acme/api:…)', () => {
    const result = check(policy, 'repository=acme/api\nref=refs/heads/main');
    expect(result.verdict).toBe('ok');
    expect(result.witness).toMatchObject({ sub: 'repo:acme/api:ref:refs/heads/main', repository: 'acme/api', ref: 'refs/heads/main' });
    // The rules also allow an environment job on main, whose subject names the environment.
    expect(kinds(result)).toEqual(['narrower']);
  });

  it('fails against rules that pin the repository id, with a token of a re-created acme/api', () => {
    const result = check(policy, 'repository_id=100000001\nref=refs/heads/main');
    expect(result.verdict).toBe('fail');
    expect(gapsOf(result)[0]?.token).toMatchObject({ repository: 'acme/api' });
    expect(gapsOf(result)[0]?.token.repository_id).not.toBe('100000001');
  });
});

describe('every statement counts', () => {
  it('fails a second statement that trusts the environment subject with no ref', () => {
    const policy = policyOf(
      allow({ StringEquals: { ...aud, [`${G}:sub`]: 'repo:acme/api:ref:refs/heads/main' } }),
      allow({ StringEquals: aud, StringLike: { [`${G}:sub`]: 'repo:acme/api:environment:*' } }),
    );
    const result = check(policy, 'repository=acme/api\nref=refs/heads/main');
    expect(result.verdict).toBe('fail');
    const gap = gapsOf(result)[0];
    expect(gap?.statement).toBe('Statement[1]');
    expect(gap?.token.sub).toMatch(/^repo:acme\/api:environment:/);
    expect(gap?.token.ref).not.toBe('refs/heads/main');
  });

  it('fails a statement for another OIDC provider, and one for an AWS principal, naming them', () => {
    const good = allow({ StringEquals: { ...aud, [`${G}:sub`]: 'repo:acme/api:ref:refs/heads/main' } });
    const other = check(policyOf(good, allow({ StringEquals: { 'gitlab.com:aud': AUD } }, { Federated: provider('gitlab.com') })), 'repository=acme/api\nref=refs/heads/main');
    expect(other.verdict).toBe('fail');
    expect(other.findings).toContainEqual(expect.objectContaining({ kind: 'grantee', statement: 'Statement[1]', grantee: expect.objectContaining({ value: provider('gitlab.com') }) }));
    const aws = check(policyOf(good, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }), 'repository=acme/api\nref=refs/heads/main');
    expect(aws.verdict).toBe('fail');
    expect(aws.findings).toContainEqual(expect.objectContaining({ kind: 'grantee', grantee: expect.objectContaining({ type: 'AWS', action: 'sts:AssumeRole' }), context: {} }));
  });

  it('does not count a grant of an action that assumes nothing (sts:TagSession)', () => {
    const policy = policyOf(allow({ StringEquals: { ...aud, [`${G}:sub`]: 'repo:acme/api:ref:refs/heads/main' } }), { Effect: 'Allow', Principal: { Federated: provider(G) }, Action: 'sts:TagSession' });
    expect(check(policy, 'repository=acme/api\nref=refs/heads/main').verdict).toBe('ok');
  });
});

describe('what claimcheck cannot see', () => {
  const wide = (extra: object) => policyOf(allow({ StringEquals: { ...aud, [`${G}:sub`]: 'repo:acme/api:ref:refs/heads/main' } }), allow({ StringEquals: aud, StringLike: { [`${G}:sub`]: 'repo:acme/*' }, ...extra }));

  it('makes the verdict cannot-verify when a wide statement turns on sts:RoleSessionName', () => {
    const result = check(wide({ StringEquals: { ...aud, 'sts:RoleSessionName': 'ci' } }), 'repository=acme/api\nref=refs/heads/main');
    expect(result.verdict).toBe('cannot-verify');
    const undecided = result.findings.find((finding) => finding.kind === 'undecided');
    expect(undecided).toMatchObject({ why: [expect.stringMatching(/^Statement\[1\]: the key sts:RoleSessionName/)] });
  });

  it('makes the verdict cannot-verify for a policy variable', () => {
    const result = check(wide({ StringLike: { [`${G}:sub`]: 'repo:${aws:username}/*' } }), 'repository=acme/api\nref=refs/heads/main');
    expect(result.verdict).toBe('cannot-verify');
  });

  it('still fails when another statement has a real gap', () => {
    const policy = policyOf(allow({ StringEquals: aud, StringLike: { [`${G}:sub`]: 'repo:acme/*' } }), allow({ StringEquals: { ...aud, 'sts:RoleSessionName': 'x' } }));
    expect(check(policy, 'repository=acme/api').verdict).toBe('fail');
  });

  it('reads a key of another provider as missing, not unknown', () => {
    const policy = policyOf(allow({ StringEquals: { ...aud, [`${G}:sub`]: 'repo:acme/api:ref:refs/heads/main' } }), allow({ StringEquals: { ...aud, 'gitlab.com:sub': 'x' } }));
    expect(check(policy, 'repository=acme/api\nref=refs/heads/main').verdict).toBe('ok');
  });
});

describe('Deny statements', () => {
  it('counts a Deny that closes the gap, and a Deny on an unseen key as cannot-verify', () => {
    const open = allow({ StringEquals: aud, StringLike: { [`${G}:sub`]: 'repo:acme/api:*' } });
    const deny = (condition: object) => ({ Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: condition });
    expect(check(policyOf(open, deny({ StringNotEquals: { [`${G}:ref`]: 'refs/heads/main' } })), 'repository=acme/api\nref=refs/heads/main').verdict).toBe('ok');
    expect(check(policyOf(open, deny({ StringNotEquals: { [`${G}:ref`]: 'refs/heads/main', 'aws:SourceIp': 'x' } })), 'repository=acme/api\nref=refs/heads/main').verdict).toBe('cannot-verify');
  });
});

describe('policies that pin nothing', () => {
  it('fail unless the opt-in is given', () => {
    const policy = policyOf(allow({ StringEquals: aud }));
    const result = check(policy, 'aud=sts.amazonaws.com');
    expect(result.verdict).toBe('fail');
    expect(kinds(result)).toContain('unpinned');
    expect(check(policy, 'aud=sts.amazonaws.com', { allowUnpinned: true }).verdict).toBe('ok');
    expect(check(policyOf(allow({ StringEquals: aud, StringLike: { [`${G}:repository`]: '*' } })), 'repository=**').verdict).toBe('fail');
  });

  it('fail on GitHub Enterprise Server for an audience-only policy', () => {
    const issuer = 'https://ghes.example.com/_services/token';
    const keys = issuerKeys(issuer);
    const policy = policyOf(allow({ StringEquals: { [`${keys.prefix}:aud`]: AUD } }, { Federated: provider(keys.prefix) }));
    const result = check(policy, 'repository=acme/api', { issuer, platform: 'github' });
    expect(result.verdict).toBe('fail');
    expect(kinds(result)).toEqual(expect.arrayContaining(['gap', 'unpinned']));
  });

  it('fail for an issuer of unknown subject format when every subject is accepted; a subject pattern is left to the rules', () => {
    const issuer = 'https://oidc.example.com';
    const keys = issuerKeys(issuer);
    const statement = (like: string) => policyOf(allow({ StringEquals: { [`${keys.prefix}:aud`]: AUD }, StringLike: { [`${keys.prefix}:sub`]: like } }, { Federated: provider(keys.prefix) }));
    const open = check(statement('*'), 'sub=**', { issuer });
    expect([open.verdict, kinds(open)]).toEqual(['fail', ['unpinned']]);
    expect(check(statement('*'), 'sub=**', { issuer, allowUnpinned: true }).verdict).toBe('ok');
    expect(check(statement('?*'), 'sub=**', { issuer }).verdict).toBe('fail');
    expect(check(statement('project:acme/*'), 'sub=project:acme/**', { issuer }).verdict).toBe('ok');
  });
});

describe('a claim met only by its absence', () => {
  it('counts StringNotLike "*" on an optional claim as "the claim is missing", not as impossible (fuzz seed -821158348)', () => {
    const issuer = 'https://agent.buildkite.com';
    const keys = issuerKeys(issuer);
    const policy = policyOf(allow({ StringNotLike: { [`${keys.prefix}:organization_id`]: '*' } }, { Federated: provider(keys.prefix) }));
    const result = check(policy, 'organization_slug=acme', { issuer, platform: 'buildkite' });
    expect(kinds(result)).toEqual(expect.arrayContaining(['gap', 'unpinned']));
    expect(kinds(result)).not.toContain('unusable');
    expect(result.witness).toMatchObject({ organization_slug: 'acme' });
    expect(result.witness).not.toHaveProperty('organization_id');
  });
});

describe('a policy IAM would refuse', () => {
  it('has no verdict', () => {
    const result = check(policyOf({ ...(allow({ StringEquals: aud }) as object), Resource: '*' }), 'repository=acme/api');
    expect(result.verdict).toBe('cannot-verify');
    expect(result.findings[0]).toMatchObject({ kind: 'unreadable', problems: ['Statement[0]: a trust policy statement takes no Resource'] });
  });
});
