// The Condition element of the STS double's trust-policy evaluator, as IAM documents it:
// string operators and their negations, Bool, Null, the IfExists suffix, the ForAnyValue: and
// ForAllValues: set prefixes, missing keys, and policy variables (`${key}`, `${*}`, `${?}`,
// `${$}`). Written apart from src/ on purpose: a property test compares the two evaluators.
// Parsing throws UnsupportedPolicy for anything it does not know, so callers fail closed.

export type ConditionValue = string | number | boolean;
export type ConditionValues = ConditionValue | ConditionValue[];
export type ConditionBlock = Record<string, ConditionValues>;

/** The request's condition keys, lower-cased (IAM key names are case-insensitive), with their values. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

/** A policy the evaluator does not understand; the caller refuses the request. */
export class UnsupportedPolicy extends Error {}

type Base =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'Bool'
  | 'Null';

/** A run of literal text, or a wildcard of StringLike (`*` any run, `?` one character). */
type Piece = { readonly text: string } | { readonly wildcard: '*' | '?' };
/** A policy variable to resolve from the request: `${key}` or `${key, 'default'}`. */
type Variable = { readonly variable: string; readonly fallback: string | undefined };
type Token = Piece | Variable;

export interface Condition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  /** The condition key as written. */
  readonly key: string;
  /** The policy's values as written, for messages. */
  readonly written: ConditionValues;
  readonly base: Base;
  readonly set: 'ForAnyValue' | 'ForAllValues' | undefined;
  readonly ifExists: boolean;
  /** Each value, parsed. */
  readonly values: readonly (readonly Token[])[];
}

export type ConditionOutcome = { kind: 'holds' } | { kind: 'fails'; why: string } | { kind: 'undecided'; why: string };

const OPERATOR = /^(?:(ForAnyValue|ForAllValues):)?(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase|StringLike|StringNotLike|Bool|Null)(IfExists)?$/;
const NEGATED: ReadonlySet<Base> = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike']);
const LIKE: ReadonlySet<Base> = new Set(['StringLike', 'StringNotLike']);

/**
 * The Condition element as a flat list (operators AND, keys AND). `variables` is true for
 * policies of Version 2012-10-17; in older ones IAM reads `${...}` as literal text.
 */
export function parseConditions(element: unknown, variables: boolean): Condition[] {
  if (element === undefined) return [];
  const operators = plainObject(element, 'Condition');
  const conditions: Condition[] = [];
  for (const [operator, block] of Object.entries(operators)) {
    const match = OPERATOR.exec(operator);
    if (!match) throw new UnsupportedPolicy(`condition operator "${operator}" is not supported`);
    const set = match[1] as Condition['set'];
    const base = match[2] as Base;
    const ifExists = match[3] !== undefined;
    if (base === 'Null' && (set || ifExists)) throw new UnsupportedPolicy(`"${operator}": Null takes neither IfExists nor a set prefix`);
    if (base === 'Bool' && set) throw new UnsupportedPolicy(`"${operator}": Bool takes no set prefix`);
    const keys = Object.entries(plainObject(block, operator));
    if (keys.length === 0) throw new UnsupportedPolicy(`"${operator}" has no condition keys`);
    for (const [key, written] of keys) {
      const texts = valueTexts(written, `${operator} "${key}"`);
      const values = texts.map((text) => parseValue(text, base, variables && base.startsWith('String'), `${operator} "${key}"`));
      conditions.push({ operator, key, written: written as ConditionValues, base, set, ifExists, values });
    }
  }
  return conditions;
}

function plainObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnsupportedPolicy(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** IAM takes a value or a non-empty list of them; numbers and booleans count as their text. */
function valueTexts(written: unknown, what: string): string[] {
  const list = Array.isArray(written) ? written : [written];
  if (list.length === 0) throw new UnsupportedPolicy(`${what} has an empty list of values`);
  return list.map((value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
    throw new UnsupportedPolicy(`${what} has a value that is not a string, number or boolean`);
  });
}

function parseValue(text: string, base: Base, variables: boolean, what: string): Token[] {
  if (base === 'Bool' || base === 'Null') {
    if (!/^(true|false)$/i.test(text)) throw new UnsupportedPolicy(`${what}: ${base} takes "true" or "false", not ${JSON.stringify(text)}`);
    return [{ text: text.toLowerCase() }];
  }
  return variables ? tokens(text, what) : [...text].map(literalOrWildcard);
}

function literalOrWildcard(c: string): Piece {
  return c === '*' || c === '?' ? { wildcard: c } : { text: c };
}

/** Splits a value of a 2012-10-17 policy into text, wildcards and `${...}` variables. */
function tokens(text: string, what: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (!text.startsWith('${', i)) {
      out.push(literalOrWildcard(text[i] as string));
      i += 1;
      continue;
    }
    const end = variableEnd(text, i + 2);
    if (end < 0) throw new UnsupportedPolicy(`${what}: unterminated policy variable in ${JSON.stringify(text)}`);
    out.push(variable(text.slice(i + 2, end), what));
    i = end + 1;
  }
  return out;
}

/** The index of the `}` closing a variable, skipping braces inside a quoted default. */
function variableEnd(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === "'") quoted = !quoted;
    else if (text[i] === '}' && !quoted) return i;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' };
