// `trust-policy --check`: does a live trust policy accept a token the issuer could issue and
// the rules refuse? Decided, not sampled: every statement's conditions, every rule and the
// issuer's grammar are regular languages over claims (trust-problem.ts), so for each Allow
// statement and each rule the question "is there a token this statement accepts (escaping
// every Deny) that breaks the rule" has an exact answer, with a token when the answer is yes.
// - FAIL: such a token exists whatever claimcheck cannot see (a gap); or a statement lets
//   another principal assume the role; or the policy pins no repository or project of the
//   issuer (without --allow-unpinned); or it accepts no token the rules allow at all.
// - cannot verify: the answer turns on something claimcheck cannot see (a key the caller or
//   the request sets, a policy variable, an operator on numbers or dates, a rule with no
//   automaton), or the policy is not one IAM would take.
// - OK: none of these.
// The other direction, tokens the rules allow and the policy refuses, is a finding of its own.
import { TooComplex } from '../../lang/nfa.js';
import { checkClaimRules, type ClaimRule } from '../../../rules/rules.js';
import { notPreds, type Pred } from '../iam/condition-pred.js';
import { acceptedByPolicy, acceptedThrough, OutOfBudget } from './accepted.js';
import { checkGrantees, type GranteeFinding } from '../iam/grantees.js';
import { narrowerToken } from './narrower.js';
import { judgePins } from './pin-verdict.js';
import { setUp, type RuleView, type TrustProblem, type TrustQuestion } from './trust-problem.js';
import type { StatementView } from '../iam/statement-view.js';
import { and, ANY_TEXT, not, toDfa, type Lang } from '../../lang/lang.js';
import { isEmpty } from '../../lang/dfa.js';
import type { TokenGrammar } from '../../grammar/grammar.js';
import { verdictFrom, type Verdict } from '../../verdict.js';

export type Claims = Readonly<Record<string, string>>;

export type Finding =
  | { readonly kind: 'gap'; readonly statement: string; readonly rule: ClaimRule; readonly token: Claims }
  | GranteeFinding
  | { readonly kind: 'unpinned'; readonly noun: string; readonly token: Claims }
  | { readonly kind: 'unusable' }
  | { readonly kind: 'unreadable'; readonly problems: readonly string[] }
  | { readonly kind: 'undecided'; readonly about: string; readonly why: readonly string[]; readonly token?: Claims }
  | { readonly kind: 'narrower'; readonly token: Claims };

export type { Verdict };

export interface CheckInput extends TrustQuestion {
  readonly rules: readonly ClaimRule[];
  /** The documented opt-in for a policy that pins no repository or project of the issuer. */
  readonly allowUnpinned?: boolean;
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** A token the rules allow and the policy accepts, when one exists. */
  readonly witness: Claims | undefined;
  /** Rules on claims AWS cannot see: checked by claimcheck only, whatever the policy says. */
  readonly claimcheckOnly: readonly ClaimRule[];
  readonly grammar: TokenGrammar;
}

const FAILING = new Set<Finding['kind']>(['gap', 'grantee', 'unpinned', 'unusable']);

export function verdictOf(findings: readonly Finding[]): Verdict {
  return verdictFrom(findings, FAILING);
}

/** The rule as a predicate: met (a present value it accepts), or broken (missing, or a value it refuses). */
function rulePred(view: RuleView, met: boolean): Pred | undefined {
  if (!view.lang || !('lang' in view.lang)) return undefined;
  const pred: Pred = { langs: [view.lang.lang], missing: false };
  return met ? pred : (notPreds(pred)[0] as Pred);
}

function unknownsOf(problem: TrustProblem, allowLabel: string): string[] {
  const allow = problem.views.find((view) => view.label === allowLabel);
  return [...(allow?.unknown ?? []).map((why) => `${allowLabel}: ${why}`), ...problem.policy.denies.filter((deny) => deny.unknown.length > 0 && !deny.never).flatMap((deny) => deny.unknown.map((why) => `${deny.label} (Deny): ${why}`))];
}

/** Whether the Allow and every Deny that can apply are free of what claimcheck cannot see. */
function seesAll(problem: TrustProblem, allow: StatementView): boolean {
  return allow.unknown.length === 0 && problem.policy.denies.every((deny) => deny.never || deny.unknown.length === 0);
}

/** Whether the Allow's own conditions on the rule's claim keep it within the rule: no token through it breaks the rule. */
function withinRule(problem: TrustProblem, allow: StatementView, rule: ClaimRule, lang: Lang): boolean {
  const preds = allow.preds.filter(([claim]) => claim === rule.claim).map(([, pred]) => pred);
  if (preds.length === 0 || preds.every((pred) => pred.missing)) return false;
  return isEmpty(toDfa(and(...preds.flatMap((pred) => pred.langs), not(lang)), problem.policy.session.alphabet));
}

