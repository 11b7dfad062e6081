// `claimcheck trust-policy`: the IAM role trust policy (JSON, or Terraform with the OIDC
// provider) that AWS enforces. From a rules file (the same rules the step checks, compiled
// into conditions on the claims AWS evaluates), from a repository's refs and environments,
// from CircleCI projects, GitLab projects, Buildkite pipelines or Bitbucket repositories (see
// trust-flags.ts), or from a token; and `--check`, which holds a live policy to the rules. Results go to standard output, what binds where and warnings to standard error.
import { decodeJwt } from 'jose';
import { isPartition } from '../core/aws/arn.js';
import { ClaimcheckError } from '../core/errors.js';
import { INPUTS } from '../core/config/inputs.generated.js';
import { AWS_AUDIENCE } from '../core/aws/settings.js';
import { conditionKeyFor, issuerKeys, KEY_FAMILIES, keyFamilyOf, type IssuerKeys, type KeyFamily } from '../core/trust/aws/keys.js';
import type { PolicyDocument } from '../core/trust/aws/policy.js';
import type { ClaimRule } from '../core/rules/rules.js';
import type { Platform, RoleEntry } from '../core/rules/rules-file.js';
import { isPlatform, mutableNameWarnings, PLATFORMS } from '../core/rules/rules-file.js';
import { checkPolicy } from '../core/trust/aws/check.js';
import { compileRules, ruleBindings, type RuleBinding } from '../core/trust/aws/compile.js';
import { branchTrustNotice, githubTrustPolicy, namesOnlyWarning, type SubjectFormat } from '../core/trust/aws/platforms/github.js';
import { circleciSubjects, oidcProviderArn, terraformForRoles, terraformLabel, tokenTrustPolicyDocument, trustPolicyDocument, type TerraformRole } from '../core/trust/aws/token-policy.js';
import { BUILDKITE_ISSUER } from '../platform/buildkite/claims.js';
import { circleciIssuer } from '../platform/circleci/inputs.js';
import { GITLAB_COM } from '../platform/gitlab/claims.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from './args.js';
import type { CliIo } from './io.js';
import { checkPlatformClaims, checkSamePlatform } from './platform.js';
import { readCliRules, readTrustPolicyFile } from './rules-input.js';
import { TOKEN_FLAGS, tokenSource } from './token-source.js';
import { azureTrustPolicyCommand } from './trust/azure.js';
import { cloudArgument } from './trust/cloud.js';
import { gcpTrustPolicyCommand } from './trust/gcp.js';
import { bitbucketIssuerOf, fromBitbucketFlags, fromBuildkiteFlags, fromGitlabFlags, onlyFor, PLATFORM_TRUST_FLAGS, type BuiltPolicy, type TrustContext } from './trust-flags.js';

