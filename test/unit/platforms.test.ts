// The platform presets' pure parts: session names within STS's limits that keep the run,
// the defaults a preset fills in (and the flags that win over them), claim names per
// platform, the job's facts, and the trust policies --platform flags compile to for GitLab,
// Buildkite and Bitbucket, read by both IAM evaluators (claimcheck's and the STS double's),
// with a property for Buildkite branches and steps that try to fake a ref.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError, type ParsedFlags } from '../../src/cli/args.js';
import { TRUST_POLICY_FLAGS } from '../../src/cli/trust/trust-policy.js';
import { rulesFromFlags } from '../../src/cli/trust/flags.js';
import { compileTrust } from '../../src/core/trust/aws/compile-trust.js';
import type { Platform } from '../../src/core/rules/rules-file.js';
import { checkPlatformClaims, presetOf, tokenOrigin, withPreset } from '../../src/cli/platform.js';
import { evaluatePolicy } from '../../src/core/trust/aws/iam/evaluate.js';
import { issuerKeys, requestContext, type KeyFamily } from '../../src/core/trust/aws/iam/keys.js';
import { readPolicyDocument } from '../../src/core/trust/aws/iam/policy.js';
import { parseClaimRules } from '../../src/core/rules/rules.js';
import { unknownClaimReason } from '../../src/core/rules/rules-file.js';
import { isSessionName } from '../../src/core/aws/session-name.js';
import { bitbucketUuid } from '../../src/core/trust/aws/platforms/bitbucket.js';
import { simulateToken } from '../../src/core/trust/aws/check/simulate.js';
import { bitbucketIssuer, bitbucketJobFacts, bitbucketSessionName } from '../../src/platform/bitbucket/claims.js';
import { buildkiteJobFacts, buildkiteSessionName, buildkiteTokenCommand } from '../../src/platform/buildkite/claims.js';
import { gitlabJobFacts, gitlabSessionName } from '../../src/platform/gitlab/claims.js';
import { cliSessionName, PRESETS } from '../../src/platform/presets.js';
import { runs } from '../fuzz/budget.ts';
import { webIdentityRequest, type ConditionKeyFamily } from '../harness/sts-context.ts';
import { evaluateTrustPolicy } from '../harness/trust-policy.ts';

function flags(strings: Record<string, string> = {}, booleans: string[] = []): ParsedFlags {
  return { strings: new Map(Object.entries(strings)), booleans: new Set(booleans), lists: new Map() };
}

describe('session names', () => {
  it('name the GitLab project, pipeline and job; subgroups become dots', () => {
    expect(gitlabSessionName({ project_path: 'acme/platform/api', pipeline_id: '1519139981', job_id: '8222997048' })).toBe('acme.platform.api@1519139981-8222997048');
    expect(gitlabSessionName({})).toBe('gitlab');
  });

  it('name the Buildkite organization, pipeline and build number (a number in the token)', () => {
    expect(buildkiteSessionName({ organization_slug: 'acme', pipeline_slug: 'deploy', build_number: 42 })).toBe('acme.deploy@42');
  });

  it('name the Bitbucket repository and build from the step, else the repository UUID', () => {
    expect(bitbucketSessionName({ BITBUCKET_REPO_FULL_NAME: 'acme/api', BITBUCKET_BUILD_NUMBER: '77' }, {})).toBe('acme.api@77');
    expect(bitbucketSessionName({}, { repositoryUuid: '{9a8b7c6d-1111-4222-8333-444455556666}' })).toBe('9a8b7c6d-1111-4222-8333-444455556666');
  });

  it('stay within STS limits and keep the run, whatever the claims hold', () => {
    const long = gitlabSessionName({ project_path: `${'group/'.repeat(30)}api`, pipeline_id: '1519139981', job_id: '8222997048' });
    expect(long).toHaveLength(64);
    expect(long.endsWith('.api@1519139981-8222997048')).toBe(true);
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (path, pipeline, job) => {
        for (const name of [
          gitlabSessionName({ project_path: path, pipeline_id: pipeline, job_id: job }),
          buildkiteSessionName({ organization_slug: path, pipeline_slug: job, build_number: pipeline }),
          bitbucketSessionName({ BITBUCKET_REPO_FULL_NAME: path, BITBUCKET_BUILD_NUMBER: pipeline }, {}),
        ]) {
          expect(isSessionName(name), name).toBe(true);
        }
      }),
      runs(200),
    );
  });

  it('come from the preset, else from the shape of the claims', () => {
    const gitlab = { project_path: 'acme/api', pipeline_id: '1', job_id: '2' };
    expect(cliSessionName(gitlab, {})).toBe('acme.api@1-2');
    expect(cliSessionName({ organization_slug: 'acme', pipeline_slug: 'deploy', build_number: 3 }, {})).toBe('acme.deploy@3');
    expect(cliSessionName({ repositoryUuid: '{r}', stepUuid: '{s}' }, { BITBUCKET_REPO_FULL_NAME: 'acme/api', BITBUCKET_BUILD_NUMBER: '4' })).toBe('acme.api@4');
    expect(cliSessionName({ repository: 'acme/api', run_id: '5', run_attempt: '1' }, {})).toBe('acme.api@5-1');
    expect(cliSessionName({}, {}, PRESETS.gitlab)).toBe('gitlab');
    expect(cliSessionName({ sub: 'x' }, {})).toMatch(/^claimcheck@[0-9a-z]+$/);
  });
});

