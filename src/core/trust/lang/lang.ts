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

const negations = new WeakMap<Lang, Lang>();

/** The complement (one object per language, so that its automaton is built once). */
export function not(lang: Lang): Lang {
  if ('not' in lang) return lang.not;
  let negated = negations.get(lang);
  if (!negated) negations.set(lang, (negated = { not: lang }));
  return negated;
}

const ids = new WeakMap<Lang, number>();
let nextId = 1;
const combined = new Map<string, Lang>();

function idOf(lang: Lang): number {
  let id = ids.get(lang);
  if (id === undefined) ids.set(lang, (id = nextId++));
  return id;
}

/** One object per combination of the same parts, so that its automaton is built once. */
function combine(mode: 'and' | 'or', langs: readonly Lang[]): Lang {
  if (langs.length === 1) return langs[0] as Lang;
  const key = `${mode}:${langs.map(idOf).join(',')}`;
  let lang = combined.get(key);
  if (!lang) {
    if (combined.size > 50_000) combined.clear();
    combined.set(key, (lang = mode === 'and' ? { and: [...langs] } : { or: [...langs] }));
  }
  return lang;
}

export function and(...langs: Lang[]): Lang {
  return combine('and', langs);
}

export function or(...langs: Lang[]): Lang {
  return combine('or', langs);
}

const setsCache = new WeakMap<object, readonly CharSet[]>();

/** Every character set the expression reads (distinct sets, cached per language). */
export function charSetsOfLang(lang: Lang): readonly CharSet[] {
  const key = 'nfa' in lang ? lang.nfa : lang;
  let sets = setsCache.get(key);
  if (!sets) {
    if ('nfa' in lang) sets = distinct(charSetsOf(lang.nfa));
    else if ('not' in lang) sets = charSetsOfLang(lang.not);
    else sets = distinct(('and' in lang ? lang.and : lang.or).flatMap((part) => [...charSetsOfLang(part)]));
    setsCache.set(key, sets);
  }
  return sets;
}

function distinct(sets: readonly CharSet[]): CharSet[] {
  const seen = new Map<string, CharSet>();
  for (const set of sets) seen.set(set.join(','), set);
  return [...seen.values()];
}

/** The alphabet that tells apart every character set of these languages (and the cuts given). */
export function alphabetOf(langs: Iterable<Lang>, cuts?: ReadonlySet<number>): Alphabet {
  const sets: CharSet[] = [];
  for (const lang of langs) sets.push(...charSetsOfLang(lang));
  return alphabetFor(sets, cuts);
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
