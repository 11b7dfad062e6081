// Tokens a policy accepts through one Allow statement: its conditions, escaping every Deny
// that covers the request (a Deny applies only when all its conditions hold, so a token
// escapes it by failing one: each Deny contributes a choice), and any further constraints (a
// rule broken, a rule met). Two readings of what claimcheck cannot decide:
// - definite: the Allow has no unknown condition, and a Deny's unknown conditions are taken
//   to hold (it is escaped only through a known one): a token found is accepted, whatever
//   the unknown keys hold;
// - possible: unknown conditions of the Allow are taken to hold, and a Deny with one is
//   taken not to apply: no token found means none is accepted, whatever they hold.
import { andPred, notPreds, type Pred } from '../iam/condition-pred.js';
import type { StatementView } from '../iam/statement-view.js';
import { ANY_TEXT, toDfa } from '../../lang/lang.js';
import { isEmpty } from '../../lang/dfa.js';
import type { Alphabet } from '../../lang/alphabet.js';
import { solve, type Constraint, type Session, type Witness } from '../../solve.js';

export type Reading = 'definite' | 'possible';

export interface Policy {
  readonly session: Session;
  readonly allows: readonly StatementView[];
  readonly denies: readonly StatementView[];
  /** Searches left; every search spends one, and none left makes answers undecided. */
  budget: number;
}

export class OutOfBudget extends Error {}

/** The Deny escapes of a reading: for each Deny that can apply, the predicates one of which must fail. */
function escapes(denies: readonly StatementView[], reading: Reading): Array<ReadonlyArray<readonly [string, Pred]>> | undefined {
  const choices: Array<ReadonlyArray<readonly [string, Pred]>> = [];
  for (const deny of denies) {
    if (deny.never) continue;
    if (reading === 'possible' && deny.unknown.length > 0) continue;
    // A Deny with nothing to fail applies to every request: nothing escapes it.
    if (deny.preds.length === 0) return undefined;
    choices.push(deny.preds.flatMap(([claim, pred]) => notPreds(pred).map((negated) => [claim, negated] as const)));
  }
  return choices;
}

function combine(preds: ReadonlyArray<readonly [string, Pred]>): Map<string, Pred> {
  const byClaim = new Map<string, Pred>();
  for (const [claim, pred] of preds) {
    const before = byClaim.get(claim);
    byClaim.set(claim, before ? andPred(before, pred) : pred);
  }
  return byClaim;
}

/** The predicates as the solver's constraints, per claim; undefined when one plainly holds for nothing. */
export function constraintsOf(alphabet: Alphabet, preds: ReadonlyArray<readonly [string, Pred]>): Map<string, Constraint> | undefined {
  const constraints = new Map<string, Constraint>();
  for (const [claim, pred] of combine(preds)) {
    const dfas = (pred.langs.length > 0 ? pred.langs : [ANY_TEXT]).map((lang) => toDfa(lang, alphabet));
    if (!pred.missing && dfas.some(isEmpty)) return undefined;
    constraints.set(claim, { dfas, missing: pred.missing });
  }
  return constraints;
}

function search(policy: Policy, preds: ReadonlyArray<readonly [string, Pred]>, infinite: ReadonlySet<string> | undefined): Witness | undefined {
  const constraints = constraintsOf(policy.session.alphabet, preds);
  if (!constraints) return undefined;
  if (--policy.budget < 0) throw new OutOfBudget();
  return solve(policy.session, constraints, infinite);
}

/**
 * A token the Allow statement accepts (in the reading) that also meets `extra`, or undefined.
 * Throws OutOfBudget when the Denies' choices would take too many searches.
 */
export function acceptedThrough(policy: Policy, allow: StatementView, extra: ReadonlyArray<readonly [string, Pred]>, reading: Reading, infinite?: ReadonlySet<string>): Witness | undefined {
  if (allow.never || (reading === 'definite' && allow.unknown.length > 0)) return undefined;
  const choices = escapes(policy.denies, reading);
  if (!choices) return undefined;
  const base = [...allow.preds, ...extra];
  const pick = (index: number, chosen: Array<readonly [string, Pred]>): Witness | undefined => {
    if (index === choices.length) return search(policy, chosen, infinite);
    for (const option of choices[index] as ReadonlyArray<readonly [string, Pred]>) {
      const next = [...chosen, option];
      if (--policy.budget < 0) throw new OutOfBudget();
      if (!constraintsOf(policy.session.alphabet, next)) continue;
      const found = pick(index + 1, next);
      if (found) return found;
    }
    return undefined;
  };
  return pick(0, base);
}

/** A token some Allow accepts (in the reading) that also meets `extra`, with the statement. */
export function acceptedByPolicy(policy: Policy, extra: ReadonlyArray<readonly [string, Pred]>, reading: Reading, infinite?: ReadonlySet<string>): { allow: StatementView; token: Witness } | undefined {
  for (const allow of policy.allows) {
    const token = acceptedThrough(policy, allow, extra, reading, infinite);
    if (token) return { allow, token };
  }
  return undefined;
}
