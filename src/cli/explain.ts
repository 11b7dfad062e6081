// `claimcheck explain`: what a token says and what claimcheck would make of it — its
// claims, which rules hold, which role map entry it gets, and the trust-policy condition
// that would accept it. The token itself is never printed.
import { decodeJwt, errors } from 'jose';
import { ClaimcheckError } from '../core/errors.js';
import { inertJson, inertLine, inertLines } from '../core/text/inert-text.js';
import { systemClock } from '../core/retry.js';
import { chooseRole } from '../core/aws/role-map.js';
import { conditionKeyFor, issuerKeys, KEY_FAMILIES, keyFamilyOf, type KeyFamily } from '../core/trust/aws/iam/keys.js';
import { checkClaimRules, describeClaim, presentedFor, type ClaimRule, type RuleResult } from '../core/rules/rules.js';
import { ruleBindings } from '../core/trust/aws/compile.js';
import { githubSubjectKind } from '../core/trust/aws/platforms/github.js';
import { simulateToken } from '../core/trust/aws/check/simulate.js';
import { tokenTrustCondition } from '../core/trust/aws/token-policy.js';
import type { Log } from '../flow/cloud.js';
import { PRESET_NAMES } from '../platform/presets.js';
import { jsonGetter, networkRetry } from '../flow/wiring.js';
import { issuerJsonFetcher, issuerKeySource } from '../oidc/keys.js';
import { timeClaimText, verifyToken } from '../oidc/verify.js';
import { parseFlags, UsageError, type Flags, type ParsedFlags } from './args.js';
import type { CliIo } from './io.js';
import { checkPlatformClaims, checkSamePlatform, cliTokenReader, PLATFORM_FLAG, presetOf, withPreset } from './platform.js';
import { readCliRules, readTrustPolicyFile } from './rules-input.js';
import { TOKEN_FLAGS } from './token-source.js';
import { azureCredentialLines } from './trust/azure-check.js';

export const EXPLAIN_FLAGS: Flags = {
  platform: PLATFORM_FLAG,
  ...TOKEN_FLAGS,
  issuer: { kind: 'string', value: 'url', description: 'The issuer the token must come from; its keys verify the signature.' },
  audience: { kind: 'string', value: 'aud', description: 'The audience the token must have.' },
  'no-verify': { kind: 'boolean', description: 'Only decode the token: no signature, issuer, audience or time checks (said loudly).' },
  claims: { kind: 'string', value: 'rules', description: 'Claim rules to check, as in the claims input (one per line).' },
  'rules-file': { kind: 'string', value: 'path', description: 'A rules file whose rules and role map to check.' },
  'clock-tolerance': { kind: 'string', value: 'seconds', description: 'Allowed clock skew for exp, nbf and iat (default 60).' },
  'trust-policy': { kind: 'string', value: 'policy.json', description: 'Judge the token against this role trust policy (a policy document or aws iam get-role output), as STS would; exit 3 when that turns on a key claimcheck cannot see.' },
  'condition-keys': { kind: 'string', value: KEY_FAMILIES.join('|'), description: "Which provider's condition keys AWS evaluates for the issuer (default: from the issuer's host)." },
  'azure-credentials': { kind: 'string', value: 'credentials.json', description: 'Judge the token against these Entra federated credentials (az ad app federated-credential list output), as Entra would; exit 3 when that turns on what claimcheck cannot read.' },
  'gcp-provider': { kind: 'string', value: 'provider.json', description: 'Judge the token at this Google provider (providers describe --format json), mapping and condition evaluated as CEL; exit 3 when that turns on a function claimcheck cannot evaluate.' },
};

export const EXPLAIN_USAGE = `claimcheck explain (--platform ${PRESET_NAMES.join('|')} | --token-file <path> (--issuer <url> --audience <aud> | --no-verify)) [--claims <rules>] [--rules-file <path>] [--trust-policy <policy.json>] [--azure-credentials <credentials.json>] [--gcp-provider <provider.json>]`;

type Claims = Readonly<Record<string, unknown>>;

