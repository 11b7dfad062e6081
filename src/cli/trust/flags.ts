// `trust-policy --platform …` flags as claim rules, so that they go through the one compiler
// a rules file goes through and can never mean something a rules file would not. Different
// flags AND (`--branch main --environment prod`: main and prod); a repeated flag, and
// --branch with --tag, give alternatives of one rule. Every value is checked for its platform
// (git refs hold no `:`, `?`, spaces or `..`; ids are numbers; UUIDs are UUIDs; `*` alone pins
// nothing); what the platform's keys cannot express is refused with the reason.
import { bitbucketBranchRefusal, bitbucketRepositoryNotice, bitbucketUuid } from '../../core/trust/aws/platforms/bitbucket.js';
import { buildkiteBranchNotice, buildkiteSlugsOnlyWarning, buildkiteTagBranchNotice } from '../../core/trust/aws/platforms/buildkite.js';
import { gitlabEnvironmentRefusal, gitlabPathOnlyWarning } from '../../core/trust/aws/platforms/gitlab.js';
import { branchTrustNotice, namesOnlyWarning } from '../../core/trust/aws/platforms/github.js';
import { keyFamilyOf } from '../../core/trust/aws/iam/keys.js';
import type { Alternative, ClaimRule, PatternToken } from '../../core/rules/rules.js';
import type { Platform } from '../../core/rules/rules-file.js';
import { INPUTS } from '../../core/config/inputs.generated.js';
import { bitbucketIssuer } from '../../platform/bitbucket/claims.js';
import { BUILDKITE_ISSUER } from '../../platform/buildkite/claims.js';
import { circleciIssuer } from '../../platform/circleci/inputs.js';
import { GITLAB_COM } from '../../platform/gitlab/claims.js';
import { UsageError, type Flags, type ParsedFlags } from '../args.js';

export const PLATFORM_TRUST_FLAGS: Flags = {
  repository: { kind: 'string', value: 'owner/repo', description: 'GitHub: the repository to trust.' },
  'owner-id': { kind: 'string', value: 'id', description: "GitHub: the owner's numeric id (pins the owner by id)." },
  'repository-id': { kind: 'string', value: 'id', description: "GitHub: the repository's numeric id (gh api repos/OWNER/REPO --jq .id)." },
  branch: { kind: 'list', value: 'name', description: 'GitHub, GitLab, Buildkite, CircleCI: trust this branch (* within a segment, ** across).' },
  tag: { kind: 'list', value: 'name', description: 'GitHub, GitLab, Buildkite, CircleCI: trust this tag (e.g. v*).' },
  environment: { kind: 'list', value: 'name', description: 'GitHub: trust jobs in this deployment environment (with --branch: in it and on that branch).' },
  'pull-request': { kind: 'boolean', description: 'GitHub: trust pull_request workflows (their subject).' },
  'sub-format': { kind: 'string', value: 'legacy|immutable|both', description: 'Gone: the policy pins the repository on the keys AWS evaluates, which both subject formats carry.' },
  'org-id': { kind: 'string', value: 'uuid', description: 'CircleCI: the organization ID (its issuer).' },
  'project-id': { kind: 'list', value: 'id', description: "CircleCI: trust jobs of this project (its UUID; repeatable). GitLab: the project's numeric id." },
  'project-path': { kind: 'string', value: 'group/project', description: 'GitLab: the project to trust (subgroups allowed).' },
  'namespace-id': { kind: 'string', value: 'id', description: "GitLab: the group's numeric id, checked by AWS on gitlab.com." },
  protected: { kind: 'boolean', description: 'GitLab: only jobs on protected branches and tags (ref_protected).' },
  organization: { kind: 'string', value: 'slug', description: 'Buildkite: the organization to trust.' },
  pipeline: { kind: 'string', value: 'slug', description: 'Buildkite: the pipeline to trust.' },
  'organization-id': { kind: 'string', value: 'uuid', description: "Buildkite: the organization's UUID (BUILDKITE_ORGANIZATION_ID)." },
  'pipeline-id': { kind: 'string', value: 'uuid', description: "Buildkite: the pipeline's UUID (BUILDKITE_PIPELINE_ID)." },
  workspace: { kind: 'string', value: 'id', description: "Bitbucket: the workspace (its issuer is the workspace's)." },
  'repository-uuid': { kind: 'string', value: 'uuid', description: 'Bitbucket: the repository to trust (Repository settings > OpenID Connect).' },
  'environment-uuid': { kind: 'list', value: 'uuid', description: 'Bitbucket: trust steps that deploy to this environment.' },
};

