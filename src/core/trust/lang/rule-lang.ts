// A claim rule as a language: the values it accepts. Globs: `*` any run without `/` or `:`,
// `**` any run; exact values; regular expressions (regex.ts). A rule whose language cannot be
// built says why, and whatever needed it cannot be decided.
import type { Alternative, ClaimRule } from '../../rules/rules.js';
import { ANY, charsOf, minus } from './charset.js';
import { fromNfa, or, type Lang } from './lang.js';
import { anything, charIn, literal, seq, star, TooComplex, type Nfa } from './nfa.js';
import { regexToNfa, RegexNotRegular } from './regex.js';

const SEGMENT = minus(ANY, charsOf('/:'));

export type RuleLang = { readonly lang: Lang } | { readonly unsupported: string };

function alternativeNfa(alternative: Alternative): Nfa {
  if ('exact' in alternative) return literal(alternative.exact);
  if ('regex' in alternative) return regexToNfa(alternative.regex.source);
  return seq(...alternative.glob.map((token) => ('literal' in token ? literal(token.literal) : token.star === 'any' ? anything() : star(charIn(SEGMENT)))));
}

/** The values the rule accepts (a present claim; a missing claim never meets a rule). */
export function ruleLang(rule: ClaimRule): RuleLang {
  try {
    return { lang: or(...rule.alternatives.map((alternative) => fromNfa(alternativeNfa(alternative)))) };
  } catch (error) {
    if (error instanceof RegexNotRegular || error instanceof TooComplex) return { unsupported: `its regular expression has no automaton here (${error.message})` };
    throw error;
  }
}
