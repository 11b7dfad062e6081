// What an issuer can issue, as a grammar: fields (a repository's owner, its id, a branch name,
// …), each a regular language with an example, and shapes (legacy or immutable subject, a job
// with or without an environment, …), each giving every modelled claim as a template of
// literal text and fields, or as missing. A claim built from the same field in two places (the
// owner in `sub` and in `repository`) always agrees, as in a real token; fields are otherwise
// independent (an id keeps its repository through renames, so any id may carry any name).
// Cloud-neutral: AWS, Google Cloud and Azure checks all ask the same grammar.
import type { Lang } from '../lang/lang.js';

export type Part = { readonly text: string } | { readonly field: string };
export type Template = readonly Part[];

export interface FieldSpec {
  readonly lang: Lang;
  /** A typical value, used in counterexamples where nothing asks for another. */
  readonly example: string;
  /** A value a stranger would have (another owner, a new id), for counterexamples of an open policy. */
  readonly stranger?: string;
  /** The field may be absent: a claim made of it alone is then missing from the token. */
  readonly optional?: boolean;
  /** Absent in the example token. */
  readonly absentByDefault?: boolean;
}

export interface Shape {
  readonly name: string;
  /** Every modelled claim: its template, or null where the shape has no such claim. */
  readonly claims: Readonly<Record<string, Template | null>>;
}

/** What pins a token to one repository or project of the issuer (for audit and the pin guard). */
export interface PinSpec {
  /** Fields that never change hands (numeric ids, UUIDs). */
  readonly ids: readonly string[];
  /** Fields that can be renamed or re-created by someone else. */
  readonly names: readonly string[];
  /** What a pin pins: "repository", "project", "pipeline". */
  readonly noun: string;
}

export interface TokenGrammar {
  /** github, ghes, circleci, gitlab, buildkite, bitbucket, or plain (a subject of unknown form). */
  readonly platform: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly shapes: readonly Shape[];
  /** Undefined when the grammar of the subject is unknown (plain issuers). */
  readonly pins: PinSpec | undefined;
}

/** A template from a tagged template literal: literal text, and `${'field'}` for a field. */
export function tpl(strings: TemplateStringsArray, ...fields: string[]): Template {
  const parts: Part[] = [];
  strings.forEach((text, index) => {
    if (text !== '') parts.push({ text });
    const field = fields[index];
    if (field !== undefined) parts.push({ field });
  });
  return parts;
}

/** A template of one field. */
export function one(field: string): Template {
  return [{ field }];
}

/** A claim that is the same literal text in every token. */
export function fixed(text: string): Template {
  return [{ text }];
}

export function fieldsOf(template: Template): string[] {
  return template.flatMap((part) => ('field' in part ? [part.field] : []));
}

const modelled = new WeakMap<TokenGrammar, ReadonlySet<string>>();

/** Every claim the grammar models (in any shape). */
export function modelledClaims(grammar: TokenGrammar): ReadonlySet<string> {
  let claims = modelled.get(grammar);
  if (!claims) modelled.set(grammar, (claims = new Set(grammar.shapes.flatMap((shape) => Object.keys(shape.claims)))));
  return claims;
}

const inSubject = new WeakMap<TokenGrammar, ReadonlySet<string>>();

/**
 * The claims a token's subject tells about: constants of a shape, and claims that share a field
 * with its `sub` (repository, ref, environment in GitHub's). A cloud that matches the subject
 * alone sees these and no others.
 */
export function subjectCarried(grammar: TokenGrammar): ReadonlySet<string> {
  let claims = inSubject.get(grammar);
  if (!claims) {
    const found = new Set<string>();
    for (const shape of grammar.shapes) {
      const subjectFields = new Set(fieldsOf(shape.claims.sub ?? []));
      for (const [claim, template] of Object.entries(shape.claims)) {
        if (template && (fieldsOf(template).length === 0 || fieldsOf(template).some((field) => subjectFields.has(field)))) found.add(claim);
      }
    }
    inSubject.set(grammar, (claims = found));
  }
  return claims;
}

/**
 * The fields of a shape in an order every template follows (fields appear in each template in
 * this order), so that one pass over the fields builds every claim left to right.
 */
export function fieldOrder(shape: Shape): string[] {
  const after = new Map<string, Set<string>>();
  const all = new Set<string>();
  for (const template of Object.values(shape.claims)) {
    const fields = template ? fieldsOf(template) : [];
    fields.forEach((field, i) => {
      all.add(field);
      for (const later of fields.slice(i + 1)) (after.get(field) ?? after.set(field, new Set()).get(field))?.add(later);
    });
  }
  const order: string[] = [];
  const placed = new Set<string>();
  const visit = (field: string, path: Set<string>) => {
    if (placed.has(field)) return;
    if (path.has(field)) throw new Error(`the templates order ${field} both before and after another field`);
    path.add(field);
    for (const earlier of [...all].filter((other) => after.get(other)?.has(field))) visit(earlier, path);
    path.delete(field);
    placed.add(field);
    order.push(field);
  };
  for (const field of all) visit(field, new Set());
  return order;
}

/** The claims of a token: each template with the fields' values (missing fields: the claim is missing). */
export function claimsOf(shape: Shape, values: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [claim, template] of Object.entries(shape.claims)) {
    if (template === null) continue;
    const parts = template.map((part) => ('text' in part ? part.text : values[part.field]));
    if (parts.every((part): part is string => part !== undefined)) claims[claim] = parts.join('');
  }
  return claims;
}
