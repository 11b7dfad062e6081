// `trust-policy --cloud gcp --check`: does a live Workload Identity Federation provider admit a
// token the issuer could issue and the rules refuse? Decided, not sampled: the condition is
// read into ways through it over the issuer's grammar (problem.ts), and the neutral solver
// answers, for each rule (and a role map's entries), whether a token gets through one of them
// and breaks the rule. Parts claimcheck does not read count both ways (aws/check/accepted.ts):
// "possibly admitted" takes each as true, so no token found means none exists. A FAIL needs
// proof (confirm.ts): a token from the grammar that a CEL evaluator (`admits`, given by the
// caller) admits under the provider's mapping and condition, and that does not rest on a
// claim claimcheck does not model; a token without proof makes the answer "cannot verify",
// never OK.
// - FAIL: a gap; another issuer; another audience's token admitted, or the step's refused;
//   the provider disabled; no repository or project of the issuer pinned (without
//   --allow-unpinned); no token the rules allow admitted.
// - cannot verify: the answer turns on a part of the condition or mapping claimcheck does not
//   read, a value of a claim it does not model, or a condition that does not parse.
import { TooComplex } from '../../lang/nfa.js';
import { ANY_TEXT } from '../../lang/lang.js';
import type { ClaimRule } from '../../../rules/rules.js';
import { notPreds, type Pred } from '../../aws/iam/condition-pred.js';
import { acceptedByPolicy, acceptedThrough, OutOfBudget } from '../../aws/check/accepted.js';
import type { RuleView } from '../../aws/check/trust-problem.js';
import { narrowerToken } from '../../aws/check/narrower.js';
import type { GrammarPlatform } from '../../grammar/choose.js';
import type { Parsed } from './cel-node.js';
import { TooManyDisjuncts } from './formula.js';
import { confirmed, provers, ruleProvers, through, UNCONFIRMED, unprovenWhy } from './confirm.js';
import { entryGaps } from './entries.js';
import { gcpProblem, type GcpProblem, type ProblemInput } from './problem.js';
import { audienceFindings, pinFindings, takesStepAudience } from './strangers.js';
import type { GcpProvider } from './provider.js';
import type { Claims, GcpFinding, GcpVerdict } from './findings.js';
import { verdictFrom } from '../../verdict.js';

export { type Claims, type GcpFinding, type GcpVerdict } from './findings.js';

export interface GcpCheckInput {
  readonly provider: GcpProvider;
  /** The parsed attribute condition; undefined when the provider has none. */
  readonly condition: Parsed | undefined;
  readonly mapping: Readonly<Record<string, Parsed>>;
  readonly rules: readonly ClaimRule[];
  /** A role map's entries: a token must also meet every rule of one of them. */
  readonly entries?: ReadonlyArray<readonly ClaimRule[]>;
  /** The issuer the rules are for, and the audience the step's tokens carry. */
  readonly issuer: string;
  readonly audience: string;
  readonly platform?: GrammarPlatform | undefined;
  readonly allowUnpinned?: boolean;
  /** Whether Google admits a token with these claims (mapping, google.subject's limit, condition). */
  readonly admits: (claims: Claims) => boolean;
}

export interface GcpCheckResult {
  readonly verdict: GcpVerdict;
  readonly findings: readonly GcpFinding[];
  /** A token the rules allow that the provider admits, when one was found. */
  readonly witness: Claims | undefined;
  readonly platform: string | undefined;
}

const FAILING = new Set<GcpFinding['kind']>(['issuer', 'audience', 'audience-refused', 'disabled', 'gap', 'no-entry', 'unpinned', 'unusable']);

export function verdictOf(findings: readonly GcpFinding[]): GcpVerdict {
  return verdictFrom(findings, FAILING);
}

/** For each rule, a token admitted that breaks it (confirmed), or why that cannot be decided. */
function gaps(problem: GcpProblem, proof: (claims: Claims) => boolean): GcpFinding[] {
  const findings: GcpFinding[] = [];
  for (const view of problem.rules) {
    const about = `whether the provider admits a token that breaks ${view.rule.source}`;
    if (!view.lang || !('lang' in view.lang)) {
      if (acceptedByPolicy(problem.policy, [], 'possible')) findings.push({ kind: 'undecided', about, why: [`the rule ${view.rule.source}: ${view.lang ? view.lang.unsupported : 'no language'}`] });
      continue;
    }
    const extra = [[view.rule.claim, notPreds({ langs: [view.lang.lang], missing: false })[0] as Pred]] as const;
    let undecided: GcpFinding | undefined;
    let gap: GcpFinding | undefined;
    for (const allow of problem.policy.allows) {
      const possible = acceptedThrough(problem.policy, allow, extra, 'possible');
      if (!possible) continue;
      const token = confirmed(through(problem, allow, extra), proof);
      if (token) {
        gap = { kind: 'gap', statement: allow.label, rule: view.rule, token: token.claims };
        break;
      }
      undecided ??= { kind: 'undecided', about, why: unprovenWhy(problem, allow.label), token: possible.claims };
    }
    if (gap ?? undecided) findings.push((gap ?? undecided) as GcpFinding);
  }
  return findings;
}

function metPreds(problem: GcpProblem, views: readonly RuleView[]): Array<readonly [string, Pred]> {
  return views.flatMap((view) => {
    if (!view.lang) return [];
    if ('lang' in view.lang) return [[view.rule.claim, { langs: [view.lang.lang], missing: false }] as const];
    return problem.grammar.shapes.some((shape) => shape.claims[view.rule.claim]) ? [[view.rule.claim, { langs: [ANY_TEXT], missing: false }] as const] : [];
  });
}

