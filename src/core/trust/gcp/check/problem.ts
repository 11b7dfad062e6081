// A provider's condition set up as a trust problem the neutral solver answers: each way
// through the condition (a disjunct) is an Allow statement over the issuer's grammar, with
// its undecidable parts as unknowns, as an AWS policy's statements are (aws/check/accepted.ts
// then searches both alike). The rules become languages on the same alphabet; a rule on a
// claim the grammar does not model has none (Google sees every claim, so it is not "checked
// by claimcheck only" as on AWS: whatever needs it cannot be decided).
import { grammarFor, type GrammarPlatform } from '../../grammar/choose.js';
import { modelledClaims, one, type TokenGrammar } from '../../grammar/grammar.js';
import { cutsOf } from '../../lang/alphabet.js';
import { alphabetOf, and, ANY_TEXT, charSetsOfLang, toDfa, type Lang } from '../../lang/lang.js';
import { isEmpty } from '../../lang/dfa.js';
import { ruleLang } from '../../lang/rule-lang.js';
import { openSession } from '../../solve.js';
import type { ClaimRule } from '../../../rules/rules.js';
import type { Pred } from '../../aws/iam/condition-pred.js';
import type { StatementView } from '../../aws/iam/statement-view.js';
import type { Policy } from '../../aws/check/accepted.js';
import { SEARCH_BUDGET, type RuleView, type TrustProblem } from '../../aws/check/trust-problem.js';
import type { CelNode, Parsed } from './cel-node.js';
import { condition, plainClaim, type Scope } from './condition.js';
import { disjuncts, literalLangs, TRUE, type Conjunct, type Feasible, type Formula } from './formula.js';

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
  /** When the condition is true, as read. */
  readonly formula: Formula;
  /** Claims the condition, mapping or rules name that the issuer's grammar does not model: any value, or none. */
  readonly free: ReadonlySet<string>;
  /** The mapping reads one of them: whether Google maps a real token is then beyond proof. */
  readonly mappingReadsFree: boolean;
  /** The condition or mapping reads `assertion` as a whole (size(assertion), a macro over it): no token of a few claims proves anything. */
  readonly wholeAssertion: boolean;
  /** Claims the attribute mapping reads: a token Google maps without an error has them. */
  readonly mapped: ReadonlyArray<readonly [string, Pred]>;
}

function statementOf(index: number): StatementView['statement'] {
  return { index, sid: undefined, effect: 'Allow', principal: undefined, action: undefined, notPrincipal: undefined, notAction: undefined, unsupported: [], conditions: [] };
}

/** Every claim an expression reads: plain, tested with has(), or named in `"x" in assertion`. */
function claimsRead(node: CelNode): string[] {
  const claim = plainClaim(node);
  if (claim !== undefined) return [claim];
  if (node.kind === 'select' && node.test && node.operand.kind === 'ident' && node.operand.name === 'assertion') return [node.field];
  if (node.kind === 'call' && node.fn === '@in' && node.args[0]?.kind === 'const' && typeof node.args[0].value === 'string' && node.args[1]?.kind === 'ident' && node.args[1].name === 'assertion') return [node.args[0].value];
  if (node.kind === 'select') return claimsRead(node.operand);
  if (node.kind === 'call') return [...(node.target ? claimsRead(node.target) : []), ...node.args.flatMap(claimsRead)];
  if (node.kind === 'list') return node.elements.flatMap(claimsRead);
  return [];
}

function mappedClaims(mapping: Readonly<Record<string, Parsed>>, modelled: ReadonlySet<string>): Array<readonly [string, Pred]> {
  const claims = new Set(Object.values(mapping).flatMap((parsed) => ('node' in parsed ? claimsRead(parsed.node) : [])));
  return [...claims].filter((claim) => modelled.has(claim)).map((claim) => [claim, { langs: [ANY_TEXT], missing: false }] as const);
}

/** A way through holds for no token when some claim must be present with a value no predicate's languages share. */
function feasibility(langs: readonly Lang[], cuts: ReadonlySet<number>): Feasible {
  const alphabet = alphabetOf(langs, cuts);
  return (conjunct: Conjunct) => {
    const byClaim = new Map<string, Pred[]>();
    for (const [claim, pred] of conjunct.preds) (byClaim.get(claim) ?? byClaim.set(claim, []).get(claim))?.push(pred);
    for (const preds of byClaim.values()) {
      if (preds.length < 2 || preds.every((pred) => pred.missing)) continue;
      if (isEmpty(toDfa(and(...preds.flatMap((pred) => pred.langs)), alphabet))) return false;
    }
    return true;
  };
}

function grammarCuts(grammar: TokenGrammar): Set<number> {
  return cutsOf(Object.values(grammar.fields).flatMap((field) => [...charSetsOfLang(field.lang)]));
}

