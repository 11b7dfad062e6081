// Deterministic automata over an alphabet's atoms, complete (a dead state takes what leads
// nowhere): built from an NFA by the subset construction, combined by product (and, or),
// complemented, minimised; asked whether they accept anything and for a shortest word. Every
// question a trust verdict asks ends in these.
import { atomsOf, atomsOfText, type Alphabet } from './alphabet.js';
import { TooComplex, type Nfa } from './nfa.js';

export interface Dfa {
  readonly id: number;
  readonly alphabet: Alphabet;
  readonly size: number;
  readonly start: number;
  /** delta[state * alphabet.size + atom] */
  readonly delta: Int32Array;
  readonly accepting: Uint8Array;
  /** Atoms on which every state moves alike (possibly finer than needed). */
  readonly classes: AtomClasses;
}

/** Deterministic automata above this many states are not built (the verdict says it cannot decide). */
export const MAX_DFA_STATES = 20_000;

let nextId = 1;

function made(alphabet: Alphabet, classes: AtomClasses, size: number, start: number, delta: Int32Array, accepting: Uint8Array): Dfa {
  return { id: nextId++, alphabet, classes, size, start, delta, accepting };
}

/** Atoms that no label of these automata tells apart, as classes: class of each atom, and one atom per class. */
export interface AtomClasses {
  readonly of: Int32Array;
  readonly atoms: readonly number[];
}

/** Splits the atoms by membership in each set (partition refinement). */
export function classesFromSets(alphabet: Alphabet, sets: Iterable<readonly number[]>): AtomClasses {
  const of = new Int32Array(alphabet.size);
  let count = 1;
  for (const members of sets) {
    const split = new Map<number, number>();
    for (const atom of members) {
      const old = of[atom] as number;
      let moved = split.get(old);
      if (moved === undefined) split.set(old, (moved = count++));
      of[atom] = moved;
    }
  }
  return renumbered(of, alphabet.preference);
}

/** Classes numbered 0…n-1 in the alphabet's order of preference, each with its preferred atom. */
function renumbered(raw: Int32Array, preference: Int32Array): AtomClasses {
  const map = new Map<number, number>();
  const atoms: number[] = [];
  const of = new Int32Array(raw.length);
  for (const atom of preference) {
    let id = map.get(raw[atom] as number);
    if (id === undefined) {
      map.set(raw[atom] as number, (id = atoms.length));
      atoms.push(atom);
    }
    of[atom] = id;
  }
  return { of, atoms };
}

/** Atoms on which every state of the automaton moves alike. */
export function atomClasses(dfa: Dfa): AtomClasses {
  return dfa.classes;
}

/** The classes that tell apart what each of the given classes tells apart. */
export function jointClasses(alphabet: Alphabet, parts: readonly AtomClasses[]): AtomClasses {
  let raw = new Int32Array(alphabet.size);
  for (const part of parts) {
    // Pairs (class so far, class of this part) numbered as they come.
    const keys = new Map<number, number>();
    const next = new Int32Array(alphabet.size);
    for (let atom = 0; atom < alphabet.size; atom++) {
      const key = (raw[atom] as number) * (part.atoms.length + 1) + (part.of[atom] as number);
      let id = keys.get(key);
      if (id === undefined) keys.set(key, (id = keys.size));
      next[atom] = id;
    }
    raw = next;
  }
  return renumbered(raw, alphabet.preference);
}

/** The subset construction, over the NFA states that matter (those with edges, and the accepting one). */
export function determinize(nfa: Nfa, alphabet: Alphabet): Dfa {
  const edgeAtoms = nfa.edges.map((edge) => atomsOf(alphabet, edge.set));
  const classes = classesFromSets(alphabet, edgeAtoms);
  const edgeClasses = edgeAtoms.map((atoms) => [...new Set(atoms.map((atom) => classes.of[atom] as number))]);
  const outgoing: number[][] = Array.from({ length: nfa.size }, () => []);
  nfa.edges.forEach((edge, index) => outgoing[edge.from]?.push(index));
  const reach = closures(nfa, outgoing);
  const closureOf = (state: number) => (reach[state] ??= reach.compute(state));
  const mark = new Int32Array(nfa.size).fill(-1);
  let generation = 0;
  const ids = new Map<string, number>();
  const subsets: number[][] = [];
  const intern = (targets: readonly number[]): number => {
    generation++;
    const members: number[] = [];
    for (const target of targets) for (const state of closureOf(target)) if (mark[state] !== generation) (mark[state] = generation), members.push(state);
    members.sort((a, b) => a - b);
    const key = members.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      if (subsets.length >= MAX_DFA_STATES) throw new TooComplex(`a deterministic automaton of more than ${MAX_DFA_STATES} states`);
      ids.set(key, (id = subsets.length));
      subsets.push(members);
    }
    return id;
  };
  intern([]); // state 0: dead
  const start = intern([nfa.start]);
  const rows: Int32Array[] = [];
  for (let state = 0; state < subsets.length; state++) {
    const buckets: Array<number[] | undefined> = new Array(classes.atoms.length);
    for (const member of subsets[state] as number[]) {
      for (const edge of outgoing[member] as number[]) {
        for (const cls of edgeClasses[edge] as number[]) (buckets[cls] ??= []).push((nfa.edges[edge] as { to: number }).to);
      }
    }
    rows.push(Int32Array.from(classes.atoms, (_, cls) => (buckets[cls] ? intern(buckets[cls] as number[]) : 0)));
  }
  return expand(alphabet, classes, rows, start, Uint8Array.from(subsets, (subset) => (subset.includes(nfa.accept) ? 1 : 0)));
}

