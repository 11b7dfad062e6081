// An Azure check's verdict as people read it: one line per finding, each FAIL with the token
// (or the credential) that proves it, each CANNOT VERIFY with what claimcheck cannot read,
// then the verdict and what it promises. The exit codes are the AWS check's: 0 OK, 1 FAIL,
// 3 cannot verify. Claim values are shown as JSON strings; the caller makes the text inert.
import type { ClaimRule } from '../../../rules/rules.js';
import type { AzureCheckResult, Claims, Finding, Verdict } from './check.js';
import { verdictLine } from '../../verdict.js';

export { EXIT_CODES } from '../../verdict.js';

/** The claims worth showing: the subject, the audience when it is not the one claimcheck asks for, and those the rules name. */
export function azureTokenText(token: Claims, rules: readonly ClaimRule[], audience: string): string {
  const names = [...new Set(['sub', ...(token.aud !== undefined && token.aud !== audience ? ['aud'] : []), ...rules.map((rule) => rule.claim)])];
  return names.map((name) => `${name}=${name in token ? JSON.stringify(token[name]) : '(missing)'}`).join(', ');
}

function findingLines(finding: Finding, rules: readonly ClaimRule[], issuer: string, audience: string): string[] {
  const token = (claims: Claims) => `  ${azureTokenText(claims, rules, audience)}`;
  switch (finding.kind) {
    case 'gap':
      return [`FAIL: the credential ${finding.credential} admits a token the rule ${finding.rule.source} refuses:`, token(finding.token)];
    case 'other-issuer':
      return [`FAIL: the credential ${finding.credential} trusts another issuer, ${JSON.stringify(finding.issuer)}: its tokens never meet the rules for ${issuer}, and Entra admits them all the same.`];
    case 'never-matches':
      return [`NOTE: the credential ${finding.credential} names the issuer as ${JSON.stringify(finding.issuer)}, and Entra compares issuers exactly: it never matches the tokens of ${issuer}.`];
    case 'unpinned':
      return [`FAIL: the credentials pin no ${finding.noun} of ${issuer}: a stranger's token is admitted, e.g.`, token(finding.token), '  (pass --allow-unpinned if that is meant; see docs/trust-verdicts.md)'];
    case 'unusable':
      return [`FAIL: ${finding.why}: no job the rules were written for can sign in as the app.`];
    case 'unreadable':
      return [`CANNOT VERIFY: the list holds what Entra would not: ${finding.problems.join('; ')}.`];
    case 'undecided':
      return [`CANNOT VERIFY: ${finding.about}: it turns on what claimcheck cannot read — ${finding.why.join('; ') || 'a credential it cannot read'}.`, ...(finding.token ? [`  e.g. a token that would be admitted if those held: ${azureTokenText(finding.token, rules, audience)}`] : [])];
    case 'narrower':
      return ['NOTE: the credentials refuse some tokens the rules allow (jobs the rules were written for cannot sign in), e.g.', token(finding.token)];
  }
}

const PROMISES: Readonly<Record<Verdict, string>> = {
  ok: 'no token the issuer could issue, with any audience the credentials name, is admitted by a credential and refused by a rule Entra can see, and no other issuer is trusted',
  fail: 'each FAIL above comes with its proof: a token (or a credential) Entra would admit, or why no job the rules were written for signs in',
  'cannot-verify': 'the answer turns on what claimcheck cannot read in the credentials or the rules; this is not an OK',
};

/** The report of a check: findings, then the verdict and its promise. */
export function azureCheckReport(result: AzureCheckResult, rules: readonly ClaimRule[], issuer: string, audience: string): string[] {
  const lines = result.findings.flatMap((finding) => findingLines(finding, rules, issuer, audience));
  for (const rule of result.claimcheckOnly) lines.push(`Only claimcheck checks ${rule.source}: Entra sees no ${rule.claim} claim of this issuer, and the subject does not carry one.`);
  lines.push(verdictLine(result.verdict, PROMISES));
  return lines;
}