/** Whether `assertion` is read other than one claim at a time (`assertion.x`, `assertion["x"]`, `"x" in assertion`). */
export function readsWholeAssertion(node: CelNode): boolean {
  if (node.kind === 'ident') return node.name === 'assertion';
  if (node.kind === 'select') return node.operand.kind === 'ident' && node.operand.name === 'assertion' ? false : readsWholeAssertion(node.operand);
  if (node.kind === 'list') return node.elements.some(readsWholeAssertion);
  if (node.kind === 'other') return /\bassertion\b/.test(node.text);
  if (node.kind !== 'call') return false;
  const [first, second] = node.args;
  if (node.fn === '_[_]' && node.target === undefined && first?.kind === 'ident' && first.name === 'assertion' && second?.kind === 'const' && typeof second.value === 'string') return false;
  if (node.fn === '@in' && node.target === undefined && first?.kind === 'const' && typeof first.value === 'string' && second?.kind === 'ident' && second.name === 'assertion') return false;
  return (node.target !== undefined && readsWholeAssertion(node.target)) || node.args.some(readsWholeAssertion);
}

const FREE_FIELD = (claim: string) => `free:${claim}`;

/**
 * The grammar with a field for each claim it does not model and the provider or rules name:
 * any text, or missing. More tokens than the issuer issues (so "none admitted" stays true of
 * the real ones); a token that needs one of them is not a proof (confirm.ts).
 */
function withFreeClaims(grammar: TokenGrammar, free: readonly string[]): TokenGrammar {
  if (free.length === 0) return grammar;
  const fields = Object.fromEntries(free.map((claim) => [FREE_FIELD(claim), { lang: ANY_TEXT, example: '', optional: true, absentByDefault: true }]));
  const claims = Object.fromEntries(free.map((claim) => [claim, one(FREE_FIELD(claim))]));
  return { ...grammar, fields: { ...grammar.fields, ...fields }, shapes: grammar.shapes.map((shape) => ({ ...shape, claims: { ...shape.claims, ...claims } })) };
}

/** The problem; throws TooManyDisjuncts when the condition has too many ways through. */
export function gcpProblem(input: ProblemInput): GcpProblem {
  const issued = grammarFor(input.issuer, input.audience, { platform: input.platform });
  const mappingClaims = Object.values(input.mapping).flatMap((parsed) => ('node' in parsed ? claimsRead(parsed.node) : []));
  const named = [...(input.condition ? claimsRead(input.condition) : []), ...mappingClaims, ...[...input.rules, ...(input.entries ?? []).flat()].map((rule) => rule.claim)];
  const free = [...new Set(named)].filter((claim) => !modelledClaims(issued).has(claim));
  const grammar = withFreeClaims(issued, free);
  const modelled = modelledClaims(grammar);
  const scope: Scope = { modelled, mapping: input.mapping };
  const formula = input.condition ? condition(input.condition, scope).whenTrue : TRUE;
  const ways = disjuncts(formula, feasibility(literalLangs(formula), grammarCuts(grammar)));
  const label = (index: number) => (ways.length === 1 ? 'the attribute condition' : `the attribute condition (way ${index + 1} of ${ways.length} through it)`);
  const views: StatementView[] = ways.map((way, index) => ({ statement: statementOf(index), label: label(index), effect: 'Allow', preds: way.preds, unknown: way.unknown, never: false }));
  const viewOf = (rule: ClaimRule): RuleView => ({ rule, lang: modelled.has(rule.claim) ? ruleLang(rule) : { unsupported: `claimcheck does not model the values the issuer gives ${rule.claim}` } });
  const rules = input.rules.map(viewOf);
  const entries = (input.entries ?? []).map((entry) => entry.map(viewOf));
  const langs: Lang[] = [...views.flatMap((view) => view.preds.flatMap(([, pred]) => pred.langs)), ...[...rules, ...entries.flat()].flatMap((view) => (view.lang && 'lang' in view.lang ? [view.lang.lang] : []))];
  const session = openSession(grammar, alphabetOf(langs, grammarCuts(grammar)));
  const policy: Policy = { session, allows: views, denies: [], budget: SEARCH_BUDGET };
  const freeSet = new Set(free);
  const parsedMapping = Object.values(input.mapping).flatMap((parsed) => ('node' in parsed ? [parsed.node] : []));
  const wholeAssertion = [...(input.condition ? [input.condition] : []), ...parsedMapping].some(readsWholeAssertion);
  return { grammar, views, policy, rules, entries, mapped: mappedClaims(input.mapping, modelled), formula, free: freeSet, mappingReadsFree: mappingClaims.some((claim) => freeSet.has(claim)), wholeAssertion };
}
