// What IAM would refuse in a role trust policy (MalformedPolicyDocument) and the STS double
// refuses whole: unknown elements, a Resource, an Effect other than Allow or Deny, a
// NotPrincipal in an Allow, an unknown principal type or condition operator, values that are
// not text, a policy variable never closed. A policy with any of these has no verdict: no
// role can carry it as written, and no evaluator agrees on what it would do.
import { variableProblem } from './pattern.js';

const POLICY_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser']);
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);

/** Every condition operator IAM defines (before IfExists and a set prefix). */
export const IAM_OPERATORS: ReadonlySet<string> = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);

export interface Operator {
  readonly set: 'ForAnyValue' | 'ForAllValues' | undefined;
  readonly base: string;
  readonly ifExists: boolean;
}

/** An operator as written, or undefined when IAM has no such operator. */
export function parseOperator(text: string): Operator | undefined {
  const match = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(text);
  if (!match || !IAM_OPERATORS.has(match[2] as string)) return undefined;
  return { set: match[1] as Operator['set'], base: match[2] as string, ifExists: match[3] !== undefined };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or a non-empty list of strings. */
function isStrings(value: unknown): boolean {
  const list = Array.isArray(value) ? value : [value];
  return list.length > 0 && list.every((item) => typeof item === 'string');
}

function principalProblem(statement: Record<string, unknown>): string | undefined {
  const negated = statement.NotPrincipal !== undefined;
  if (negated === (statement.Principal !== undefined)) return 'it needs exactly one of Principal and NotPrincipal';
  if (negated && statement.Effect === 'Allow') return 'NotPrincipal is only allowed in a Deny';
  const principal = negated ? statement.NotPrincipal : statement.Principal;
  if (principal === '*') return undefined;
  if (!isObject(principal) || Object.keys(principal).length === 0) return 'its Principal is neither "*" nor a map of principal types';
  const type = Object.keys(principal).find((name) => !PRINCIPAL_TYPES.has(name));
  if (type !== undefined) return `its principal type ${JSON.stringify(type)} is not AWS, Federated, Service or CanonicalUser`;
  if (!Object.values(principal).every(isStrings)) return 'a principal is not a string or a list of strings';
  return undefined;
}

function valuesProblem(operator: Operator, written: unknown, variables: boolean): string | undefined {
  const list = Array.isArray(written) ? written : [written];
  if (list.length === 0) return 'an empty list of values';
  if (!list.every((value) => typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) return 'a value that is not a string, number or boolean';
  const texts = list.map(String);
  if ((operator.base === 'Bool' || operator.base === 'Null') && !texts.every((text) => /^(true|false)$/i.test(text))) return `${operator.base} takes "true" or "false"`;
  if (variables && operator.base.startsWith('String') && texts.some((text) => variableProblem(text) === 'malformed')) return 'a policy variable that is never closed';
  return undefined;
}

function conditionProblem(condition: unknown, variables: boolean): string | undefined {
  if (condition === undefined) return undefined;
  if (!isObject(condition)) return 'its Condition is not a map of operators';
  for (const [text, block] of Object.entries(condition)) {
    const operator = parseOperator(text);
    if (!operator) return `IAM has no condition operator ${JSON.stringify(text)}`;
    if (operator.base === 'Null' && (operator.set || operator.ifExists)) return `${text}: Null takes neither IfExists nor a set prefix`;
    if (operator.base === 'Bool' && operator.set) return `${text}: Bool takes no set prefix`;
    if (!isObject(block) || Object.keys(block).length === 0) return `${text} is not a map of condition keys`;
    for (const [key, written] of Object.entries(block)) {
      const problem = valuesProblem(operator, written, variables);
      if (problem) return `${text} on ${key} has ${problem}`;
    }
  }
  return undefined;
}

function statementProblem(statement: unknown, variables: boolean): string | undefined {
  if (!isObject(statement)) return 'it is not an object';
  const element = Object.keys(statement).find((name) => !STATEMENT_ELEMENTS.has(name));
  if (element !== undefined) return `a trust policy statement takes no ${element}`;
  if (statement.Sid !== undefined && typeof statement.Sid !== 'string') return 'its Sid is not a string';
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return `its Effect ${JSON.stringify(statement.Effect)} is not Allow or Deny`;
  const principal = principalProblem(statement);
  if (principal) return principal;
  const negated = statement.NotAction !== undefined;
  if (negated === (statement.Action !== undefined)) return 'it needs exactly one of Action and NotAction';
  if (!isStrings(negated ? statement.NotAction : statement.Action)) return 'an action is not a string or a list of strings';
  return conditionProblem(statement.Condition, variables);
}

/** What makes the document one IAM would refuse, statement by statement; empty when none. */
export function policyProblems(document: unknown): string[] {
  if (!isObject(document)) return ['the policy is not an object'];
  const problems: string[] = [];
  const element = Object.keys(document).find((name) => !POLICY_ELEMENTS.has(name));
  if (element !== undefined) problems.push(`a policy takes no ${element} element`);
  if (document.Version !== undefined && !VERSIONS.has(document.Version as string)) problems.push(`the Version ${JSON.stringify(document.Version)} is neither 2012-10-17 nor 2008-10-17`);
  const raw = document.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  if (list.length === 0) problems.push('the policy has no statement');
  list.forEach((statement, index) => {
    const problem = statementProblem(statement, document.Version === '2012-10-17');
    if (problem) problems.push(`Statement[${index}]: ${problem}`);
  });
  return problems;
}