async function readClaims(flags: ParsedFlags, token: string, io: CliIo, log: Log): Promise<{ claims: Claims; status: string }> {
  if (flags.booleans.has('no-verify')) {
    io.stderr('WARNING: --no-verify: the signature, issuer, audience and expiry of this token were NOT checked.\n');
    try {
      return { claims: decodeJwt(token), status: 'NOT VERIFIED (decoded only)' };
    } catch (error) {
      if (!(error instanceof errors.JOSEError)) throw error;
      throw new ClaimcheckError('TOKEN_MALFORMED', 'The token is not a JWT: its payload is not base64url-encoded JSON.', 'Pass the OIDC ID token itself, unmodified.');
    }
  }
  const issuer = flags.strings.get('issuer');
  const audience = flags.strings.get('audience');
  if (!issuer || !audience) throw new UsageError('--issuer and --audience are required to verify the token (or pass --no-verify to only decode it)');
  const tolerance = Number(flags.strings.get('clock-tolerance') ?? '60');
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300) throw new UsageError('--clock-tolerance must be a whole number of seconds from 0 to 300');
  const get = jsonGetter();
  const retry = networkRetry(3, log);
  const keys = issuerKeySource(issuer, issuerJsonFetcher(get, retry));
  const verified = await verifyToken(token, { issuer, audience, clockToleranceSeconds: tolerance, now: systemClock.now }, keys);
  return { claims: verified.claims, status: `verified (${verified.algorithm}, issuer ${issuer}, audience ${audience})` };
}

/** Claim names and values as they are, except that controls and escape sequences show as escapes (\u001b). */
function claimsTable(claims: Claims): string {
  const rows = Object.entries(claims).map(([name, value]) => [inertLine(name), value] as const);
  const width = Math.min(32, Math.max(...rows.map(([name]) => name.length)) + 2);
  return rows
    .map(([name, value]) => {
      const shown = inertLine(describeClaim(value) ?? '');
      const date = ['exp', 'iat', 'nbf'].includes(name) ? timeClaimText(value) : undefined;
      const time = date === undefined ? '' : ` (${date})`;
      // A name longer than the column (escapes make names longer) still gets a space after it.
      return `  ${`${name} `.padEnd(width)}${shown}${time}`;
    })
    .join('\n');
}

function resultLines(results: readonly RuleResult[]): string[] {
  return results.map((result) => (result.held ? `  held    ${result.rule.source}` : `  FAILED  ${result.rule.source}: ${presentedFor(result)}`));
}

/** GitHub's subject format, and where each rule binds, for the issuer the token names. */
function trustLines(claims: Claims, rules: readonly ClaimRule[], family: KeyFamily | undefined): string[] {
  const lines: string[] = [];
  if (typeof claims.sub === 'string' && claims.sub.startsWith('repo:')) {
    const kind = githubSubjectKind(claims.sub);
    const said = {
      immutable: "GitHub's immutable format (repo:OWNER@OWNER_ID/REPO@REPO_ID:…): policies written for repo:OWNER/REPO:… do not match it",
      legacy: "GitHub's legacy format (repo:OWNER/REPO:…); repositories created or renamed since 15 July 2026 carry repo:OWNER@ID/REPO@ID:… instead",
      other: 'a customised GitHub subject',
    }[kind];
    lines.push('', `Subject format: ${said}.`);
  }
  if (typeof claims.iss === 'string' && rules.length > 0) {
    const bindings = ruleBindings(rules, issuerKeys(claims.iss, family ?? keyFamilyOf(claims.iss)));
    lines.push('', 'Where each rule binds (the trust policy is the boundary; claimcheck\'s check is a pre-check)');
    lines.push(...bindings.map((binding) => (binding.where === 'claimcheck' ? `  claimcheck only  ${binding.rule.source} (${binding.reason})` : `  AWS can enforce  ${binding.rule.source} (${binding.key})`)));
  }
  return lines;
}

function familyOf(flags: ParsedFlags): KeyFamily | undefined {
  const family = flags.strings.get('condition-keys');
  if (family !== undefined && !(KEY_FAMILIES as readonly string[]).includes(family)) throw new UsageError(`--condition-keys must be one of ${KEY_FAMILIES.join(', ')}`);
  return family as KeyFamily | undefined;
}

