// Rules on claims AWS sees only inside the subject (GitLab's project path and ref, CircleCI's
// vcs-ref, Buildkite's tag, Bitbucket's UUIDs, every claim on GitHub Enterprise Server) as
// subject patterns: for each shape of the issuer's subject, the rule's value in place of the
// claim's part, `*` for the parts no rule names. A `*` of a rule stays within a segment, so
// each one gets a StringNotLike that refuses it spanning `/` or `:`; `strict` also refuses
// a subject in which a separator text of the grammar (`/vcs-ref/`, `:commit:`) appears
// twice, so that no value can fake the parts after it. The result is only a candidate: the
// compiler keeps it when the checker proves it accepts no token the rules refuse.
import { fieldsOf, type Part, type Shape, type TokenGrammar } from '../grammar/grammar.js';
import { isEmpty } from '../lang/dfa.js';
import { alphabetOf, and, fromNfa, toDfa, type Lang } from '../lang/lang.js';
import { anything, literal, seq } from '../lang/nfa.js';
import type { Alternative, ClaimRule } from '../../rules/rules.js';
import { likeLiteral } from './iam/pattern.js';

/** Literal text, a rule's star, or a field no rule names (`fill`, with the separators its values never hold). */
type Piece = { readonly text: string } | { readonly star: 'segment' | 'any' } | { readonly star: 'fill'; readonly never: readonly string[] };

const SEPARATORS = ['/', ':'] as const;
const holdsCache = new WeakMap<Lang, Map<string, boolean>>();

/** Whether some value of the language holds the separator. */
function canHold(lang: Lang, separator: string): boolean {
  let cached = holdsCache.get(lang);
  if (!cached) holdsCache.set(lang, (cached = new Map()));
  let holds = cached.get(separator);
  if (holds === undefined) {
    const both = and(lang, fromNfa(seq(anything(), literal(separator), anything())));
    holds = !isEmpty(toDfa(both, alphabetOf([both])));
    cached.set(separator, holds);
  }
  return holds;
}

/**
 * Subjects that share their exclusions: one statement's subject condition. A shape's
 * exclusions (a `*` spanning `/`) would refuse another shape's subjects, so shapes that need
 * different ones go into different statements (IAM ORs statements).
 */
export interface SubjectGroup {
  /** Exact subjects (no pattern needed), as text. */
  readonly equals: readonly string[] | undefined;
  /** StringLike patterns, when some subject needs one. */
  readonly like: readonly string[] | undefined;
  readonly notLike: readonly string[];
}

export interface SubjectPatterns {
  readonly groups: readonly SubjectGroup[];
  /** Shapes of the subject that cannot carry these rules (their tokens are refused). */
  readonly skipped: readonly string[];
}

/** Most subject values one policy takes from a rule set: a rules file to simplify, not a policy. */
const MAX_VALUES = 64;

function piecesOf(alternative: Exclude<Alternative, { regex: unknown }>): Piece[] {
  if ('exact' in alternative) return [{ text: alternative.exact }];
  return alternative.glob.map((token) => ('literal' in token ? { text: token.literal } : { star: token.star }));
}

/** Where the claim's template sits in the subject's parts, or -1. */
function spanOf(subject: readonly Part[], template: readonly Part[]): number {
  const same = (a: Part, b: Part) => ('text' in a ? 'text' in b && a.text === b.text : 'field' in b && a.field === b.field);
  for (let at = 0; at + template.length <= subject.length; at++) if (template.every((part, i) => same(part, subject[at + i] as Part))) return at;
  return -1;
}

interface Covered {
  readonly at: number;
  readonly length: number;
  readonly options: readonly Piece[][];
}

/** The subject's parts each rule covers in this shape; undefined when the shape cannot carry the rules. */
function coverage(shape: Shape, rules: readonly ClaimRule[], accepts: (rule: ClaimRule, value: string) => boolean): Covered[] | undefined {
  const subject = shape.claims.sub ?? [];
  const covered: Covered[] = [];
  for (const rule of rules) {
    const template = shape.claims[rule.claim];
    if (!template) return undefined;
    if (fieldsOf(template).length === 0) {
      if (!accepts(rule, template.map((part) => ('text' in part ? part.text : '')).join(''))) return undefined;
      continue;
    }
    const at = spanOf(subject, template);
    if (at < 0 || covered.some((other) => at < other.at + other.length && other.at < at + template.length)) return undefined;
    covered.push({ at, length: template.length, options: rule.alternatives.map((alternative) => piecesOf(alternative as Exclude<Alternative, { regex: unknown }>)) });
  }
  return covered.sort((a, b) => a.at - b.at);
}

