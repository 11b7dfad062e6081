// A provider that takes tokens minted for another audience (its allowedAudiences) admits a
// token the issuer gave some other service, which the step's own check refuses: a FAIL when
// such a token gets through the condition too (the same question over the issuer's tokens
// for that audience), nothing when the condition keeps them all out. A provider that does not
// take the step's own audience admits no job the rules were written for.
import { acceptedByPolicy } from '../../aws/check/accepted.js';
import { confirmed, provers, through, unprovenWhy } from './confirm.js';
import { acceptedAudiences, otherAudiences, type Claims, type GcpFinding } from './findings.js';
import { gcpProblem, type ProblemInput } from './problem.js';
import type { GcpProvider } from './provider.js';

function otherAudience(input: ProblemInput, audience: string, admits: (claims: Claims) => boolean): GcpFinding[] {
  const problem = gcpProblem({ ...input, audience });
  const possible = acceptedByPolicy(problem.policy, [], 'possible');
  if (!possible) return [];
  const google = provers(problem, admits);
  const token = confirmed(problem.policy.allows.flatMap((allow) => through(problem, allow, [])), google.admitted);
  if (token) return [{ kind: 'audience', audience, token: token.claims }];
  return [{ kind: 'undecided', about: `whether the provider admits tokens minted for the audience ${JSON.stringify(audience)}`, why: unprovenWhy(problem, possible.allow.label), token: possible.token.claims }];
}

/** Whether the provider takes the step's own audience. */
export function takesStepAudience(provider: GcpProvider, audience: string): boolean {
  return otherAudiences(provider, audience) !== 'refused';
}

/** The audience findings; when the step's own audience is refused, every audience the provider takes is another one. */
export function audienceFindings(provider: GcpProvider, input: ProblemInput, admits: (claims: Claims) => boolean): GcpFinding[] {
  const others = otherAudiences(provider, input.audience);
  if (others !== 'refused') return others.flatMap((audience) => otherAudience(input, audience, admits));
  const accepted = acceptedAudiences(provider) ?? [];
  return [{ kind: 'audience-refused', audiences: accepted }, ...accepted.flatMap((audience) => otherAudience(input, audience, admits))];
}