/** For each NFA state (computed when first asked), the states that matter reachable from it without reading. */
function closures(nfa: Nfa, outgoing: readonly number[][]): Array<number[] | undefined> & { compute: (state: number) => number[] } {
  const next: number[][] = Array.from({ length: nfa.size }, () => []);
  for (const [from, to] of nfa.epsilons) next[from]?.push(to);
  const matters = (state: number) => state === nfa.accept || (outgoing[state] as number[]).length > 0;
  const compute = (from: number): number[] => {
    const seen = new Set<number>([from]);
    const stack = [from];
    while (stack.length > 0) {
      for (const to of next[stack.pop() as number] as number[]) {
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
      }
    }
    return [...seen].filter(matters);
  };
  return Object.assign(new Array<number[] | undefined>(nfa.size), { compute });
}

function expand(alphabet: Alphabet, classes: AtomClasses, rows: ReadonlyArray<ArrayLike<number>>, start: number, accepting: Uint8Array): Dfa {
  const k = alphabet.size;
  const delta = new Int32Array(rows.length * k);
  rows.forEach((row, state) => {
    for (let atom = 0; atom < k; atom++) delta[state * k + atom] = row[classes.of[atom] as number] as number;
  });
  return made(alphabet, classes, rows.length, start, delta, accepting);
}

/** Words the automaton refuses (within the universe: never a lone surrogate). */
export function complement(dfa: Dfa): Dfa {
  const k = dfa.alphabet.size;
  const invalid = invalidAtom(dfa.alphabet);
  const size = dfa.size + 1;
  const delta = new Int32Array(size * k);
  delta.set(dfa.delta);
  for (let atom = 0; atom < k; atom++) delta[dfa.size * k + atom] = dfa.size;
  if (invalid >= 0) for (let state = 0; state < size; state++) delta[state * k + invalid] = dfa.size;
  const accepting = new Uint8Array(size);
  for (let state = 0; state < dfa.size; state++) accepting[state] = dfa.accepting[state] ? 0 : 1;
  return trim(made(dfa.alphabet, invalid >= 0 ? ownClass(dfa.alphabet, dfa.classes, invalid) : dfa.classes, size, dfa.start, delta, accepting));
}

/** The classes with one atom split off into a class of its own. */
function ownClass(alphabet: Alphabet, classes: AtomClasses, atom: number): AtomClasses {
  const raw = Int32Array.from(classes.of);
  raw[atom] = classes.atoms.length;
  return renumbered(raw, alphabet.preference);
}

/** The atom of the surrogates, which no text holds. */
function invalidAtom(alphabet: Alphabet): number {
  for (let atom = 0; atom < alphabet.size; atom++) if (alphabet.starts[atom] === 0xd800) return atom;
  return -1;
}

/** Both (and) or either (or) of two automata over one alphabet. */
export function product(a: Dfa, b: Dfa, mode: 'and' | 'or'): Dfa {
  const k = a.alphabet.size;
  const classes = jointClasses(a.alphabet, [a.classes, b.classes]);
  const ids = new Map<number, number>();
  const pairs: Array<[number, number]> = [];
  const intern = (x: number, y: number): number => {
    const key = x * (b.size + 1) + y;
    let id = ids.get(key);
    if (id === undefined) {
      if (pairs.length >= MAX_DFA_STATES) throw new TooComplex(`a product of more than ${MAX_DFA_STATES} states`);
      ids.set(key, (id = pairs.length));
      pairs.push([x, y]);
    }
    return id;
  };
  const start = intern(a.start, b.start);
  const rows: Int32Array[] = [];
  for (let state = 0; state < pairs.length; state++) {
    const [x, y] = pairs[state] as [number, number];
    rows.push(Int32Array.from(classes.atoms, (atom) => intern(a.delta[x * k + atom] as number, b.delta[y * k + atom] as number)));
  }
  const accepting = Uint8Array.from(pairs, ([x, y]) => ((mode === 'and' ? a.accepting[x] && b.accepting[y] : a.accepting[x] || b.accepting[y]) ? 1 : 0));
  return trim(expand(a.alphabet, classes, rows, start, accepting));
}