const OWNED: Readonly<Record<Platform, readonly string[]>> = {
  github: ['repository', 'owner-id', 'repository-id', 'pull-request', 'sub-format'],
  circleci: ['org-id', 'project-id'],
  gitlab: ['project-path', 'project-id', 'namespace-id', 'protected'],
  buildkite: ['organization', 'pipeline', 'organization-id', 'pipeline-id'],
  bitbucket: ['workspace', 'repository-uuid', 'environment-uuid'],
};
const SHARED = ['branch', 'tag', 'environment'];

export interface FlagRules {
  readonly issuer: string;
  readonly rules: ClaimRule[];
  /** Warnings and notes for standard error. */
  readonly notices: string[];
}

/** Flags that name the issuer only (and so go with a rules file too). */
const ISSUER_ONLY = ['org-id', 'workspace'];

/** Whether any flag that builds rules for a platform was given. */
export function givesPlatformRules(flags: ParsedFlags): boolean {
  const given = [...flags.strings.keys(), ...flags.lists.keys(), ...flags.booleans].filter((name) => !ISSUER_ONLY.includes(name));
  return given.some((name) => SHARED.includes(name) || Object.values(OWNED).some((names) => names.includes(name)));
}

/** Flags of another platform are mistakes, not options to ignore. */
function onlyFor(flags: ParsedFlags, platform: Platform): void {
  const given = [...flags.strings.keys(), ...flags.lists.keys(), ...flags.booleans];
  const stray = given.find((name) => !OWNED[platform].includes(name) && Object.values(OWNED).some((names) => names.includes(name)));
  if (stray !== undefined) throw new UsageError(`--${stray} does not apply to --platform ${platform}`);
}

const list = (flags: ParsedFlags, name: string) => flags.lists.get(name) ?? [];
const shown = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/** A flag's value as a glob: `*` within a segment, `**` across; nothing else is special. */
function glob(value: string): PatternToken[] {
  const chars = Array.from(value);
  const tokens: PatternToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char !== '*') {
      tokens.push({ literal: char });
      continue;
    }
    const any = chars[i + 1] === '*';
    if (any) i++;
    tokens.push({ star: any ? 'any' : 'segment' });
  }
  return tokens;
}

function rule(claim: string, values: readonly string[], exact = false): ClaimRule {
  const alternatives: Alternative[] = values.map((value) => (exact ? { exact: value } : { glob: glob(value) }));
  return { source: `${claim}=${values.join('|')}`, claim, alternatives };
}

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A branch or tag name (with * and **): what git allows in a ref, so that the policy can match it. */
function refName(flag: string, value: string): string {
  const name = value.replaceAll('*', 'x');
  const why =
    value === '' ? 'is empty'
    : UNSAFE.test(value) ? 'holds a control or invisible character'
    : /[\s~^:?[\\]/.test(name) ? 'holds a character git refs never hold (space ~ ^ : ? [ \\)'
    : /\.\.|@\{|\/\/|^\/|\/$|\.$|(^|\/)\./.test(name) ? 'is not a git ref name (.., @{, //, a leading or trailing / or a trailing .)'
    : undefined;
  if (why) throw new UsageError(`${flag} ${shown(value)} ${why}; use * within a segment and ** across segments`);
  if (/^\*+$/.test(value)) throw new UsageError(`${flag} ${shown(value)} trusts every ref: drop the flag to trust every ref, or name the branch or tag`);
  return value;
}

function textValue(flag: string, value: string): string {
  if (value === '' || UNSAFE.test(value) || value.length > 255) throw new UsageError(`${flag} ${shown(value)} is not a name (empty, too long, or a control or invisible character)`);
  if (/^\*+$/.test(value)) throw new UsageError(`${flag} ${shown(value)} trusts every value: drop the flag, or name one`);
  return value;
}

function numericId(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^[1-9]\d{0,19}$/.test(value)) throw new UsageError(`${flag} must be a numeric id`);
  return value;
}

function uuid(flag: string, value: string): string {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)) throw new UsageError(`${flag} must be a UUID, not ${shown(value)}`);
  return value.toLowerCase();
}

/** --branch and --tag as one rule on a ref claim (`prefix` true: refs/heads/… and refs/tags/…). */
function refRule(flags: ParsedFlags, claim: string): ClaimRule | undefined {
  const refs = [...list(flags, 'branch').map((branch) => `refs/heads/${refName('--branch', branch)}`), ...list(flags, 'tag').map((tag) => `refs/tags/${refName('--tag', tag)}`)];
  return refs.length > 0 ? rule(claim, refs) : undefined;
}

