// Whether the provider pins a repository or project of the issuer (pins.ts over its ways
// through the condition): a stranger's token surely admitted — confirmed by the CEL evaluator —
// is a FAIL; one perhaps admitted, a part claimcheck cannot decide. Issuers whose subject
// format claimcheck does not know are judged as on AWS (aws/check/pin-verdict.ts).
import { classifyPins } from '../../pins.js';
import { acceptedByPolicy } from '../../aws/check/accepted.js';
import { judgePins } from '../../aws/check/pin-verdict.js';
import type { Claims, GcpFinding } from './findings.js';
import type { GcpProblem } from './problem.js';
import { confirmed, unprovenWhy } from './confirm.js';

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
