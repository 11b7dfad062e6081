// An IAM policy evaluator for role trust policies, with its reasons: which statement allowed
// or denied, and for each condition the operator, key, the policy's values and the request's.
// Semantics as IAM documents them: statements are ORed and an explicit Deny wins; within a
// statement every operator and every key must hold; a key's values are ORed; negated
// operators hold when the key is missing; `IfExists` holds when it is missing; `ForAllValues`
// holds for a missing key and `ForAnyValue` does not. Whatever this evaluator does not know
// (an operator, NotPrincipal, a policy variable) fails closed: the policy refuses, and the
// statement and condition say why.
import { matchesIam, parseIamValue, variableProblem, type IamToken } from './pattern.js';
import type { PolicyCondition, PolicyDocument, PolicyStatement } from './policy.js';

export interface EvaluationRequest {
  readonly action: string;
  /** Whether a Principal entry (`Federated`, `AWS`, …) names the caller. */
  readonly principalMatches: (kind: string, value: string) => boolean;
  /** Condition keys (any case) and their values. */
  readonly context: ReadonlyMap<string, readonly string[]>;
}

export interface ConditionResult {
  readonly condition: PolicyCondition;
  /** The request's values for the key; undefined when the key is missing. */
  readonly actual: readonly string[] | undefined;
  readonly held: boolean;
  /** Why the evaluator could not read it: the whole policy then refuses. */
  readonly unsupported: string | undefined;
  /** A policy variable claimcheck does not substitute: an Allow with it does not apply, a Deny does. */
  readonly unresolved?: true;
}

export interface StatementResult {
  readonly statement: PolicyStatement;
  readonly effect: 'Allow' | 'Deny' | undefined;
  readonly principal: boolean;
  readonly action: boolean;
  readonly conditions: readonly ConditionResult[];
  readonly unsupported: string | undefined;
  /** The statement matches the request (principal, action and every condition). */
  readonly applies: boolean;
}

export interface Evaluation {
  readonly allowed: boolean;
  /** `unsupported`: something in the policy this evaluator cannot read; it refuses, as a policy IAM would not take. */
  readonly decision: 'allowed' | 'explicit-deny' | 'no-allow' | 'unsupported';
  /** The statement that decided: the Deny that applied, or the first Allow that did. */
  readonly deciding: StatementResult | undefined;
  readonly statements: readonly StatementResult[];
}

interface Operator {
  readonly set: 'any' | 'all' | undefined;
  readonly ifExists: boolean;
  readonly base: string;
}

type Test = (actual: string, wanted: string) => boolean;

/** The value always parses: evaluateCondition turns away any variable but the three escapes first. */
function stringTest(like: boolean, ignoreCase: boolean, variables: boolean): Test {
  return (actual, wanted) => matchesIam(parseIamValue(wanted, like, variables) as IamToken[], actual, ignoreCase);
}

/** Base operator → [test, negated]. */
function testFor(base: string, variables: boolean): [Test, boolean] | undefined {
  switch (base) {
    case 'StringEquals': return [stringTest(false, false, variables), false];
    case 'StringNotEquals': return [stringTest(false, false, variables), true];
    case 'StringEqualsIgnoreCase': return [stringTest(false, true, variables), false];
    case 'StringNotEqualsIgnoreCase': return [stringTest(false, true, variables), true];
    case 'StringLike': return [stringTest(true, false, variables), false];
    case 'StringNotLike': return [stringTest(true, false, variables), true];
    case 'Bool': return [(actual, wanted) => actual.toLowerCase() === wanted.toLowerCase(), false];
    default: return undefined;
  }
}

function parseOperator(text: string): Operator {
  const match = /^(ForAnyValue|ForAllValues):(.*)$/.exec(text);
  const set = match?.[1];
  const rest = match?.[2] ?? text;
  const ifExists = rest.endsWith('IfExists');
  return { set: set === 'ForAnyValue' ? 'any' : set === 'ForAllValues' ? 'all' : undefined, ifExists, base: ifExists ? rest.slice(0, -'IfExists'.length) : rest };
}

function lookup(context: ReadonlyMap<string, readonly string[]>, key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, values] of context) if (name.toLowerCase() === wanted) return values.length > 0 ? values : undefined;
  return undefined;
}