function fromGithub(flags: ParsedFlags): FlagRules {
  if (flags.strings.has('sub-format')) throw new UsageError('--sub-format is gone: the policy pins the repository on the keys AWS evaluates (repository, repository_id), which legacy and immutable subjects both carry; on GitHub Enterprise Server there is only the legacy subject');
  const repository = flags.strings.get('repository');
  if (repository !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*\/[A-Za-z0-9._-]+$/.test(repository)) throw new UsageError(`--repository ${shown(repository)} is not owner/repo`);
  const ownerId = numericId('--owner-id', flags.strings.get('owner-id'));
  const repositoryId = numericId('--repository-id', flags.strings.get('repository-id'));
  if (repository === undefined && repositoryId === undefined) throw new UsageError('--repository owner/repo (or --repository-id) is required with --platform github');
  const environments = list(flags, 'environment').map((name) => textValue('--environment', name));
  const ref = refRule(flags, 'ref');
  const pullRequests = flags.booleans.has('pull-request');
  if (!ref && environments.length === 0 && !pullRequests) throw new UsageError('say what to trust: --branch, --tag, --environment or --pull-request');
  const rules = [
    ...(repository ? [rule('repository', [repository], true)] : []),
    ...(ownerId ? [rule('repository_owner_id', [ownerId], true)] : []),
    ...(repositoryId ? [rule('repository_id', [repositoryId], true)] : []),
    ...(ref ? [ref] : []),
    ...(environments.length > 0 ? [rule('environment', environments)] : []),
    ...(pullRequests ? [rule('sub', ['repo:*/*:pull_request'])] : []),
  ];
  const notices = [...(ownerId === undefined && repositoryId === undefined && repository ? [namesOnlyWarning(repository)] : []), ...(ref && environments.length === 0 ? [branchTrustNotice()] : [])];
  return { issuer: flags.strings.get('issuer') ?? INPUTS.issuer.default, rules, notices };
}

function fromCircleci(flags: ParsedFlags): FlagRules {
  const organization = flags.strings.get('org-id');
  const projects = list(flags, 'project-id');
  if (!organization || projects.length === 0) throw new UsageError('--org-id and at least one --project-id are required with --platform circleci');
  if (list(flags, 'environment').length > 0) throw new UsageError('CircleCI tokens name no deployment environment: trust the project, and a --branch or --tag of it');
  const ref = refRule(flags, 'oidc.circleci.com/vcs-ref');
  const rules = [rule('oidc.circleci.com/project-id', projects.map((project) => uuid('--project-id', project)), true), ...(ref ? [ref] : [])];
  const notices = ref ? ['Note: only CIRCLE_OIDC_TOKEN_V2 carries the branch in its subject; jobs that use CIRCLE_OIDC_TOKEN are refused.'] : [];
  return { issuer: flags.strings.get('issuer') ?? circleciIssuer(uuid('--org-id', organization)), rules, notices };
}

function fromGitlab(flags: ParsedFlags): FlagRules {
  const projectPath = flags.strings.get('project-path');
  if (!projectPath || !/^[\w.-]+(?:\/[\w.-]+)+$/.test(projectPath)) throw new UsageError('--project-path group/project is required with --platform gitlab');
  if (list(flags, 'environment').length > 0) throw new UsageError(gitlabEnvironmentRefusal());
  const ids = list(flags, 'project-id');
  if (ids.length > 1) throw new UsageError('--project-id takes one GitLab project id');
  const branches = list(flags, 'branch').map((branch) => refName('--branch', branch));
  const tags = list(flags, 'tag').map((tag) => refName('--tag', tag));
  if (branches.length + tags.length === 0) throw new UsageError('say what to trust: --branch or --tag');
  const projectId = numericId('--project-id', ids[0]);
  const namespaceId = numericId('--namespace-id', flags.strings.get('namespace-id'));
  // A branch and a tag of the same name are different refs: the subject names both the kind and the name.
  const subjects = [...branches.map((branch) => `project_path:${projectPath}:ref_type:branch:ref:${branch}`), ...tags.map((tag) => `project_path:${projectPath}:ref_type:tag:ref:${tag}`)];
  const rules = [
    rule('sub', subjects),
    ...(projectId ? [rule('project_id', [projectId], true)] : []),
    ...(namespaceId ? [rule('namespace_id', [namespaceId], true)] : []),
    ...(flags.booleans.has('protected') ? [rule('ref_protected', ['true'], true)] : []),
  ];
  return { issuer: flags.strings.get('issuer') ?? GITLAB_COM, rules, notices: projectId === undefined ? [gitlabPathOnlyWarning(projectPath)] : [] };
}

