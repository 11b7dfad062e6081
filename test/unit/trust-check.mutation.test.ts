// `trust-policy --check`: a live trust policy against the rules, as data. It finds a token the
// rules allow and the policy accepts (the witness), then per rule a token the policy accepts and
// the rule refuses (a gap), built as the platform builds tokens; rules AWS cannot see are listed
// apart. Every gap's token is checked here to be a real counterexample.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/core/trust/aws/evaluate.js';
import { issuerKeys, requestContext, type IssuerKeys } from '../../src/core/trust/aws/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/policy.js';
import { checkClaimRules, parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import type { Platform } from '../../src/core/rules/rules-file.js';
import { checkPolicy, type CheckResult } from '../../src/core/trust/aws/check.js';
import { compileRules } from '../../src/core/trust/aws/compile.js';

const GITHUB = issuerKeys('https://token.actions.githubusercontent.com');
const G = GITHUB.prefix;
const AUD = 'sts.amazonaws.com';

const principal = (keys: IssuerKeys) => `arn:aws:iam::123456789012:oidc-provider/${keys.prefix}`;

function document(keys: IssuerKeys, condition: object, extra: object = {}): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: principal(keys) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, ...extra }] };
}

function check(policy: object, rules: string | ClaimRule[], keys: IssuerKeys = GITHUB, platform?: Platform): CheckResult {
  return checkPolicy({ policy: readPolicyDocument(policy), rules: typeof rules === 'string' ? parseClaimRules(rules) : rules, keys, audience: AUD, platform });
}

/** The claims are a token the policy accepts (as STS would judge it) and the rules' verdict on them. */
function judged(policy: object, rules: string | ClaimRule[], keys: IssuerKeys, claims: Readonly<Record<string, string>>): { accepted: boolean; allowed: boolean } {
  const accepted = evaluatePolicy(readPolicyDocument(policy), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, value) => kind === 'Federated' && value === principal(keys),
    context: requestContext(keys, claims),
  }).allowed;
  const list = typeof rules === 'string' ? parseClaimRules(rules) : rules;
  return { accepted, allowed: checkClaimRules(list, claims).every((result) => result.held) };
}

function expectReal(policy: object, rules: string | ClaimRule[], result: CheckResult, keys: IssuerKeys = GITHUB): void {
  if (result.witness) expect(judged(policy, rules, keys, result.witness), JSON.stringify(result.witness)).toEqual({ accepted: true, allowed: true });
  for (const gap of result.gaps) expect(judged(policy, rules, keys, gap.token), JSON.stringify(gap)).toEqual({ accepted: true, allowed: false });
}

const exact = (claim: string, ...values: string[]): ClaimRule => ({ source: `${claim}=${values.join('|')}`, claim, alternatives: values.map((value) => ({ exact: value })) });
const regex = (claim: string, pattern: string): ClaimRule => ({ source: `${claim}~${pattern}`, claim, alternatives: [{ regex: { source: pattern, test: (value) => new RegExp(`^(?:${pattern})$`).test(value) } }] });

describe('a policy compiled from the rules', () => {
  it('passes: a witness, no gap', () => {
    const rules = 'repository_id=100000001\nref=refs/heads/main|refs/tags/v*';
    const policy = compileRules(parseClaimRules(rules), { principal: principal(GITHUB), keys: GITHUB, audience: AUD }).document;
    const result = check(policy, rules);
    expect(result.gaps).toEqual([]);
    expect(result.claimcheckOnly).toEqual([]);
    expect(result.witness).toMatchObject({ repository_id: '100000001', ref: 'refs/heads/main', sub: 'repo:acme/api:ref:refs/heads/main', aud: AUD });
    expectReal(policy, rules, result);
  });
});