/** Every subject a shape gives under the rules, as pieces (one per choice of the rules' alternatives). */
function subjectsOf(grammar: TokenGrammar, shape: Shape, covered: readonly Covered[]): Piece[][] {
  const subject = shape.claims.sub ?? [];
  let results: Piece[][] = [[]];
  for (let at = 0; at < subject.length; ) {
    const span = covered.find((item) => item.at === at);
    if (span) {
      results = results.flatMap((done) => span.options.map((option) => [...done, ...option]));
      at += span.length;
      continue;
    }
    const part = subject[at] as Part;
    const piece: Piece = 'text' in part ? { text: part.text } : { star: 'fill', never: SEPARATORS.filter((sep) => !canHold((grammar.fields[part.field] as { lang: Lang }).lang, sep)) };
    results = results.map((done) => [...done, piece]);
    at++;
  }
  return results;
}

function render(pieces: readonly Piece[], replace?: { index: number; with: string }): string {
  let text = '';
  let run = '';
  pieces.forEach((piece, index) => {
    if ('text' in piece) {
      run += piece.text;
      return;
    }
    text += likeLiteral(run) + (replace?.index === index ? replace.with : '*');
    run = '';
  });
  return (text + likeLiteral(run)).replace(/\*{2,}/g, '*');
}

/**
 * A rule's `*` spanning `/` or `:`, or a field's `*` spanning a separator its values never hold
 * (their exclusions), and with `strict`, a grammar's separator text appearing twice.
 */
function exclusionsOf(pieces: readonly Piece[], strict: boolean): string[] {
  const out: string[] = [];
  pieces.forEach((piece, index) => {
    const never = !('star' in piece) ? [] : piece.star === 'segment' ? SEPARATORS : piece.star === 'fill' ? piece.never : [];
    for (const sep of never) out.push(render(pieces, { index, with: `*${sep}*` }));
    const next = pieces[index + 1];
    if (strict && 'star' in piece && piece.star !== 'segment' && next && 'text' in next && next.text.length > 1) out.push(`*${likeLiteral(next.text)}*${likeLiteral(next.text)}*`);
  });
  return out;
}

interface Gathered {
  readonly like: Set<string>;
  readonly texts: Set<string>;
  wildcard: boolean;
}

/**
 * Subject patterns that carry the rules (each on a claim inside the subject, none a regular
 * expression), grouped by the exclusions they need; undefined when no shape can carry them.
 */
export function subjectPatterns(grammar: TokenGrammar, rules: readonly ClaimRule[], accepts: (rule: ClaimRule, value: string) => boolean, strict: boolean): SubjectPatterns | undefined {
  const groups = new Map<string, Gathered>();
  const skipped: string[] = [];
  let values = 0;
  for (const shape of grammar.shapes) {
    const covered = coverage(shape, rules, accepts);
    if (!covered) {
      skipped.push(shape.name);
      continue;
    }
    for (const pieces of subjectsOf(grammar, shape, covered)) {
      const key = [...new Set(exclusionsOf(pieces, strict))].sort().join('\n');
      const group = groups.get(key) ?? groups.set(key, { like: new Set(), texts: new Set(), wildcard: false }).get(key) as Gathered;
      group.like.add(render(pieces));
      if (pieces.some((piece) => 'star' in piece)) group.wildcard = true;
      else group.texts.add(pieces.map((piece) => ('text' in piece ? piece.text : '')).join(''));
      values++;
    }
  }
  if (groups.size === 0 || values > MAX_VALUES) return undefined;
  const result = [...groups].map(([key, group]): SubjectGroup => ({
    equals: group.wildcard ? undefined : [...group.texts],
    like: group.wildcard ? [...group.like] : undefined,
    notLike: key === '' ? [] : key.split('\n'),
  }));
  return { groups: result, skipped };
}