// `${key}` or `${key, 'default'}`; a quote inside the default is written twice.
const VARIABLE = /^\s*([^\s,'{}$]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$/;

function variable(inner: string, what: string): Token {
  const escaped = ESCAPES[inner];
  if (escaped !== undefined) return { text: escaped };
  const match = VARIABLE.exec(inner);
  if (!match) throw new UnsupportedPolicy(`${what}: policy variable \${${inner}} is not understood`);
  return { variable: match[1] as string, fallback: match[2]?.replaceAll("''", "'") };
}

// --- Evaluation ----------------------------------------------------------------------------------

/** Whether one key of one operator holds for the request; undecided when a variable cannot be resolved. */
export function checkCondition(condition: Condition, context: RequestContext): ConditionOutcome {
  const actual = context.get(condition.key.toLowerCase());
  const wanted: Piece[][] = [];
  for (const value of condition.values) {
    const resolved = resolve(value, context, LIKE.has(condition.base));
    if (typeof resolved === 'string') return { kind: 'undecided', why: `${describe(condition)} cannot be decided: ${resolved}` };
    wanted.push(resolved);
  }
  const holds = condition.base === 'Null' ? nullHolds(wanted, actual) : setHolds(condition, actual, matcher(condition.base, wanted));
  if (holds) return { kind: 'holds' };
  const got = actual === undefined || actual.length === 0 ? 'key not present in request' : `got ${JSON.stringify(actual.length === 1 ? actual[0] : actual)}`;
  return { kind: 'fails', why: `${describe(condition)} failed: ${got}, policy has ${JSON.stringify(condition.written)}` };
}

function describe(condition: Condition): string {
  return `${condition.operator} on "${condition.key}"`;
}

/** The value's pieces with its variables replaced, or why they cannot be (IAM then drops the statement). */
function resolve(value: readonly Token[], context: RequestContext, like: boolean): Piece[] | string {
  const pieces: Piece[] = [];
  for (const token of value) {
    if (!('variable' in token)) {
      pieces.push(token);
      continue;
    }
    const values = context.get(token.variable.toLowerCase());
    const text = values?.length === 1 ? values[0] : token.fallback;
    if (text === undefined) {
      return values && values.length > 1
        ? `\${${token.variable}} has several values`
        : `\${${token.variable}} is not in the request`;
    }
    // Whether IAM reads * and ? in a substituted value as wildcards is not documented.
    if (like && /[*?]/.test(text)) return `the value of \${${token.variable}} holds a wildcard character`;
    pieces.push({ text });
  }
  return pieces;
}

/** Null: "true" holds when the key is absent, "false" when it is present. */
function nullHolds(wanted: Piece[][], actual: readonly string[] | undefined): boolean {
  const absent = actual === undefined || actual.length === 0;
  return wanted.some((pieces) => (plainText(pieces) === 'true') === absent);
}

/**
 * Single-valued: a missing key fails a positive operator and satisfies a negated one (or
 * IfExists). ForAllValues holds for an empty set; ForAnyValue fails on one (unless IfExists).
 * Values in the policy OR; a negated operator holds when no request value matches any of them.
 */
function setHolds(condition: Condition, actual: readonly string[] | undefined, matches: (value: string) => boolean): boolean {
  const negated = NEGATED.has(condition.base);
  const passes = (value: string) => matches(value) !== negated;
  const values = actual ?? [];
  // IAM's "empty data set (for example, an empty string)".
  const emptySet = values.every((value) => value === '');
  if (condition.set === 'ForAllValues') return emptySet || values.every(passes);
  if (condition.set === 'ForAnyValue') return emptySet ? condition.ifExists : values.some(passes);
  if (values.length === 0) return condition.ifExists || negated;
  return negated ? values.every(passes) : values.some(passes);
}

/** Whether a request value matches any of the policy's values under the operator. */
function matcher(base: Base, wanted: Piece[][]): (value: string) => boolean {
  switch (base) {
    case 'StringLike':
    case 'StringNotLike': {
      const patterns = wanted.map(likePattern);
      return (value) => patterns.some((pattern) => pattern.test(value));
    }
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase': {
      const texts = wanted.map((pieces) => foldCase(plainText(pieces)));
      return (value) => texts.includes(foldCase(value));
    }
    case 'Bool': {
      const texts = wanted.map(plainText);
      return (value) => texts.includes(value.toLowerCase());
    }
    default: {
      const texts = wanted.map(plainText);
      return (value) => texts.includes(value);
    }
  }
}

/** Outside StringLike, `*` and `?` are plain characters. */
function plainText(pieces: readonly Piece[]): string {
  return pieces.map((piece) => ('text' in piece ? piece.text : piece.wildcard)).join('');
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

/** Anchored; `*` any run of characters (crossing `/` and `:`), `?` exactly one. */
function likePattern(pieces: readonly Piece[]): RegExp {
  const body = pieces
    .map((piece) => ('text' in piece ? escapeRegExp(piece.text) : piece.wildcard === '*' ? '[^]*' : '[^]'))
    .join('');
  return new RegExp(`^${body}$`, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
