// The other direction: a token the rules allow that the policy refuses (the role refuses jobs
// the rules were written for). A token refused by every Allow statement — it fails one known
// condition of each — is refused whatever the Denies and the unknown keys say. The choices
// multiply with the statements, so the search is bounded: no answer is no finding, never a
// claim that none exists.
import { TooComplex } from '../../lang/nfa.js';
import { solve, type Witness } from '../../solve.js';
import { constraintsOf } from './accepted.js';
import { notPreds, type Pred } from '../iam/condition-pred.js';
import type { TrustProblem } from './trust-problem.js';

/** Steps (choices tried, searches made) before this direction gives up: a note is not worth more. */
const MAX_STEPS = 400;

/** A token that meets `met` (the rules) and that every Allow statement refuses, if one is found. */
export function narrowerToken(problem: TrustProblem, met: ReadonlyArray<readonly [string, Pred]>): Witness | undefined {
  const allows = problem.policy.allows.filter((allow) => !allow.never);
  let steps = 0;
  const pick = (index: number, chosen: ReadonlyArray<readonly [string, Pred]>): Witness | undefined => {
    if (++steps > MAX_STEPS) return undefined;
    if (index === allows.length) {
      const built = constraintsOf(problem.policy.session.alphabet, chosen);
      return built ? solve(problem.policy.session, built) : undefined;
    }
    for (const [claim, negated] of (allows[index] as (typeof allows)[number]).preds.flatMap(([name, pred]) => notPreds(pred).map((option) => [name, option] as const))) {
      const next = [...chosen, [claim, negated] as const];
      if (++steps > MAX_STEPS) return undefined;
      if (!constraintsOf(problem.policy.session.alphabet, next)) continue;
      const found = pick(index + 1, next);
      if (found) return found;
    }
    return undefined;
  };
  try {
    return pick(0, met);
  } catch (error) {
    // No answer here is no finding: this direction only ever adds a note.
    if (error instanceof TooComplex) return undefined;
    throw error;
  }
}