describe('gaps', () => {
  it('finds a claim the policy never checks, with a token that proves it', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD }, StringLike: { [`${G}:sub`]: 'repo:acme/*' } });
    const rules = 'repository_id=100000001\nref=refs/heads/main';
    const result = check(policy, rules);
    expect(result.witness).toBeDefined();
    expect(result.gaps.map((gap) => gap.claim)).toEqual(['repository_id', 'ref']);
    expect(result.gaps[0]?.summary).toBe(`accepts any repository_id: the policy never checks ${G}:repository_id (e.g. repository_id "1000000019", which the rule repository_id=100000001 refuses)`);
    expect(result.gaps[0]?.token).toMatchObject({ repository_id: '1000000019', sub: 'repo:acme/api:ref:refs/heads/main', aud: AUD });
    expect(result.gaps[1]?.summary).toMatch(new RegExp(`^accepts any ref: the policy never checks ${G}:ref \\(e\\.g\\. ref "refs/heads/main9", which the rule ref=refs/heads/main refuses\\)$`));
    expect(result.gaps[1]?.token).toMatchObject({ ref: 'refs/heads/main9', sub: 'repo:acme/api:ref:refs/heads/main9' });
    expectReal(policy, rules, result);
  });

  it('finds a * the policy lets cross a / or a :', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G}:ref`]: 'refs/tags/v*' } });
    const rules = 'repository_id=1\nref=refs/tags/v*';
    const result = check(policy, rules);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]?.summary).toBe('accepts ref "refs/tags/vx/y", which the rule ref=refs/tags/v* refuses');
    expect(result.gaps[0]?.token.ref).toBe('refs/tags/vx/y');
    expectReal(policy, rules, result);
  });

  it('finds a token without the claim when the policy lets it be missing', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringEqualsIfExists: { [`${G}:environment`]: 'prod' } });
    const rules = 'repository_id=1\nenvironment=prod';
    const result = check(policy, rules);
    expect(result.gaps).toEqual([
      { claim: 'environment', summary: 'accepts a token without environment, which the rule environment=prod refuses', token: expect.not.objectContaining({ environment: expect.anything() }) },
    ]);
    expectReal(policy, rules, result);
  });

  it('finds a value that differs only in case from a policy that ignores case', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringEqualsIgnoreCase: { [`${G}:environment`]: 'prod' } });
    const result = check(policy, 'repository_id=1\nenvironment=prod');
    expect(result.gaps[0]?.summary).toBe('accepts environment "PROD", which the rule environment=prod refuses');
    expectReal(policy, 'repository_id=1\nenvironment=prod', result);
  });

  it('finds other values the policy lists', () => {
    for (const [listed, found] of [
      [['prod', 'prod9'], 'prod9'],
      [['prod', 'prod-other'], 'prod-other'],
      [['prod', 'other-prod'], 'other-prod'],
      [['prod', 'prod:x'], 'prod:x'],
      [['prod', ''], ''],
      [['prod', 'staging'], 'staging'],
    ] as const) {
      const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1', [`${G}:environment`]: [...listed] } });
      const result = check(policy, 'repository_id=1\nenvironment=prod');
      expect(result.gaps.map((gap) => gap.summary), listed.join()).toEqual([`accepts environment ${JSON.stringify(found)}, which the rule environment=prod refuses`]);
    }
  });

  it('fills a policy pattern\'s ? and * to find the value it accepts', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G}:environment`]: ['prod', 'stag?-*'] } });
    const result = check(policy, 'repository_id=1\nenvironment=prod');
    expect(result.gaps[0]?.summary).toBe('accepts environment "stagx-x", which the rule environment=prod refuses');
  });

  it('reads the values a policy pins through the subject', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G}:sub`]: ['repo:acme/api:environment:prod', 'repo:acme/api:environment:dev?'] } });
    const result = check(policy, 'repository_id=1\nenvironment=prod');
    expect(result.gaps[0]?.summary).toBe(`accepts any environment: the policy never checks ${G}:environment (e.g. environment "devx", which the rule environment=prod refuses)`);
    expect(result.gaps[0]?.token.sub).toBe('repo:acme/api:environment:devx');
    expectReal(policy, 'repository_id=1\nenvironment=prod', result);
  });

  it('finds a subject the rule on sub refuses', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD }, StringLike: { [`${G}:sub`]: 'repo:acme/api:*' } });
    const rules = 'sub=repo:acme/api:ref:refs/heads/*';
    const result = check(policy, rules);
    expect(result.witness?.sub).toBe('repo:acme/api:ref:refs/heads/x');
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]?.summary).toMatch(/^accepts sub "repo:acme\/api:ref:refs\/heads\/x\/y", which the rule sub=repo:acme\/api:ref:refs\/heads\/\* refuses$/);
    expectReal(policy, rules, result);
  });

  it('reports each claim once, and none for rules that agree with the policy', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' } });
    const rules = 'repository_id=1\nref=refs/heads/*\nref=refs/heads/main';
    const result = check(policy, rules);
    expect(result.witness).toMatchObject({ ref: 'refs/heads/main' });
    expect(result.gaps.map((gap) => gap.claim)).toEqual(['ref']);
    expect(result.gaps[0]?.summary).toBe(`accepts any ref: the policy never checks ${G}:ref (e.g. ref "refs/heads/x/y", which the rule ref=refs/heads/* refuses)`);
  });
});

describe('the witness', () => {
  it('is built from the policy\'s values when the rules leave them open', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '555', [`${G}:ref`]: 'refs/heads/main' } });
    const rules = 'repository_id=**\nref=refs/heads/**';
    const result = check(policy, rules);
    expect(result.witness).toMatchObject({ repository_id: '555', ref: 'refs/heads/main' });
    expect(result.gaps.map((gap) => gap.claim)).toEqual([]);
    expectReal(policy, rules, result);
  });

  it('takes the repository from a policy\'s subject, in the form the policy names', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:sub`]: 'repo:other@7/tool@8:environment:prod' } });
    const rules = 'environment=prod';
    const result = check(policy, rules);
    expect(result.witness).toMatchObject({ repository: 'other/tool', repository_owner: 'other', repository_owner_id: '7', repository_id: '8', environment: 'prod', sub: 'repo:other@7/tool@8:environment:prod' });
    expectReal(policy, rules, result);
  });

  it('skips policy values the rules refuse', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:ref`]: ['refs/heads/main', 'refs/tags/v1'], [`${G}:repository_id`]: '5' } });
    const rules = 'ref=refs/heads/**\nrepository_id=*';
    const result = check(policy, rules);
    expect(result.witness).toMatchObject({ ref: 'refs/heads/main', repository_id: '5' });
    expectReal(policy, rules, result);
  });

  it('is missing when the policy accepts no token the rules allow', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '2' } });
    expect(check(policy, 'repository_id=1')).toEqual({ witness: undefined, gaps: [], claimcheckOnly: [] });
    // Another provider's principal, another audience, an empty Allow list: no witness either.
    const other = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::1:oidc-provider/gitlab.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
    expect(check(other, 'repository_id=1').witness).toBeUndefined();
    expect(check(document(GITHUB, { StringEquals: { [`${G}:aud`]: 'other' } }), 'repository_id=1').witness).toBeUndefined();
    expect(check(document(GITHUB, {}, { Action: 'sts:AssumeRole' }), 'repository_id=1').witness).toBeUndefined();
  });

  it('finds no value in negated or Null conditions, nor in values with a policy variable', () => {
    const policy = document(GITHUB, {
      StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '9' },
      StringNotEquals: { [`${G}:repository_id`]: '8' },
      Null: { [`${G}:repository_id`]: 'false' },
    });
    expect(check(policy, 'repository_id=*').witness).toMatchObject({ repository_id: '9' });
    const negatedOnly = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD }, StringNotLike: { [`${G}:repository_id`]: '1*' }, StringLike: { [`${G}:repository_id`]: ['1*', '${aws:x}'] } });
    expect(check(negatedOnly, 'repository_id=*').witness).toBeUndefined();
  });
});

describe('rules AWS cannot check', () => {
  it('are listed as checked by claimcheck only, and never as gaps', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' } });
    const rules = [...parseClaimRules('repository_id=1\nevent_name=push'), regex('ref', 'refs/heads/.*')];
    const result = check(policy, rules);
    expect(result.claimcheckOnly.map((binding) => [binding.rule.claim, binding.where])).toEqual([
      ['event_name', 'claimcheck'],
      ['ref', 'claimcheck'],
    ]);
    expect(result.gaps).toEqual([]);
    expect(result.witness).toMatchObject({ repository_id: '1', event_name: 'push' });
    // The regex rule gives the witness no value: the model's own ref stands.
    expect(result.witness?.ref).toBe('refs/heads/main');
  });

  it('leave the witness to satisfy them from the model when they have no instance', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' } });
    const result = check(policy, [exact('repository_id', '1'), regex('workflow', 'dep.*')]);
    expect(result.witness).toMatchObject({ workflow: 'deploy' });
  });
});

describe('other platforms', () => {
  it('GitLab: a subject policy on names, against rules that pin the project id', () => {
    const keys = issuerKeys('https://gitlab.com');
    const policy = document(keys, { StringEquals: { 'gitlab.com:aud': AUD }, StringLike: { 'gitlab.com:sub': 'project_path:acme/api:ref_type:branch:ref:main' } });
    const rules = 'project_id=4200001\nref_protected=true';
    const result = check(policy, rules, keys);
    expect(result.gaps.map((gap) => gap.claim)).toEqual(['project_id', 'ref_protected']);
    expect(result.gaps[0]?.summary).toMatch(/^accepts any project_id: the policy never checks gitlab\.com:project_id/);
    expect(result.witness?.sub).toBe('project_path:acme/api:ref_type:branch:ref:main');
    expectReal(policy, rules, result, keys);
  });

  it('CircleCI: the project through the subject or its key', () => {
    const org = '0f5a2b6c-1111-4222-8333-444455556666';
    const keys = issuerKeys(`https://oidc.circleci.com/org/${org}`);
    const project = 'oidc.circleci.com/project-id';
    const policy = document(keys, { StringEquals: { [`${keys.prefix}:aud`]: AUD }, StringLike: { [`${keys.prefix}:sub`]: `org/${org}/project/p1/user/*` } });
    const rules = [exact(project, 'p1')];
    const result = check(policy, rules, keys);
    expect(result.witness).toMatchObject({ [project]: 'p1', sub: `org/${org}/project/p1/user/3f1c0c2e-0000-4000-8000-0000000000aa` });
    expect(result.gaps).toEqual([]);
    const loose = document(keys, { StringEquals: { [`${keys.prefix}:aud`]: AUD }, StringLike: { [`${keys.prefix}:sub`]: `org/${org}/*` } });
    const gaps = check(loose, rules, keys).gaps;
    expect(gaps.map((gap) => gap.summary)).toEqual([`accepts any ${project}: the policy never checks ${keys.prefix}:${project} (e.g. ${project} "p19", which the rule ${project}=p1 refuses)`]);
    expectReal(loose, rules, check(loose, rules, keys), keys);
  });

  it('Buildkite: slugs on their keys', () => {
    const keys = issuerKeys('https://agent.buildkite.com');
    const policy = document(keys, { StringEquals: { 'agent.buildkite.com:aud': AUD, 'agent.buildkite.com:organization_slug': 'acme' } });
    const rules = 'organization_slug=acme\npipeline_slug=deploy';
    const result = check(policy, rules, keys);
    expect(result.gaps.map((gap) => gap.claim)).toEqual(['pipeline_slug']);
    expectReal(policy, rules, result, keys);
  });

  it('Bitbucket: only the subject, by --platform', () => {
    const keys = issuerKeys('https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc');
    const repo = '{5d6b0e4a-0000-4000-8000-000000000002}';
    const policy = document(keys, { StringEquals: { [`${keys.prefix}:aud`]: AUD }, StringLike: { [`${keys.prefix}:sub`]: `${repo}:*` } });
    const rules = `repositoryUuid=${repo}\nbranchName=main`;
    const result = check(policy, rules, keys, 'bitbucket');
    expect(result.witness).toMatchObject({ repositoryUuid: repo, branchName: 'main', sub: `${repo}:{5d6b0e4a-0000-4000-8000-000000000004}` });
    expect(result.claimcheckOnly.map((binding) => binding.rule.claim)).toEqual(['repositoryUuid', 'branchName']);
    expect(result.gaps).toEqual([]);
  });

  it('any other issuer: the subject alone', () => {
    const keys = issuerKeys('https://issuer.example');
    const policy = document(keys, { StringEquals: { 'issuer.example:aud': AUD }, StringLike: { 'issuer.example:sub': 'team:*' } });
    const rules = 'sub=team:a|team:b';
    const result = check(policy, rules, keys);
    expect(result.witness?.sub).toBe('team:a');
    expect(result.gaps[0]?.summary).toBe('accepts sub "team:a9", which the rule sub=team:a|team:b refuses');
    expectReal(policy, rules, result, keys);
  });
});

describe('the values tried for a gap', () => {
  const RULES = 'repository_id=1\nenvironment=prod';
  const pinned = { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' };

  /** The environment value of the gap found against a policy that pins repository_id 1. */
  function found(condition: Record<string, object>, rules = RULES): string | undefined {
    const policy = document(GITHUB, { ...condition, StringEquals: { ...pinned, ...(condition.StringEquals ?? {}) } });
    const result = check(policy, rules);
    expectReal(policy, rules, result);
    const gap = result.gaps.find((item) => item.claim === 'environment');
    return gap === undefined ? undefined : (gap.token.environment ?? '(none)');
  }

  it('near misses of the current value, in order', () => {
    expect(found({ StringLike: { [`${G}:environment`]: ['prod', 'prod?'] } })).toBe('prod9');
    expect(found({ StringLike: { [`${G}:environment`]: ['prod', 'prod-*'] } })).toBe('prod-other');
    expect(found({ StringLike: { [`${G}:environment`]: ['prod', '*-prod'] } })).toBe('other-prod');
    expect(found({ StringLike: { [`${G}:environment`]: ['prod', 'prod*x'] } })).toBe('prod/x');
    expect(found({ StringLike: { [`${G}:environment`]: ['prod', 'prod*x'] }, StringNotLike: { [`${G}:environment`]: '*/*' } })).toBe('prod:x');
  });

  it('the empty value, then a missing claim', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Federated: principal(GITHUB) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { ...pinned, [`${G}:environment`]: 'prod' } } },
        { Effect: 'Allow', Principal: { Federated: principal(GITHUB) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: pinned, StringNotLike: { [`${G}:environment`]: '?*' }, Null: { [`${G}:environment`]: 'false' } } },
      ],
    };
    const result = check(policy, RULES);
    expect(result.gaps.map((gap) => gap.token.environment)).toEqual(['']);
    expectReal(policy, RULES, result);
  });

  it('the policy\'s own values, read as IAM reads them', () => {
    expect(found({ StringEquals: { [`${G}:environment`]: ['prod', 'st*ge'] } })).toBe('st*ge');
    expect(found({ StringEquals: { [`${G}:environment`]: ['prod', 'a${*}b'] } })).toBe('a*b');
    expect(found({ StringLike: { [`${G}:environment`]: ['prod', 'a?b*'] }, StringNotLike: { [`${G}:environment`]: 'axbx' } })).toBe('axbx/y');
  });

  it('the policy\'s patterns filled with x, x/y, x:y, then nothing', () => {
    const like = { [`${G}:environment`]: ['prod', 'st*'] };
    expect(found({ StringLike: like })).toBe('stx');
    expect(found({ StringLike: like, StringNotLike: { [`${G}:environment`]: 'stx' } })).toBe('stx/y');
    expect(found({ StringLike: like, StringNotLike: { [`${G}:environment`]: ['stx', 'st*/*'] } })).toBe('stx:y');
    expect(found({ StringLike: like, StringNotLike: { [`${G}:environment`]: ['stx', 'st*/*', 'st*:*'] } })).toBe('st');
  });

  it('the values of the policy\'s subjects, filled with x, x/y, then x:y', () => {
    const sub = { [`${G}:sub`]: ['repo:acme/api:environment:prod', 'repo:acme/api:environment:st*'] };
    expect(found({ StringLike: sub })).toBe('stx');
    expect(found({ StringLike: sub, StringNotLike: { [`${G}:sub`]: '*:stx' } })).toBe('stx/y');
    expect(found({ StringLike: sub, StringNotLike: { [`${G}:sub`]: ['*:stx', '*:st*/*'] } })).toBe('stx:y');
  });

  it('nothing from subjects that do not name the claim', () => {
    const misses = ['prod9', 'prod-other', 'other-prod', 'PROD', 'prod/x', 'prod:x', ''];
    expect(found({ StringLike: { [`${G}:sub`]: 'repo:acme/api:*' }, StringNotLike: { [`${G}:environment`]: misses } })).toBe('(none)');
  });

  it('the rule\'s own patterns stretched across : and filled with x', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G}:ref`]: 'refs/tags/v*' }, StringNotLike: { [`${G}:ref`]: '*/*/*/*' } });
    expect(check(policy, 'repository_id=1\nref=refs/tags/v*').gaps.map((gap) => gap.token.ref)).toEqual(['refs/tags/vx:y']);
    // Here the x fill is refused by a second rule on the claim.
    const narrow = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G}:ref`]: 'refs/heads/*' }, StringNotLike: { [`${G}:ref`]: ['*/*/*/*', '*:*'] } });
    const rules = 'repository_id=1\nref=refs/heads/*\nref=refs/heads/main';
    const result = check(narrow, rules);
    expect(result.gaps.map((gap) => gap.token.ref)).toEqual(['refs/heads/x']);
    expectReal(narrow, rules, result);
  });
});

