// The federated identity credentials an app or managed identity holds, read from the JSON
// people hand over: `az ad app federated-credential list` (Microsoft Graph's objects: name,
// issuer, subject, audiences, description, and claimsMatchingExpression for a flexible one),
// `az identity federated-credential list` (the ARM resource as az prints it, the same fields
// at the top, claimsMatchingExpression included — azure-cli's own scenario test of the command
// reads `[0].issuer`, `[0].subject`, `[2].claimsMatchingExpression.value`; the raw ARM shape
// keeps them under `properties`), Graph's own list answer
// (`{"value": [...]}`, what `az rest` prints), or a single credential. A key written twice
// in one object is refused, as for rules files and trust policies. What Entra would never
// hold (a subject and an expression, or neither) is kept as a problem: the verdict on such a
// list is "cannot verify", never a guess.
import { ClaimcheckError } from '../../../errors.js';
import { describeDuplicateKey, duplicateJsonKey } from '../../../text/duplicate-keys.js';

export interface LiveExpression {
  readonly value: string;
  /** As given; Entra documents only 1. */
  readonly languageVersion: unknown;
}

export interface LiveCredential {
  /** The credential's name, or `#N` (its place in the list) when it has none. */
  readonly name: string;
  readonly issuer: string;
  readonly subject: string | undefined;
  readonly expression: LiveExpression | undefined;
  readonly audiences: readonly string[];
}

export interface LiveCredentials {
  readonly credentials: readonly LiveCredential[];
  /** What Entra would not hold as written, one line per credential. */
  readonly problems: readonly string[];
}

/** Entra holds at most 20 per app or identity; a list far longer is not one app's. */
const MAX_CREDENTIALS = 200;

class FormatError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function entriesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.value) && value.issuer === undefined) return value.value;
  if (isObject(value)) return [value];
  throw new FormatError('it is neither a list of federated credentials nor one credential');
}

function textOrAbsent(entry: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = entry[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new FormatError(`${where}.${key} is not a string`);
  return value;
}

function expressionOf(entry: Record<string, unknown>, where: string): LiveExpression | undefined {
  const raw = entry.claimsMatchingExpression;
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw) || typeof raw.value !== 'string') throw new FormatError(`${where}.claimsMatchingExpression is not an object with a value`);
  return { value: raw.value, languageVersion: raw.languageVersion };
}

function credentialOf(raw: unknown, index: number, problems: string[]): LiveCredential {
  const where = `[${index}]`;
  if (!isObject(raw)) throw new FormatError(`${where} is not an object`);
  // The raw ARM resource keeps the fields under properties; az prints them at the top.
  const entry = isObject(raw.properties) && raw.issuer === undefined ? { ...raw.properties, name: raw.name } : raw;
  const issuer = textOrAbsent(entry, 'issuer', where);
  if (issuer === undefined) throw new FormatError(`${where} has no issuer`);
  const audiences = entry.audiences;
  if (!Array.isArray(audiences) || !audiences.every((audience) => typeof audience === 'string')) throw new FormatError(`${where}.audiences is not a list of strings`);
  const name = textOrAbsent(entry, 'name', where) ?? `#${index + 1}`;
  const subject = textOrAbsent(entry, 'subject', where);
  const expression = expressionOf(entry, where);
  if (subject !== undefined && expression !== undefined) problems.push(`${name} has both a subject and a claimsMatchingExpression, which Entra never holds together`);
  if (subject === undefined && expression === undefined) problems.push(`${name} has neither a subject nor a claimsMatchingExpression`);
  if (audiences.length === 0) problems.push(`${name} lists no audience`);
  return { name, issuer, subject, expression, audiences: audiences as string[] };
}

/** The credentials of a file's text; errors name the file and what was expected. */
export function parseLiveCredentials(text: string, source: string): LiveCredentials {
  try {
    const value = JSON.parse(text) as unknown;
    const duplicate = duplicateJsonKey(text);
    if (duplicate) throw new FormatError(`${describeDuplicateKey(duplicate)} (JSON readers disagree on which value wins)`);
    const entries = entriesOf(value);
    if (entries.length > MAX_CREDENTIALS) throw new FormatError(`it lists ${entries.length} credentials; one app or identity holds at most 20`);
    const problems: string[] = [];
    const credentials = entries.map((entry, index) => credentialOf(entry, index, problems));
    return { credentials, problems };
  } catch (error) {
    const why = error instanceof FormatError ? error.message : `it is not JSON (${(error as Error).message.split('\n')[0]})`;
    throw new ClaimcheckError(
      'INPUT_INVALID',
      `${source} is not a list of federated identity credentials: ${why}.`,
      'Pass the output of az ad app federated-credential list --id <app> (or az identity federated-credential list, or one credential as JSON).',
    );
  }
}
