// `claimcheck trust-policy --cloud gcp`: the Workload Identity Federation provider that holds
// jobs to the rules file (attribute mapping and CEL condition, immutable ids first), as the
// JSON `gcloud … providers describe` prints, the gcloud commands that create it and grant its
// members, or Terraform. The document goes to standard output; notes and members to standard error.
import { ClaimcheckError } from '../../core/errors.js';
import { INPUTS } from '../../core/config/inputs.generated.js';
import { parseProviderName, PROVIDER_FORM, type ProviderName } from '../../core/gcp/provider.js';
import { isPlatform, mutableNameWarnings, PLATFORMS, type Platform } from '../../core/rules/rules-file.js';
import { CelCompileError } from '../../core/trust/gcp/cel.js';
import { compileProvider, GcpProviderError, type GcpMember, type GcpProviderConfig } from '../../core/trust/gcp/compile.js';
import { describeJson, gcloudCommands, SERVICE_ACCOUNT_PLACEHOLDER, terraform, type Grant } from '../../core/trust/gcp/formats.js';
import { BUILDKITE_ISSUER } from '../../platform/buildkite/claims.js';
import { circleciIssuer } from '../../platform/circleci/inputs.js';
import { GITLAB_COM } from '../../platform/gitlab/claims.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from '../args.js';
import type { CliIo } from '../io.js';
import { checkPlatformClaims, checkSamePlatform } from '../platform.js';
import { readCliRules } from '../rules-input.js';

export const GCP_TRUST_POLICY_FLAGS: Flags = {
  cloud: { kind: 'string', value: 'gcp', description: 'gcp: a Google Cloud Workload Identity Federation provider.' },
  'rules-file': { kind: 'string', value: 'path', description: 'Compile this rules file into the provider\'s attribute condition and mapping.' },
  claims: { kind: 'string', value: 'rules', description: 'Claim rules as in the claims input, compiled with (or without) --rules-file.' },
  provider: { kind: 'string', value: PROVIDER_FORM, description: 'The provider (its name in the output, the pool of the members); required for --format gcloud and terraform.' },
  platform: { kind: 'string', value: PLATFORMS.join('|'), description: "The platform of the rules (its claim names and issuer)." },
  issuer: { kind: 'string', value: 'url', description: "The provider's issuer URI (default: the platform's)." },
  'org-id': { kind: 'string', value: 'uuid', description: 'CircleCI: the organization ID (its issuer).' },
  audience: { kind: 'list', value: 'aud', description: "An allowed audience (repeatable; default none: Google's https://iam.googleapis.com/<provider>, claimcheck's default too)." },
  'service-account': { kind: 'list', value: '[entry=]email', description: 'The service account a member may impersonate (with a role map: entry=email per entry).' },
  subject: { kind: 'string', value: 'cel', description: "The google.subject mapping (default: the platform's; assertion.sub for most)." },
  'allow-unpinned': { kind: 'boolean', description: 'Accept rules that name no repository or project of the issuer (the provider then admits every job the issuer signs).' },
  format: { kind: 'string', value: 'json|gcloud|terraform', description: 'JSON as providers describe prints it (default), the gcloud commands, or Terraform.' },
  check: { kind: 'string', value: 'provider.json', description: 'Decide whether this live provider (providers describe --format json) admits a token the rules refuse: exit 0 OK, 1 FAIL, 3 cannot verify.' },
  role: { kind: 'string', value: 'name', description: 'With a role map and --check: the entry whose rules the provider is for (default: any entry, as the compiled condition has it).' },
};

export const GCP_TRUST_POLICY_USAGE = 'claimcheck trust-policy --cloud gcp (--rules-file <path> | --claims <rules>) [--provider <name>] [--platform <ci>] [--service-account [entry=]email …] [--format json|gcloud|terraform] [--check <provider.json> [--role <entry>] [--allow-unpinned]]';

const FORMATS = ['json', 'gcloud', 'terraform'] as const;