function fromBuildkite(flags: ParsedFlags): FlagRules {
  const organization = flags.strings.get('organization');
  const pipeline = flags.strings.get('pipeline');
  const slug = /^[a-z0-9][a-z0-9-]*$/;
  if (!organization || !pipeline || !slug.test(organization) || !slug.test(pipeline)) throw new UsageError('--organization and --pipeline (their slugs: lower-case letters, digits and -) are required with --platform buildkite');
  if (list(flags, 'environment').length > 0) throw new UsageError('Buildkite has no deployment environments in its tokens: trust a --branch or --tag of a pipeline that deploys');
  const branches = list(flags, 'branch').map((branch) => refName('--branch', branch));
  const tags = list(flags, 'tag').map((tag) => refName('--tag', tag));
  const refs = [...branches.map((branch) => `refs/heads/${branch}`), ...tags.map((tag) => `refs/tags/${tag}`)];
  if (refs.length === 0) throw new UsageError('say what to trust: --branch or --tag');
  const organizationId = flags.strings.get('organization-id');
  const pipelineId = flags.strings.get('pipeline-id');
  const issuer = flags.strings.get('issuer') ?? BUILDKITE_ISSUER;
  // A build's branch is any text, `:commit:…:step:` included, so the subject alone cannot tell
  // branch main from branch "main:commit:x:step:y"; build_branch can (tag builds carry their tag).
  // Where AWS has no build_branch key, the subject carries it for branch builds only.
  if (branches.length > 0 && tags.length > 0 && (flags.strings.get('condition-keys') ?? keyFamilyOf(issuer)) !== 'buildkite') {
    throw new UsageError(`--branch with --tag cannot bind for ${issuer}: AWS evaluates only the subject there, and a tag build's subject does not carry its branch; write one policy for the branches and one for the tags`);
  }
  const rules = [
    rule('sub', refs.map((ref) => `organization:${organization}:pipeline:${pipeline}:ref:${ref}:commit:*:step:**`)),
    ...(branches.length > 0 ? [rule('build_branch', [...branches, ...tags])] : []),
    ...(organizationId ? [rule('organization_id', [uuid('--organization-id', organizationId)], true)] : []),
    ...(pipelineId ? [rule('pipeline_id', [uuid('--pipeline-id', pipelineId)], true)] : []),
  ];
  const notices = [...(organizationId === undefined ? [buildkiteSlugsOnlyWarning(organization, pipeline)] : []), ...(branches.length > 0 ? [buildkiteBranchNotice()] : []), ...(branches.length > 0 && tags.length > 0 ? [buildkiteTagBranchNotice()] : [])];
  return { issuer, rules, notices };
}

function fromBitbucket(flags: ParsedFlags): FlagRules {
  if (list(flags, 'branch').length + list(flags, 'tag').length > 0) throw new UsageError(bitbucketBranchRefusal());
  if (list(flags, 'environment').length > 0) throw new UsageError("--environment takes a name; Bitbucket's tokens carry the environment's UUID: use --environment-uuid");
  const repository = flags.strings.get('repository-uuid');
  if (!repository) throw new UsageError('--repository-uuid is required with --platform bitbucket');
  const environments = list(flags, 'environment-uuid').map((value) => bitbucketUuid(value, '--environment-uuid'));
  const rules = [rule('repositoryUuid', [bitbucketUuid(repository, '--repository-uuid')], true), ...(environments.length > 0 ? [rule('deploymentEnvironmentUuid', environments, true)] : [])];
  return { issuer: bitbucketIssuerOf(flags), rules, notices: environments.length === 0 ? [bitbucketRepositoryNotice()] : [] };
}

/** The workspace's issuer: --issuer, else from --workspace. */
export function bitbucketIssuerOf(flags: ParsedFlags): string {
  const given = flags.strings.get('issuer');
  if (given) return given;
  const workspace = flags.strings.get('workspace');
  if (!workspace) throw new UsageError('--workspace (or --issuer) is required for Bitbucket: the issuer is per workspace');
  return bitbucketIssuer(workspace);
}

const BUILDERS: Readonly<Record<Platform, (flags: ParsedFlags) => FlagRules>> = { github: fromGithub, circleci: fromCircleci, gitlab: fromGitlab, buildkite: fromBuildkite, bitbucket: fromBitbucket };

/** The rules the platform's flags stand for, with the issuer they name. */
export function rulesFromFlags(flags: ParsedFlags, platform: Platform): FlagRules {
  onlyFor(flags, platform);
  return BUILDERS[platform](flags);
}
