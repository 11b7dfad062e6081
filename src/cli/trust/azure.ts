// `claimcheck trust-policy --cloud azure`: the federated identity credentials that make Entra
// ID enforce a rules file, as JSON (each entry is what `az ad app federated-credential create
// --parameters` takes) or as the az commands that create them. Where each rule binds, and
// what Azure cannot enforce, goes to standard error; refusals are errors, never a wider set.
import { isGuid } from '../../core/azure/ids.js';
import { AZURE_AUDIENCE } from '../../core/azure/settings.js';
import { INPUTS } from '../../core/config/inputs.generated.js';
import type { ClaimRule } from '../../core/rules/rules.js';
import { isPlatform, mutableNameWarnings, PLATFORMS, type Platform } from '../../core/rules/rules-file.js';
import { shellQuote } from '../../core/text/shell.js';
import { compileCredentials, type AzureBinding, type FlexibleUse } from '../../core/trust/azure/compile.js';
import type { FederatedCredential } from '../../core/trust/azure/credential.js';
import type { SubjectFormat } from '../../core/trust/azure/subjects.js';
import { circleciIssuer } from '../../platform/circleci/inputs.js';
import { GITLAB_COM } from '../../platform/gitlab/claims.js';
import { BUILDKITE_ISSUER } from '../../platform/buildkite/claims.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from '../args.js';
import type { CliIo } from '../io.js';
import { checkPlatformClaims, checkSamePlatform } from '../platform.js';
import { readCliRules } from '../rules-input.js';
import { azureCheckCommand } from './azure-check.js';

export const AZURE_TRUST_FLAGS: Flags = {
  cloud: { kind: 'string', value: 'azure', description: 'The cloud whose trust to print: azure for Entra ID federated credentials.' },
  'rules-file': { kind: 'string', value: 'path', description: 'Compile this rules file (the step\'s rules) into the credentials Entra enforces.' },
  claims: { kind: 'string', value: 'rules', description: 'Claim rules as in the claims input, compiled with (or without) --rules-file.' },
  role: { kind: 'string', value: 'name', description: 'With a role map: add this entry\'s rules to the file\'s.' },
  platform: { kind: 'string', value: PLATFORMS.join('|'), description: 'The platform of the rules (its subjects and issuer).' },
  issuer: { kind: 'string', value: 'url', description: "The issuer (default: the platform's)." },
  'org-id': { kind: 'string', value: 'uuid', description: 'CircleCI: the organization ID (its issuer).' },
  audience: { kind: 'string', value: 'aud', description: `The audience (default ${AZURE_AUDIENCE}).` },
  'sub-format': { kind: 'string', value: 'legacy|immutable|both', description: "GitHub: the subject formats to name (default both where the rules give the ids, else legacy)." },
  flexible: { kind: 'string', value: 'needed|always|never', description: 'Flexible credentials (claimsMatchingExpression, preview): where a wildcard needs one (default), for every credential, or never.' },
  'allow-unpinned': { kind: 'boolean', description: 'Accept credentials that pin no repository or project (every job of the issuer).' },
  check: { kind: 'string', value: 'credentials.json', description: 'Decide whether these live credentials (az ad app federated-credential list output) admit a token the rules refuse: exit 0 OK, 1 FAIL, 3 cannot verify.' },
  format: { kind: 'string', value: 'json|az', description: 'JSON (default), or the az commands that create the credentials.' },
  'app-id': { kind: 'string', value: 'guid', description: "az format: the app's Application (client) ID (default: $APP_ID when the commands run)." },
};

export const AZURE_TRUST_USAGE = 'claimcheck trust-policy --cloud azure (--rules-file <path> | --claims <rules>) [--platform github|gitlab|…] [--issuer <url>] [--format json|az] [--app-id <guid>] [--check <credentials.json> [--allow-unpinned]]';

function oneOf<T extends string>(flags: ParsedFlags, name: string, values: readonly T[]): T | undefined {
  const value = flags.strings.get(name);
  if (value !== undefined && !(values as readonly string[]).includes(value)) throw new UsageError(`--${name} must be ${values.join(', ')}`);
  return value as T | undefined;
}

