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
