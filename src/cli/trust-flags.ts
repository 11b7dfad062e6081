// `trust-policy --platform gitlab|buildkite|bitbucket` and their flags: a project, pipeline or
// repository and what of it to trust, built into the policy by src/core/trust/aws. Flags that AWS
// could not enforce for the platform are refused with the way that does work, never dropped.
import type { IssuerKeys } from '../core/trust/aws/keys.js';
import { bitbucketBranchRefusal, bitbucketRepositoryNotice, bitbucketTrustPolicy, bitbucketUuid } from '../core/trust/aws/platforms/bitbucket.js';
import { buildkiteBranchNotice, buildkiteSlugsOnlyWarning, buildkiteTrustPolicy } from '../core/trust/aws/platforms/buildkite.js';
import type { PolicyDocument } from '../core/trust/aws/conditions.js';
import { gitlabEnvironmentRefusal, gitlabPathOnlyWarning, gitlabTrustPolicy } from '../core/trust/aws/platforms/gitlab.js';
import { bitbucketIssuer } from '../platform/bitbucket/claims.js';
import { BUILDKITE_ISSUER } from '../platform/buildkite/claims.js';
import { GITLAB_COM } from '../platform/gitlab/claims.js';
import { UsageError, type Flags, type ParsedFlags } from './args.js';

export const PLATFORM_TRUST_FLAGS: Flags = {
  'project-path': { kind: 'string', value: 'group/project', description: 'GitLab: the project to trust (subgroups allowed).' },
  'namespace-id': { kind: 'string', value: 'id', description: "GitLab: the group's numeric id, checked by AWS on gitlab.com." },
  protected: { kind: 'boolean', description: 'GitLab: only jobs on protected branches and tags (ref_protected, checked by AWS on gitlab.com).' },
  organization: { kind: 'string', value: 'slug', description: 'Buildkite: the organization to trust.' },
  pipeline: { kind: 'string', value: 'slug', description: 'Buildkite: the pipeline to trust.' },
  'organization-id': { kind: 'string', value: 'uuid', description: "Buildkite: the organization's UUID (BUILDKITE_ORGANIZATION_ID), checked by AWS." },
  'pipeline-id': { kind: 'string', value: 'uuid', description: "Buildkite: the pipeline's UUID (BUILDKITE_PIPELINE_ID), checked by AWS." },
  workspace: { kind: 'string', value: 'id', description: "Bitbucket: the workspace (its issuer is the workspace's)." },
  'repository-uuid': { kind: 'string', value: 'uuid', description: 'Bitbucket: the repository to trust (Repository settings > OpenID Connect).' },
  'environment-uuid': { kind: 'list', value: 'uuid', description: 'Bitbucket: trust steps that deploy to this environment.' },
};

/** What the platform builders need from the command: keys and the provider ARN for an issuer. */
export interface TrustContext {
  readonly audience: string;
  readonly keysFor: (issuer: string) => IssuerKeys;
  readonly principalFor: (issuer: string) => string;
  readonly warn: (line: string) => void;
}

export interface BuiltPolicy {
  readonly issuer: string;
  readonly document: PolicyDocument;
}

const list = (flags: ParsedFlags, name: string) => flags.lists.get(name) ?? [];
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const BUILDKITE_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const OWNED: Readonly<Record<string, readonly string[]>> = {
  github: ['repository', 'owner-id', 'repository-id', 'sub-format', 'pull-request'],
  circleci: ['org-id', 'project-id'],
  gitlab: ['project-path', 'project-id', 'namespace-id', 'protected'],
  buildkite: ['organization', 'pipeline', 'organization-id', 'pipeline-id'],
  bitbucket: ['workspace', 'repository-uuid', 'environment-uuid'],
};

/** Flags of another platform are mistakes, not options to ignore. */
export function onlyFor(flags: ParsedFlags, platform: string): void {
  const own = OWNED[platform] ?? [];
  const given = [...flags.strings.keys(), ...flags.lists.keys(), ...flags.booleans];
  const stray = given.find((name) => !own.includes(name) && Object.values(OWNED).some((names) => names.includes(name)));
  if (stray !== undefined) throw new UsageError(`--${stray} does not apply to --platform ${platform}`);
}

function numeric(flags: ParsedFlags, name: string, value = flags.strings.get(name)): string | undefined {
  if (value !== undefined && !/^\d{1,20}$/.test(value)) throw new UsageError(`--${name} must be a numeric id`);
  return value;
}

