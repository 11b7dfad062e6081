// `claimcheck trust-policy`: the IAM role trust policy (JSON, or Terraform with the OIDC
// provider) that AWS enforces, from rules — a rules file, --platform flags or a token, all
// through the one compiler (src/core/trust/aws/compile-trust.ts) — or `--check`, which
// decides whether a live policy accepts a token the rules refuse (exit 0 OK, 1 FAIL, 3 cannot
// verify). Results go to standard output, what binds where and notes to standard error; all
// of it inert (no control, bidi or zero-width character from a token or a flag reaches it raw).
import { isPartition } from '../../core/aws/arn.js';
import { AWS_AUDIENCE } from '../../core/aws/settings.js';
import { mutableNameWarnings, PLATFORMS, type RoleEntry } from '../../core/rules/rules-file.js';
import type { ClaimRule } from '../../core/rules/rules.js';
import { inertJsonDocument, inertLines } from '../../core/text/inert-text.js';
import { checkPolicy } from '../../core/trust/aws/check/check.js';
import { checkReport, EXIT_CODES } from '../../core/trust/aws/check/check-report.js';
import type { RuleBinding } from '../../core/trust/aws/compile.js';
import { compileTrust } from '../../core/trust/aws/compile-trust.js';
import { issuerKeys, KEY_FAMILIES, keyFamilyOf, type IssuerKeys, type KeyFamily } from '../../core/trust/aws/iam/keys.js';
import type { PolicyDocument } from '../../core/trust/aws/iam/policy.js';
import { oidcProviderArn, terraformForRoles, terraformLabel, type TerraformRole } from '../../core/trust/aws/token-policy.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from '../args.js';
import type { CliIo } from '../io.js';
import { readTrustPolicyFile } from '../rules-input.js';
import { TOKEN_FLAGS } from '../token-source.js';
import { azureTrustPolicyCommand } from './azure.js';
import { cloudArgument } from './cloud.js';
import { gcpTrustPolicyCommand } from './gcp.js';
import { PLATFORM_TRUST_FLAGS } from './flags.js';
import { issuerOf, ruleSource, type RuleSource } from './sources.js';

export const TRUST_POLICY_FLAGS: Flags = {
  cloud: { kind: 'string', value: 'aws|gcp|azure', description: 'The cloud whose trust to print (default aws): gcp, the Google provider condition; azure, Entra ID federated credentials.' },
  'account-id': { kind: 'string', value: '123456789012', description: "The AWS account of the role and the IAM OIDC provider (default with a role map: each role's own)." },
  'rules-file': { kind: 'string', value: 'path', description: "Compile this rules file (the step's rules) into the policy AWS enforces." },
  claims: { kind: 'string', value: 'rules', description: 'Claim rules as in the claims input, compiled with (or without) --rules-file.' },
  role: { kind: 'string', value: 'name', description: 'With a role map: the entry to print or check (default: every entry).' },
  check: { kind: 'string', value: 'policy.json', description: 'Decide whether this live policy (a document or aws iam get-role output) accepts a token the rules refuse: exit 0 OK, 1 FAIL, 3 cannot verify.' },
  'token-file': TOKEN_FLAGS['token-file']!,
  'token-env': TOKEN_FLAGS['token-env']!,
  platform: { kind: 'string', value: PLATFORMS.join('|'), description: 'The platform of the rules (its claim names and issuer), or build the rules from the flags below.' },
  ...PLATFORM_TRUST_FLAGS,
  issuer: { kind: 'string', value: 'url', description: "The issuer (default: the platform's, the policy's, or the token's)." },
  audience: { kind: 'string', value: 'aud', description: "The audience (default sts.amazonaws.com, or the token's)." },
  'condition-keys': { kind: 'string', value: KEY_FAMILIES.join('|'), description: "Which provider's condition keys AWS evaluates for the issuer (default: from the issuer's host)." },
  'allow-unpinned': { kind: 'boolean', description: 'Allow a policy that pins no repository or project of the issuer (every one of them may assume the role; docs/trust-verdicts.md).' },
  partition: { kind: 'string', value: 'aws', description: 'The AWS partition (default aws; aws-cn, aws-us-gov, …).' },
  format: { kind: 'string', value: 'json|terraform', description: 'JSON policy document (default), or Terraform for the provider and role.' },
  'role-name': { kind: 'string', value: 'name', description: "Terraform: the role name (default ci-deploy, or the role map entry's role)." },
};

