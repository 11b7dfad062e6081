// A check's verdict as people read it: one line per finding, each FAIL with the token (or the
// other principal's request) that proves it, each CANNOT VERIFY with what claimcheck cannot
// see, then the verdict and what it promises. Claim values are shown as JSON strings; the
// caller makes the whole text inert.
import type { ClaimRule } from '../../../rules/rules.js';
import type { CheckResult, Claims, Finding, Verdict } from './check.js';
import { describeGrantee } from '../iam/principals.js';
import { verdictLine } from '../../verdict.js';

export { EXIT_CODES } from '../../verdict.js';

/** The claims worth showing: the subject, and those the rules name. */
export function tokenText(token: Claims, rules: readonly ClaimRule[], extra: readonly string[] = []): string {
  const names = [...new Set(['sub', ...rules.map((rule) => rule.claim), ...extra])];
  return names.map((name) => `${name}=${name in token ? JSON.stringify(token[name]) : '(missing)'}`).join(', ');
}

function contextText(context: Readonly<Record<string, string>>): string {
  const entries = Object.entries(context);
  return entries.length === 0 ? 'unconditionally' : `when ${entries.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(', ')}`;
}

function findingLines(finding: Finding, rules: readonly ClaimRule[], issuer: string): string[] {
  switch (finding.kind) {
    case 'gap':
      return [`FAIL: ${finding.statement} accepts a token the rule ${finding.rule.source} refuses:`, `  ${tokenText(finding.token, rules)}`];
    case 'grantee':
      return [`FAIL: ${finding.statement} lets ${describeGrantee(finding.grantee)} assume the role with ${finding.grantee.action} ${contextText(finding.context)}: its requests carry no token of ${issuer}, so the rules never see them.`];
    case 'unpinned':
      return [`FAIL: the policy pins no ${finding.noun} of ${issuer}: a stranger's token is accepted, e.g.`, `  ${tokenText(finding.token, rules)}`, '  (pass --allow-unpinned if that is meant; see docs/trust-verdicts.md)'];
    case 'unusable':
      return ['FAIL: the policy accepts no token the rules allow: no job the rules were written for can assume the role.'];
    case 'unreadable':
      return [`CANNOT VERIFY: the policy is not one IAM would take: ${finding.problems.join('; ')}.`];
    case 'undecided':
      return [
        `CANNOT VERIFY: ${finding.about}: it turns on what claimcheck cannot see — ${finding.why.join('; ') || 'a statement it cannot read'}.`,
        ...(finding.token ? [`  e.g. a token that would be accepted if those held: ${tokenText(finding.token, rules)}`] : []),
      ];
    case 'narrower':
      return ['NOTE: the policy refuses some tokens the rules allow (a role they were written for cannot get), e.g.', `  ${tokenText(finding.token, rules)}`];
  }
}

const PROMISES: Readonly<Record<Verdict, string>> = {
  ok: 'no token the issuer could issue is accepted by the policy and refused by a rule AWS can see, and no other principal is let in',
  fail: 'each FAIL above comes with its proof: a token (or a request) that STS would accept, or why no job the rules were written for gets in',
  'cannot-verify': 'the answer turns on what the policy asks of keys the token does not set; this is not an OK',
};

/** The report of a check: findings, rules only claimcheck checks, and the verdict. */
export function checkReport(result: CheckResult, rules: readonly ClaimRule[], issuer: string): string[] {
  const lines = result.findings.flatMap((finding) => findingLines(finding, rules, issuer));
  for (const rule of result.claimcheckOnly) lines.push(`Only claimcheck checks ${rule.source}: AWS sees no ${rule.claim} claim of this issuer, and its subject does not carry one.`);
  lines.push(verdictLine(result.verdict, PROMISES));
  return lines;
}
