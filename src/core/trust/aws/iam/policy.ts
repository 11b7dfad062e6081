// IAM policy documents as data: a trust policy read from JSON as people hand it over (the
// document itself, `aws iam get-role` output, or the URL-encoded form the IAM API returns),
// normalised into statements and one condition per operator and key. A key written twice in
// one object is refused, as in rules files: JSON readers disagree on which value wins.
import { ClaimcheckError } from '../../../errors.js';
import { describeDuplicateKey, duplicateJsonKey } from '../../../text/duplicate-keys.js';
import { policyProblems } from './policy-shape.js';

export interface PolicyCondition {
  /** The operator as written: `StringLike`, `ForAnyValue:StringEquals`, `StringEqualsIfExists`, … */
  readonly operator: string;
  readonly key: string;
  /** The policy's values as text; undefined when a value is not a string, number or boolean. */
  readonly values: readonly string[] | undefined;
}

export interface PolicyStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: unknown;
  readonly principal: unknown;
  readonly action: unknown;
  readonly notPrincipal: unknown;
  readonly notAction: unknown;
  /** Elements this evaluator does not take (NotPrincipal, NotAction): such a statement fails closed. */
  readonly unsupported: readonly string[];
  readonly conditions: readonly PolicyCondition[];
}

export interface PolicyDocument {
  readonly version: string | undefined;
  readonly statements: readonly PolicyStatement[];
  /** What IAM would refuse in this document (policy-shape.ts); empty for a well-formed policy. */
  readonly problems: readonly string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function conditionsOf(condition: unknown, where: string): PolicyCondition[] {
  if (condition === undefined) return [];
  if (!isObject(condition)) throw new PolicyFormatError(`${where}.Condition is not an object`);
  return Object.entries(condition).flatMap(([operator, block]) => {
    if (!isObject(block)) throw new PolicyFormatError(`${where}.Condition.${operator} is not an object of keys`);
    return Object.entries(block).map(([key, raw]) => {
      const list = Array.isArray(raw) ? raw : [raw];
      const texts = list.map((item) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? String(item) : undefined));
      return { operator, key, values: texts.includes(undefined) ? undefined : (texts as string[]) };
    });
  });
}

export class PolicyFormatError extends Error {}

/** The statements of a policy document (an object with Statement). */
export function readPolicyDocument(document: unknown): PolicyDocument {
  if (!isObject(document)) throw new PolicyFormatError('a policy document is a JSON object with a Statement');
  const raw = document.Statement;
  if (raw === undefined) throw new PolicyFormatError('the policy has no Statement');
  const list = Array.isArray(raw) ? raw : [raw];
  const statements = list.map((statement, index): PolicyStatement => {
    const where = `Statement[${index}]`;
    if (!isObject(statement)) throw new PolicyFormatError(`${where} is not an object`);
    return {
      index,
      sid: typeof statement.Sid === 'string' ? statement.Sid : undefined,
      effect: statement.Effect,
      principal: statement.Principal,
      action: statement.Action,
      notPrincipal: statement.NotPrincipal,
      notAction: statement.NotAction,
      unsupported: ['NotPrincipal', 'NotAction', 'NotResource'].filter((name) => statement[name] !== undefined),
      conditions: conditionsOf(statement.Condition, where),
    };
  });
  return { version: typeof document.Version === 'string' ? document.Version : undefined, statements, problems: policyProblems(document) };
}

/** JSON text as a value; a key written twice in one object is refused. */
export function parseStrictJson(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  const duplicate = duplicateJsonKey(text);
  if (duplicate) throw new PolicyFormatError(`${describeDuplicateKey(duplicate)} (JSON readers disagree on which value wins)`);
  return value;
}

function decodedDocument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  // JSON never starts with "%"; the URL-encoded form of a document always does.
  return parseStrictJson(text.startsWith('%') ? decodeURIComponent(text) : text);
}

/**
 * A trust policy from the text of a file: a policy document, `aws iam get-role` output
 * (Role.AssumeRolePolicyDocument, decoded or URL-encoded), or a URL-encoded document.
 * Errors name the file and what was expected.
 */
export function parseTrustPolicyText(text: string, source: string): PolicyDocument {
  try {
    let value = decodedDocument(text);
    if (isObject(value) && isObject(value.Role)) value = value.Role;
    if (isObject(value) && value.AssumeRolePolicyDocument !== undefined) value = decodedDocument(value.AssumeRolePolicyDocument);
    return readPolicyDocument(value);
  } catch (error) {
    const why = error instanceof PolicyFormatError ? error.message : `it is not JSON (${(error as Error).message.split('\n')[0]})`;
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `${source} is not a trust policy: ${why}.`,
      'Pass the role trust policy JSON, or the output of aws iam get-role --role-name <role>.',
    );
  }
}