export const TRUST_POLICY_USAGE =
  'claimcheck trust-policy (--rules-file <path> [--role <name>] | --platform github --repository <owner/repo> [--repository-id <id>] --branch <name> … | --platform circleci --org-id <uuid> --project-id <uuid> … | ' +
  '--platform gitlab --project-path <group/project> [--project-id <id>] --branch <name> … | --platform buildkite --organization <slug> --pipeline <slug> [--organization-id <uuid>] --branch <name> … | ' +
  '--platform bitbucket --workspace <id> --repository-uuid <uuid> [--environment-uuid <uuid> …] | --token-file <path>) [--check <policy.json>] [--account-id <id>] [--format json|terraform] [--allow-unpinned]';

interface Setting {
  readonly partition: string;
  readonly accountId: string | undefined;
  readonly audience: string | undefined;
  readonly format: 'json' | 'terraform';
  readonly family: KeyFamily | undefined;
  readonly allowUnpinned: boolean;
}

function commonSettings(flags: ParsedFlags): Setting {
  const accountId = flags.strings.get('account-id');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new UsageError('--account-id must be a 12-digit AWS account ID');
  const partition = flags.strings.get('partition') ?? 'aws';
  if (!isPartition(partition)) throw new UsageError('--partition must be an AWS partition such as aws, aws-cn or aws-us-gov');
  const format = flags.strings.get('format') ?? 'json';
  if (format !== 'json' && format !== 'terraform') throw new UsageError('--format must be json or terraform');
  const family = flags.strings.get('condition-keys');
  if (family !== undefined && !(KEY_FAMILIES as readonly string[]).includes(family)) throw new UsageError(`--condition-keys must be one of ${KEY_FAMILIES.join(', ')}`);
  return { partition, accountId, audience: flags.strings.get('audience'), format, family: family as KeyFamily | undefined, allowUnpinned: flags.booleans.has('allow-unpinned') };
}

interface Entry {
  readonly name: string | undefined;
  readonly rules: readonly ClaimRule[];
  readonly accountId: string | undefined;
  readonly partition: string;
  readonly roleName: string;
}

