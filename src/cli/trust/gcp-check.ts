// `claimcheck trust-policy --cloud gcp --check PROVIDER.json`: whether a live Workload Identity
// Federation provider (the JSON `gcloud iam workload-identity-pools providers describe
// --format json` prints) admits a token the issuer could issue and the rules refuse. Exit 0
// OK, 1 FAIL, 3 cannot verify (src/core/trust/gcp/check/check.ts). The provider file is read
// strictly: a regular file of at most 64 KiB, JSON without a key written twice.
import { ClaimcheckError } from '../../core/errors.js';
import { INPUTS } from '../../core/config/inputs.generated.js';
import type { ClaimRule } from '../../core/rules/rules.js';
import type { RulesDocument } from '../../core/rules/rules-file.js';
import { inertLines } from '../../core/text/inert-text.js';
import { platformOfIssuer, type GrammarPlatform } from '../../core/trust/grammar/choose.js';
import { checkProvider } from '../../core/trust/gcp/check/check.js';
import { defaultAudience } from '../../core/trust/gcp/check/findings.js';
import { parseProviderText, ProviderFormatError, type GcpProvider } from '../../core/trust/gcp/check/provider.js';
import { EXIT_CODES, gcpCheckReport } from '../../core/trust/gcp/check/report.js';
import { readRegular } from '../../files/regular-file.js';
import { BUILDKITE_ISSUER } from '../../platform/buildkite/claims.js';
import { circleciIssuer } from '../../platform/circleci/inputs.js';
import { GITLAB_COM } from '../../platform/gitlab/claims.js';
import { UsageError, type ParsedFlags } from '../args.js';
import type { CliIo } from '../io.js';
import { admission, parseCel } from './gcp-cel.js';

const MAX_PROVIDER_BYTES = 64 * 1024;

export function readProviderFile(path: string): GcpProvider {
  const fail = (why: string) => new ClaimcheckError('INPUT_INVALID', `The provider ${path}: ${why}.`, 'Pass the output of gcloud iam workload-identity-pools providers describe PROVIDER --workload-identity-pool POOL --location global --format json.');
  const bytes = readRegular(path, { refuse: (_, why) => fail(why), maxBytes: MAX_PROVIDER_BYTES, tooLarge: `it is larger than ${MAX_PROVIDER_BYTES} bytes` });
  if (bytes === undefined) throw fail('it cannot be read (ENOENT)');
  try {
    return parseProviderText(bytes.toString('utf8'));
  } catch (error) {
    if (error instanceof ProviderFormatError) throw fail(`it is not a provider as describe prints it: ${error.message}`);
    throw error;
  }
}

/** The issuer of the rules: --issuer, the platform's, CircleCI's from --org-id, else the provider's. */
function issuerOf(flags: ParsedFlags, platform: string | undefined, provider: GcpProvider): string {
  const given = flags.strings.get('issuer');
  if (given) return given;
  const organization = flags.strings.get('org-id');
  if (platform === 'circleci' && organization) return circleciIssuer(organization);
  if (platform === 'github') return INPUTS.issuer.default;
  if (platform === 'gitlab') return GITLAB_COM;
  if (platform === 'buildkite') return BUILDKITE_ISSUER;
  return provider.issuerUri;
}

/** The audience the step's tokens carry: --audience, else claimcheck's default for the provider. */
function audienceOf(flags: ParsedFlags, provider: GcpProvider): string {
  const given = flags.lists.get('audience') ?? [];
  if (given.length > 1) throw new UsageError('--check takes one --audience: the one the step requests its tokens for');
  const audience = given[0] ?? defaultAudience(provider) ?? (provider.allowedAudiences.length === 1 ? provider.allowedAudiences[0] : undefined);
  if (audience !== undefined) return audience;
  if (provider.allowedAudiences.length > 0) throw new UsageError('the provider file has no name and several allowed audiences: give --audience, the one the step requests its tokens for');
  return 'https://iam.googleapis.com/(this provider)';
}

/** The rules a token must meet: the top-level rules and, with a role map, those of one entry (--role names it; else any). */
function rulesOf(flags: ParsedFlags, rules: readonly ClaimRule[], document: RulesDocument | undefined): { rules: readonly ClaimRule[]; entries: ReadonlyArray<readonly ClaimRule[]> } {
  const roles = document?.roles ?? [];
  const wanted = flags.strings.get('role');
  if (wanted === undefined) return { rules, entries: roles.map((entry) => entry.rules) };
  const entry = roles.find((item) => item.name === wanted);
  if (!entry) throw new UsageError(roles.length === 0 ? '--role picks a role map entry, and the rules have no role map' : `--role ${wanted}: the role map has no such entry (entries: ${roles.map((item) => item.name).join(', ')})`);
  return { rules: [...rules, ...entry.rules], entries: [] };
}

export interface GcpCheckSource {
  readonly rules: readonly ClaimRule[];
  readonly document: RulesDocument | undefined;
  readonly platform: string | undefined;
}

export function gcpCheckCommand(flags: ParsedFlags, io: CliIo, source: GcpCheckSource, path: string): number {
  const provider = readProviderFile(path);
  const issuer = issuerOf(flags, source.platform, provider);
  const audience = audienceOf(flags, provider);
  const { rules, entries } = rulesOf(flags, source.rules, source.document);
  const mapping = Object.fromEntries(Object.entries(provider.attributeMapping).map(([key, expression]) => [key, parseCel(expression)]));
  const platform = (source.platform ?? platformOfIssuer(issuer)) as GrammarPlatform | undefined;
  const result = checkProvider({
    provider,
    condition: provider.attributeCondition ? parseCel(provider.attributeCondition) : undefined,
    mapping,
    rules,
    entries,
    issuer,
    audience,
    platform,
    allowUnpinned: flags.booleans.has('allow-unpinned'),
    admits: (claims) => admission(provider, claims).admitted,
  });
  const against = flags.strings.has('role') ? `role map entry ${flags.strings.get('role')}` : entries.length > 0 ? 'the rules and their role map (any entry)' : 'the rules';
  const header = `Checked ${path} against ${against} (issuer ${issuer}, audience ${audience}; ${platform ?? 'plain'} tokens as the issuer builds them).`;
  io.stdout(`${inertLines([header, ...gcpCheckReport(result, [...rules, ...entries.flat()], issuer)].join('\n'))}\n`);
  return EXIT_CODES[result.verdict];
}
