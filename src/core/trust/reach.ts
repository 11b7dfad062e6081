// One field of a token against the automata of the claims that hold it: every tuple of end
// states a value of the field can lead them to (a breadth-first walk of their product with the
// field's grammar), one such value for each (the example where it fits, else a shortest), and
// whether many values lead there — more than a policy would name one by one, the test for a
// field a stranger can be given a value of (solve.ts asks this for pins).
import type { Shape, TokenGrammar } from './grammar/grammar.js';
import type { Alphabet } from './lang/alphabet.js';
import { jointClasses, liveStates, run, type AtomClasses, type Dfa } from './lang/dfa.js';
import { toDfa } from './lang/lang.js';

/** A grammar over one alphabet, with the caches its searches share. */
export interface Session {
  readonly grammar: TokenGrammar;
  readonly alphabet: Alphabet;
  readonly reaches: Map<string, Reach[]>;
  readonly orders: Map<Shape, string[]>;
}

export function openSession(grammar: TokenGrammar, alphabet: Alphabet): Session {
  return { grammar, alphabet, reaches: new Map(), orders: new Map() };
}

export interface Reach {
  readonly ends: readonly number[];
  readonly word: string;
  /** More than MANY_VALUES values lead there (a field a stranger can be given a value of). */
  readonly many: boolean;
}

/**
 * More values than a policy would name one by one: such a field is not pinned. Ids of a fixed
 * length (UUIDs) are finitely many, so "infinitely many" would not do.
 */
export const MANY_VALUES = 10_000;

export function reachFor(session: Session, field: string, dfas: readonly Dfa[], starts: readonly number[], wantInfinite: boolean): Reach[] {
  const key = `${field}|${dfas.map((dfa) => dfa.id).join(',')}|${starts.join(',')}|${wantInfinite}`;
  let found = session.reaches.get(key);
  if (!found) {
    found = productReach(session, field, dfas, starts, wantInfinite);
    session.reaches.set(key, found);
  }
  return found;
}

/** Every tuple of end states a value of the field can lead the claims' automata to, with one such value. */
function productReach(session: Session, field: string, dfas: readonly Dfa[], starts: readonly number[], wantInfinite: boolean): Reach[] {
  const spec = session.grammar.fields[field] as TokenGrammar['fields'][string];
  const grammar = toDfa(spec.lang, session.alphabet);
  const all = [grammar, ...dfas];
  const lives = all.map(liveStates);
  const k = session.alphabet.size;
  const joint = productClasses(all);
  const classes = joint.atoms;
  const weight = wantInfinite ? classWeights(session.alphabet, joint) : () => 0;
  const nodes: number[][] = [[grammar.start, ...starts]];
  if (nodes[0]?.some((state, d) => !lives[d]?.[state])) return [];
  const keyOf = tupleKey(all);
  const index = new Map<number | string, number>([[keyOf(nodes[0] as number[]), 0]]);
  const parent: Array<[number, number]> = [[-1, -1]];
  const edges: number[][] = [];
  const width = all.length;
  const next = new Array<number>(width);
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n] as number[];
    const out: number[] = [];
    for (const atom of classes) {
      let alive = true;
      for (let d = 0; d < width && alive; d++) {
        const state = (all[d] as Dfa).delta[(node[d] as number) * k + atom] as number;
        next[d] = state;
        alive = (lives[d] as Uint8Array)[state] === 1;
      }
      if (!alive) continue;
      const id = keyOf(next);
      let to = index.get(id);
      if (to === undefined) {
        index.set(id, (to = nodes.length));
        nodes.push([...next]);
        parent.push([n, atom]);
      }
      if (wantInfinite) out.push(to, weight(atom));
    }
    if (wantInfinite) edges.push(out);
  }
  const preferred = wantInfinite ? (spec.stranger ?? spec.example) : spec.example;
  const exampleNode = index.get(keyOf(all.map((dfa, d) => run(dfa, preferred, (nodes[0] as number[])[d]))));
  return collectEnds(session, preferred, exampleNode, all, nodes, parent, wantInfinite ? edges : undefined);
}

/** How many characters each class of atoms holds, by one atom of the class. */
function classWeights(alphabet: Alphabet, classes: AtomClasses): (atom: number) => number {
  const sizes = new Array<number>(classes.atoms.length).fill(0);
  for (let atom = 0; atom < alphabet.size; atom++) {
    const start = alphabet.starts[atom] as number;
    if (start === 0xd800) continue; // the surrogates: no text holds them
    const cls = classes.of[atom] as number;
    sizes[cls] = (sizes[cls] as number) + (alphabet.starts[atom + 1] as number) - start;
  }
  return (atom) => sizes[classes.of[atom] as number] as number;
}

/** A tuple of states as one number (mixed radix) when that stays exact, else as text. */
function tupleKey(dfas: readonly Dfa[]): (tuple: readonly number[]) => number | string {
  const exact = dfas.reduce((product, dfa) => product * (dfa.size + 1), 1) < 2 ** 52;
  if (!exact) return (tuple) => tuple.join(',');
  return (tuple) => {
    let key = 0;
    for (let d = 0; d < tuple.length; d++) key = key * ((dfas[d] as Dfa).size + 1) + (tuple[d] as number) + 1;
    return key;
  };
}

