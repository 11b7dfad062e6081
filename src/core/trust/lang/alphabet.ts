// The alphabet one decision works over: the universe of characters cut into atoms, intervals
// that no character set of the problem tells apart. Automata then step over atom numbers, a
// few hundred at most, instead of over a million code points. Printable ASCII is always one
// atom per character, so that most problems share one alphabet (and its cached automata).
import { ANY, type CharSet } from './charset.js';

export interface Alphabet {
  /** Atom i covers the code points starts[i] … starts[i + 1] - 1 (within the universe). */
  readonly starts: Int32Array;
  readonly size: number;
  /** One character of each atom, the most readable one (letters and digits first). */
  readonly representatives: readonly string[];
  /** Atoms in the order a counterexample prefers them. */
  readonly preference: Int32Array;
  /** Identifies the cut: equal keys, equal alphabets. */
  readonly key: string;
}

const ALWAYS_CUT: readonly number[] = Array.from({ length: 0x80 }, (_, i) => i);
const cache = new Map<string, Alphabet>();

/** Where the sets cut the universe (each ASCII character apart too). */
export function cutsOf(sets: Iterable<CharSet>, base: Iterable<number> = ALWAYS_CUT): Set<number> {
  const cuts = new Set<number>(base);
  for (const set of [ANY, ...sets]) {
    for (let i = 0; i < set.length; i += 2) {
      cuts.add(set[i] as number);
      cuts.add((set[i + 1] as number) + 1);
    }
  }
  return cuts;
}

/** The alphabet that tells apart every set given (and each ASCII character, and `base` cuts); equal cuts give the same object. */
export function alphabetFor(sets: Iterable<CharSet>, base?: ReadonlySet<number>): Alphabet {
  const cuts = cutsOf(sets, base ?? ALWAYS_CUT);
  const starts = Int32Array.from([...cuts].filter((cut) => cut <= 0x10ffff + 1).sort((a, b) => a - b));
  const key = starts.join(',');
  let alphabet = cache.get(key);
  if (!alphabet) {
    if (cache.size > 1000) cache.clear();
    cache.set(key, (alphabet = build(starts, key)));
  }
  return alphabet;
}

function build(starts: Int32Array, key: string): Alphabet {
  // The last cut (0x110000) ends the universe; it starts no atom.
  const size = starts.length - 1;
  const representatives = Array.from({ length: size }, (_, atom) => representative(starts[atom] as number, (starts[atom + 1] as number) - 1));
  const preference = Int32Array.from(Array.from({ length: size }, (_, atom) => atom).sort((a, b) => rank(representatives[a] as string) - rank(representatives[b] as string) || a - b));
  return { starts, size, representatives, preference, key };
}

/** The readable character of an interval: a letter, a digit, then punctuation, then its first. */
function representative(lo: number, hi: number): string {
  for (const [from, to] of [[0x61, 0x7a], [0x30, 0x39], [0x41, 0x5a], [0x21, 0x7e]] as const) {
    const pick = Math.max(lo, from);
    if (pick <= Math.min(hi, to)) return String.fromCodePoint(pick);
  }
  return String.fromCodePoint(lo);
}

function rank(char: string): number {
  const code = char.codePointAt(0) as number;
  if (code >= 0x61 && code <= 0x7a) return 0;
  if (code >= 0x30 && code <= 0x39) return 1;
  if (code >= 0x41 && code <= 0x5a) return 2;
  if (char === '-' || char === '_' || char === '.') return 3;
  return code >= 0x21 && code <= 0x7e ? 4 : 5;
}

/** The atom a code point falls in. */
export function atomOf(alphabet: Alphabet, codePoint: number): number {
  const { starts } = alphabet;
  let lo = 0;
  let hi = alphabet.size - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= codePoint) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The atoms a set covers (the set is a union of atoms of an alphabet cut for it). */
export function atomsOf(alphabet: Alphabet, set: CharSet): number[] {
  const atoms: number[] = [];
  for (let i = 0; i < set.length; i += 2) {
    const last = atomOf(alphabet, set[i + 1] as number);
    for (let atom = atomOf(alphabet, set[i] as number); atom <= last; atom++) atoms.push(atom);
  }
  return atoms;
}

/** The atoms of a text, or undefined when a character is outside the universe (a lone surrogate). */
export function atomsOfText(alphabet: Alphabet, text: string): number[] | undefined {
  const atoms: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    atoms.push(atomOf(alphabet, code));
  }
  return atoms;
}
