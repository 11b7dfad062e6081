// Google's side of a provider, with @bufbuild/cel (a maintained CEL implementation tested
// against cel-spec's conformance suite; its matches() is an RE2 port): the condition and the
// mapping parsed into the checker's tree, and what Google does with a token's claims — map
// every attribute (an error refuses the token; google.subject at most 127 bytes), then admit
// it only when the condition is true. Loaded lazily: only the Google check and explain need it.
import { isCelError, parse, run, unparse, type CelInput } from '@bufbuild/cel';
import type { CelConst, CelNode, Parsed } from '../../core/trust/gcp/check/cel-node.js';

type Expr = ReturnType<typeof parse>['expr'];

const MAX_SUBJECT_BYTES = 127;

function constOf(kind: Extract<Expr['exprKind'], { case: 'constExpr' }>['value']['constantKind']): CelConst {
  switch (kind.case) {
    case 'stringValue':
    case 'boolValue':
    case 'doubleValue':
      return kind.value;
    case 'nullValue':
      return null;
    default:
      return { other: kind.case ?? 'unknown' };
  }
}

function textOf(expr: Expr): string {
  try {
    return unparse(expr);
  } catch {
    return '(an expression)';
  }
}

/** The parser's tree as the checker's. */
export function celNode(expr: Expr): CelNode {
  const text = textOf(expr);
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      return { kind: 'ident', name: kind.value.name, text };
    case 'constExpr':
      return { kind: 'const', value: constOf(kind.value.constantKind), text };
    case 'selectExpr':
      return kind.value.operand ? { kind: 'select', operand: celNode(kind.value.operand), field: kind.value.field, test: kind.value.testOnly, text } : { kind: 'other', text };
    case 'callExpr':
      return { kind: 'call', fn: kind.value.function, target: kind.value.target ? celNode(kind.value.target) : undefined, args: kind.value.args.map(celNode), text };
    case 'listExpr':
      return kind.value.optionalIndices.length > 0 ? { kind: 'other', text } : { kind: 'list', elements: kind.value.elements.map(celNode), text };
    default:
      return { kind: 'other', text };
  }
}

export function parseCel(text: string): Parsed {
  try {
    return { node: celNode(parse(text).expr) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] ?? 'a syntax error' };
  }
}

export interface ProviderCel {
  readonly attributeMapping: Readonly<Record<string, string>>;
  readonly attributeCondition?: string | undefined;
}

export type Admission =
  | { readonly admitted: true; readonly attributes: Readonly<Record<string, string>> }
  | { readonly admitted: false; readonly attributes: Readonly<Record<string, string>>; readonly why: string };

/** JSON claims as CEL values: objects become maps. */
function celValue(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(celValue);
  if (typeof value === 'object' && value !== null) return new Map(Object.entries(value).map(([key, item]) => [key, celValue(item)]));
  return value as CelInput;
}

function evaluate(expression: string, bindings: Record<string, unknown>): { value: unknown } | { error: string } {
  const result = run(expression, Object.fromEntries(Object.entries(bindings).map(([name, value]) => [name, celValue(value)])));
  return isCelError(result) ? { error: result.message } : { value: result };
}

/** What Google does with a verified token's claims: the attributes it maps, and whether it admits the token. */
export function admission(provider: ProviderCel, claims: Readonly<Record<string, unknown>>): Admission {
  const attributes: Record<string, string> = {};
  for (const [key, expression] of Object.entries(provider.attributeMapping)) {
    const outcome = evaluate(expression, { assertion: claims });
    if ('error' in outcome) return { admitted: false, attributes, why: `the mapping of ${key} fails: ${outcome.error}` };
    attributes[key] = String(outcome.value);
  }
  const subject = attributes['google.subject'];
  if (subject === undefined) return { admitted: false, attributes, why: 'google.subject is not mapped' };
  if (Buffer.byteLength(subject) > MAX_SUBJECT_BYTES) return { admitted: false, attributes, why: `google.subject is longer than ${MAX_SUBJECT_BYTES} bytes` };
  if (!provider.attributeCondition) return { admitted: true, attributes };
  const custom = Object.fromEntries(Object.entries(attributes).filter(([key]) => key.startsWith('attribute.')).map(([key, value]) => [key.slice('attribute.'.length), value]));
  const outcome = evaluate(provider.attributeCondition, { assertion: claims, attribute: custom, google: { subject } });
  if ('error' in outcome) return { admitted: false, attributes, why: `the condition is an error: ${outcome.error}` };
  return outcome.value === true ? { admitted: true, attributes } : { admitted: false, attributes, why: 'the condition is false' };
}
