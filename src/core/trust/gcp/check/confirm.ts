// A FAIL shows a token Google admits: each token a search finds is run through the provider's
// mapping and condition by a CEL evaluator the caller gives (@bufbuild/cel in the CLI), and
// only a token it admits proves anything. The searches are tried in order: a token surely
// admitted (with the claims the mapping reads), then one perhaps admitted.
import type { Witness } from '../../solve.js';
import type { Claims } from './findings.js';

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