function issuerOf(flags: ParsedFlags, platform: Platform | undefined): string {
  const given = flags.strings.get('issuer');
  if (given) return given;
  switch (platform) {
    case 'gitlab':
      return GITLAB_COM;
    case 'buildkite':
      return BUILDKITE_ISSUER;
    case 'circleci': {
      const organization = flags.strings.get('org-id');
      if (!organization) throw new UsageError('--org-id (or --issuer) is required for CircleCI: the issuer is per organization');
      return circleciIssuer(organization);
    }
    case 'bitbucket':
      throw new UsageError('--issuer is required for Bitbucket: the issuer is per workspace');
    default:
      return INPUTS.issuer.default;
  }
}

function describeBinding(binding: AzureBinding): string {
  switch (binding.where) {
    case 'azure': return `  Azure enforces          ${binding.rule.source}  (${binding.key})`;
    case 'azure-wider': return `  Azure enforces (wider)  ${binding.rule.source}  (${binding.key}; ${binding.note})`;
    case 'claimcheck': return `  claimcheck only         ${binding.rule.source}  (${binding.reason})`;
  }
}

/** The az commands: the GA command for exact credentials; az rest on Graph's beta endpoint for flexible ones, which az does not create. */
function azScript(credentials: readonly FederatedCredential[], appId: string | undefined): string {
  const app = appId ?? '${APP_ID:?set APP_ID to the application (client) ID}';
  const lines = [`# ${credentials.length} federated identity credential(s) from claimcheck trust-policy --cloud azure`, `app="${app}"`];
  for (const credential of credentials) {
    const json = shellQuote(JSON.stringify(credential));
    if (credential.claimsMatchingExpression === undefined) lines.push(`az ad app federated-credential create --id "$app" --parameters ${json}`);
    else lines.push(`az rest --method post --url "https://graph.microsoft.com/beta/applications(appId='$app')/federatedIdentityCredentials" --body ${json}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function azureTrustPolicyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, AZURE_TRUST_FLAGS);
  if (!flags.strings.has('rules-file') && !flags.strings.has('claims')) throw new UsageError('--cloud azure compiles rules: give --rules-file or --claims');
  const { rules, document } = await readCliRules(flags);
  const platformFlag = flags.strings.get('platform');
  if (platformFlag !== undefined && !isPlatform(platformFlag)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  checkSamePlatform(platformFlag, document?.platform);
  const platform = platformFlag ?? document?.platform;
  const wanted = flags.strings.get('role');
  const entry = wanted === undefined ? undefined : document?.roles.find((role) => role.name === wanted);
  if (wanted !== undefined && entry === undefined) throw new UsageError(`--role ${wanted}: the rules file has no such role map entry`);
  const all: ClaimRule[] = [...rules, ...(entry?.rules ?? [])];
  if (platform !== undefined) checkPlatformClaims(all, platform, 'The rules');
  const checked = flags.strings.get('check');
  if (checked !== undefined) {
    const writing = ['format', 'app-id', 'sub-format', 'flexible'].find((name) => flags.strings.has(name));
    if (writing !== undefined) throw new UsageError(`--${writing} is about writing credentials; --check reads the live ones`);
    const issuer = flags.strings.has('issuer') || platform !== undefined ? issuerOf(flags, platform) : undefined;
    return azureCheckCommand(flags, io, { path: checked, rules: all, issuer, audience: flags.strings.get('audience') ?? AZURE_AUDIENCE, platform });
  }
  const appId = flags.strings.get('app-id');
  if (appId !== undefined && !isGuid(appId)) throw new UsageError('--app-id must be the Application (client) ID, a GUID');
  const format = oneOf(flags, 'format', ['json', 'az'] as const) ?? 'json';
  const compiled = compileCredentials(all, {
    issuer: issuerOf(flags, platform),
    audience: flags.strings.get('audience') ?? AZURE_AUDIENCE,
    platform,
    subjectFormat: oneOf<SubjectFormat>(flags, 'sub-format', ['legacy', 'immutable', 'both']),
    flexible: oneOf<FlexibleUse>(flags, 'flexible', ['needed', 'always', 'never']) ?? 'needed',
    allowUnpinned: flags.booleans.has('allow-unpinned'),
  });
  io.stderr("Rules: where each rule binds (the app's federated credentials are the boundary; claimcheck's check is a pre-check)\n");
  io.stderr(`${compiled.bindings.map(describeBinding).join('\n')}\n`);
  for (const line of [...mutableNameWarnings(all, 'The rules').map((text) => `Warning: ${text}`), ...compiled.notes]) io.stderr(`${line}\n`);
  io.stdout(format === 'az' ? azScript(compiled.credentials, appId) : `${JSON.stringify(compiled.credentials, null, 2)}\n`);
  return 0;
}
