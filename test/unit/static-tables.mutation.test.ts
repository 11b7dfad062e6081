// The module-level tables that Stryker's static mutants change (npm run mutate ignores them
// for speed; a run with ignoreStatic: false found these unpinned): the claim names each
// platform's tokens carry, the renamable names a rules file is warned about, the claims a
// failure summary shows, the regions of each partition, and the shape of a Bitbucket UUID.
// The lists are the platforms' documented claims: a name dropped here would refuse a valid
// rules file.
import { describe, expect, it } from 'vitest';
import { isRegion, partitionOfRegion } from '../../src/core/aws/arn.js';
import { ClaimcheckError } from '../../src/core/errors.js';
import { failureReport } from '../../src/core/report/failure-report.js';
import { isLoopbackHost } from '../../src/core/config/input-values.js';
import { mutableNameWarnings, unknownClaimReason, type Platform } from '../../src/core/rules/rules-file.js';
import { bitbucketUuid } from '../../src/core/trust/aws/platforms/bitbucket.js';

const DOCUMENTED: Record<Exclude<Platform, 'circleci'>, string[]> = {
  github: [
    'sub', 'aud', 'iss', 'jti', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'repository_visibility',
    'ref', 'ref_type', 'ref_protected', 'sha', 'environment', 'event_name', 'actor', 'actor_id', 'workflow', 'workflow_ref',
    'workflow_sha', 'job_workflow_ref', 'job_workflow_sha', 'run_id', 'run_number', 'run_attempt', 'runner_environment',
    'head_ref', 'base_ref', 'enterprise', 'enterprise_id',
  ],
  gitlab: [
    'sub', 'aud', 'iss', 'jti', 'namespace_id', 'namespace_path', 'project_id', 'project_path', 'job_namespace_id', 'job_namespace_path',
    'job_project_id', 'job_project_path', 'user_id', 'user_login', 'user_email', 'user_access_level', 'user_identities', 'pipeline_id',
    'pipeline_source', 'job_id', 'ref', 'ref_type', 'ref_path', 'ref_protected', 'groups_direct', 'environment', 'environment_protected',
    'deployment_tier', 'environment_action', 'runner_id', 'runner_environment', 'sha', 'project_visibility', 'ci_config_ref_uri',
    'ci_config_sha', 'target_audience',
  ],
  buildkite: [
    'sub', 'aud', 'iss', 'jti', 'organization_slug', 'pipeline_slug', 'build_number', 'build_branch', 'build_tag', 'build_commit',
    'build_source', 'step_key', 'job_id', 'agent_id', 'runner_environment', 'organization_id', 'pipeline_id', 'build_id', 'cluster_id',
    'cluster_name', 'queue_id', 'queue_key',
  ],
  bitbucket: ['sub', 'aud', 'iss', 'workspaceUuid', 'repositoryUuid', 'pipelineUuid', 'stepUuid', 'deploymentEnvironmentUuid', 'branchName', 'compliant'],
};

describe('the claim names a rules file may use per platform', () => {
  it.each(Object.entries(DOCUMENTED))('%s: every documented claim, and no empty name', (platform, claims) => {
    for (const claim of claims) expect(unknownClaimReason(claim, platform as Platform), claim).toBeUndefined();
    expect(unknownClaimReason('', platform as Platform)).toBeDefined();
  });

  it("names Buildkite's agent tags in the list it gives", () => {
    expect(unknownClaimReason('agent_tag', 'buildkite')).toMatch(/^agent_tag is not a claim of Buildkite's tokens \(known: .*, agent_tag:NAME\)$/);
  });
});

describe('renamable names', () => {
  const rules = (...claims: string[]) => claims.map((claim) => ({ claim, kind: 'exact' as const, value: 'x' }));
  it('warns on a CircleCI vcs-origin without the project id', () => {
    expect(mutableNameWarnings(rules('oidc.circleci.com/vcs-origin') as never, 'The rules file')).toEqual([
      'The rules file checks oidc.circleci.com/vcs-origin but not oidc.circleci.com/project-id: a oidc.circleci.com/vcs-origin can be renamed or re-created by someone else; add a rule on oidc.circleci.com/project-id, which never changes.',
    ]);
    expect(mutableNameWarnings(rules('oidc.circleci.com/vcs-origin', 'oidc.circleci.com/project-id') as never, 'The rules file')).toEqual([]);
  });
});

describe('the claims a failure summary shows', () => {
  it('are the claims that say which job this is, on every platform', () => {
    const identity = [
      'iss', 'sub', 'aud', 'repository', 'repository_id', 'repository_owner_id', 'enterprise_id', 'ref', 'environment', 'job_workflow_ref', 'workflow',
      'event_name', 'actor', 'run_id', 'run_attempt', 'oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-origin', 'oidc.circleci.com/vcs-ref',
      'oidc.circleci.com/context-ids', 'project_path', 'namespace_path', 'pipeline_id', 'job_id', 'organization_slug', 'pipeline_slug', 'build_number',
      'kubernetes.io',
    ];
    const claims = Object.fromEntries([...identity, 'jti', 'sha', ''].map((name) => [name, `v-${name}`]));
    const report = failureReport(new ClaimcheckError('TOKEN_CLAIMS', 'm', 'h'), { version: '1', settings: undefined, claims, troubleshootingUrl: undefined });
    expect(report.claims?.map(([name]) => name)).toEqual(identity);
  });
});

describe('regions and partitions', () => {
  it.each([
    ['us-east-1', 'aws'], ['cn-north-1', 'aws-cn'], ['us-gov-west-1', 'aws-us-gov'], ['us-isob-east-1', 'aws-iso-b'], ['us-isof-south-1', 'aws-iso-f'],
    ['us-iso-east-1', 'aws-iso'], ['eu-isoe-west-1', 'aws-iso-e'], ['eusc-de-east-1', 'aws-eusc'],
  ])('%s is in %s', (region, partition) => {
    expect(isRegion(region)).toBe(true);
    expect(partitionOfRegion(region)).toBe(partition);
  });

  it('takes two-digit region numbers, and nothing around the name', () => {
    expect(isRegion('ap-southeast-10')).toBe(true);
    expect(isRegion('ap-southeast-100')).toBe(false);
    expect(isRegion('1us-east-1')).toBe(false);
    expect(isRegion(' us-east-1')).toBe(false);
    expect(isRegion('us-east-1x')).toBe(false);
  });
});

describe('Bitbucket UUIDs', () => {
  it('take one UUID with or without braces, and nothing around it', () => {
    expect(bitbucketUuid('{7E6D5C4B-4444-4555-8666-777788889999}', '--repository-uuid')).toBe('{7e6d5c4b-4444-4555-8666-777788889999}');
    expect(bitbucketUuid('7e6d5c4b-4444-4555-8666-777788889999', '--repository-uuid')).toBe('{7e6d5c4b-4444-4555-8666-777788889999}');
    expect(() => bitbucketUuid('x7e6d5c4b-4444-4555-8666-777788889999', '--repository-uuid')).toThrow(/is not a UUID/);
    expect(() => bitbucketUuid('7e6d5c4b-4444-4555-8666-777788889999x', '--repository-uuid')).toThrow(/is not a UUID/);
  });
});

describe('loopback hosts (where http is allowed for local test services)', () => {
  it('are 127.0.0.0/8, localhost and [::1], as URL hostnames write them', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['', '::1', 'localhost.example', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