describe('how a gap is described', () => {
  it('says the policy checks the key when any statement does', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Federated: principal(GITHUB) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G}:environment`]: 'prod*' } } },
        { Effect: 'Allow', Principal: { Federated: principal(GITHUB) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1', [`${G}:ref`]: 'refs/heads/never' } } },
      ],
    };
    expect(check(policy, 'repository_id=1\nenvironment=prod').gaps.map((gap) => gap.summary)).toEqual(['accepts environment "prod9", which the rule environment=prod refuses']);
    // Key names are compared without case, as IAM does.
    const upper = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '1' }, StringLike: { [`${G.toUpperCase()}:ENVIRONMENT`]: 'prod*' } });
    expect(check(upper, 'repository_id=1\nenvironment=prod').gaps.map((gap) => gap.summary)).toEqual(['accepts environment "prod9", which the rule environment=prod refuses']);
  });

  it('never says a policy accepts any subject', () => {
    const keys = issuerKeys('https://issuer.example');
    const policy = document(keys, { StringEquals: { 'issuer.example:aud': AUD } });
    const result = check(policy, 'sub=team:a', keys);
    expect(result.gaps.map((gap) => gap.summary)).toEqual(['accepts sub "team:a9", which the rule sub=team:a refuses']);
  });
});

describe('the witness search, in detail', () => {
  it('takes a policy value that makes the token acceptable, and nothing else', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '555' } });
    const result = check(policy, 'environment=**\nrepository_id=**');
    expect(result.witness).toStrictEqual({
      repository: 'acme/api', repository_owner: 'acme', repository_id: '555', repository_owner_id: '200000002', ref: 'refs/heads/main',
      ref_type: 'branch', event_name: 'push', actor: 'octocat', actor_id: '583231', workflow: 'deploy', job_workflow_ref: 'acme/api/.github/workflows/deploy.yml@refs/heads/main',
      environment: 'x', sub: 'repo:acme/api:environment:x', aud: AUD,
    });
  });

  it('fills a pattern with x, then with nothing', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD }, StringLike: { [`${G}:environment`]: 'a*' } });
    expect(check(policy, [exact('environment', 'bx', 'ax')]).witness?.environment).toBe('ax');
    expect(check(policy, [exact('environment', 'b', 'a')]).witness?.environment).toBe('a');
  });

  it('keeps a value when either subject form passes the rules', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: '555' } });
    const result = check(policy, 'sub=repo:acme/api:**\nrepository_id=**');
    expect(result.witness).toMatchObject({ repository_id: '555', sub: 'repo:acme/api:ref:refs/heads/main' });
  });

  it('takes the first alternative that gives a value', () => {
    const policy = document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD } });
    const rule: ClaimRule = { source: 'workflow', claim: 'workflow', alternatives: [{ regex: { source: 'zzz', test: (value) => value === 'zzz' } }, { exact: 'release' }] };
    expect(check(policy, [rule]).witness?.workflow).toBe('release');
  });

  it('finds none under a Principal of another kind, or a policy it cannot read', () => {
    expect(check(document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD } }, { Principal: { AWS: principal(GITHUB) } }), 'repository_id=1').witness).toBeUndefined();
    expect(check(document(GITHUB, { StringEquals: { [`${G}:aud`]: AUD, [`${G}:repository_id`]: { n: 1 } } }), 'repository_id=1').witness).toBeUndefined();
  });
});
