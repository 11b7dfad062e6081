// Who else gets in: a provider that pins no repository or project of the issuer (pins.ts over
// its ways through the condition: a stranger's token the CEL evaluator admits is a FAIL; one
// perhaps admitted, a part claimcheck cannot decide; issuers whose subject format claimcheck
// does not know are judged as on AWS), and one that takes tokens minted for another audience
// (its allowedAudiences): a FAIL when such a token gets through the condition too, the same
// question over the issuer's tokens for that audience. A provider that does not take the
// step's own audience admits no job the rules were written for.
import { classifyPins } from '../../pins.js';
import { acceptedByPolicy } from '../../aws/check/accepted.js';
import { judgePins } from '../../aws/check/pin-verdict.js';
import { confirmed, provers, through, unprovenWhy } from './confirm.js';
import { acceptedAudiences, otherAudiences, type Claims, type GcpFinding } from './findings.js';
import { gcpProblem, type GcpProblem, type ProblemInput } from './problem.js';
import type { GcpProvider } from './provider.js';

export function pinFindings(problem: GcpProblem, admits: (claims: Claims) => boolean): GcpFinding[] {
  const pins = problem.grammar.pins;
  if (!pins) {
    const judged = judgePins(problem);
    if (judged.verdict === 'open' && judged.stranger && admits(judged.stranger as Claims)) return [{ kind: 'unpinned', noun: judged.noun, token: judged.stranger as Claims }];
    if (judged.verdict === 'open' || judged.mayBeOpen) return [{ kind: 'undecided', about: `whether the provider pins a ${judged.noun} of the issuer`, why: judged.reasons }];
    return [];
  }
  // "Definite" here: a stranger's token the CEL evaluator admits, found by either search.
  const result = classifyPins(pins, (free, reading) => {
    if (reading === 'possible') return acceptedByPolicy(problem.policy, [], 'possible', free)?.token;
    const search = (extra: GcpProblem['mapped'], how: 'definite' | 'possible') => () => acceptedByPolicy(problem.policy, extra, how, free)?.token;
    return confirmed([search(problem.mapped, 'definite'), search(problem.mapped, 'possible'), search([], 'possible')], admits);
  });
  const about = `whether the provider pins a ${pins.noun} of the issuer`;
  if (result.verdict === 'open' && result.example) return [{ kind: 'unpinned', noun: pins.noun, token: result.example.claims }];
  if (result.verdict === undefined && result.range?.[1] === 'open') return [{ kind: 'undecided', about, why: unprovenWhy(problem), ...(result.example ? { token: result.example.claims } : {}) }];
  return [];
}

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
