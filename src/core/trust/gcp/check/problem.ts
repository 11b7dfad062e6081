// A provider's condition set up as a trust problem the neutral solver answers: each way
// through the condition (a disjunct) is an Allow statement over the issuer's grammar, with
// its undecidable parts as unknowns, as an AWS policy's statements are (aws/check/accepted.ts
// then searches both alike). The rules become languages on the same alphabet; a rule on a
// claim the grammar does not model has none (Google sees every claim, so it is not "checked
// by claimcheck only" as on AWS: whatever needs it cannot be decided).
import { grammarFor, type GrammarPlatform } from '../../grammar/choose.js';
import { modelledClaims, type TokenGrammar } from '../../grammar/grammar.js';
import { cutsOf } from '../../lang/alphabet.js';
import { alphabetOf, ANY_TEXT, charSetsOfLang, type Lang } from '../../lang/lang.js';
import { ruleLang } from '../../lang/rule-lang.js';
import { openSession } from '../../solve.js';
import type { ClaimRule } from '../../../rules/rules.js';
import type { Pred } from '../../aws/iam/condition-pred.js';
import type { StatementView } from '../../aws/iam/statement-view.js';
import type { Policy } from '../../aws/check/accepted.js';
import { SEARCH_BUDGET, type RuleView, type TrustProblem } from '../../aws/check/trust-problem.js';
import type { CelNode, Parsed } from './cel-node.js';
import { condition, plainClaim, type Scope } from './condition.js';
import { disjuncts, TRUE } from './formula.js';

export interface ProblemInput {
  readonly issuer: string;
  readonly audience: string;
  readonly platform: GrammarPlatform | undefined;
  /** The parsed condition; undefined when the provider has none. */
  readonly condition: CelNode | undefined;
  readonly mapping: Readonly<Record<string, Parsed>>;
  readonly rules: readonly ClaimRule[];
  /** A role map's entries: a token the rules allow meets `rules` and every rule of one entry. */
  readonly entries?: ReadonlyArray<readonly ClaimRule[]>;
}

export interface GcpProblem extends TrustProblem {
  readonly entries: ReadonlyArray<readonly RuleView[]>;
  /** Claims the attribute mapping reads: a token Google maps without an error has them. */
  readonly mapped: ReadonlyArray<readonly [string, Pred]>;
}

function statementOf(index: number): StatementView['statement'] {
  return { index, sid: undefined, effect: 'Allow', principal: undefined, action: undefined, notPrincipal: undefined, notAction: undefined, unsupported: [], conditions: [] };
}

/** Every plain claim an expression reads. */
function claimsRead(node: CelNode): string[] {
  const claim = plainClaim(node);
  if (claim !== undefined) return [claim];
  if (node.kind === 'select') return claimsRead(node.operand);
  if (node.kind === 'call') return [...(node.target ? claimsRead(node.target) : []), ...node.args.flatMap(claimsRead)];
  if (node.kind === 'list') return node.elements.flatMap(claimsRead);
  return [];
}

function mappedClaims(mapping: Readonly<Record<string, Parsed>>, modelled: ReadonlySet<string>): Array<readonly [string, Pred]> {
  const claims = new Set(Object.values(mapping).flatMap((parsed) => ('node' in parsed ? claimsRead(parsed.node) : [])));
  return [...claims].filter((claim) => modelled.has(claim)).map((claim) => [claim, { langs: [ANY_TEXT], missing: false }] as const);
}

function grammarCuts(grammar: TokenGrammar): Set<number> {
  return cutsOf(Object.values(grammar.fields).flatMap((field) => [...charSetsOfLang(field.lang)]));
}

/** The problem; throws TooManyDisjuncts when the condition has too many ways through. */
export function gcpProblem(input: ProblemInput): GcpProblem {
  const grammar = grammarFor(input.issuer, input.audience, { platform: input.platform });
  const modelled = modelledClaims(grammar);
  const scope: Scope = { modelled, mapping: input.mapping };
  const ways = disjuncts(input.condition ? condition(input.condition, scope).whenTrue : TRUE);
  const label = (index: number) => (ways.length === 1 ? 'the attribute condition' : `the attribute condition (way ${index + 1} of ${ways.length} through it)`);
  const views: StatementView[] = ways.map((way, index) => ({ statement: statementOf(index), label: label(index), effect: 'Allow', preds: way.preds, unknown: way.unknown, never: false }));
  const viewOf = (rule: ClaimRule): RuleView => ({ rule, lang: modelled.has(rule.claim) ? ruleLang(rule) : { unsupported: `claimcheck does not model the values the issuer gives ${rule.claim}` } });
  const rules = input.rules.map(viewOf);
  const entries = (input.entries ?? []).map((entry) => entry.map(viewOf));
  const langs: Lang[] = [...views.flatMap((view) => view.preds.flatMap(([, pred]) => pred.langs)), ...[...rules, ...entries.flat()].flatMap((view) => (view.lang && 'lang' in view.lang ? [view.lang.lang] : []))];
  const session = openSession(grammar, alphabetOf(langs, grammarCuts(grammar)));
  const policy: Policy = { session, allows: views, denies: [], budget: SEARCH_BUDGET };
  return { grammar, views, policy, rules, entries, mapped: mappedClaims(input.mapping, modelled) };
}
