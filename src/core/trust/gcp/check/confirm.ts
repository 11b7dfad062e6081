// A FAIL shows a token Google admits: each token a search finds is run through the provider's
// mapping and condition by a CEL evaluator the caller gives (@bufbuild/cel in the CLI), and
// only a token it admits proves anything. The searches are tried in order: a token surely
// admitted (with the claims the mapping reads), then one perhaps admitted.
import type { Witness } from '../../solve.js';
import type { Pred } from '../../aws/iam/condition-pred.js';
import type { StatementView } from '../../aws/iam/statement-view.js';
import { acceptedThrough } from '../../aws/check/accepted.js';
import type { Claims } from './findings.js';
import type { GcpProblem } from './problem.js';
import { all, any, FALSE, TRUE, type Formula } from './formula.js';
import { accepts } from '../../lang/dfa.js';
import { toDfa } from '../../lang/lang.js';
import { checkClaimRules, type ClaimRule } from '../../../rules/rules.js';

/** Why a token the search found does not prove a FAIL. */
export const UNCONFIRMED = "claimcheck's CEL evaluator, which applies the attribute mapping as Google does, does not admit the token the search found (the mapping reads a claim or builds a value claimcheck does not model)";

/** The first of the searches' tokens that the evaluator admits. */
export function confirmed(candidates: ReadonlyArray<() => Witness | undefined>, admits: (claims: Claims) => boolean): Witness | undefined {
  for (const candidate of candidates) {
    const token = candidate();
    if (token && admits(token.claims)) return token;
  }
  return undefined;
}

/** The searches through one way of the condition, best first: surely admitted (with what the mapping reads), then perhaps. */
export function through(problem: GcpProblem, allow: StatementView, extra: ReadonlyArray<readonly [string, Pred]>): Array<() => Witness | undefined> {
  const mapped = [...extra, ...problem.mapped];
  return [() => acceptedThrough(problem.policy, allow, mapped, 'definite'), () => acceptedThrough(problem.policy, allow, mapped, 'possible'), () => acceptedThrough(problem.policy, allow, extra, 'possible')];
}

/** The parts of the condition claimcheck does not read, on one way through it (or all). */
export function unknownsOf(problem: GcpProblem, label?: string): string[] {
  return [...new Set(problem.views.filter((view) => label === undefined || view.label === label).flatMap((view) => view.unknown))];
}

/** The formula once the token's modelled claims are read: what is left turns on free claims and unread parts. */
export function settled(problem: GcpProblem, formula: Formula, claims: Claims): Formula {
  switch (formula.kind) {
    case 'const':
    case 'unknown':
      return formula;
    case 'lit': {
      if (problem.free.has(formula.claim)) return formula;
      const value = claims[formula.claim];
      if (value === undefined) return formula.pred.missing ? TRUE : FALSE;
      return formula.pred.langs.every((lang) => accepts(toDfa(lang, problem.policy.session.alphabet), value)) ? TRUE : FALSE;
    }
    case 'and':
      return all(...formula.parts.map((part) => settled(problem, part, claims)));
    case 'or':
      return any(...formula.parts.map((part) => settled(problem, part, claims)));
  }
}

/**
 * What proves a token admitted or refused. Without free claims, the CEL evaluator's answer.
 * With them, a real token also carries free claims of values claimcheck does not know, so the
 * token must have none of them, the mapping must not read them, and the condition must hold
 * (or fail) whatever they are.
 */
export function provers(problem: GcpProblem, admits: (claims: Claims) => boolean): { admitted: (claims: Claims) => boolean; refused: (claims: Claims) => boolean } {
  if (problem.wholeAssertion) return { admitted: () => false, refused: () => false };
  if (problem.free.size === 0) return { admitted: admits, refused: (claims) => !admits(claims) };
  const plain = (claims: Claims) => !problem.mappingReadsFree && ![...problem.free].some((claim) => claim in claims);
  return {
    admitted: (claims) => plain(claims) && settled(problem, problem.formula, claims) === TRUE && admits(claims),
    refused: (claims) => plain(claims) && settled(problem, problem.formula, claims) === FALSE && !admits(claims),
  };
}

/** Whether the rules surely allow, or surely refuse, a token: by rules on claims the grammar models (free ones are unknown). */
export function ruleProvers(problem: GcpProblem): { allows: (claims: Claims) => boolean; refuses: (claims: Claims) => boolean; allowsAll: (claims: Claims) => boolean } {
  const known = (rules: readonly ClaimRule[]) => rules.every((rule) => !problem.free.has(rule.claim));
  const holds = (rules: readonly ClaimRule[], claims: Claims) => checkClaimRules(rules, claims).every((result) => result.held);
  const breaks = (rules: readonly ClaimRule[], claims: Claims) => rules.some((rule) => !problem.free.has(rule.claim) && !holds([rule], claims));
  const top = problem.rules.map((view) => view.rule);
  const entries = problem.entries.map((entry) => entry.map((view) => view.rule));
  return {
    allows: (claims) => known(top) && holds(top, claims) && (entries.length === 0 || entries.some((entry) => known(entry) && holds(entry, claims))),
    refuses: (claims) => breaks(top, claims) || (entries.length > 0 && entries.every((entry) => breaks(entry, claims))),
    /** Every rule holds for the token as it is, free claims included. */
    allowsAll: (claims) => holds(top, claims) && (entries.length === 0 || entries.some((entry) => holds(entry, claims))),
  };
}

/** Why a token the search found proves nothing: unread parts, claims not modelled, or the evaluator's no. */
export function unprovenWhy(problem: GcpProblem, label?: string): string[] {
  const unknown = unknownsOf(problem, label);
  const free = [
    ...(problem.free.size > 0 ? [`claimcheck does not model the values the issuer gives ${[...problem.free].join(', ')}`] : []),
    ...(problem.wholeAssertion ? ['the provider reads the token as a whole (all its claims), which claimcheck does not model'] : []),
  ];
  return unknown.length + free.length > 0 ? [...unknown, ...free] : [UNCONFIRMED];
}
