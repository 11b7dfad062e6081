// `claimcheck explain --gcp-provider PROVIDER.json`: what Google does with this token at a
// Workload Identity Federation provider — the issuer and audience it takes, the attributes it
// maps, whether the condition admits the token — evaluated with @bufbuild/cel as Google
// does, and whether that agrees with the rules. A function Google offers and this CEL
// implementation does not (Google's extract(), say) leaves the answer undecided (exit 3).
import type { RuleResult } from '../../core/rules/rules.js';
import { acceptedAudiences } from '../../core/trust/gcp/check/findings.js';
import { admission, type Admission } from './gcp-cel.js';
import { readProviderFile } from './gcp-check.js';

export interface GcpExplanation {
  readonly lines: readonly string[];
  /** Google would exchange the token (issuer, audience, mapping and condition). */
  readonly admitted: boolean;
  /** The answer turns on a function this CEL implementation does not have. */
  readonly undecided: boolean;
}

const UNBOUND = /unbound function/i;

function gate(claims: Readonly<Record<string, unknown>>, issuerUri: string, audiences: readonly string[] | undefined): string | undefined {
  if (claims.iss !== issuerUri) return `the token's issuer ${JSON.stringify(claims.iss)} is not the provider's ${JSON.stringify(issuerUri)}`;
  const given = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences && !given.some((aud) => audiences.includes(String(aud)))) return `the token's audience ${JSON.stringify(claims.aud)} is not one the provider takes (${audiences.map((item) => JSON.stringify(item)).join(', ')})`;
  return undefined;
}

function verdictLine(refused: string | undefined, outcome: Admission, undecided: boolean): string {
  if (undecided) return `  UNDECIDED: ${outcome.admitted ? '' : outcome.why}: Google may have that function; claimcheck's CEL does not.`;
  if (refused) return `  Google REFUSES this token: ${refused}.`;
  return outcome.admitted ? '  Google ADMITS this token.' : `  Google REFUSES this token: ${outcome.why}.`;
}

function agreement(admitted: boolean, rulesHold: boolean, hasRules: boolean): string[] {
  if (!hasRules) return [];
  if (admitted === rulesHold) return [`  Agrees with the rules: both ${admitted ? 'let this token in' : 'keep this token out'}.`];
  return admitted
    ? ['  DISAGREES with the rules: the provider admits a token the rules refuse (only claimcheck\'s pre-check stops it; run trust-policy --cloud gcp --check).']
    : ['  DISAGREES with the rules: the rules allow this token and the provider refuses it (a job they were written for cannot get in).'];
}

export function explainGcpProvider(path: string, claims: Readonly<Record<string, unknown>>, results: readonly RuleResult[]): GcpExplanation {
  const provider = readProviderFile(path);
  const outcome = admission(provider, claims);
  const refused = gate(claims, provider.issuerUri, acceptedAudiences(provider));
  const undecided = !refused && !outcome.admitted && UNBOUND.test(outcome.why);
  const admitted = !refused && outcome.admitted;
  const lines = [
    `Google provider ${path}${provider.name ? ` (${provider.name})` : ''}${provider.disabled || (provider.state ?? 'ACTIVE') !== 'ACTIVE' ? ' — DISABLED: it admits no token now' : ''}`,
    '  Attribute mapping',
    ...Object.entries(outcome.attributes).map(([key, value]) => `    ${key} = ${JSON.stringify(value)}`),
    `  Attribute condition: ${provider.attributeCondition ? JSON.stringify(provider.attributeCondition) : '(none)'}`,
    verdictLine(refused, outcome, undecided),
    ...(undecided ? [] : agreement(admitted, results.every((result) => result.held), results.length > 0)),
  ];
  return { lines, admitted, undecided };
}