describe('preset defaults', () => {
  it('fill in the token source, issuer and audience; given flags win', () => {
    const gitlab = withPreset(flags(), PRESETS.gitlab, { CI_SERVER_URL: 'https://gitlab.example.com' });
    expect(Object.fromEntries(gitlab.strings)).toEqual({ audience: 'sts.amazonaws.com', 'token-env': 'GITLAB_OIDC_TOKEN', issuer: 'https://gitlab.example.com' });
    expect(withPreset(flags(), PRESETS.gitlab, {}).strings.get('issuer')).toBe('https://gitlab.com');
    const own = withPreset(flags({ 'token-file': '/t', issuer: 'https://i', audience: 'a' }), PRESETS.gitlab, { CI_SERVER_URL: 'https://x' });
    expect(Object.fromEntries(own.strings)).toEqual({ 'token-file': '/t', issuer: 'https://i', audience: 'a' });
    expect(withPreset(flags(), PRESETS.buildkite, {}).strings.get('issuer')).toBe('https://agent.buildkite.com');
    expect(withPreset(flags(), PRESETS.bitbucket, { BITBUCKET_WORKSPACE: 'acme' }).strings.get('issuer')).toBe('https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc');
  });

  it('need an issuer for Bitbucket outside a step, unless the token is only decoded', () => {
    expect(() => withPreset(flags(), PRESETS.bitbucket, {})).toThrow(UsageError);
    expect(withPreset(flags(), PRESETS.bitbucket, {}, false).strings.has('issuer')).toBe(false);
  });

  it('run buildkite-agent for the audience, quoted for the shell', () => {
    expect(withPreset(flags({ audience: "it's" }), PRESETS.buildkite, {}).strings.get('token-command')).toBe(`buildkite-agent oidc request-token --audience 'it'\\''s' --claim organization_id,pipeline_id`);
    expect(buildkiteTokenCommand('sts.amazonaws.com')).toBe("buildkite-agent oidc request-token --audience 'sts.amazonaws.com' --claim organization_id,pipeline_id");
  });

  it('name the platform in token errors only when the preset chose the source', () => {
    expect(tokenOrigin(flags(), PRESETS.bitbucket)?.hint).toMatch(/oidc: true/);
    expect(tokenOrigin(flags({ 'token-env': 'MINE' }), PRESETS.bitbucket)).toBeUndefined();
    expect(() => presetOf(flags({ platform: 'jenkins' }))).toThrow(/--platform must be one of github, circleci, gitlab, buildkite, bitbucket/);
  });

  it('refuse a workspace that is not a workspace ID, rather than put it in a URL', () => {
    for (const workspace of ['../x', 'a/b', 'a?b', '', 'a b']) expect(() => bitbucketIssuer(workspace)).toThrow(/is not a workspace ID/);
  });
});

