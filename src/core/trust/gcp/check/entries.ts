// A role map's side of a gap: a token the provider admits that meets no entry — for each
// entry, one of its rules broken. The ways to pick one rule per entry multiply, so they are
// tried up to a bound; past it the answer is "cannot verify". A rule with no language (a claim
// the grammar does not model) puts no constraint on its choice (the search then finds tokens
// that perhaps break it), and every token found is checked against the real rules.
import { notPreds, type Pred } from '../../aws/iam/condition-pred.js';
import { acceptedThrough } from '../../aws/check/accepted.js';
import type { RuleView } from '../../aws/check/trust-problem.js';
import { confirmed, through, UNCONFIRMED, unprovenWhy } from './confirm.js';
import type { Claims, GcpFinding } from './findings.js';
import type { GcpProblem } from './problem.js';

/** Ways of picking one rule per entry tried before the answer becomes undecided. */
export const MAX_CHOICES = 500;

/** Every way to pick one rule from each entry. */
function* choices(entries: ReadonlyArray<readonly RuleView[]>, index = 0, chosen: readonly RuleView[] = []): Generator<readonly RuleView[]> {
  if (index === entries.length) return yield chosen;
  for (const view of entries[index] as readonly RuleView[]) yield* choices(entries, index + 1, [...chosen, view]);
}

function brokenPreds(choice: readonly RuleView[]): Array<readonly [string, Pred]> {
  return choice.flatMap((view) => (view.lang && 'lang' in view.lang ? [[view.rule.claim, notPreds({ langs: [view.lang.lang], missing: false })[0] as Pred] as const] : []));
}

/** `proof`: the token is surely admitted and surely refused by the rules. */
export function entryGaps(problem: GcpProblem, proof: (claims: Claims) => boolean): GcpFinding[] {
  // An entry without rules takes every token: then some entry always allows it.
  if (problem.entries.length === 0 || problem.entries.some((entry) => entry.length === 0)) return [];
  const about = 'whether the provider admits a token no role map entry allows';
  let tried = 0;
  let undecided: GcpFinding | undefined;
  for (const choice of choices(problem.entries)) {
    if (++tried > MAX_CHOICES) return [{ kind: 'undecided', about, why: [`the role map has more than ${MAX_CHOICES} ways to break every entry, more than claimcheck tries`] }];
    const extra = brokenPreds(choice);
    for (const allow of problem.policy.allows) {
      const possible = acceptedThrough(problem.policy, allow, extra, 'possible');
      if (!possible) continue;
      const token = confirmed(through(problem, allow, extra), proof);
      if (token) return [{ kind: 'no-entry', statement: allow.label, token: token.claims }];
      const unread = choice.flatMap((view) => (view.lang && 'unsupported' in view.lang ? [`the rule ${view.rule.source}: ${view.lang.unsupported}`] : []));
      undecided ??= { kind: 'undecided', about, why: [...unread, ...unprovenWhy(problem, allow.label)].filter((item) => unread.length === 0 || item !== UNCONFIRMED), token: possible.claims };
    }
  }
  return undecided ? [undecided] : [];
}