export const TRUST_POLICY_FLAGS: Flags = {
  cloud: { kind: 'string', value: 'aws|gcp|azure', description: 'The cloud whose trust to print (default aws): gcp, the Google provider condition; azure, Entra ID federated credentials.' },
  'account-id': { kind: 'string', value: '123456789012', description: "The AWS account of the role and the IAM OIDC provider (default with a role map: each role's own)." },
  'rules-file': { kind: 'string', value: 'path', description: 'Compile this rules file (the step\'s rules) into the policy AWS enforces.' },
  claims: { kind: 'string', value: 'rules', description: 'Claim rules as in the claims input, compiled with (or without) --rules-file.' },
  role: { kind: 'string', value: 'name', description: 'With a role map: the entry to print or check (default: every entry).' },
  check: { kind: 'string', value: 'policy.json', description: 'Check this live policy (a policy document or aws iam get-role output) against the rules instead.' },
  'token-file': TOKEN_FLAGS['token-file']!,
  'token-env': TOKEN_FLAGS['token-env']!,
  platform: { kind: 'string', value: PLATFORMS.join('|'), description: 'The platform of the rules (its claim names and issuer), or build the policy from the flags below.' },
  repository: { kind: 'string', value: 'owner/repo', description: 'GitHub: the repository to trust.' },
  'owner-id': { kind: 'string', value: 'id', description: "GitHub: the owner's numeric id; with --repository-id pins the repository by id." },
  'repository-id': { kind: 'string', value: 'id', description: "GitHub: the repository's numeric id (gh api repos/OWNER/REPO --jq .id)." },
  'sub-format': { kind: 'string', value: 'legacy|immutable|both', description: 'GitHub without ids: the subject formats to accept (default both).' },
  branch: { kind: 'list', value: 'name', description: 'GitHub, GitLab, Buildkite: trust this branch (IAM wildcards * and ? allowed).' },
  tag: { kind: 'list', value: 'name', description: 'GitHub, GitLab, Buildkite: trust this tag (e.g. v*).' },
  environment: { kind: 'list', value: 'name', description: 'GitHub: trust jobs in this deployment environment.' },
  'pull-request': { kind: 'boolean', description: 'GitHub: trust pull_request workflows.' },
  'org-id': { kind: 'string', value: 'uuid', description: 'CircleCI: the organization ID (its issuer).' },
  'project-id': { kind: 'list', value: 'id', description: "CircleCI: trust jobs of this project (its UUID; repeatable). GitLab: the project's numeric id, checked by AWS on gitlab.com." },
  ...PLATFORM_TRUST_FLAGS,
  issuer: { kind: 'string', value: 'url', description: "The issuer (default: the platform's, the policy's, or the token's)." },
  audience: { kind: 'string', value: 'aud', description: "The audience (default sts.amazonaws.com, or the token's)." },
  'condition-keys': { kind: 'string', value: KEY_FAMILIES.join('|'), description: "Which provider's condition keys AWS evaluates for the issuer (default: from the issuer's host)." },
  partition: { kind: 'string', value: 'aws', description: 'The AWS partition (default aws; aws-cn, aws-us-gov, …).' },
  format: { kind: 'string', value: 'json|terraform', description: 'JSON policy document (default), or Terraform for the provider and role.' },
  'role-name': { kind: 'string', value: 'name', description: 'Terraform: the role name (default ci-deploy, or the role map entry\'s role).' },
};

export const TRUST_POLICY_USAGE =
  'claimcheck trust-policy (--rules-file <path> [--role <name>] [--check <policy.json>] | --platform github --repository <owner/repo> [--owner-id <id> --repository-id <id>] --branch <name> … | --platform circleci --org-id <uuid> --project-id <uuid> … | ' +
  '--platform gitlab --project-path <group/project> [--project-id <id>] --branch <name> … | --platform buildkite --organization <slug> --pipeline <slug> [--organization-id <uuid> --pipeline-id <uuid>] --branch <name> … | ' +
  '--platform bitbucket --workspace <id> --repository-uuid <uuid> [--environment-uuid <uuid> …] | --token-file <path>) [--account-id <id>] [--format json|terraform]';

const GITHUB_PINS = ['repository_id', 'repository', 'repository_owner_id', 'sub'];

interface Setting {
  readonly partition: string;
  readonly accountId: string | undefined;
  readonly audience: string;
  readonly format: 'json' | 'terraform';
}

function commonSettings(flags: ParsedFlags): Setting {
  const accountId = flags.strings.get('account-id');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new UsageError('--account-id must be a 12-digit AWS account ID');
  const partition = flags.strings.get('partition') ?? 'aws';
  if (!isPartition(partition)) throw new UsageError('--partition must be an AWS partition such as aws, aws-cn or aws-us-gov');
  const format = flags.strings.get('format') ?? 'json';
  if (format !== 'json' && format !== 'terraform') throw new UsageError('--format must be json or terraform');
  return { partition, accountId, audience: flags.strings.get('audience') ?? AWS_AUDIENCE, format };
}

function requireAccount(setting: Setting): string {
  if (setting.accountId === undefined) throw new UsageError('--account-id is required (the account of the role and its IAM OIDC provider)');
  return setting.accountId;
}

function familyFlag(flags: ParsedFlags): KeyFamily | undefined {
  const family = flags.strings.get('condition-keys');
  if (family === undefined) return undefined;
  if (!(KEY_FAMILIES as readonly string[]).includes(family)) throw new UsageError(`--condition-keys must be one of ${KEY_FAMILIES.join(', ')}`);
  return family as KeyFamily;
}

