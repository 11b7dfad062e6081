// The roles of an account as `aws iam get-account-authorization-details` (RoleDetailList) or
// `aws iam list-roles` (Roles) print them — or one role, as `aws iam get-role` does — each with
// its trust policy as an object or as the URL-encoded text the IAM API returns. Read strictly:
// a key written twice anywhere is refused (JSON readers disagree on which value wins), and an
// entry that is not a role is named by its place.
import { ClaimcheckError } from '../../../errors.js';
import { parseStrictJson, PolicyFormatError } from '../iam/policy.js';

export interface AccountRole {
  readonly name: string;
  readonly arn: string | undefined;
  /** The trust policy document, decoded; undefined with `problem` when it could not be read. */
  readonly document: unknown;
  readonly problem: string | undefined;
}

/** More roles than any account holds (IAM's quota is 5000 by default, 10000 at most). */
export const MAX_ROLES = 10_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(source: string, why: string): ClaimcheckError {
  return new ClaimcheckError('INPUT_INVALID', `${source} is not an account's roles: ${why}.`, 'Pass the output of aws iam get-account-authorization-details --filter Role, or of aws iam list-roles.');
}

function policyOf(raw: unknown): { document: unknown; problem: string | undefined } {
  if (typeof raw !== 'string') return { document: raw, problem: raw === undefined ? 'it has no AssumeRolePolicyDocument' : undefined };
  try {
    const text = raw.trim();
    return { document: parseStrictJson(text.startsWith('%') ? decodeURIComponent(text) : text), problem: undefined };
  } catch (error) {
    return { document: undefined, problem: `its trust policy cannot be read (${error instanceof PolicyFormatError ? error.message : (error as Error).message.split('\n')[0]})` };
  }
}

function roleAt(entry: unknown, where: string, source: string): AccountRole {
  if (!isObject(entry) || typeof entry.RoleName !== 'string') throw refuse(source, `${where} is not a role (no RoleName)`);
  const { document, problem } = policyOf(entry.AssumeRolePolicyDocument);
  return { name: entry.RoleName, arn: typeof entry.Arn === 'string' ? entry.Arn : undefined, document, problem };
}

/** The roles in the text of such a file; `source` names it in errors. */
export function readAccountRoles(text: string, source: string): AccountRole[] {
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (error) {
    throw refuse(source, error instanceof PolicyFormatError ? error.message : `it is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (isObject(value) && isObject(value.Role)) return [roleAt(value.Role, 'Role', source)];
  const field = isObject(value) ? (['RoleDetailList', 'Roles'] as const).find((name) => Array.isArray(value[name])) : undefined;
  if (!field) throw refuse(source, 'it has neither RoleDetailList nor Roles');
  const list = (value as Record<string, unknown[]>)[field] as unknown[];
  if (list.length > MAX_ROLES) throw refuse(source, `it lists ${list.length} roles, more than the ${MAX_ROLES} an account can hold`);
  return list.map((entry, index) => roleAt(entry, `${field}[${index}]`, source));
}
