// Is there a token of the grammar whose claims meet given constraints, and which? Each
// constraint is an automaton a claim's value must be accepted by (or the claim may be
// missing). Claims share fields (the owner is in `sub` and in `repository`), so the search
// goes field by field in the order every template follows, tracking each constrained claim's
// automaton state; for one field it explores the product of the field's grammar with the
// automata of the claims that hold it, and moves on with each reachable tuple of end states.
// The answer is exact: a token when one exists (with the shortest or the example value of
// each field), none when none does.
import { liveStates, run, type Dfa } from './lang/dfa.js';
import { reachFor, type Session } from './reach.js';
import { claimsOf, fieldOrder, fieldsOf, type Shape, type Template, type TokenGrammar } from './grammar/grammar.js';

export interface Constraint {
  /** A present value must be accepted by each of these automata. */
  readonly dfas: readonly Dfa[];
  /** Whether the claim may be missing. */
  readonly missing: boolean;
}

export interface Witness {
  readonly shape: Shape;
  /** Each field's value; undefined for an absent optional field. */
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly claims: Readonly<Record<string, string>>;
}

export { MANY_VALUES, openSession, type Session } from './reach.js';


interface Active {
  readonly claim: string;
  readonly template: Template;
  readonly fields: readonly string[];
  /** The literal text before the first field (0) and after each field (i + 1). */
  readonly texts: readonly string[];
  /** Where each literal text leads from a state, as computed. */
  readonly runs: ReadonlyArray<Map<number, number>>;
  readonly dfa: Dfa;
  readonly missing: boolean;
}

function literalTexts(template: Template): string[] {
  const texts = [''];
  for (const part of template) {
    if ('field' in part) texts.push('');
    else texts[texts.length - 1] += part.text;
  }
  return texts;
}

/**
 * A token that meets every constraint, or undefined. With `infinite`, only tokens where each
 * of those fields could take more than MANY_VALUES values (or be absent) along the same path
 * count: the question "can a stranger have these?".
 */
export function solve(session: Session, constraints: ReadonlyMap<string, Constraint>, infinite: ReadonlySet<string> = new Set()): Witness | undefined {
  for (const shape of session.grammar.shapes) {
    const found = solveShape(session, shape, constraints, infinite);
    if (found) return found;
  }
  return undefined;
}

function solveShape(session: Session, shape: Shape, constraints: ReadonlyMap<string, Constraint>, infinite: ReadonlySet<string>): Witness | undefined {
  const active: Active[] = [];
  for (const [claim, constraint] of constraints) {
    const template = shape.claims[claim];
    if (template === undefined || template === null) {
      if (!constraint.missing) return undefined;
      continue;
    }
    const fields = fieldsOf(template);
    const texts = literalTexts(template);
    for (const dfa of constraint.dfas) active.push({ claim, template, fields, texts, runs: texts.map(() => new Map()), dfa, missing: constraint.missing });
  }
  let order = session.orders.get(shape);
  if (!order) session.orders.set(shape, (order = fieldOrder(shape)));
  const fields = order.filter((field) => active.some((item) => item.fields.includes(field)));
  // A claim no value satisfies may still be met by its absence (an optional field alone in the claim).
  const states = active.map((item) => {
    const state = advance(item, -1, item.dfa.start);
    return state < 0 && canBeMissing(session, item) ? ONLY_MISSING : state;
  });
  if (states.some((state) => state === -1)) return undefined;
  // A claim without fields is decided now: its literal text is accepted or not.
  for (let k = 0; k < active.length; k++) {
    if ((active[k] as Active).fields.length > 0) continue;
    if (!(active[k] as Active).dfa.accepting[states[k] as number]) return undefined;
    states[k] = DONE;
  }
  const search = new Search(session, active, fields, infinite);
  const chosen = search.from(0, states);
  if (!chosen) return undefined;
  const values: Record<string, string | undefined> = {};
  for (const [field, spec] of Object.entries(session.grammar.fields)) {
    values[field] = field in chosen ? chosen[field] : spec.absentByDefault ? undefined : infinite.has(field) ? (spec.stranger ?? spec.example) : spec.example;
  }
  return { shape, values, claims: claimsOf(shape, values) };
}

