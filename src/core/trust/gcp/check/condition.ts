// A provider's attribute condition as formulas over the token's claims. CEL has three
// outcomes (true, false, an error: a missing claim, a call on the wrong type), and Google
// admits a token only when the condition is true; so each boolean part is read as two
// formulas, when it is true and when it is false (an error is neither). `a && b` is true when
// both are and false when either is (CEL's && and || absorb an error on the other side);
// `!a` swaps them. Attributes whose mapping is a plain claim stand for that claim. Everything
// else — other functions, arithmetic, a claim of no modelled string value, a pattern RE2
// syntax claimcheck does not read — is an unknown part, named by its source text.
import { anything, literal, seq } from '../../lang/nfa.js';
import { ANY_TEXT, fromNfa, NO_TEXT, not, or, type Lang } from '../../lang/lang.js';
import type { CelNode, Parsed } from './cel-node.js';
import { all, any, FALSE, lit, TRUE, unknown, type Formula } from './formula.js';
import { re2Lang } from './re2-lang.js';

export interface Outcome {
  readonly whenTrue: Formula;
  readonly whenFalse: Formula;
}

export interface Scope {
  /** Claims whose values the issuer's grammar models (all strings). */
  readonly modelled: ReadonlySet<string>;
  /** The provider's attribute mapping, each expression parsed. */
  readonly mapping: Readonly<Record<string, Parsed>>;
}

type ClaimRef = { readonly claim: string } | { readonly unknown: string };

const undecided = (why: string): Outcome => ({ whenTrue: unknown(why), whenFalse: unknown(why) });

/** `assertion.x` or `assertion["x"]`: the claim's name. */
export function plainClaim(node: CelNode): string | undefined {
  if (node.kind === 'select' && !node.test && node.operand.kind === 'ident' && node.operand.name === 'assertion') return node.field;
  if (node.kind === 'call' && node.fn === '_[_]' && node.target === undefined) {
    const [map, key] = node.args;
    if (map?.kind === 'ident' && map.name === 'assertion' && key?.kind === 'const' && typeof key.value === 'string') return key.value;
  }
  return undefined;
}

/** The mapped attribute a node names: `attribute.x`, `attribute["x"]`, `google.subject`. */
function attributeName(node: CelNode): string | undefined {
  if (node.kind === 'select' && !node.test && node.operand.kind === 'ident' && (node.operand.name === 'attribute' || node.operand.name === 'google')) return `${node.operand.name}.${node.field}`;
  if (node.kind === 'call' && node.fn === '_[_]' && node.target === undefined) {
    const [map, key] = node.args;
    if (map?.kind === 'ident' && (map.name === 'attribute' || map.name === 'google') && key?.kind === 'const' && typeof key.value === 'string') return `${map.name}.${key.value}`;
  }
  return undefined;
}

function claimRef(node: CelNode, scope: Scope): ClaimRef {
  let claim = plainClaim(node);
  const attribute = attributeName(node);
  if (claim === undefined && attribute !== undefined) {
    const mapped = scope.mapping[attribute];
    if (mapped === undefined) return { unknown: `${node.text}: ${attribute} is not in the attribute mapping` };
    claim = 'node' in mapped ? plainClaim(mapped.node) : undefined;
    if (claim === undefined) return { unknown: `${node.text}: ${attribute} is mapped from an expression, not a plain claim` };
  }
  if (claim === undefined) return { unknown: `${node.text}: not a claim of the token` };
  if (!scope.modelled.has(claim)) return { unknown: `${node.text}: claimcheck does not model the values the issuer gives ${claim}` };
  return { claim };
}

const stringOf = (node: CelNode | undefined): string | undefined => (node?.kind === 'const' && typeof node.value === 'string' ? node.value : undefined);

/** The claim holds a value in `lang` (true), or one outside it (false); missing: an error. */
function valueIn(ref: ClaimRef, lang: Lang): Outcome {
  if ('unknown' in ref) return undecided(ref.unknown);
  return { whenTrue: lit(ref.claim, { langs: [lang], missing: false }), whenFalse: lit(ref.claim, { langs: [not(lang)], missing: false }) };
}

/** The claim is present (true) or missing (false): has(), `"x" in assertion`. */
function presence(claim: string, scope: Scope, text: string): Outcome {
  if (!scope.modelled.has(claim)) return undecided(`${text}: claimcheck does not model whether the issuer gives ${claim}`);
  return { whenTrue: lit(claim, { langs: [ANY_TEXT], missing: false }), whenFalse: lit(claim, { langs: [NO_TEXT], missing: true }) };
}

