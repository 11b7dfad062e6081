// Languages as expressions over automata (an NFA, its complement, intersections, unions),
// kept symbolic until the problem's alphabet is known, then compiled once per alphabet.
import { alphabetFor, type Alphabet } from './alphabet.js';
import { ANY, type CharSet } from './charset.js';
import { complement, determinize, product, type Dfa } from './dfa.js';
import { charSetsOf, nothing, star, charIn, type Nfa } from './nfa.js';

export type Lang =
  | { readonly nfa: Nfa }
  | { readonly not: Lang }
  | { readonly and: readonly Lang[] }
  | { readonly or: readonly Lang[] };

export const ANY_TEXT: Lang = { nfa: star(charIn(ANY)) };
export const NO_TEXT: Lang = { nfa: nothing() };

export function fromNfa(nfa: Nfa): Lang {
  return { nfa };
}

export function not(lang: Lang): Lang {
  return 'not' in lang ? lang.not : { not: lang };
}

export function and(...langs: Lang[]): Lang {
  return langs.length === 1 ? (langs[0] as Lang) : { and: langs };
}

export function or(...langs: Lang[]): Lang {
  return langs.length === 1 ? (langs[0] as Lang) : { or: langs };
}

/** Every character set the expression reads. */
export function charSetsOfLang(lang: Lang, out: CharSet[] = []): CharSet[] {
  if ('nfa' in lang) out.push(...charSetsOf(lang.nfa));
  else if ('not' in lang) charSetsOfLang(lang.not, out);
  else for (const part of 'and' in lang ? lang.and : lang.or) charSetsOfLang(part, out);
  return out;
}

/** The alphabet that tells apart every character set of these languages. */
export function alphabetOf(langs: Iterable<Lang>): Alphabet {
  const sets: CharSet[] = [];
  for (const lang of langs) charSetsOfLang(lang, sets);
  return alphabetFor(sets);
}

const compiled = new WeakMap<object, Map<string, Dfa>>();

/** The expression's automaton over the alphabet (cached per expression and alphabet). */
export function toDfa(lang: Lang, alphabet: Alphabet): Dfa {
  const key = 'nfa' in lang ? lang.nfa : lang;
  let perAlphabet = compiled.get(key);
  if (!perAlphabet) compiled.set(key, (perAlphabet = new Map()));
  let dfa = perAlphabet.get(alphabet.key);
  if (!dfa) {
    dfa = build(lang, alphabet);
    perAlphabet.set(alphabet.key, dfa);
  }
  return dfa;
}

function build(lang: Lang, alphabet: Alphabet): Dfa {
  if ('nfa' in lang) return determinize(lang.nfa, alphabet);
  if ('not' in lang) return complement(toDfa(lang.not, alphabet));
  const parts = ('and' in lang ? lang.and : lang.or).map((part) => toDfa(part, alphabet));
  const mode = 'and' in lang ? 'and' : 'or';
  if (parts.length === 0) return toDfa(mode === 'and' ? ANY_TEXT : NO_TEXT, alphabet);
  return parts.slice(1).reduce((acc, part) => product(acc, part, mode), parts[0] as Dfa);
}