describe('claim names per platform', () => {
  it.each([
    ['gitlab', 'project_id', true],
    ['gitlab', 'job_project_path', true],
    ['gitlab', 'project_paht', false],
    ['gitlab', 'repository', false],
    ['buildkite', 'agent_tag:queue', true],
    ['buildkite', 'agent_tag:', false],
    ['buildkite', 'cluster_name', true],
    ['buildkite', 'pipeline', false],
    ['bitbucket', 'deploymentEnvironmentUuid', true],
    ['bitbucket', 'branch_name', false],
    ['circleci', 'oidc.circleci.com/project-id', true],
    ['circleci', 'project-id', false],
    ['github', 'repository_id', true],
  ] as const)('%s: %s is known: %s', (platform, claim, known) => {
    expect(unknownClaimReason(claim, platform) === undefined).toBe(known);
  });

  it('refuse a rule on a claim the platform never issues, naming the rule', () => {
    expect(() => checkPlatformClaims(parseClaimRules('project_id=1\nref_protected=true'), 'gitlab', 'x')).not.toThrow();
    expect(() => checkPlatformClaims(parseClaimRules('branch=main'), 'bitbucket', 'The rules')).toThrow(/^The rules: the rule branch=main names a claim the platform does not issue: branch is not a claim of Bitbucket Pipelines' tokens/);
  });
});

describe("the job's facts", () => {
  it('leave out what the token does not say', () => {
    expect(gitlabJobFacts({ project_path: 'acme/api', ref: 'v1', ref_type: 'tag', ref_protected: 'false' })).toEqual([['Project', 'acme/api'], ['Ref', 'tag v1']]);
    expect(buildkiteJobFacts({ organization_slug: 'acme', pipeline_slug: 'deploy', build_tag: 'v1', build_branch: 'main', step_key: null })).toEqual([['Pipeline', 'acme/deploy'], ['Ref', 'tag v1']]);
    expect(bitbucketJobFacts({}, { branchName: 'main', stepUuid: '{s}' })).toEqual([['Branch', 'main'], ['Step', '{s}']]);
  });
});

const PRINCIPAL = (prefix: string) => `arn:aws:iam::123456789012:oidc-provider/${prefix}`;

/** Both evaluators on one request; they must agree. */
function accepts(document: object, issuer: string, family: KeyFamily, claims: Record<string, unknown>): boolean {
  const keys = issuerKeys(issuer, family);
  const ours = evaluatePolicy(readPolicyDocument(document), {
    action: 'sts:AssumeRoleWithWebIdentity',
    principalMatches: (kind, arn) => kind === 'Federated' && arn === PRINCIPAL(keys.prefix),
    context: requestContext(keys, { aud: 'sts.amazonaws.com', ...claims }),
  }).allowed;
  const request = webIdentityRequest(keys.prefix, { aud: 'sts.amazonaws.com', ...claims }, { accountId: '123456789012', ...(family === 'none' ? {} : { conditionKeys: family as ConditionKeyFamily }) });
  const double = evaluateTrustPolicy(document, request);
  expect(ours, `the two evaluators differ (double: ${double.reason})`).toBe(double.allowed);
  return ours;
}

/** The policy --platform flags compile to (through the one compiler), for the issuer and keys given. */
function compiledFlags(platform: Platform, args: string[], family?: KeyFamily): object {
  const built = rulesFromFlags(parseFlags(args, TRUST_POLICY_FLAGS), platform);
  const keys = issuerKeys(built.issuer, family);
  return compileTrust({ rules: built.rules, issuer: built.issuer, keys, audience: 'sts.amazonaws.com', principal: PRINCIPAL(keys.prefix), platform, where: 'The flags' }).document;
}

describe('policies from --platform flags', () => {
  it('GitLab: the project by id, the refs by subject, ${ never a variable', () => {
    const document = compiledFlags('gitlab', ['--project-path', 'acme/api', '--project-id', '42', '--branch', 'main', '--branch', 'x${aws-username}*', '--protected']);
    expect(JSON.stringify(document)).toContain('project_path:acme/api:ref_type:branch:ref:x${$}{aws-username}*');
    const main = { sub: 'project_path:acme/api:ref_type:branch:ref:main', project_id: '42', ref_protected: 'true' };
    expect(accepts(document, 'https://gitlab.com', 'gitlab', main)).toBe(true);
    expect(accepts(document, 'https://gitlab.com', 'gitlab', { ...main, ref_protected: 'false' })).toBe(false);
    expect(accepts(document, 'https://gitlab.com', 'gitlab', { ...main, sub: 'project_path:acme/api:ref_type:branch:ref:x${aws-username}-1' })).toBe(true);
    // A tag named main is another ref than the branch main.
    expect(accepts(document, 'https://gitlab.com', 'gitlab', { ...main, sub: 'project_path:acme/api:ref_type:tag:ref:main' })).toBe(false);
  });

  it('Bitbucket: UUIDs as the token writes them, environments in the subject', () => {
    expect(bitbucketUuid('9A8B7C6D-1111-4222-8333-444455556666', '--repository-uuid')).toBe('{9a8b7c6d-1111-4222-8333-444455556666}');
    expect(() => bitbucketUuid('{nope}', '--repository-uuid')).toThrow(/is not a UUID/);
    const r = '{9a8b7c6d-1111-4222-8333-444455556666}';
    const e = '{9a8b7c6d-1111-4222-8333-444455556667}';
    const s = '{9a8b7c6d-1111-4222-8333-444455556668}';
    const document = compiledFlags('bitbucket', ['--workspace', 'acme', '--repository-uuid', r, '--environment-uuid', e]);
    const issuer = bitbucketIssuer('acme');
    expect(accepts(document, issuer, 'none', { sub: `${r}:${e}:${s}` })).toBe(true);
    expect(accepts(document, issuer, 'none', { sub: `${r}:${s}` })).toBe(false);
  });

  const BRANCH = fc.array(fc.constantFrom('m', 'a', 'i', 'n', 'v', ':', '/', '*', 'commit', ':commit:', 'step', ':step:', 'refs/heads/'), { maxLength: 6 }).map((parts) => parts.join(''));
  const STEP = fc.array(fc.constantFrom('d', 'e', ':', '/', '*', 'step', ':step:'), { maxLength: 5 }).map((parts) => parts.join(''));

  it.each(['buildkite', 'none'] as const)('Buildkite (%s keys): a build is accepted only on the trusted branch, whatever its branch, commit and step say', (family) => {
    const issuer = family === 'buildkite' ? 'https://agent.buildkite.com' : 'https://buildkite.example.com';
    // Where AWS has no build_branch key, a tag build's subject cannot carry its branch: branches only.
    const refs = family === 'buildkite' ? ['--branch', 'main', '--tag', 'v*'] : ['--branch', 'main'];
    const document = compiledFlags('buildkite', ['--issuer', issuer, '--organization', 'acme', '--pipeline', 'deploy', ...(family === 'buildkite' ? ['--organization-id', '0191f956-0000-4000-8000-000000000001'] : []), ...refs], family);
    // A tag push's build carries the tag as its branch (build_branch), as Buildkite sets it.
    const token = (ref: string, step: string, name: string) => ({ sub: `organization:acme:pipeline:deploy:ref:${ref}:commit:9f31:step:${step}`, organization_slug: 'acme', pipeline_slug: 'deploy', organization_id: '0191f956-0000-4000-8000-000000000001', build_branch: name });
    fc.assert(
      fc.property(BRANCH, STEP, fc.boolean(), (name, step, tag) => {
        const ref = `refs/${tag ? 'tags' : 'heads'}/${name}`;
        const trusted = tag ? family === 'buildkite' && name.startsWith('v') && !name.includes('/') : name === 'main';
        const accepted = accepts(document, issuer, family, token(ref, step, name));
        // Never wider than the trust; exact for every ref git can name (no `:`), and with the
        // build_branch key whatever the step key (any text) holds.
        if (accepted) expect(trusted && !name.includes(':'), `${ref} / ${step}`).toBe(true);
        const plainStep = family === 'buildkite' || !step.includes(':');
        if (trusted && !name.includes(':') && !name.includes('*') && plainStep) expect(accepted, `${ref} / ${step}`).toBe(true);
      }),
      runs(300),
    );
  });

  it('Buildkite: --branch with --tag is refused where AWS sees only the subject', () => {
    expect(() => compiledFlags('buildkite', ['--issuer', 'https://buildkite.example.com', '--organization', 'acme', '--pipeline', 'deploy', '--branch', 'main', '--tag', 'v*'])).toThrow(/--branch with --tag cannot bind for https:\/\/buildkite\.example\.com: AWS evaluates only the subject there/);
  });
});

describe('explain --trust-policy on other platforms', () => {
  it("gives GitHub's environment-subject hint only for GitHub subjects (GitLab's subject has :ref: and no environment)", () => {
    const document = compiledFlags('gitlab', ['--project-path', 'acme/api', '--branch', 'release']);
    const claims = { sub: 'project_path:acme/api:ref_type:branch:ref:main', aud: 'sts.amazonaws.com', environment: 'production' };
    const simulation = simulateToken({ policy: readPolicyDocument(document), claims, issuer: 'https://gitlab.com' });
    expect(simulation.allowed).toBe(false);
    expect(simulation.lines.join('\n')).toMatch(/StringEquals gitlab\.com:sub "project_path:acme\/api:ref_type:branch:ref:release" does not hold/);
    expect(simulation.lines.join('\n')).not.toMatch(/subject ends in :environment:/);
  });
});

describe('CircleCI claim names', () => {
  it('name the prefixed claims, which --claims needs, and say that a rules file may drop the prefix', () => {
    expect(unknownClaimReason('project-id', 'circleci')).toBe(
      "project-id is not a claim of CircleCI's tokens (known: sub, aud, iss, jti, oidc.circleci.com/project-id, oidc.circleci.com/context-ids, oidc.circleci.com/vcs-origin, oidc.circleci.com/vcs-ref, oidc.circleci.com/ssh-rerun; a rules file may drop the oidc.circleci.com/ prefix)",
    );
  });
});