export async function explainCommand(argv: readonly string[], io: CliIo, log: Log): Promise<number> {
  const given = parseFlags(argv, EXPLAIN_FLAGS);
  const preset = presetOf(given);
  const flags = withPreset(given, preset, io.env, !given.booleans.has('no-verify'));
  const family = familyOf(flags);
  const { rules, document } = await readCliRules(flags);
  if (preset) {
    checkSamePlatform(preset.name, document?.platform);
    checkPlatformClaims([...rules, ...(document?.roles ?? []).flatMap((entry) => entry.rules)], preset.name, 'The rules');
  }
  const services = { get: jsonGetter(), retry: networkRetry(3, log), mask: () => {}, log };
  const token = await cliTokenReader(given, flags, preset, io, () => services)(flags.strings.get('audience') ?? '');
  const roles = document?.roles ?? [];
  const policyPath = flags.strings.get('trust-policy');
  const policy = policyPath === undefined ? undefined : await readTrustPolicyFile(policyPath);
  const azurePath = flags.strings.get('azure-credentials');
  const { claims, status } = await readClaims(flags, token, io, log);
  const results = checkClaimRules(rules, claims);
  const lines = [`Token: ${status}`, '', 'Claims', claimsTable(claims)];
  if (results.length > 0) lines.push('', 'Rules', ...resultLines(results));
  let roleOk = true;
  if (roles.length > 0) {
    lines.push('', 'Role map');
    try {
      const target = chooseRole({ roleArn: undefined, roleMap: roles, durationSeconds: 3600, inlineSessionPolicy: undefined }, claims);
      lines.push(`  matched ${target.entry ?? ''}: ${target.roleArn.arn}`);
    } catch (error) {
      if (!(error instanceof ClaimcheckError)) throw error;
      roleOk = false;
      lines.push(`  FAILED  ${error.message}`);
    }
  }
  lines.push(...trustLines(claims, [...rules, ...roles.flatMap((entry) => entry.rules)], family));
  if (typeof claims.iss === 'string' && typeof claims.sub === 'string' && typeof claims.aud === 'string') {
    const keys = issuerKeys(claims.iss, family ?? keyFamilyOf(claims.iss));
    const { condition } = tokenTrustCondition(claims.iss, claims.aud, claims, (claim) => conditionKeyFor(keys, claim));
    lines.push('', 'Trust-policy condition that accepts the jobs this token stands for (ids where AWS evaluates them; nothing that changes in every run)', `  ${inertJson(JSON.stringify(condition))}`);
  }
  let policyOk = true;
  let undecided = false;
  if (policy) {
    const issuer = flags.strings.get('issuer') ?? (typeof claims.iss === 'string' ? claims.iss : '');
    const simulation = simulateToken({ policy, claims, issuer, ...(family ? { family } : {}) });
    policyOk = simulation.allowed || simulation.undecided === true;
    undecided = simulation.undecided === true;
    lines.push('', `Trust policy ${policyPath}`, ...simulation.lines.map((line) => `  ${line}`));
  }
  if (azurePath !== undefined) {
    const azure = azureCredentialLines(azurePath, claims, results.length > 0 ? results.every((result) => result.held) : undefined);
    policyOk &&= azure.answer !== 'refuses';
    undecided ||= azure.answer === 'perhaps';
    lines.push('', ...azure.lines);
  }
  const gcpPath = flags.strings.get('gcp-provider');
  if (gcpPath !== undefined) {
    const gcp = (await import(/* webpackChunkName: "cel" */ './trust/gcp-explain.js')).explainGcpProvider(gcpPath, claims, results);
    lines.push('', ...gcp.lines);
    policyOk &&= gcp.admitted || gcp.undecided;
    undecided ||= gcp.undecided;
  }
  // Every line is inert for a terminal and a CI log alike; claim values inside were escaped where they were placed.
  io.stdout(`${inertLines(lines.join('\n'))}\n`);
  // 3, as for trust-policy --check: the policy's answer turns on what claimcheck cannot see.
  if (!(results.every((result) => result.held) && roleOk && policyOk)) return 1;
  return undecided ? 3 : 0;
}