function entriesOf(flags: ParsedFlags, setting: Setting, rules: readonly ClaimRule[], roles: readonly RoleEntry[]): Entry[] {
  const wanted = flags.strings.get('role');
  if (roles.length === 0) {
    if (wanted !== undefined) throw new UsageError('--role picks a role map entry, and the rules have no role map');
    return [{ name: undefined, rules, accountId: setting.accountId, partition: setting.partition, roleName: flags.strings.get('role-name') ?? 'ci-deploy' }];
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

function describeBinding(binding: RuleBinding): string {
  switch (binding.where) {
    case 'aws': return `  AWS enforces      ${binding.rule.source}  (${binding.key}${binding.note ? `, ${binding.note}` : ''})`;
    case 'aws-narrower': return `  AWS enforces      ${binding.rule.source}  (${binding.key}; ${binding.note})`;
    case 'claimcheck': return `  claimcheck only   ${binding.rule.source}  (${binding.reason})`;
  }
}

const where = (entry: Entry) => (entry.name === undefined ? 'The rules' : `Role map entry ${entry.name}`);

function stderrLines(io: CliIo, lines: readonly string[]): void {
  if (lines.length > 0) io.stderr(`${inertLines(lines.join('\n'))}\n`);
}

function writePolicies(flags: ParsedFlags, io: CliIo, setting: Setting, source: RuleSource): number {
  const issuer = issuerOf(flags, source);
  const audience = setting.audience ?? source.audience ?? AWS_AUDIENCE;
  const keys: IssuerKeys = issuerKeys(issuer, setting.family ?? keyFamilyOf(issuer));
  const entries = entriesOf(flags, setting, source.rules, source.roles);
  const roles: Array<TerraformRole & { name: string | undefined }> = [];
  for (const entry of entries) {
    if (entry.accountId === undefined) throw new UsageError('--account-id is required (the account of the role and its IAM OIDC provider)');
    const principal = oidcProviderArn(entry.partition, entry.accountId, issuer);
    const compiled = compileTrust({ rules: entry.rules, issuer, keys, audience, principal, platform: source.platform, allowUnpinned: setting.allowUnpinned, where: where(entry), fromToken: source.fromToken === true });
    refuseUnbound(source, compiled.bindings);
    stderrLines(io, [`${entry.name === undefined ? 'Rules' : `Role map entry ${entry.name}`}: where each rule binds (the trust policy is the boundary; claimcheck's check is a pre-check)`, ...compiled.bindings.map(describeBinding)]);
    stderrLines(io, [...mutableNameWarnings(entry.rules, where(entry)).map((text) => `Warning: ${text}`), ...compiled.notes]);
    roles.push({ name: entry.name, label: terraformLabel(entry.name ?? 'ci'), roleName: entry.roleName, document: compiled.document, principal });
  }
  stderrLines(io, source.notices);
  if (setting.format === 'terraform') io.stdout(terraformForRoles(issuer, audience, roles));
  else if (source.roles.length === 0 || flags.strings.has('role')) io.stdout(`${inertJsonDocument((roles[0] as TerraformRole).document)}\n`);
  else io.stdout(`${inertJsonDocument(Object.fromEntries(roles.map((role) => [role.name, role.document])))}\n`);
  return 0;
}

/** Flags and tokens say what AWS must enforce: a rule of theirs that only claimcheck could check is refused. */
function refuseUnbound(source: RuleSource, bindings: readonly RuleBinding[]): void {
  if (source.issuer === undefined) return;
  const unbound = bindings.find((binding) => binding.where === 'claimcheck');
  if (unbound?.where === 'claimcheck') throw new UsageError(`${unbound.rule.source} cannot bind at AWS for this issuer (${unbound.reason}); drop the flag, or write a rules file to have claimcheck check it`);
}

async function checkOne(flags: ParsedFlags, io: CliIo, setting: Setting, source: RuleSource, path: string): Promise<number> {
  const policy: PolicyDocument = await readTrustPolicyFile(path);
  const issuer = issuerOf(flags, source, policy);
  const audience = setting.audience ?? source.audience ?? AWS_AUDIENCE;
  const keys = issuerKeys(issuer, setting.family ?? keyFamilyOf(issuer));
  if (source.roles.length > 1 && !flags.strings.has('role')) throw new UsageError(`--role is required to check against a role map (entries: ${source.roles.map((entry) => entry.name).join(', ')})`);
  const [entry] = entriesOf(flags, setting, source.rules, source.roles) as [Entry];
  const result = checkPolicy({ policy, rules: entry.rules, issuer, keys, audience, platform: source.platform, allowUnpinned: setting.allowUnpinned });
  const header = `Checked ${path} against ${entry.name === undefined ? 'the rules' : `role map entry ${entry.name}`} (issuer ${keys.prefix}, audience ${audience}; ${result.grammar.platform} tokens as the issuer builds them).`;
  io.stdout(`${inertLines([header, ...checkReport(result, entry.rules, keys.prefix)].join('\n'))}\n`);
  stderrLines(io, source.notices);
  return EXIT_CODES[result.verdict];
}

export async function trustPolicyCommand(given: readonly string[], io: CliIo): Promise<number> {
  const { cloud, rest: argv } = cloudArgument(given);
  if (cloud === 'gcp') return gcpTrustPolicyCommand(given, io);
  if (cloud === 'azure') return azureTrustPolicyCommand(given, io);
  const flags = parseFlags(argv, TRUST_POLICY_FLAGS);
  const setting = commonSettings(flags);
  const source = await ruleSource(flags, io);
  const path = flags.strings.get('check');
  if (path !== undefined) return checkOne(flags, io, setting, source, path);
  return writePolicies(flags, io, setting, source);
}