function evaluateCondition(condition: PolicyCondition, request: EvaluationRequest, variables: boolean): ConditionResult {
  const actual = lookup(request.context, condition.key);
  const result = (held: boolean, unsupported?: string): ConditionResult => ({ condition, actual, held, unsupported });
  const operator = parseOperator(condition.operator);
  const wanted = condition.values;
  if (wanted === undefined) return result(false, 'a value that is not a string, number or boolean');
  if (operator.base === 'Null' && !operator.set && !operator.ifExists) {
    return result(wanted.some((value) => (value.toLowerCase() === 'true') === (actual === undefined)));
  }
  const known = testFor(operator.base, variables);
  if (!known) return result(false, `the operator ${condition.operator}`);
  if (variables) {
    // A value this evaluator cannot read fails closed even where it would not be compared.
    const problems = wanted.map(variableProblem);
    if (problems.includes('malformed')) return result(false, 'a policy variable that is never closed (${ without })');
    if (problems.includes('unresolved')) return { condition, actual, held: false, unsupported: undefined, unresolved: true };
  }
  const [test, negated] = known;
  const matchesAny = (value: string) => wanted.some((w) => test(value, w));
  const holdsFor = (value: string) => matchesAny(value) !== negated;
  let held: boolean;
  // For the set operators a key whose values are empty strings is an empty set, as IAM documents.
  const empty = actual === undefined || actual.every((value) => value === '');
  if (operator.set === 'all') held = empty || actual.every(holdsFor);
  else if (operator.set === 'any') held = empty ? operator.ifExists : actual.some(holdsFor);
  else if (actual === undefined) held = operator.ifExists || negated;
  else held = actual.some(matchesAny) !== negated;
  return result(held);
}

/** A policy element's entries; every caller looks only at the strings among them. */
function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Action names: IAM wildcards, no policy variables (so the pattern always parses), any case. */
function wildcardMatch(pattern: string, text: string): boolean {
  return matchesIam(parseIamValue(pattern, true, false) as IamToken[], text, true);
}

function principalHolds(principal: unknown, request: EvaluationRequest): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) return false;
  return Object.entries(principal).some(([kind, values]) => listOf(values).some((value) => typeof value === 'string' && (value === '*' || request.principalMatches(kind, value))));
}

function evaluateStatement(statement: PolicyStatement, request: EvaluationRequest, variables: boolean): StatementResult {
  const effect = statement.effect === 'Allow' || statement.effect === 'Deny' ? statement.effect : undefined;
  const principal = principalHolds(statement.principal, request);
  const action = listOf(statement.action).some((pattern) => typeof pattern === 'string' && wildcardMatch(pattern, request.action));
  const conditions = statement.conditions.map((condition) => evaluateCondition(condition, request, variables));
  const unsupported = effect === undefined ? `the Effect ${JSON.stringify(statement.effect)}` : statement.unsupported.length > 0 ? statement.unsupported.join(', ') : undefined;
  // Fail closed: what is not understood keeps an Allow from applying and makes a Deny apply.
  const failClosed = effect === 'Deny';
  const held = (result: ConditionResult) => (result.unsupported === undefined && !result.unresolved ? result.held : failClosed);
  const applies = unsupported !== undefined ? failClosed : principal && action && conditions.every(held);
  return { statement, effect, principal, action, conditions, unsupported, applies };
}

export function evaluatePolicy(policy: PolicyDocument, request: EvaluationRequest): Evaluation {
  const variables = policy.version === '2012-10-17';
  const statements = policy.statements.map((statement) => evaluateStatement(statement, request, variables));
  const unreadable = statements.find((result) => result.unsupported !== undefined || result.conditions.some((condition) => condition.unsupported !== undefined));
  if (unreadable) return { allowed: false, decision: 'unsupported', deciding: unreadable, statements };
  const deny = statements.find((result) => result.applies && result.effect === 'Deny');
  if (deny) return { allowed: false, decision: 'explicit-deny', deciding: deny, statements };
  // A Deny that applies has decided already, and an unknown Effect made the policy unsupported.
  const allow = statements.find((result) => result.applies);
  return { allowed: allow !== undefined, decision: allow ? 'allowed' : 'no-allow', deciding: allow, statements };
}
