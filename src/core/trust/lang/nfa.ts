// Regular languages as nondeterministic automata whose transitions carry sets of characters
// (Thompson's construction): built from literals, character sets, concatenation, union and
// repetition. IAM patterns, claim rules, regular expressions and each platform's claim
// grammar all become one of these; dfa.ts decides questions about them.
import { ANY, charsOf, type CharSet } from './charset.js';

export interface Edge {
  readonly from: number;
  readonly set: CharSet;
  readonly to: number;
}

/** States 0 … size-1; one start and one accepting state, as Thompson builds them. */
export interface Nfa {
  readonly size: number;
  readonly start: number;
  readonly accept: number;
  readonly edges: readonly Edge[];
  /** Moves that read nothing: [from, to]. */
  readonly epsilons: ReadonlyArray<readonly [number, number]>;
}

/** Automata above this many states are not built: a verdict that needs one says it cannot decide. */
export const MAX_NFA_STATES = 200_000;

export class TooComplex extends Error {}

function shifted(nfa: Nfa, by: number): { edges: Edge[]; epsilons: Array<[number, number]> } {
  return {
    edges: nfa.edges.map((edge) => ({ from: edge.from + by, set: edge.set, to: edge.to + by })),
    epsilons: nfa.epsilons.map(([from, to]) => [from + by, to + by]),
  };
}

function checked(nfa: Nfa): Nfa {
  if (nfa.size > MAX_NFA_STATES) throw new TooComplex(`an automaton of more than ${MAX_NFA_STATES} states`);
  return nfa;
}

/** One character of the set. */
export function charIn(set: CharSet): Nfa {
  return { size: 2, start: 0, accept: 1, edges: [{ from: 0, set, to: 1 }], epsilons: [] };
}

/** The empty word. */
export function empty(): Nfa {
  return { size: 1, start: 0, accept: 0, edges: [], epsilons: [] };
}

/** No word at all. */
export function nothing(): Nfa {
  return { size: 2, start: 0, accept: 1, edges: [], epsilons: [] };
}

export function seq(...parts: Nfa[]): Nfa {
  if (parts.length === 0) return empty();
  let size = 0;
  const edges: Edge[] = [];
  const epsilons: Array<[number, number]> = [];
  let previousAccept = -1;
  let start = 0;
  for (const part of parts) {
    const moved = shifted(part, size);
    edges.push(...moved.edges);
    epsilons.push(...moved.epsilons);
    if (previousAccept < 0) start = part.start + size;
    else epsilons.push([previousAccept, part.start + size]);
    previousAccept = part.accept + size;
    size += part.size;
  }
  return checked({ size, start, accept: previousAccept, edges, epsilons });
}

export function alt(...options: Nfa[]): Nfa {
  if (options.length === 1) return options[0] as Nfa;
  let size = 2;
  const edges: Edge[] = [];
  const epsilons: Array<[number, number]> = [];
  for (const option of options) {
    const moved = shifted(option, size);
    edges.push(...moved.edges);
    epsilons.push(...moved.epsilons, [0, option.start + size], [option.accept + size, 1]);
    size += option.size;
  }
  return checked({ size, start: 0, accept: 1, edges, epsilons });
}

/** Zero or more times. */
export function star(inner: Nfa): Nfa {
  const moved = shifted(inner, 1);
  const epsilons: Array<[number, number]> = [...moved.epsilons, [0, inner.start + 1], [inner.accept + 1, 0]];
  return checked({ size: inner.size + 1, start: 0, accept: 0, edges: moved.edges, epsilons });
}

export function plus(inner: Nfa): Nfa {
  return seq(inner, star(inner));
}

export function optional(inner: Nfa): Nfa {
  return alt(inner, empty());
}

/** `min` to `max` times (max Infinity: no bound). */
export function repeat(inner: Nfa, min: number, max: number): Nfa {
  const parts: Nfa[] = Array.from({ length: min }, () => inner);
  if (max === Infinity) parts.push(star(inner));
  else for (let i = min; i < max; i++) parts.push(optional(inner));
  return seq(...parts);
}

/** Exactly this text. */
export function literal(text: string): Nfa {
  return seq(...Array.from(text, (char) => charIn(charsOf(char))));
}

/** Any text, `/` and `:` included. */
export function anything(): Nfa {
  return star(charIn(ANY));
}

/** Every character set an automaton reads: the alphabet is cut from these. */
export function charSetsOf(nfa: Nfa): CharSet[] {
  return nfa.edges.map((edge) => edge.set);
}