/** The issuer: --issuer, else the platform's (CircleCI needs --org-id), else the policy's provider. */
function issuerOf(flags: ParsedFlags, platform: Platform | undefined, policy?: PolicyDocument): string {
  const given = flags.strings.get('issuer');
  if (given) return given;
  if (platform === 'circleci') {
    const organization = flags.strings.get('org-id');
    if (!organization) throw new UsageError('--org-id (or --issuer) is required for CircleCI: the issuer is per organization');
    return circleciIssuer(organization);
  }
  const federated = policy?.statements.map((statement) => (statement.principal as { Federated?: unknown } | undefined)?.Federated).find((value) => typeof value === 'string');
  const fromPolicy = typeof federated === 'string' ? /:oidc-provider\/(.+)$/.exec(federated)?.[1] : undefined;
  if (fromPolicy) return `https://${fromPolicy}`;
  if (platform === 'github') return INPUTS.issuer.default;
  if (platform === 'gitlab') return GITLAB_COM;
  if (platform === 'buildkite') return BUILDKITE_ISSUER;
  if (platform === 'bitbucket') return bitbucketIssuerOf(flags);
  throw new UsageError(`give --issuer, or --platform ${PLATFORMS.join('|')} (or platform: in the rules file)`);
}

function describeBinding(binding: RuleBinding): string {
  switch (binding.where) {
    case 'aws': return `  AWS enforces      ${binding.rule.source}  (${binding.key})`;
    case 'aws-narrower': return `  AWS enforces      ${binding.rule.source}  (${binding.key}; ${binding.note})`;
    case 'claimcheck': return `  claimcheck only   ${binding.rule.source}  (${binding.reason})`;
  }
}

interface Entry {
  readonly name: string | undefined;
  readonly rules: readonly ClaimRule[];
  readonly accountId: string;
  readonly partition: string;
  readonly roleName: string;
}

function entriesOf(flags: ParsedFlags, setting: Setting, rules: readonly ClaimRule[], roles: readonly RoleEntry[]): Entry[] {
  const wanted = flags.strings.get('role');
  if (roles.length === 0) {
    if (wanted !== undefined) throw new UsageError('--role picks a role map entry, and the rules have no role map');
    return [{ name: undefined, rules, accountId: requireAccount(setting), partition: setting.partition, roleName: flags.strings.get('role-name') ?? 'ci-deploy' }];
  }
  const chosen = wanted === undefined ? roles : roles.filter((entry) => entry.name === wanted);
  if (chosen.length === 0) throw new UsageError(`--role ${wanted}: the role map has no such entry (entries: ${roles.map((entry) => entry.name).join(', ')})`);
  return chosen.map((entry) => ({
    name: entry.name,
    rules: [...rules, ...entry.rules],
    accountId: setting.accountId ?? entry.roleArn.accountId,
    partition: entry.roleArn.partition,
    roleName: flags.strings.get('role-name') ?? entry.roleArn.name,
  }));
}

/** Claims that name the project on issuers many customers share: the policy must bind one. */
const SHARED_ISSUER_PINS: Readonly<Partial<Record<Platform, { readonly claims: readonly string[]; readonly what: string; readonly hint: string }>>> = {
  gitlab: { claims: ['project_id', 'namespace_id', 'sub'], what: "every GitLab project's jobs on this instance", hint: 'Add a rule on project_id (AWS checks it on gitlab.com), or on sub (project_path:GROUP/PROJECT:…); project_path alone is not seen by AWS.' },
  buildkite: { claims: ['organization_id', 'organization_slug', 'sub'], what: "every Buildkite organization's pipelines", hint: 'Add a rule on organization_id (or organization_slug), or on sub (organization:ORG:pipeline:…).' },
};