/** What a token the rules allow meets: the rules, and with a role map one entry's rules (one set per entry). */
function metSets(problem: GcpProblem): Array<Array<readonly [string, Pred]>> {
  const top = metPreds(problem, problem.rules);
  return problem.entries.length === 0 ? [top] : problem.entries.map((entry) => [...top, ...metPreds(problem, entry)]);
}

/** A token the rules allow that the provider admits; the finding when there is none, or it cannot be told. */
function usable(problem: GcpProblem, allowed: (claims: Claims) => boolean): { witness: Claims | undefined; finding: GcpFinding | undefined } {
  const sets = metSets(problem);
  const found = confirmed(sets.flatMap((met) => problem.policy.allows.flatMap((allow) => through(problem, allow, met))), allowed);
  if (found) return { witness: found.claims, finding: undefined };
  const possible = sets.map((met) => acceptedByPolicy(problem.policy, met, 'possible')).find((token) => token !== undefined);
  if (!possible) return { witness: undefined, finding: { kind: 'unusable' } };
  const unsupported = [...problem.rules, ...problem.entries.flat()].flatMap((view) => (view.lang && 'unsupported' in view.lang ? [`the rule ${view.rule.source}: ${view.lang.unsupported}`] : []));
  const why = [...unsupported, ...unprovenWhy(problem, possible.allow.label)].filter((item) => unsupported.length === 0 || item !== UNCONFIRMED);
  return { witness: undefined, finding: { kind: 'undecided', about: 'whether the provider admits any token the rules allow', why, token: possible.token.claims } };
}

/** The other direction: a token the rules allow that the provider surely refuses. */
function narrower(problem: GcpProblem, shown: (claims: Claims) => boolean): GcpFinding[] {
  for (const met of metSets(problem)) {
    const token = narrowerToken(problem, met);
    if (token && shown(token.claims)) return [{ kind: 'narrower', token: token.claims }];
  }
  return [];
}

function stateFindings(provider: GcpProvider): GcpFinding[] {
  if (provider.disabled) return [{ kind: 'disabled', why: 'it is disabled' }];
  if (provider.state !== undefined && provider.state !== 'ACTIVE') return [{ kind: 'disabled', why: `its state is ${provider.state}` }];
  return [];
}

function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/$/, '') === b.replace(/\/$/, '');
}

function decide(input: GcpCheckInput, node: Parsed): Omit<GcpCheckResult, 'platform'> {
  if ('error' in node) return { verdict: 'cannot-verify', findings: [{ kind: 'unreadable', problems: [`the attribute condition does not parse as CEL: ${node.error}`] }], witness: undefined };
  const asked: ProblemInput = { issuer: input.issuer, audience: input.audience, platform: input.platform, condition: 'node' in node ? node.node : undefined, mapping: input.mapping, rules: input.rules, entries: input.entries ?? [] };
  // A provider that refuses the step's audience admits only tokens minted for others: nothing else to ask.
  if (!takesStepAudience(input.provider, input.audience)) {
    const findings = audienceFindings(input.provider, asked, input.admits);
    return { verdict: verdictOf(findings), findings, witness: undefined };
  }
  const problem = gcpProblem(asked);
  // What proves a token admitted or refused, by the provider and by the rules (confirm.ts).
  const google = provers(problem, input.admits);
  const rules = ruleProvers(problem);
  // Whether any job can use the provider is no security question: a witness may carry claims the
  // grammar does not model, with the values the condition and rules want (said in a note).
  const { witness, finding } = usable(problem, (claims) => !problem.wholeAssertion && input.admits(claims) && rules.allowsAll(claims));
  const assumed = witness ? [...problem.free].filter((claim) => claim in witness) : [];
  const findings: GcpFinding[] = [
    ...gaps(problem, (claims) => google.admitted(claims) && rules.refuses(claims)),
    ...entryGaps(problem, (claims) => google.admitted(claims) && rules.refuses(claims)),
    ...audienceFindings(input.provider, asked, input.admits),
    ...(input.allowUnpinned ? [] : pinFindings(problem, google.admitted)),
    ...(finding ? [finding] : []),
    ...(witness && assumed.length > 0 ? [{ kind: 'assumed', claims: assumed, token: witness } as const] : []),
  ];
  findings.push(...narrower(problem, (claims) => google.refused(claims) && rules.allows(claims)));
  return { verdict: verdictOf(findings), findings, witness };
}

export function checkProvider(input: GcpCheckInput): GcpCheckResult {
  const platform = input.platform;
  if (!sameIssuer(input.provider.issuerUri, input.issuer)) return { verdict: 'fail', findings: [{ kind: 'issuer', trusted: input.provider.issuerUri }], witness: undefined, platform };
  const state = stateFindings(input.provider);
  try {
    const decided = decide(input, input.condition ?? { node: { kind: 'const', value: true, text: 'true' } });
    const findings = [...state, ...decided.findings];
    return { verdict: verdictOf(findings), findings, witness: decided.witness, platform };
  } catch (error) {
    if (!(error instanceof OutOfBudget || error instanceof TooComplex || error instanceof TooManyDisjuncts)) throw error;
    const findings: GcpFinding[] = [...state, { kind: 'undecided', about: 'the condition', why: ['it has more ways through it, or larger patterns, than claimcheck explores in one check'] }];
    return { verdict: verdictOf(findings), findings, witness: undefined, platform };
  }
}
