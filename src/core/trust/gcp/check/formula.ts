// Boolean formulas over claim predicates, and their disjunctive normal form: each disjunct is
// one way a token gets through (the predicates it must meet, and the parts claimcheck cannot
// decide). Formulas are built only with AND and OR over literals (negation is pushed into the
// literals when the condition is read), so they are monotone in their unknown parts: taking
// each unknown as false gives tokens surely admitted, as true tokens perhaps admitted.
import { and as langAnd, or as langOr, type Lang } from '../../lang/lang.js';
import type { Pred } from '../../aws/iam/condition-pred.js';

export type Formula =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'lit'; readonly claim: string; readonly pred: Pred }
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'and'; readonly parts: readonly Formula[] }
  | { readonly kind: 'or'; readonly parts: readonly Formula[] };

export const TRUE: Formula = { kind: 'const', value: true };
export const FALSE: Formula = { kind: 'const', value: false };

export function lit(claim: string, pred: Pred): Formula {
  return { kind: 'lit', claim, pred };
}

export function unknown(why: string): Formula {
  return { kind: 'unknown', why };
}

export function all(...parts: Formula[]): Formula {
  if (parts.some((part) => part.kind === 'const' && !part.value)) return FALSE;
  const kept = parts.flatMap((part) => (part.kind === 'and' ? part.parts : part.kind === 'const' ? [] : [part]));
  return kept.length === 0 ? TRUE : kept.length === 1 ? (kept[0] as Formula) : { kind: 'and', parts: kept };
}

/** OR, with literals on the same claim (and the same reading of a missing claim) merged into one. */
export function any(...parts: Formula[]): Formula {
  if (parts.some((part) => part.kind === 'const' && part.value)) return TRUE;
  const kept: Formula[] = [];
  for (const part of parts.flatMap((item) => (item.kind === 'or' ? item.parts : item.kind === 'const' ? [] : [item]))) {
    const index = kept.findIndex((other) => other.kind === 'lit' && part.kind === 'lit' && other.claim === part.claim && other.pred.missing === part.pred.missing);
    const other = kept[index];
    if (part.kind === 'lit' && other?.kind === 'lit') {
      kept[index] = lit(part.claim, { langs: [langOr(langAnd(...other.pred.langs), langAnd(...part.pred.langs))], missing: part.pred.missing });
    } else {
      kept.push(part);
    }
  }
  return kept.length === 0 ? FALSE : kept.length === 1 ? (kept[0] as Formula) : { kind: 'or', parts: kept };
}

/** One disjunct: predicates on claims, and what claimcheck cannot decide. */
export interface Conjunct {
  readonly preds: ReadonlyArray<readonly [string, Pred]>;
  readonly unknown: readonly string[];
}

/** More disjuncts than one check explores. */
export const MAX_DISJUNCTS = 1_000;

export class TooManyDisjuncts extends Error {}

/** Whether a way through could hold for some token; false only when some claim's predicates hold for no value. */
export type Feasible = (conjunct: Conjunct) => boolean;

/** The ways through the formula, those that hold for no token left out as they are built. */
export function disjuncts(formula: Formula, feasible: Feasible = () => true): Conjunct[] {
  switch (formula.kind) {
    case 'const':
      return formula.value ? [{ preds: [], unknown: [] }] : [];
    case 'lit':
      return [{ preds: [[formula.claim, formula.pred]], unknown: [] }];
    case 'unknown':
      return [{ preds: [], unknown: [formula.why] }];
    case 'or': {
      const found = formula.parts.flatMap((part) => disjuncts(part, feasible));
      if (found.length > MAX_DISJUNCTS) throw new TooManyDisjuncts();
      return found;
    }
    case 'and':
      return formula.parts.reduce<Conjunct[]>((acc, part) => {
        const next = disjuncts(part, feasible);
        if (acc.length * next.length > MAX_DISJUNCTS * 20) throw new TooManyDisjuncts();
        const joined = acc.flatMap((left) => next.map((right) => ({ preds: [...left.preds, ...right.preds], unknown: [...new Set([...left.unknown, ...right.unknown])] }))).filter(feasible);
        if (joined.length > MAX_DISJUNCTS) throw new TooManyDisjuncts();
        return joined;
      }, [{ preds: [], unknown: [] }]);
  }
}

/** Every language a formula's literals read. */
export function literalLangs(formula: Formula): Lang[] {
  if (formula.kind === 'lit') return [...formula.pred.langs];
  return formula.kind === 'and' || formula.kind === 'or' ? formula.parts.flatMap(literalLangs) : [];
}