export async function gcpTrustPolicyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, GCP_TRUST_POLICY_FLAGS);
  if (flags.strings.get('cloud') !== 'gcp') throw new UsageError('--cloud must be gcp here');
  const format = flags.strings.get('format') ?? 'json';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const provider = providerOf(flags, format);
  const { rules, document } = await readCliRules(flags);
  if (rules.length === 0 && (document?.roles.length ?? 0) === 0) throw new UsageError('give the rules to compile: --rules-file or --claims');
  const platform = platformOf(flags, document?.platform);
  if (platform) checkPlatformClaims([...rules, ...(document?.roles ?? []).flatMap((entry) => entry.rules)], platform, 'The rules');
  const checked = flags.strings.get('check');
  if (checked !== undefined) return (await import(/* webpackChunkName: "cel" */ './gcp-check.js')).gcpCheckCommand(flags, io, { rules, document, platform }, checked);
  const config = compiled({
    platform,
    rules,
    roles: document?.roles ?? [],
    issuer: issuerOf(flags, platform),
    audiences: flags.lists.get('audience') ?? [],
    provider,
    subject: flags.strings.get('subject'),
    allowUnpinned: flags.booleans.has('allow-unpinned'),
  });
  const grants = grantsOf(config.members, flags.lists.get('service-account') ?? []);
  for (const warning of mutableNameWarnings(rules, 'The rules')) io.stderr(`Warning: ${warning}\n`);
  for (const note of config.notes) io.stderr(`Note: ${note}\n`);
  if (format === 'json') {
    io.stdout(describeJson(config, provider));
    for (const grant of grants) io.stderr(`Grant roles/iam.workloadIdentityUser on ${grant.serviceAccount} to ${grant.member}\n`);
  } else {
    io.stdout((format === 'gcloud' ? gcloudCommands : terraform)(config, provider as ProviderName, grants));
  }
  return 0;
}

function providerOf(flags: ParsedFlags, format: string): ProviderName | undefined {
  const text = flags.strings.get('provider');
  if (text === undefined) {
    if (format !== 'json') throw new UsageError(`--format ${format} needs --provider ${PROVIDER_FORM}`);
    return undefined;
  }
  const provider = parseProviderName(text);
  if (!provider) throw new UsageError(`--provider must be ${PROVIDER_FORM}`);
  return provider;
}

function platformOf(flags: ParsedFlags, fromFile: Platform | undefined): Platform | undefined {
  const given = flags.strings.get('platform');
  if (given !== undefined && !isPlatform(given)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  checkSamePlatform(given as Platform | undefined, fromFile);
  return (given as Platform | undefined) ?? fromFile;
}

function issuerOf(flags: ParsedFlags, platform: Platform | undefined): string {
  const given = flags.strings.get('issuer');
  if (given) return given;
  if (platform === 'circleci') {
    const organization = flags.strings.get('org-id');
    if (!organization) throw new UsageError('--org-id (or --issuer) is required for CircleCI: the issuer is per organization');
    return circleciIssuer(organization);
  }
  if (platform === 'github') return INPUTS.issuer.default;
  if (platform === 'gitlab') return GITLAB_COM;
  if (platform === 'buildkite') return BUILDKITE_ISSUER;
  throw new UsageError('give --issuer, or --platform github|circleci|gitlab|buildkite (or platform: in the rules file)');
}

function compiled(input: Parameters<typeof compileProvider>[0]): GcpProviderConfig {
  try {
    return compileProvider(input);
  } catch (error) {
    if (error instanceof GcpProviderError) {
      const hint = error.code === 'GCP_CONDITION_UNPINNED'
        ? 'Add a rule on the repository or project (immutable ids first: repository_id, oidc.circleci.com/project-id, project_id), or pass --allow-unpinned if the provider is meant to admit every job of the issuer.'
        : "Shorten the rules, or split them over several providers; Google's limits are in docs/google-cloud.md.";
      throw new ClaimcheckError(error.code, `The provider cannot be made from these rules: ${error.message}.`, hint);
    }
    if (error instanceof CelCompileError) throw new ClaimcheckError('INPUT_INVALID', `The rules cannot be written as a Google attribute condition: ${error.message}.`, 'Rewrite the rule with exact values or globs, or a regular expression without the construct named.');
    throw error;
  }
}

/** Which service account each member may impersonate: `email` for all, or `entry=email` per role map entry. */
function grantsOf(members: readonly GcpMember[], given: readonly string[]): Grant[] {
  const byEntry = new Map<string, string>();
  let all: string | undefined;
  for (const item of given) {
    const equals = item.indexOf('=');
    if (equals < 0) all = item;
    else byEntry.set(item.slice(0, equals), item.slice(equals + 1));
  }
  for (const entry of byEntry.keys()) {
    if (!members.some((member) => member.entry === entry)) throw new UsageError(`--service-account ${entry}=…: the role map has no entry ${entry}`);
  }
  return members.map((member) => ({ member: member.member, serviceAccount: (member.entry === undefined ? undefined : byEntry.get(member.entry)) ?? all ?? SERVICE_ACCOUNT_PLACEHOLDER }));
}