function collectEnds(
  session: Session, example: string, exampleNode: number | undefined, all: readonly Dfa[], nodes: readonly number[][],
  parent: ReadonlyArray<readonly [number, number]>, edges: readonly number[][] | undefined,
): Reach[] {
  const grammar = all[0] as Dfa;
  const byEnds = new Map<string, number[]>();
  nodes.forEach((node, n) => {
    if (!grammar.accepting[node[0] as number]) return;
    const ends = node.slice(1).join(',');
    (byEnds.get(ends) ?? byEnds.set(ends, []).get(ends))?.push(n);
  });
  const reaches: Reach[] = [];
  for (const [ends, finals] of byEnds) {
    const useExample = exampleNode !== undefined && finals.includes(exampleNode);
    const word = useExample ? example : spell(session.alphabet, parent, finals[0] as number);
    reaches.push({ ends: ends === '' ? [] : ends.split(',').map(Number), word, many: edges ? manyWordsTo(edges, finals) : false });
  }
  // The example's ends first: counterexamples then look like real tokens where they can.
  return reaches.sort((a, b) => Number(b.word === example) - Number(a.word === example));
}

function spell(alphabet: Alphabet, parent: ReadonlyArray<readonly [number, number]>, end: number): string {
  const chars: string[] = [];
  for (let n = end; (parent[n] as readonly [number, number])[0] >= 0; n = (parent[n] as readonly [number, number])[0]) chars.push(alphabet.representatives[(parent[n] as readonly [number, number])[1]] as string);
  return chars.reverse().join('');
}

/**
 * Whether more than MANY_VALUES words lead from node 0 to one of `finals`: a cycle on the way
 * (infinitely many), or more paths, each edge counting the characters of its class. `edges`
 * holds, per node, pairs (to, characters).
 */
function manyWordsTo(edges: readonly number[][], finals: readonly number[]): boolean {
  const reverse: number[][] = edges.map(() => []);
  edges.forEach((out, from) => {
    for (let e = 0; e < out.length; e += 2) reverse[out[e] as number]?.push(from);
  });
  const keep = new Uint8Array(edges.length);
  const stack = [...finals];
  for (const n of finals) keep[n] = 1;
  while (stack.length > 0) for (const from of reverse[stack.pop() as number] as number[]) if (!keep[from]) (keep[from] = 1), stack.push(from);
  const order = topological(edges, keep);
  if (!order) return true;
  const isFinal = new Uint8Array(edges.length);
  for (const n of finals) isFinal[n] = 1;
  const count = new Float64Array(edges.length);
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i] as number;
    let total = isFinal[n] as number;
    const out = edges[n] as number[];
    for (let e = 0; e < out.length; e += 2) if (keep[out[e] as number]) total += (out[e + 1] as number) * (count[out[e] as number] as number);
    count[n] = Math.min(total, MANY_VALUES + 1);
  }
  return (count[0] as number) > MANY_VALUES;
}

/** The kept nodes in an order where every edge goes forward, or undefined when they hold a cycle (Kahn). */
function topological(edges: readonly number[][], keep: Uint8Array): number[] | undefined {
  const indegree = new Int32Array(edges.length);
  let kept = 0;
  edges.forEach((out, from) => {
    if (!keep[from]) return;
    kept++;
    for (let e = 0; e < out.length; e += 2) if (keep[out[e] as number]) indegree[out[e] as number] = (indegree[out[e] as number] as number) + 1;
  });
  const queue: number[] = [];
  for (let n = 0; n < edges.length; n++) if (keep[n] && indegree[n] === 0) queue.push(n);
  const order: number[] = [];
  while (queue.length > 0) {
    const n = queue.shift() as number;
    order.push(n);
    const out = edges[n] as number[];
    for (let e = 0; e < out.length; e += 2) {
      const to = out[e] as number;
      if (!keep[to]) continue;
      indegree[to] = (indegree[to] as number) - 1;
      if (indegree[to] === 0) queue.push(to);
    }
  }
  return order.length === kept ? order : undefined;
}

const classCache = new Map<string, AtomClasses>();
const classIds = new WeakMap<AtomClasses, number>();
let nextClassId = 1;

function idOf(classes: AtomClasses): number {
  let id = classIds.get(classes);
  if (id === undefined) classIds.set(classes, (id = nextClassId++));
  return id;
}

/** The classes telling apart what both tell apart (cached per pair). */
function joint(alphabet: Alphabet, a: AtomClasses, b: AtomClasses): AtomClasses {
  const key = `${idOf(a)}|${idOf(b)}`;
  let found = classCache.get(key);
  if (!found) {
    if (classCache.size > 50_000) classCache.clear();
    found = jointClasses(alphabet, [a, b]);
    classCache.set(key, found);
  }
  return found;
}

/** The classes of atoms the automata all move alike on (one atom of each leads, in the alphabet's order of preference). */
function productClasses(dfas: readonly Dfa[]): AtomClasses {
  const alphabet = (dfas[0] as Dfa).alphabet;
  return dfas.slice(1).reduce((classes, dfa) => joint(alphabet, classes, dfa.classes), (dfas[0] as Dfa).classes);
}
