// One IAM condition as a predicate on one claim: the values it accepts when the claim is
// present, and whether it holds when the claim is missing — as IAM documents the operators
// for a single-valued key (every OIDC key is one): values OR; a negated operator holds for a
// missing key; IfExists holds for one; ForAllValues holds for an empty set and ForAnyValue
// does not (an empty string counts as an empty set); Null "true" wants the key missing. What
// has no predicate here (an operator on numbers, dates or addresses, a policy variable, a key
// the request's issuer does not give) says why, and the verdict treats it as unknown.
import { CaseFoldUndecidable, foldedNfa } from '../../lang/case-fold.js';
import { ANY, type CharSet } from '../../lang/charset.js';
import { and, ANY_TEXT, fromNfa, NO_TEXT, not, or, type Lang } from '../../lang/lang.js';
import { charIn, empty, literal, seq, star, type Nfa } from '../../lang/nfa.js';
import { parseIamValue, type IamToken } from './pattern.js';
import type { PolicyCondition } from './policy.js';
import { parseOperator, type Operator } from './policy-shape.js';

/** A present value must be in every language (kept apart: their product is taken lazily); `missing`: whether a missing claim holds. */
export interface Pred {
  readonly langs: readonly Lang[];
  readonly missing: boolean;
}

/** What a condition key is for a request: a claim of the model, a key the request never has, or unknown. */
export type KeyMeaning = { readonly claim: string } | { readonly absent: true } | { readonly unknown: string };

export type ConditionMeaning =
  | { readonly kind: 'pred'; readonly claim: string; readonly pred: Pred }
  | { readonly kind: 'always' }
  | { readonly kind: 'never' }
  | { readonly kind: 'unknown'; readonly why: string };

const EMPTY: Lang = fromNfa(empty());
const NON_EMPTY: Lang = and(ANY_TEXT, not(EMPTY));
const ONE: CharSet = ANY;

export function andPred(a: Pred, b: Pred): Pred {
  return { langs: [...a.langs, ...b.langs], missing: a.missing && b.missing };
}

/**
 * The predicate's negation as alternatives, one per language it holds a value to: a present
 * value outside that language (or missing, when the predicate wants it present). Kept apart
 * so that no union of many patterns is ever built into one automaton.
 */
export function notPreds(pred: Pred): Pred[] {
  if (pred.langs.length === 0) return [{ langs: [NO_TEXT], missing: !pred.missing }];
  return pred.langs.map((lang) => ({ langs: [not(lang)], missing: !pred.missing }));
}

/** The values a predicate accepts as one language. */
export function predLang(pred: Pred): Lang {
  return and(ANY_TEXT, ...pred.langs);
}

function likeNfa(tokens: readonly IamToken[]): Nfa {
  return seq(...tokens.map((token) => ('literal' in token ? literal(token.literal) : 'any' in token ? star(charIn(ONE)) : charIn(ONE))));
}

class Unreadable extends Error {}

/** The values one policy value stands for under the operator's base. */
function valueNfa(base: string, value: string, variables: boolean): Nfa {
  if (base === 'Bool') return foldedNfa(value);
  const like = base === 'StringLike' || base === 'StringNotLike';
  const tokens = parseIamValue(value, like, variables);
  if (tokens === undefined) throw new Unreadable(`the policy variable in ${JSON.stringify(value)}, which STS resolves from the request`);
  if (like) return likeNfa(tokens);
  const text = tokens.map((token) => ('literal' in token ? token.literal : '')).join('');
  return base.endsWith('IgnoreCase') ? foldedNfa(text) : literal(text);
}

const valueLangs = new Map<string, Lang>();

/** A policy value's language, one object per operator base and text (so that roles and statements share automata). */
function valueLang(base: string, value: string, variables: boolean): Lang {
  const key = `${base}\n${variables}\n${value}`;
  let lang = valueLangs.get(key);
  if (!lang) {
    if (valueLangs.size > 20_000) valueLangs.clear();
    valueLangs.set(key, (lang = fromNfa(valueNfa(base, value, variables))));
  }
  return lang;
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike']);
const MODELLED = new Set(['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike', 'Bool', 'Null']);

function predOf(operator: Operator, values: readonly string[], variables: boolean): Pred {
  if (operator.base === 'Null') {
    const lower = values.map((value) => value.toLowerCase());
    return { langs: [lower.includes('false') ? ANY_TEXT : NO_TEXT], missing: lower.includes('true') };
  }
  const each = values.map((value) => valueLang(operator.base, value, variables && operator.base.startsWith('String')));
  const negated = NEGATED.has(operator.base);
  // A negated operator holds when no value matches: one complement per value, each small.
  const holds = negated ? each.map(not) : [or(...each)];
  if (operator.set === 'ForAllValues') return { langs: [or(EMPTY, and(ANY_TEXT, ...holds))], missing: true };
  if (operator.set === 'ForAnyValue') return { langs: [or(and(NON_EMPTY, ...holds), operator.ifExists ? EMPTY : NO_TEXT)], missing: operator.ifExists };
  return { langs: holds, missing: operator.ifExists || negated };
}

/** What one condition means for a request whose keys `resolve` explains. */
export function conditionMeaning(condition: PolicyCondition, resolve: (key: string) => KeyMeaning, variables: boolean): ConditionMeaning {
  const operator = parseOperator(condition.operator);
  if (!operator || condition.values === undefined) return { kind: 'unknown', why: `the condition ${condition.operator}, which IAM does not take as written` };
  if (!MODELLED.has(operator.base)) return { kind: 'unknown', why: `the operator ${condition.operator} on ${condition.key}, which compares what claimcheck does not model` };
  let pred: Pred;
  try {
    pred = predOf(operator, condition.values, variables);
  } catch (error) {
    if (error instanceof Unreadable || error instanceof CaseFoldUndecidable) return { kind: 'unknown', why: `${error.message} (${condition.operator} on ${condition.key})` };
    throw error;
  }
  const meaning = resolve(condition.key);
  if ('unknown' in meaning) return { kind: 'unknown', why: meaning.unknown };
  if ('absent' in meaning) return pred.missing ? { kind: 'always' } : { kind: 'never' };
  return { kind: 'pred', claim: meaning.claim, pred };
}
