// `trust-policy --platform …` flags are rules for the one compiler: different flags AND, a
// repeated flag (and --branch with --tag) gives alternatives; every value is checked for its
// platform and escaped; what the platform's keys cannot express is refused, never dropped.
// Policies are read by the STS double (the oracle, written apart from src/).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/io.js';
import { trustPolicyCommand } from '../../src/cli/trust/trust-policy.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { reachOf } from '../../src/core/trust/aws/binding.js';
import { issuerKeys } from '../../src/core/trust/aws/iam/keys.js';
import { bitbucketBranchRefusal, bitbucketRepositoryNotice, bitbucketUuid } from '../../src/core/trust/aws/platforms/bitbucket.js';
import { buildkiteBranchNotice, buildkiteSlugsOnlyWarning, buildkiteTagBranchNotice } from '../../src/core/trust/aws/platforms/buildkite.js';
import { gitlabEnvironmentRefusal, gitlabPathOnlyWarning } from '../../src/core/trust/aws/platforms/gitlab.js';
import { parseClaimRules, type ClaimRule } from '../../src/core/rules/rules.js';
import { webIdentityRequest, type ConditionKeyFamily } from '../harness/sts-context.ts';
import { evaluateTrustPolicy } from '../harness/trust-policy.ts';

const ACCOUNT = '111122223333';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly policy: object;
}

async function run(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), env: {}, readStdin: async () => '' };
  const code = await trustPolicyCommand(['--account-id', ACCOUNT, ...args], io);
  return { code, stdout, stderr, policy: stdout.trim().startsWith('{') ? (JSON.parse(stdout) as object) : {} };
}