/** The state after the literal text that follows the template's `index`-th field (-1: before the first), or -1 when dead. */
function advance(item: Active, index: number, state: number): number {
  const cache = item.runs[index + 1] as Map<number, number>;
  let next = cache.get(state);
  if (next === undefined) {
    const reached = run(item.dfa, item.texts[index + 1] as string, state);
    next = reached >= 0 && liveStates(item.dfa)[reached] ? reached : -1;
    cache.set(state, next);
  }
  return next;
}

/** A claim whose fields are all chosen and whose automaton accepted: its state no longer matters. */
const DONE = -3;
/** A claim made missing by an absent optional field. */
const MISSING = -2;
/** A claim that holds only when missing: its field must be absent. */
const ONLY_MISSING = -4;

/** Whether the claim may be met by its absence: a lone optional field, and a constraint that holds for a missing claim. */
function canBeMissing(session: Session, item: Active): boolean {
  const part = item.template[0];
  return item.missing && item.template.length === 1 && part !== undefined && 'field' in part && session.grammar.fields[part.field]?.optional === true;
}

class Search {
  private readonly failed = new Set<string>();
  private readonly session: Session;
  private readonly active: readonly Active[];
  private readonly fields: readonly string[];
  private readonly infinite: ReadonlySet<string>;

  private readonly holders: ReadonlyArray<ReadonlyArray<{ item: Active; k: number; index: number }>>;

  constructor(session: Session, active: readonly Active[], fields: readonly string[], infinite: ReadonlySet<string>) {
    this.session = session;
    this.active = active;
    this.fields = fields;
    this.infinite = infinite;
    this.holders = fields.map((field) => active.map((item, k) => ({ item, k, index: item.fields.indexOf(field) })).filter(({ index }) => index >= 0));
  }

  /**
   * Values for fields[i…] from these claim states, or undefined. A claim's state becomes DONE
   * once its last field is chosen and its automaton accepts, so that claims already decided do
   * not tell apart configurations (and fields that share no claim do not multiply the search).
   */
  from(i: number, states: readonly number[]): Record<string, string | undefined> | undefined {
    if (i === this.fields.length) return {};
    const key = `${i}|${states.join(',')}`;
    if (this.failed.has(key)) return undefined;
    const field = this.fields[i] as string;
    for (const option of this.options(field, this.holders[i] as ReadonlyArray<{ item: Active; k: number; index: number }>, states)) {
      const rest = this.from(i + 1, option.states);
      if (rest) return { [field]: option.value, ...rest };
    }
    this.failed.add(key);
    return undefined;
  }

  private *options(field: string, holders: ReadonlyArray<{ item: Active; k: number; index: number }>, states: readonly number[]): Generator<{ value: string | undefined; states: number[] }> {
    const spec = this.session.grammar.fields[field];
    if (!spec) return;
    const onlyMissing = holders.some(({ k }) => states[k] === ONLY_MISSING);
    const reaches = onlyMissing ? [] : reachFor(this.session, field, holders.map(({ item }) => item.dfa), holders.map(({ k }) => states[k] as number), this.infinite.has(field));
    const yielded = new Set<string>();
    for (const reach of reaches) {
      if (this.infinite.has(field) && !reach.many) continue;
      const next = [...states];
      let alive = true;
      holders.forEach(({ item, k, index }, h) => {
        next[k] = advance(item, index, reach.ends[h] as number);
        if (next[k] < 0) alive = false;
        else if (index === item.fields.length - 1) next[k] = item.dfa.accepting[next[k] as number] ? DONE : ((alive = false), -1);
      });
      const key = next.join(',');
      if (alive && !yielded.has(key)) {
        yielded.add(key);
        yield { value: reach.word, states: next };
      }
    }
    const alone = holders.every(({ item }) => item.template.length === 1 && item.missing);
    if (spec.optional && alone) {
      const next = [...states];
      for (const { k } of holders) next[k] = MISSING;
      yield { value: undefined, states: next };
    }
  }
}