function guardPins(keys: IssuerKeys, entry: Entry, platform: Platform | undefined): void {
  const where = entry.name === undefined ? 'The rules' : `Role map entry ${entry.name}`;
  const shared = SHARED_ISSUER_PINS[platform ?? (keys.family === 'gitlab' || keys.family === 'buildkite' ? keys.family : 'github')];
  if (shared) {
    const bound = ruleBindings(entry.rules, keys).some((binding) => binding.where !== 'claimcheck' && shared.claims.includes(binding.rule.claim));
    if (!bound) throw new ClaimcheckError('INPUT_INVALID', `${where} bind no project at AWS: the policy would let ${shared.what} assume the role.`, shared.hint);
    return;
  }
  if (keys.family !== 'github' || entry.rules.some((rule) => GITHUB_PINS.includes(rule.claim))) return;
  throw new ClaimcheckError('INPUT_INVALID', `${where} pin no repository: the policy would let every GitHub repository's workflows assume the role.`, 'Add a rule on repository_id (the repository\'s numeric id), or at least repository.');
}

function notices(keys: IssuerKeys, entry: Entry): string[] {
  const claims = new Set(entry.rules.map((rule) => rule.claim));
  const where = entry.name === undefined ? 'The rules' : `Role map entry ${entry.name}`;
  const out = mutableNameWarnings(entry.rules, where).map((text) => `Warning: ${text}`);
  if (keys.family === 'github' && claims.has('ref') && !claims.has('environment')) out.push(branchTrustNotice());
  return out;
}