export function fromGitlabFlags(flags: ParsedFlags, context: TrustContext): BuiltPolicy {
  onlyFor(flags, 'gitlab');
  const projectPath = flags.strings.get('project-path');
  if (!projectPath || !/^[\w.-]+(?:\/[\w.-]+)+$/.test(projectPath)) throw new UsageError('--project-path group/project is required with --platform gitlab');
  if (list(flags, 'environment').length > 0) throw new UsageError(gitlabEnvironmentRefusal());
  const ids = list(flags, 'project-id');
  if (ids.length > 1) throw new UsageError('--project-id takes one GitLab project id');
  const trust = {
    projectPath,
    projectId: numeric(flags, 'project-id', ids[0]),
    namespaceId: numeric(flags, 'namespace-id'),
    branches: list(flags, 'branch'),
    tags: list(flags, 'tag'),
    protectedRefs: flags.booleans.has('protected'),
  };
  if (trust.branches.length + trust.tags.length === 0) throw new UsageError('say what to trust: --branch or --tag');
  const issuer = flags.strings.get('issuer') ?? GITLAB_COM;
  const keys = context.keysFor(issuer);
  const document = gitlabTrustPolicy(trust, { principal: context.principalFor(issuer), keys, audience: context.audience });
  if (trust.projectId === undefined && keys.family === 'gitlab') context.warn(gitlabPathOnlyWarning(projectPath));
  return { issuer, document };
}

function buildkiteId(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.strings.get(name);
  if (value !== undefined && !BUILDKITE_UUID.test(value)) throw new UsageError(`--${name} must be a UUID`);
  return value?.toLowerCase();
}

export function fromBuildkiteFlags(flags: ParsedFlags, context: TrustContext): BuiltPolicy {
  onlyFor(flags, 'buildkite');
  const organization = flags.strings.get('organization');
  const pipeline = flags.strings.get('pipeline');
  if (!organization || !pipeline || !SLUG.test(organization) || !SLUG.test(pipeline)) throw new UsageError('--organization and --pipeline (their slugs) are required with --platform buildkite');
  if (list(flags, 'environment').length > 0) throw new UsageError('Buildkite has no deployment environments in its tokens: trust a --branch or --tag of a pipeline that deploys');
  const trust = { organization, pipeline, organizationId: buildkiteId(flags, 'organization-id'), pipelineId: buildkiteId(flags, 'pipeline-id'), branches: list(flags, 'branch'), tags: list(flags, 'tag') };
  if (trust.branches.length + trust.tags.length === 0) throw new UsageError('say what to trust: --branch or --tag');
  const issuer = flags.strings.get('issuer') ?? BUILDKITE_ISSUER;
  const keys = context.keysFor(issuer);
  const document = buildkiteTrustPolicy(trust, { principal: context.principalFor(issuer), keys, audience: context.audience });
  if (trust.organizationId === undefined && keys.family === 'buildkite') context.warn(buildkiteSlugsOnlyWarning(organization, pipeline));
  if (trust.branches.length > 0) context.warn(buildkiteBranchNotice());
  return { issuer, document };
}

/** The workspace's issuer: --issuer, else from --workspace. */
export function bitbucketIssuerOf(flags: ParsedFlags): string {
  const given = flags.strings.get('issuer');
  if (given) return given;
  const workspace = flags.strings.get('workspace');
  if (!workspace) throw new UsageError('--workspace (or --issuer) is required for Bitbucket: the issuer is per workspace');
  return bitbucketIssuer(workspace);
}

export function fromBitbucketFlags(flags: ParsedFlags, context: TrustContext): BuiltPolicy {
  onlyFor(flags, 'bitbucket');
  if (list(flags, 'branch').length + list(flags, 'tag').length > 0) throw new UsageError(bitbucketBranchRefusal());
  if (list(flags, 'environment').length > 0) throw new UsageError('--environment takes a name; Bitbucket\'s tokens carry the environment\'s UUID: use --environment-uuid');
  const repository = flags.strings.get('repository-uuid');
  if (!repository) throw new UsageError('--repository-uuid is required with --platform bitbucket');
  const trust = { repositoryUuid: bitbucketUuid(repository, '--repository-uuid'), environmentUuids: list(flags, 'environment-uuid').map((uuid) => bitbucketUuid(uuid, '--environment-uuid')) };
  const issuer = bitbucketIssuerOf(flags);
  const document = bitbucketTrustPolicy(trust, { principal: context.principalFor(issuer), keys: context.keysFor(issuer), audience: context.audience });
  if (trust.environmentUuids.length === 0) context.warn(bitbucketRepositoryNotice());
  return { issuer, document };
}
