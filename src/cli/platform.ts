// --platform for the CLI: a preset fills in what the job would otherwise spell out (the token
// source, the issuer, the audience), checks the rules' claim names against the platform's
// tokens, and reports the run with the job's facts. Flags given always win over the preset.
import { ClaimcheckError } from '../core/errors.js';
import { AWS_AUDIENCE } from '../core/aws/settings.js';
import { AZURE_AUDIENCE } from '../core/azure/settings.js';
import { defaultTokenAudience, parseProviderName } from '../core/gcp/provider.js';
import { auditRecord, summaryText } from '../core/report/report.js';
import type { ClaimRule } from '../core/rules/rules.js';
import { unknownClaimReason, type Platform } from '../core/rules/rules-file.js';
import type { Settings } from '../core/config/settings.js';
import type { CloudSession, Log } from '../flow/cloud.js';
import { runReport } from '../flow/run-report.js';
import { isPresetName, PRESET_NAMES, PRESETS, type Preset, type PresetRequest, type PresetServices } from '../platform/presets.js';
import { tokenSource } from './token-source.js';
import { UsageError, type FlagSpec, type ParsedFlags } from './args.js';
import type { CliIo } from './io.js';

export const PLATFORM_FLAG: FlagSpec = {
  kind: 'string',
  value: PRESET_NAMES.join('|'),
  description: "The CI the job runs on: its token source, issuer and claim names by default, and its job's facts in the summary (see docs/other-ci.md).",
};

const TOKEN_FLAG_NAMES = ['token-file', 'token-env', 'token-command'];

export function presetOf(flags: ParsedFlags): Preset | undefined {
  const name = flags.strings.get('platform');
  if (name === undefined) return undefined;
  if (!isPresetName(name)) throw new UsageError(`--platform must be one of ${PRESET_NAMES.join(', ')}`);
  return PRESETS[name];
}

/**
 * The flags with the preset's defaults where none was given: the token source (unless a
 * --token-* flag names one), the issuer (from the job's environment) and the audience.
 * `issuerNeeded`: without it, an issuer the environment cannot tell is left unset.
 */
export function withPreset(flags: ParsedFlags, preset: Preset | undefined, env: CliIo['env'], issuerNeeded = true): ParsedFlags {
  if (!preset) return flags;
  const strings = new Map(flags.strings);
  const audience = strings.get('audience') ?? soleCloudAudience(flags) ?? AWS_AUDIENCE;
  strings.set('audience', audience);
  if (!TOKEN_FLAG_NAMES.some((name) => strings.has(name))) {
    const token = preset.token(audience);
    if (token.flag !== undefined) strings.set(token.flag, token.value);
  }
  if (!strings.has('issuer')) {
    const issuer = preset.issuer(env);
    if (issuer !== undefined) strings.set('issuer', issuer);
    else if (issuerNeeded) throw new UsageError(`--issuer is required here: with --platform ${preset.name}, ${preset.issuerHint}`);
  }
  return { ...flags, strings };
}

/** A step for Google Cloud alone: its token's audience follows from the provider. */
function googleOnly(flags: ParsedFlags): boolean {
  return flags.strings.has('workload-identity-provider') && !flags.strings.has('role-to-assume') && !flags.strings.has('azure-client-id');
}

/**
 * The audience a step for Google Cloud alone or Azure alone takes when none is given, as in the
 * Action (the provider's, or Entra's); undefined for AWS, which the CLI asks to be named, and
 * for several clouds, which a token read once cannot serve with one default.
 */
export function soleCloudAudience(flags: ParsedFlags): string | undefined {
  if (googleOnly(flags)) return googleAudience(flags);
  const azureOnly = flags.strings.has('azure-client-id') && !flags.strings.has('role-to-assume') && !flags.strings.has('workload-identity-provider');
  return azureOnly ? AZURE_AUDIENCE : undefined;
}

/** The audience Google's provider takes by default, for a preset's token request, when the step is for Google alone. */
function googleAudience(flags: ParsedFlags): string | undefined {
  const provider = parseProviderName(flags.strings.get('workload-identity-provider') ?? '');
  if (!provider || !googleOnly(flags)) return undefined;
  return defaultTokenAudience(provider, flags.strings.get('gcp-universe-domain') ?? 'googleapis.com');
}

/** Refuses rules on claims the platform's tokens never carry (a typo would otherwise never hold). */
export function checkPlatformClaims(rules: readonly ClaimRule[], platform: Platform, where: string): void {
  for (const rule of rules) {
    const reason = unknownClaimReason(rule.claim, platform);
    if (reason !== undefined) {
      throw new ClaimcheckError('INPUT_INVALID', `${where}: the rule ${rule.source} names a claim the platform does not issue: ${reason}.`, `Fix the claim name, or drop --platform ${platform} if the token comes from elsewhere.`);
    }
  }
}

/** A rules file written for one platform, used with --platform naming another. */
export function checkSamePlatform(flag: Platform | undefined, file: Platform | undefined): void {
  if (flag !== undefined && file !== undefined && flag !== file) throw new UsageError(`--platform ${flag} and the rules file's platform: ${file} disagree`);
}

/** The run's summary and audit line on standard error: the job's facts from its verified claims. */
export function reportRun(preset: Preset, settings: Settings, sessions: readonly CloudSession[], env: CliIo['env'], log: Log): void {
  const report = runReport(settings, sessions, preset.jobFacts((sessions[0] as CloudSession).token.verified.claims, env));
  log.info(summaryText(report, Date.now()));
  log.info(`claimcheck-audit ${auditRecord(report)}`);
}

/** The preset's name and fix for token errors, when the preset (not a --token-* flag) chose the source. */
export function tokenOrigin(flags: ParsedFlags, preset: Preset | undefined): { title: string; hint: string } | undefined {
  if (!preset || TOKEN_FLAG_NAMES.some((name) => flags.strings.has(name))) return undefined;
  return { title: preset.title, hint: preset.tokenHint };
}

/** The platform's own token request (GitHub's endpoint, CircleCI's), when the preset chose it: no --token-* flag was given. */
export function presetRequest(flags: ParsedFlags, preset: Preset | undefined): PresetRequest | undefined {
  if (!preset || TOKEN_FLAG_NAMES.some((name) => flags.strings.has(name))) return undefined;
  const token = preset.token(flags.strings.get('audience') ?? AWS_AUDIENCE);
  return token.flag === undefined ? token : undefined;
}

/** Where the token is read, for the log; undefined when it is requested (the platform's own request). */
export function tokenReadFrom(given: ParsedFlags, flags: ParsedFlags, preset: Preset | undefined): string | undefined {
  const file = flags.strings.get('token-file');
  if (file !== undefined) return file === '-' ? 'standard input' : `the file ${file}`;
  const variable = flags.strings.get('token-env');
  if (variable !== undefined) return `the environment variable ${variable}`;
  const command = flags.strings.get('token-command');
  if (command === undefined) return undefined;
  const origin = tokenOrigin(given, preset);
  return origin ? `the ${origin.title} token command (${command})` : 'the output of --token-command';
}

/** The token reader: the platform's own request, or what the --token-* flags (given, or filled in by the preset) name. */
export function cliTokenReader(given: ParsedFlags, flags: ParsedFlags, preset: Preset | undefined, io: CliIo, services: () => PresetServices): (audience: string) => Promise<string> {
  const request = presetRequest(given, preset);
  if (!request) return tokenSource(flags, io, tokenOrigin(given, preset));
  let requester: ((audience: string) => Promise<string>) | undefined;
  return (audience) => (requester ??= request.request(io.env, services()))(audience);
}