async function fromRules(flags: ParsedFlags, io: CliIo, setting: Setting): Promise<number> {
  const { rules, document } = await readCliRules(flags);
  const platformFlag = flags.strings.get('platform');
  if (platformFlag !== undefined && !isPlatform(platformFlag)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  checkSamePlatform(platformFlag, document?.platform);
  if (platformFlag !== undefined) checkPlatformClaims([...rules, ...(document?.roles ?? []).flatMap((entry) => entry.rules)], platformFlag, 'The rules');
  const platform = platformFlag ?? document?.platform;
  const policyPath = flags.strings.get('check');
  const policy = policyPath === undefined ? undefined : await readTrustPolicyFile(policyPath);
  const issuer = issuerOf(flags, platform, policy);
  const keys = issuerKeys(issuer, familyFlag(flags) ?? keyFamilyOf(issuer));
  const roles = document?.roles ?? [];
  if (policy) {
    if (roles.length > 1 && !flags.strings.has('role')) throw new UsageError(`--role is required to check against a role map (entries: ${roles.map((entry) => entry.name).join(', ')})`);
    const [entry] = entriesOf(flags, { ...setting, accountId: setting.accountId ?? '000000000000' }, rules, roles) as [Entry];
    return checkCommand(io, policyPath as string, policy, entry, keys, setting.audience, platform);
  }
  const entries = entriesOf(flags, setting, rules, roles);
  const compiled = entries.map((entry) => {
    guardPins(keys, entry, platform);
    const principal = oidcProviderArn(entry.partition, entry.accountId, issuer);
    return { entry, principal, ...compileRules(entry.rules, { principal, keys, audience: setting.audience }) };
  });
  for (const { entry, bindings } of compiled) {
    io.stderr(`${entry.name === undefined ? 'Rules' : `Role map entry ${entry.name}`}: where each rule binds (the trust policy is the boundary; claimcheck's check is a pre-check)\n`);
    io.stderr(`${bindings.map(describeBinding).join('\n')}\n`);
    for (const line of notices(keys, entry)) io.stderr(`${line}\n`);
  }
  if (setting.format === 'terraform') {
    const roleList: TerraformRole[] = compiled.map(({ entry, document: policyDocument, principal }) => ({ label: terraformLabel(entry.name ?? 'ci'), roleName: entry.roleName, document: policyDocument, principal }));
    io.stdout(terraformForRoles(issuer, setting.audience, roleList));
  } else if (roles.length === 0 || flags.strings.has('role')) {
    io.stdout(`${JSON.stringify((compiled[0] as { document: object }).document, null, 2)}\n`);
  } else {
    io.stdout(`${JSON.stringify(Object.fromEntries(compiled.map(({ entry, document: policyDocument }) => [entry.name, policyDocument])), null, 2)}\n`);
  }
  return 0;
}

function checkCommand(io: CliIo, path: string, policy: PolicyDocument, entry: Entry, keys: IssuerKeys, audience: string, platform: Platform | undefined): number {
  const result = checkPolicy({ policy, rules: entry.rules, keys, audience, platform });
  const lines = [`Checked ${path} against ${entry.name === undefined ? 'the rules' : `role map entry ${entry.name}`} (issuer ${keys.prefix}, audience ${audience}).`];
  if (!result.witness) lines.push('FAIL: the policy accepts no token that the rules allow (tried tokens built from the rules and the policy\'s own values).');
  for (const gap of result.gaps) {
    const shown = Object.entries(gap.token).filter(([name]) => name === gap.claim || name === 'sub' || name === 'aud' || entry.rules.some((rule) => rule.claim === name));
    lines.push(`FAIL: ${gap.summary}.`, `  e.g. a token with ${shown.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}`);
  }
  if (result.witness && result.gaps.length === 0) {
    lines.push('OK: the policy accepts tokens the rules allow, and no token they refuse was found on the claims AWS evaluates.');
  }
  for (const binding of result.claimcheckOnly) lines.push(`Only claimcheck checks ${binding.rule.source} (${binding.where === 'claimcheck' ? binding.reason : ''}).`);
  io.stdout(`${lines.join('\n')}\n`);
  return result.witness && result.gaps.length === 0 ? 0 : 1;
}

function subjectFormat(flags: ParsedFlags): SubjectFormat {
  const format = flags.strings.get('sub-format') ?? 'both';
  if (format !== 'legacy' && format !== 'immutable' && format !== 'both') throw new UsageError('--sub-format must be legacy, immutable or both');
  return format;
}

function numericId(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.strings.get(name);
  if (value !== undefined && !/^\d{1,20}$/.test(value)) throw new UsageError(`--${name} must be a numeric id`);
  return value;
}

function fromGithubFlags(flags: ParsedFlags, io: CliIo, setting: Setting): { issuer: string; document: object } {
  const list = (name: string) => flags.lists.get(name) ?? [];
  const repository = flags.strings.get('repository');
  if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new UsageError('--repository owner/repo is required with --platform github');
  const ownerId = numericId(flags, 'owner-id');
  const repositoryId = numericId(flags, 'repository-id');
  if ((ownerId === undefined) !== (repositoryId === undefined)) throw new UsageError('give both --owner-id and --repository-id, or neither');
  const trust = { repository, ownerId, repositoryId, branches: list('branch'), tags: list('tag'), environments: list('environment'), pullRequests: flags.booleans.has('pull-request'), subjectFormat: subjectFormat(flags) };
  if (trust.branches.length + trust.tags.length + trust.environments.length === 0 && !trust.pullRequests) throw new UsageError('say what to trust: --branch, --tag, --environment or --pull-request');
  if (ownerId !== undefined && flags.strings.has('sub-format')) throw new UsageError('--sub-format applies without ids; with --owner-id and --repository-id both formats are accepted');
  const issuer = flags.strings.get('issuer') ?? INPUTS.issuer.default;
  const keys = issuerKeys(issuer, familyFlag(flags) ?? keyFamilyOf(issuer));
  const principal = oidcProviderArn(setting.partition, requireAccount(setting), issuer);
  if (ownerId === undefined) io.stderr(`${namesOnlyWarning(repository)}\n`);
  if (trust.branches.length + trust.tags.length > 0 && trust.environments.length === 0) io.stderr(`${branchTrustNotice()}\n`);
  return { issuer, document: githubTrustPolicy(trust, { principal, keys, audience: setting.audience }) };
}

function fromCircleciFlags(flags: ParsedFlags, setting: Setting): { issuer: string; document: object } {
  const organization = flags.strings.get('org-id');
  const projects = flags.lists.get('project-id') ?? [];
  if (!organization || projects.length === 0) throw new UsageError('--org-id and at least one --project-id are required with --platform circleci');
  const issuer = flags.strings.get('issuer') ?? circleciIssuer(organization);
  const spec = { partition: setting.partition, accountId: requireAccount(setting), issuer, audience: setting.audience, subjects: circleciSubjects(organization, projects) };
  return { issuer, document: trustPolicyDocument(spec) };
}

function fromToken(token: string, flags: ParsedFlags, setting: Setting): { issuer: string; audience: string; document: object } {
  let claims;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new ClaimcheckError('TOKEN_MALFORMED', 'The token is not a JWT: its payload is not base64url-encoded JSON.', 'Pass the OIDC ID token itself, unmodified.');
  }
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof aud !== 'string') {
    throw new ClaimcheckError('TOKEN_CLAIMS', 'The token lacks iss, aud or sub, which a trust policy matches on.', 'Use an OIDC ID token from your CI provider.');
  }
  const issuer = flags.strings.get('issuer') ?? claims.iss;
  const audience = flags.strings.get('audience') ?? aud;
  const keys = issuerKeys(issuer, familyFlag(flags) ?? keyFamilyOf(issuer));
  return { issuer, audience, document: tokenTrustPolicyDocument(setting.partition, requireAccount(setting), issuer, audience, claims, (claim) => conditionKeyFor(keys, claim)) };
}

