// A provider check as people read it: one line per finding, each FAIL with the token that
// proves it (one Google's CEL semantics admit), each CANNOT VERIFY with the part of the
// condition or mapping claimcheck cannot decide, then the verdict and what it promises. The
// caller makes the whole text inert.
import type { ClaimRule } from '../../../rules/rules.js';
import { tokenText } from '../../aws/check/check-report.js';
import { verdictLine } from '../../verdict.js';
import type { GcpCheckResult } from './check.js';
import type { GcpFinding, GcpVerdict } from './findings.js';

export { EXIT_CODES } from '../../verdict.js';

const PROMISES: Readonly<Record<GcpVerdict, string>> = {
  ok: 'no token the issuer could issue is admitted by the provider and refused by a rule',
  fail: 'each FAIL above comes with its proof: a token Google would admit (its mapping and condition evaluated as CEL) that the rules or the step refuse, or why no job the rules were written for gets in',
  'cannot-verify': 'the answer turns on a part of the provider claimcheck does not decide; this is not an OK',
};

export const BINDINGS_NOTE = "Not read: the service accounts' IAM bindings (principal and principalSet members), which can narrow who gets in further but never widen what the provider admits.";

function findingLines(finding: GcpFinding, rules: readonly ClaimRule[], issuer: string): string[] {
  const show = (token: Readonly<Record<string, string>>, extra: readonly string[] = []) => `  ${tokenText(token, rules, extra)}`;
  switch (finding.kind) {
    case 'issuer':
      return [`FAIL: the provider trusts the issuer ${JSON.stringify(finding.trusted)}, not ${JSON.stringify(issuer)}: it admits no token of the rules' issuer, and every token it admits is one claimcheck refuses (pass --issuer if the rules are for that issuer).`];
    case 'audience':
      return [`FAIL: the provider also admits tokens minted for the audience ${JSON.stringify(finding.audience)}, which the step never asks for: a token the issuer gave another service is taken here, e.g.`, show(finding.token, ['aud'])];
    case 'audience-refused':
      return [`FAIL: the provider admits only the audiences ${finding.audiences.map((item) => JSON.stringify(item)).join(', ')}, and the step's tokens carry another: no job the rules were written for can use it (pass --audience if the step sets its own).`];
    case 'disabled':
      return [`FAIL: the provider admits no token now: ${finding.why}.`];
    case 'gap':
      return [`FAIL: ${finding.statement} admits a token the rule ${finding.rule.source} refuses:`, show(finding.token)];
    case 'no-entry':
      return [`FAIL: ${finding.statement} admits a token no role map entry allows:`, show(finding.token)];
    case 'unpinned':
      return [`FAIL: the provider pins no ${finding.noun} of ${issuer}: a stranger's token is admitted, e.g.`, show(finding.token), '  (pass --allow-unpinned if that is meant; see docs/trust-verdicts.md)'];
    case 'unusable':
      return ['FAIL: the provider admits no token the rules allow: no job the rules were written for can use it.'];
    case 'unreadable':
      return [`CANNOT VERIFY: ${finding.problems.join('; ')}.`];
    case 'undecided':
      return [
        `CANNOT VERIFY: ${finding.about}: it turns on what claimcheck cannot decide — ${finding.why.join('; ') || 'a part of the condition it does not read'}.`,
        ...(finding.token ? [`  e.g. a token that would be admitted if those held: ${tokenText(finding.token, rules)}`] : []),
      ];
    case 'assumed':
      return [`NOTE: that a job the rules were written for can use the provider assumes the issuer gives ${finding.claims.join(', ')} the values shown (claimcheck does not model them), e.g.`, show(finding.token, finding.claims)];
    case 'narrower':
      return ['NOTE: the provider refuses some tokens the rules allow (a job they were written for cannot use it), e.g.', show(finding.token)];
  }
}

/** The report of a check: findings, the note on IAM bindings, and the verdict. */
export function gcpCheckReport(result: GcpCheckResult, rules: readonly ClaimRule[], issuer: string): string[] {
  const lines = result.findings.flatMap((finding) => findingLines(finding, rules, issuer));
  lines.push(BINDINGS_NOTE);
  lines.push(verdictLine(result.verdict, PROMISES));
  return lines;
}