async function refusal(...args: string[]): Promise<Error> {
  try {
    await run(...args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ClaimcheckError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

function stsAccepts(policy: object, prefix: string, family: ConditionKeyFamily | undefined, claims: Record<string, string>): boolean {
  return evaluateTrustPolicy(policy, webIdentityRequest(prefix, { aud: 'sts.amazonaws.com', ...claims }, { accountId: ACCOUNT, ...(family ? { conditionKeys: family } : {}) })).allowed;
}

const GH = 'token.actions.githubusercontent.com';
const github = (claims: Record<string, string>) => ({ repository: 'acme/api', ref: 'refs/heads/main', sub: 'repo:acme/api:ref:refs/heads/main', ...claims });

describe('GitHub flags', () => {
  it('AND: --branch main --environment prod is main and prod, on the keys AWS evaluates', async () => {
    const { policy, code } = await run('--platform', 'github', '--repository', 'acme/api', '--branch', 'main', '--environment', 'prod');
    expect(code).toBe(0);
    expect((policy as { Statement: unknown[] }).Statement).toHaveLength(1);
    const prod = github({ environment: 'prod', sub: 'repo:acme/api:environment:prod' });
    expect(stsAccepts(policy, GH, 'github', prod)).toBe(true);
    expect(stsAccepts(policy, GH, 'github', github({}))).toBe(false);
    expect(stsAccepts(policy, GH, 'github', { ...prod, ref: 'refs/heads/dev' })).toBe(false);
  });

  it('OR within a claim: branches and tags are alternatives of the ref', async () => {
    const { policy } = await run('--platform', 'github', '--repository-id', '42', '--branch', 'main', '--tag', 'v*');
    expect(stsAccepts(policy, GH, 'github', github({ repository_id: '42', ref: 'refs/tags/v1.2' }))).toBe(true);
    expect(stsAccepts(policy, GH, 'github', github({ repository_id: '42', ref: 'refs/tags/v1/x' }))).toBe(false);
    expect(stsAccepts(policy, GH, 'github', github({ repository_id: '43' }))).toBe(false);
  });

  it('keeps ${ from becoming a policy variable and carries --pull-request in the subject', async () => {
    const { stdout } = await run('--platform', 'github', '--repository', 'acme/api', '--environment', 'x${aws:username}');
    expect(stdout).toContain('"x${$}{aws:username}"');
    const { policy } = await run('--platform', 'github', '--repository', 'acme/api', '--pull-request');
    expect(stsAccepts(policy, GH, 'github', github({ sub: 'repo:acme/api:pull_request', ref: 'refs/pull/1/merge' }))).toBe(true);
    expect(stsAccepts(policy, GH, 'github', github({}))).toBe(false);
  });

  it.each([
    [['--branch', 'a:b'], /--branch "a:b" holds a character git refs never hold/],
    [['--branch', 'a b'], /holds a character git refs never hold/],
    [['--branch', 'a..b'], /is not a git ref name/],
    [['--branch', '*'], /trusts every ref/],
    [['--tag', 'v?'], /holds a character git refs never hold/],
    [['--environment', 'prod\u202e'], /control or invisible character/],
    [['--environment', '**'], /trusts every value/],
  ])('refuses %j', async (extra, why) => {
    expect((await refusal('--platform', 'github', '--repository', 'acme/api', ...extra)).message).toMatch(why);
  });

  it('refuses a repository and ids that are not what GitHub issues', async () => {
    expect((await refusal('--platform', 'github', '--repository', 'a/b/c', '--branch', 'main')).message).toMatch(/is not owner\/repo/);
    expect((await refusal('--platform', 'github', '--repository', '*/*', '--branch', 'main')).message).toMatch(/is not owner\/repo/);
    expect((await refusal('--platform', 'github', '--repository-id', '0x1', '--branch', 'main')).message).toBe('--repository-id must be a numeric id');
    expect((await refusal('--platform', 'github', '--repository', 'acme/api')).message).toMatch(/say what to trust/);
  });

  it('refuses what the subject of GitHub Enterprise Server cannot carry together', async () => {
    const error = await refusal('--platform', 'github', '--issuer', 'https://ghes.example.com/_services/token', '--repository', 'acme/api', '--branch', 'main', '--environment', 'prod');
    expect(error.message).toMatch(/no subject of the issuer carries .*ref=refs\/heads\/main and environment=prod together/);
    const { policy } = await run('--platform', 'github', '--issuer', 'https://ghes.example.com/_services/token', '--repository', 'acme/api', '--branch', 'main');
    const prefix = 'ghes.example.com/_services/token';
    expect(stsAccepts(policy, prefix, undefined, { sub: 'repo:acme/api:ref:refs/heads/main' })).toBe(true);
    expect(stsAccepts(policy, prefix, undefined, { sub: 'repo:acme/api:ref:refs/heads/dev' })).toBe(false);
  });
});

describe('CircleCI flags', () => {
  const ORG = '3f1c0c2e-0000-4000-8000-000000000009';
  const PROJECT = '3f1c0c2e-0000-4000-8000-000000000001';
  const prefix = `oidc.circleci.com/org/${ORG}`;
  const project = `${prefix}`;

  it('carries --branch in the v2 subject (the old flags dropped it), and refuses what CircleCI tokens do not say', async () => {
    const { policy, stderr } = await run('--platform', 'circleci', '--org-id', ORG, '--project-id', PROJECT, '--branch', 'main');
    const v2 = (ref: string) => ({ sub: `org/${ORG}/project/${PROJECT}/user/u1/vcs-origin/github.com/acme/api/vcs-ref/${ref}`, 'oidc.circleci.com/project-id': PROJECT });
    expect(stsAccepts(policy, project, 'circleci', v2('refs/heads/main'))).toBe(true);
    expect(stsAccepts(policy, project, 'circleci', v2('refs/heads/dev'))).toBe(false);
    expect(stsAccepts(policy, project, 'circleci', v2('refs/heads/x/vcs-ref/refs/heads/main'))).toBe(false);
    expect(stsAccepts(policy, project, 'circleci', { sub: `org/${ORG}/project/${PROJECT}/user/u1`, 'oidc.circleci.com/project-id': PROJECT })).toBe(false);
    expect(stderr).toMatch(/only CIRCLE_OIDC_TOKEN_V2 carries the branch/);
    expect((await refusal('--platform', 'circleci', '--org-id', ORG, '--project-id', PROJECT, '--environment', 'prod')).message).toMatch(/CircleCI tokens name no deployment environment/);
    expect((await refusal('--platform', 'circleci', '--org-id', ORG, '--project-id', '*')).message).toBe('--project-id must be a UUID, not "*"');
    expect((await refusal('--platform', 'circleci', '--org-id', 'x${y}', '--project-id', PROJECT)).message).toMatch(/--org-id must be a UUID/);
  });
});

describe('GitLab, Buildkite and Bitbucket flags', () => {
  it('GitLab: a claim AWS cannot see on a self-managed instance is refused, not dropped', async () => {
    const error = await refusal('--platform', 'gitlab', '--issuer', 'https://gitlab.example.com', '--project-path', 'acme/api', '--project-id', '42', '--branch', 'main');
    expect(error.message).toMatch(/^project_id=42 cannot bind at AWS for this issuer \(AWS has no condition key for project_id in tokens of gitlab\.example\.com\)/);
    expect((await refusal('--platform', 'gitlab', '--project-path', 'acme/api', '--environment', 'prod')).message).toBe(gitlabEnvironmentRefusal());
  });

  it('Buildkite: UUIDs checked, slugs lower case', async () => {
    expect((await refusal('--platform', 'buildkite', '--organization', 'acme', '--pipeline', 'deploy', '--organization-id', 'x', '--branch', 'main')).message).toMatch(/--organization-id must be a UUID/);
    expect((await refusal('--platform', 'buildkite', '--organization', 'Acme', '--pipeline', 'deploy', '--branch', 'main')).message).toMatch(/their slugs: lower-case/);
  });

  it('Buildkite: a branch named "main:commit:x:step:y" is not branch main, though its subject reads like one', async () => {
    const ORG_ID = '0191f956-0000-4000-8000-000000000001';
    const { policy, stderr } = await run('--platform', 'buildkite', '--issuer', 'https://agent.buildkite.com', '--organization', 'acme', '--pipeline', 'deploy', '--organization-id', ORG_ID, '--branch', 'main', '--tag', 'v*');
    const build = (branch: string, ref: string, step = 'deploy') => ({ sub: `organization:acme:pipeline:deploy:ref:${ref}:commit:abc123:step:${step}`, organization_id: ORG_ID, build_branch: branch });
    const bk = (claims: Record<string, string>) => stsAccepts(policy, 'agent.buildkite.com', 'buildkite', claims);
    expect(bk(build('main', 'refs/heads/main'))).toBe(true);
    expect(bk(build('main', 'refs/heads/main', 'deploy:prod'))).toBe(true);
    expect(bk(build('v1.2', 'refs/tags/v1.2'))).toBe(true);
    // Same subject as branch main, commit x, step "y:commit:abc123:step:deploy".
    expect(bk(build('main:commit:x:step:y', 'refs/heads/main:commit:x:step:y'))).toBe(false);
    expect(bk(build('main:commit:x', 'refs/heads/main:commit:x'))).toBe(false);
    expect(bk(build('dev', 'refs/heads/dev'))).toBe(false);
    expect(stderr).toContain(buildkiteTagBranchNotice());
  });

  it('Buildkite: drops the exclusions the grammar makes needless (a commit never holds `:`), so any step key is trusted', async () => {
    const { policy, stderr } = await run('--platform', 'buildkite', '--issuer', 'https://agent.buildkite.com', '--organization', 'acme', '--pipeline', 'deploy', '--organization-id', '0191f956-0000-4000-8000-000000000001', '--branch', 'main');
    expect(JSON.stringify(policy)).not.toContain('StringNotLike');
    expect(stderr).toMatch(/AWS enforces +sub=\S+ +\(agent\.buildkite\.com:sub, exact for every token the issuer can issue/);
    expect(stderr).not.toMatch(/refuses some tokens/);
    const build = (branch: string, step: string) => ({ sub: `organization:acme:pipeline:deploy:ref:refs/heads/${branch}:commit:abc:step:${step}`, organization_id: '0191f956-0000-4000-8000-000000000001', build_branch: branch });
    expect(stsAccepts(policy, 'agent.buildkite.com', 'buildkite', build('main', 'a:step:b/c'))).toBe(true);
    expect(stsAccepts(policy, 'agent.buildkite.com', 'buildkite', build('main:commit:x:step:y', 'z'))).toBe(false);
  });

  it('Bitbucket: branches refused with the way that works', async () => {
    expect((await refusal('--platform', 'bitbucket', '--workspace', 'acme', '--repository-uuid', '9a8b7c6d-1111-4222-8333-444455556666', '--branch', 'main')).message).toBe(bitbucketBranchRefusal());
    const { stderr } = await run('--platform', 'bitbucket', '--workspace', 'acme', '--repository-uuid', '9a8b7c6d-1111-4222-8333-444455556666');
    expect(stderr).toContain(bitbucketRepositoryNotice());
  });
});

describe('platform knowledge kept from the old builders', () => {
  it('reachOf binds a rule on a keyed claim to its key, and leaves the rest to claimcheck', () => {
    const keys = issuerKeys(`https://${GH}`);
    const regex: ClaimRule = { source: 'ref~x', claim: 'ref', alternatives: [{ exact: 'a' }, { regex: { source: 'x', test: () => true } }] };
    expect(reachOf(parseClaimRules('ref=refs/heads/*')[0] as ClaimRule, keys)).toEqual({ key: `${GH}:ref` });
    expect(reachOf(parseClaimRules('event_name=push')[0] as ClaimRule, keys)).toEqual({ reason: `AWS has no condition key for event_name in tokens of ${GH}` });
    expect(reachOf(regex, keys)).toEqual({ reason: 'a regular expression has no IAM form' });
  });

  it('writes Bitbucket UUIDs as tokens do, and says why names and branches are weak', () => {
    expect(bitbucketUuid(' {9A8B7C6D-1111-4222-8333-444455556666} ', '--repository-uuid')).toBe('{9a8b7c6d-1111-4222-8333-444455556666}');
    expect(() => bitbucketUuid(`x${'a'.repeat(100)}`, '--environment-uuid')).toThrow(`--environment-uuid ${JSON.stringify(`x${'a'.repeat(79)}`)} is not a UUID.`);
    expect(gitlabPathOnlyWarning('acme/sub group')).toMatch(/^Warning: this policy trusts acme\/sub group by path only\. .*curl -s https:\/\/gitlab\.com\/api\/v4\/projects\/acme%2Fsub%20group \| jq \.id\)\.$/);
    expect(buildkiteSlugsOnlyWarning('acme', 'deploy')).toMatch(/^Warning: this policy trusts acme\/deploy by slug only; .*--organization-id and --pipeline-id/);
    expect(buildkiteBranchNotice()).toMatch(/^Note: a build's branch is whatever the build was started with/);
    expect(bitbucketBranchRefusal()).toMatch(/^AWS cannot check a Bitbucket branch: .*\(--environment-uuid\)/);
  });
});