function print(io: CliIo, setting: Setting, issuer: string, audience: string, document: object, roleName: string): void {
  if (setting.format === 'json') {
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const principal = oidcProviderArn(setting.partition, setting.accountId as string, issuer);
  io.stdout(terraformForRoles(issuer, audience, [{ label: 'ci', roleName, document, principal }]));
}

function fromPlatformFlags(flags: ParsedFlags, io: CliIo, setting: Setting): BuiltPolicy | { issuer: string; document: object } {
  const platform = flags.strings.get('platform');
  if (platform === undefined || !isPlatform(platform)) throw new UsageError(`give --rules-file, --platform ${PLATFORMS.join('|')}, or --token-file`);
  const context: TrustContext = {
    audience: setting.audience,
    keysFor: (issuer) => issuerKeys(issuer, familyFlag(flags) ?? keyFamilyOf(issuer)),
    principalFor: (issuer) => oidcProviderArn(setting.partition, requireAccount(setting), issuer),
    warn: (line) => io.stderr(`${line}\n`),
  };
  switch (platform) {
    case 'github':
      onlyFor(flags, platform);
      return fromGithubFlags(flags, io, setting);
    case 'circleci':
      onlyFor(flags, platform);
      return fromCircleciFlags(flags, setting);
    case 'gitlab':
      return fromGitlabFlags(flags, context);
    case 'buildkite':
      return fromBuildkiteFlags(flags, context);
    case 'bitbucket':
      return fromBitbucketFlags(flags, context);
  }
}

export async function trustPolicyCommand(given: readonly string[], io: CliIo): Promise<number> {
  const { cloud, rest: argv } = cloudArgument(given);
  if (cloud === 'gcp') return gcpTrustPolicyCommand(given, io);
  if (cloud === 'azure') return azureTrustPolicyCommand(given, io);
  const flags = parseFlags(argv, TRUST_POLICY_FLAGS);
  const setting = commonSettings(flags);
  const fromAToken = flags.strings.has('token-file') || flags.strings.has('token-env');
  const fromRuleFlags = flags.strings.has('rules-file') || flags.strings.has('claims');
  if (fromAToken && (flags.strings.has('platform') || fromRuleFlags)) throw new UsageError('give a token, rules, or --platform flags, not several');
  if (flags.strings.has('check') && !fromRuleFlags) throw new UsageError('--check needs the rules to check against: --rules-file or --claims');
  if (fromRuleFlags) return fromRules(flags, io, setting);
  const roleName = flags.strings.get('role-name') ?? 'ci-deploy';
  if (fromAToken) {
    const { issuer, audience, document } = fromToken(await tokenSource(flags, io)(), flags, setting);
    io.stderr('Note: the token was decoded, not verified; the policy accepts its issuer and audience and the jobs it stands for, pinned by what stays the same from run to run (ids where AWS evaluates them), never by what changes in every run.\n');
    print(io, setting, issuer, audience, document, roleName);
    return 0;
  }
  const { issuer, document } = fromPlatformFlags(flags, io, setting);
  print(io, setting, issuer, setting.audience, document, roleName);
  return 0;
}