/** Gaps: for each Allow and each rule AWS can see, a token accepted that breaks the rule. */
function gaps(problem: TrustProblem): Finding[] {
  const findings: Finding[] = [];
  for (const view of problem.rules) {
    if (!view.lang) continue;
    const broken = rulePred(view, false);
    for (const allow of problem.policy.allows) {
      if (!broken) {
        if (acceptedThrough(problem.policy, allow, [], 'possible')) findings.push({ kind: 'undecided', about: `whether ${allow.label} accepts a token that breaks ${view.rule.source}`, why: [`the rule ${view.rule.source}: ${(view.lang as { unsupported: string }).unsupported}`] });
        continue;
      }
      if ('lang' in view.lang && withinRule(problem, allow, view.rule, view.lang.lang)) continue;
      const extra = [[view.rule.claim, broken] as const];
      const possible = acceptedThrough(problem.policy, allow, extra, 'possible');
      if (!possible) continue;
      // Nothing unknown in play: both readings are one.
      const definite = seesAll(problem, allow) ? possible : acceptedThrough(problem.policy, allow, extra, 'definite');
      if (definite) findings.push({ kind: 'gap', statement: allow.label, rule: view.rule, token: definite.claims });
      else findings.push({ kind: 'undecided', about: `whether ${allow.label} accepts a token that breaks ${view.rule.source}`, why: unknownsOf(problem, allow.label), token: possible.claims });
    }
  }
  return findings;
}

function metPreds(problem: TrustProblem): Array<readonly [string, Pred]> {
  return problem.rules.flatMap((view) => {
    const pred = rulePred(view, true);
    return pred ? [[view.rule.claim, pred] as const] : view.lang ? [[view.rule.claim, { langs: [ANY_TEXT], missing: false }] as const] : [];
  });
}

/** A token the rules allow and the policy accepts; the finding when there is none (or it depends). */
function usable(problem: TrustProblem): { witness: Claims | undefined; finding: Finding | undefined } {
  const met = metPreds(problem);
  const exact = problem.rules.every((view) => !view.lang || 'lang' in view.lang);
  const definite = acceptedByPolicy(problem.policy, met, 'definite');
  // A rule with no automaton was taken as "any value": the real rule decides whether the token is one it allows.
  if (definite && (exact || checkClaimRules(problem.rules.filter((view) => view.lang).map((view) => view.rule), definite.token.claims).every((result) => result.held))) return { witness: definite.token.claims, finding: undefined };
  const possible = definite ?? acceptedByPolicy(problem.policy, met, 'possible');
  if (!possible) return { witness: undefined, finding: { kind: 'unusable' } };
  const why = exact ? unknownsOf(problem, possible.allow.label) : problem.rules.flatMap((view) => (view.lang && 'unsupported' in view.lang ? [`the rule ${view.rule.source}: ${view.lang.unsupported}`] : []));
  return { witness: undefined, finding: { kind: 'undecided', about: 'whether the policy accepts any token the rules allow', why, token: possible.token.claims } };
}

function pinFindings(problem: TrustProblem, allowUnpinned: boolean): Finding[] {
  if (allowUnpinned) return [];
  const judged = judgePins(problem);
  if (judged.verdict === 'open' && judged.stranger) return [{ kind: 'unpinned', noun: judged.noun, token: judged.stranger }];
  if (judged.mayBeOpen) {
    return [{ kind: 'undecided', about: `whether the policy pins a ${judged.noun} of the issuer`, why: problem.policy.allows.flatMap((allow) => unknownsOf(problem, allow.label)), ...(judged.stranger ? { token: judged.stranger } : {}) }];
  }
  return [];
}

export function checkPolicy(input: CheckInput): CheckResult {
  const problem = setUp(input, input.rules);
  const claimcheckOnly = problem.rules.filter((view) => !view.lang).map((view) => view.rule);
  if (input.policy.problems.length > 0) {
    const findings: Finding[] = [{ kind: 'unreadable', problems: input.policy.problems }];
    return { verdict: 'cannot-verify', findings, witness: undefined, claimcheckOnly, grammar: problem.grammar };
  }
  try {
    const { witness, finding } = usable(problem);
    const findings: Finding[] = [...checkGrantees(input), ...gaps(problem), ...pinFindings(problem, input.allowUnpinned === true), ...(finding ? [finding] : [])];
    const narrower = narrowerToken(problem, metPreds(problem));
    if (narrower) findings.push({ kind: 'narrower', token: narrower.claims });
    return { verdict: verdictOf(findings), findings, witness, claimcheckOnly, grammar: problem.grammar };
  } catch (error) {
    if (!(error instanceof OutOfBudget || error instanceof TooComplex)) throw error;
    const findings: Finding[] = [{ kind: 'undecided', about: 'the policy', why: ['its statements and Denies need more searches than claimcheck makes for one check'] }];
    return { verdict: 'cannot-verify', findings, witness: undefined, claimcheckOnly, grammar: problem.grammar };
  }
}