/**
 * The same automaton over its reachable states, every state from which nothing is accepted
 * merged into one dead state (what products and complements leave behind most).
 */
export function trim(dfa: Dfa): Dfa {
  const k = dfa.alphabet.size;
  const reachable = reachableStates(dfa);
  const live = liveStates(dfa);
  const renamed = new Int32Array(dfa.size).fill(-1);
  let count = 1; // state 0: dead
  for (const state of reachable) if (live[state]) renamed[state] = count++;
  for (const state of reachable) if (!live[state]) renamed[state] = 0;
  const delta = new Int32Array(count * k);
  const accepting = new Uint8Array(count);
  for (const state of reachable) {
    const id = renamed[state] as number;
    if (id === 0) continue;
    accepting[id] = dfa.accepting[state] as number;
    for (let atom = 0; atom < k; atom++) delta[id * k + atom] = renamed[dfa.delta[state * k + atom] as number] as number;
  }
  return made(dfa.alphabet, dfa.classes, count, renamed[dfa.start] as number, delta, accepting);
}

function reachableStates(dfa: Dfa): number[] {
  const k = dfa.alphabet.size;
  const seen = new Uint8Array(dfa.size);
  const order = [dfa.start];
  seen[dfa.start] = 1;
  for (let i = 0; i < order.length; i++) {
    const state = order[i] as number;
    for (const atom of dfa.classes.atoms) {
      const to = dfa.delta[state * k + atom] as number;
      if (!seen[to]) {
        seen[to] = 1;
        order.push(to);
      }
    }
  }
  return order;
}

const liveCache = new WeakMap<Dfa, Uint8Array>();

/** States from which some word is accepted. */
export function liveStates(dfa: Dfa): Uint8Array {
  const cached = liveCache.get(dfa);
  if (cached) return cached;
  const k = dfa.alphabet.size;
  const incoming: number[][] = Array.from({ length: dfa.size }, () => []);
  for (let state = 0; state < dfa.size; state++) for (const atom of atomClasses(dfa).atoms) incoming[dfa.delta[state * k + atom] as number]?.push(state);
  const live = new Uint8Array(dfa.size);
  const stack: number[] = [];
  for (let state = 0; state < dfa.size; state++) if (dfa.accepting[state]) (live[state] = 1), stack.push(state);
  while (stack.length > 0) {
    for (const from of incoming[stack.pop() as number] as number[]) if (!live[from]) (live[from] = 1), stack.push(from);
  }
  liveCache.set(dfa, live);
  return live;
}

export function isEmpty(dfa: Dfa): boolean {
  return !liveStates(dfa)[dfa.start];
}

/** The state a text leads to from `from`, or -1 for a character outside the universe. */
export function run(dfa: Dfa, text: string, from = dfa.start): number {
  const atoms = atomsOfText(dfa.alphabet, text);
  if (atoms === undefined) return -1;
  let state = from;
  for (const atom of atoms) state = dfa.delta[state * dfa.alphabet.size + atom] as number;
  return state;
}

export function accepts(dfa: Dfa, text: string): boolean {
  const state = run(dfa, text);
  return state >= 0 && dfa.accepting[state] === 1;
}

/** A shortest accepted word, in the alphabet's readable characters; undefined when there is none. */
export function shortestWord(dfa: Dfa): string | undefined {
  if (isEmpty(dfa)) return undefined;
  const k = dfa.alphabet.size;
  const back = new Map<number, [number, number]>([[dfa.start, [-1, -1]]]);
  const queue = [dfa.start];
  for (let i = 0; i < queue.length; i++) {
    const state = queue[i] as number;
    if (dfa.accepting[state]) return spell(dfa.alphabet, back, state);
    for (const atom of atomClasses(dfa).atoms) {
      const to = dfa.delta[state * k + atom] as number;
      if (!back.has(to)) {
        back.set(to, [state, atom]);
        queue.push(to);
      }
    }
  }
  return undefined;
}

function spell(alphabet: Alphabet, back: ReadonlyMap<number, readonly [number, number]>, end: number): string {
  const atoms: number[] = [];
  for (let state = end; ; ) {
    const [previous, atom] = back.get(state) as readonly [number, number];
    if (previous < 0) break;
    atoms.push(atom);
    state = previous;
  }
  return atoms.reverse().map((atom) => alphabet.representatives[atom] as string).join('');
}