const STRING_TESTS: Readonly<Record<string, (text: string) => Lang>> = {
  startsWith: (text) => fromNfa(seq(literal(text), anything())),
  endsWith: (text) => fromNfa(seq(anything(), literal(text))),
  contains: (text) => fromNfa(seq(anything(), literal(text), anything())),
};

function comparison(node: Extract<CelNode, { kind: 'call' }>, scope: Scope): Outcome | undefined {
  const [left, right] = node.args;
  if (!left || !right) return undefined;
  const [ref, value] = stringOf(right) !== undefined ? [left, stringOf(right)] : [right, stringOf(left)];
  if (value === undefined) return undefined;
  const outcome = valueIn(claimRef(ref, scope), fromNfa(literal(value)));
  return node.fn === '_==_' ? outcome : { whenTrue: outcome.whenFalse, whenFalse: outcome.whenTrue };
}

function membership(node: Extract<CelNode, { kind: 'call' }>, scope: Scope): Outcome | undefined {
  const [item, collection] = node.args;
  if (item?.kind === 'const' && typeof item.value === 'string' && collection?.kind === 'ident' && collection.name === 'assertion') return presence(item.value, scope, node.text);
  if (!item || collection?.kind !== 'list') return undefined;
  const values = collection.elements.map(stringOf);
  if (values.some((value) => value === undefined)) return undefined;
  return valueIn(claimRef(item, scope), or(NO_TEXT, ...values.map((value) => fromNfa(literal(value as string)))));
}

function stringTest(node: Extract<CelNode, { kind: 'call' }>, scope: Scope): Outcome | undefined {
  const [subject, argument] = node.target ? [node.target, node.args[0]] : node.fn === 'matches' ? [node.args[0], node.args[1]] : [undefined, undefined];
  const text = stringOf(argument);
  if (!subject || text === undefined || node.args.length !== (node.target ? 1 : 2)) return undefined;
  if (node.fn === 'matches') {
    const pattern = re2Lang(text);
    return 'lang' in pattern ? valueIn(claimRef(subject, scope), pattern.lang) : undecided(`${node.text}: ${pattern.unsupported}`);
  }
  const build = STRING_TESTS[node.fn];
  return build && node.target ? valueIn(claimRef(subject, scope), build(text)) : undefined;
}

function logic(node: Extract<CelNode, { kind: 'call' }>, scope: Scope): Outcome | undefined {
  const parts = node.args.map((arg) => condition(arg, scope));
  const [a, b, c] = parts;
  switch (node.fn) {
    case '_&&_':
      return { whenTrue: all(...parts.map((part) => part.whenTrue)), whenFalse: any(...parts.map((part) => part.whenFalse)) };
    case '_||_':
      return { whenTrue: any(...parts.map((part) => part.whenTrue)), whenFalse: all(...parts.map((part) => part.whenFalse)) };
    case '!_':
      return a && parts.length === 1 ? { whenTrue: a.whenFalse, whenFalse: a.whenTrue } : undefined;
    case '_?_:_':
      if (!a || !b || !c) return undefined;
      return { whenTrue: any(all(a.whenTrue, b.whenTrue), all(a.whenFalse, c.whenTrue)), whenFalse: any(all(a.whenTrue, b.whenFalse), all(a.whenFalse, c.whenFalse)) };
    default:
      return undefined;
  }
}

const LOGIC = new Set(['_&&_', '_||_', '!_', '_?_:_']);

function call(node: Extract<CelNode, { kind: 'call' }>, scope: Scope): Outcome | undefined {
  if (LOGIC.has(node.fn) && node.target === undefined) return logic(node, scope);
  if ((node.fn === '_==_' || node.fn === '_!=_') && node.target === undefined) return comparison(node, scope);
  if (node.fn === '@in' && node.target === undefined) return membership(node, scope);
  if (node.fn in STRING_TESTS || node.fn === 'matches') return stringTest(node, scope);
  return undefined;
}

/** When a boolean part of the condition is true, and when false. */
export function condition(node: CelNode, scope: Scope): Outcome {
  if (node.kind === 'const' && typeof node.value === 'boolean') return node.value ? { whenTrue: TRUE, whenFalse: FALSE } : { whenTrue: FALSE, whenFalse: TRUE };
  if (node.kind === 'select' && node.test && node.operand.kind === 'ident' && node.operand.name === 'assertion') return presence(node.field, scope, node.text);
  const read = node.kind === 'call' ? call(node, scope) : undefined;
  return read ?? undecided(`${node.text}: claimcheck does not read this part of CEL`);
}
