// Subjects as Entra matches them, built from claim rules piece by piece. A piece is text a
// credential's subject must contain at its place: exact text from an exact value, or a
// `matches` pattern from a glob (`**` is Entra's `*`; claimcheck's `*` stops at / and :, Entra's
// does not, so that piece is wider than the rule). A regular expression has no piece: where
// one decides a part of the subject, that part is left open (`*`) and the rule binds only claimcheck.
import type { Alternative, ClaimRule } from '../../rules/rules.js';

export interface Piece {
  readonly text: string;
  /** The text holds Entra wildcards (`*`, `?`) meant as such. */
  readonly wild: boolean;
  /** The text also holds a `*` or `?` meant literally, which `matches` would take as a wildcard. */
  readonly literalWildcards?: boolean;
  /** The rules this piece enforces, with how closely. */
  readonly enforces?: ReadonlyArray<{ readonly rule: ClaimRule; readonly wider: boolean }>;
}

/** The same piece with more text after it (the text's own wildcards, if any, are meant as such). */
export function followedBy(piece: Piece, text: string, wild = false): Piece {
  return { ...piece, text: piece.text + text, wild: piece.wild || wild };
}

/** A subject (or a pattern of subjects), with the rules it enforces. */
export interface SubjectPattern {
  readonly text: string;
  readonly wild: boolean;
  /** Literal `*` or `?` in exact text: wildcards in `matches`, so such a pattern is wider there. */
  readonly literalWildcards: boolean;
  readonly enforced: ReadonlyMap<ClaimRule, 'exact' | 'wider'>;
}

export const literal = (text: string): Piece => ({ text, wild: false, literalWildcards: /[*?]/.test(text) });

/** A part of the subject no rule decides: anything matches there. */
export const OPEN: Piece = { text: '*', wild: true, literalWildcards: false };

/** The pieces of one rule, one per alternative; undefined when an alternative has no `matches` form (a regular expression). */
export function piecesOf(rule: ClaimRule, prefix = ''): Piece[] | undefined {
  const pieces: Piece[] = [];
  for (const alternative of rule.alternatives) {
    const piece = pieceOf(alternative);
    if (piece === undefined) return undefined;
    pieces.push({ text: prefix + piece.text, wild: piece.wild, literalWildcards: piece.literalWildcards || /[*?]/.test(prefix), enforces: [{ rule, wider: piece.wider }] });
  }
  return pieces;
}

function pieceOf(alternative: Alternative): { text: string; wild: boolean; wider: boolean; literalWildcards: boolean } | undefined {
  if ('regex' in alternative) return undefined;
  if ('exact' in alternative) return { text: alternative.exact, wild: false, wider: false, literalWildcards: /[*?]/.test(alternative.exact) };
  let text = '';
  let wild = false;
  let wider = false;
  let literalWildcards = false;
  for (const token of alternative.glob) {
    if ('literal' in token) {
      text += token.literal;
      // An escaped * (or a ?) is a wildcard to Entra: nothing escapes one in `matches`.
      literalWildcards ||= token.literal === '*' || token.literal === '?';
    } else {
      text += '*';
      wild = true;
      wider ||= token.star === 'segment';
    }
  }
  return { text, wild, wider, literalWildcards };
}

/** A rule's single exact value, or undefined (several alternatives, a pattern or a regular expression). */
export function exactValue(rule: ClaimRule | undefined): string | undefined {
  const [only, ...rest] = rule?.alternatives ?? [];
  if (only === undefined || rest.length > 0) return undefined;
  if ('exact' in only) return only.exact;
  if ('glob' in only && only.glob.every((token) => 'literal' in token)) return only.glob.map((token) => ('literal' in token ? token.literal : '')).join('');
  return undefined;
}

/** Every subject the pieces spell, one piece from each list in turn. */
export function spell(lists: ReadonlyArray<readonly Piece[]>): SubjectPattern[] {
  let patterns: SubjectPattern[] = [{ text: '', wild: false, literalWildcards: false, enforced: new Map() }];
  for (const list of lists) {
    patterns = patterns.flatMap((pattern) =>
      list.map((piece) => {
        const enforced = new Map(pattern.enforced);
        for (const { rule, wider } of piece.enforces ?? []) enforced.set(rule, wider || enforced.get(rule) === 'wider' ? 'wider' : 'exact');
        return {
          text: pattern.text + piece.text,
          wild: pattern.wild || piece.wild,
          literalWildcards: pattern.literalWildcards || (piece.literalWildcards ?? false),
          enforced,
        };
      }),
    );
  }
  // Two lists may spell the same subject twice (a rule with repeated alternatives): keep one.
  const seen = new Set<string>();
  return patterns.filter((pattern) => !seen.has(pattern.text) && seen.add(pattern.text));
}
