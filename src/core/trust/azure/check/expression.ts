// A flexible federated credential's claimsMatchingExpression as Entra documents it (language
// version 1): clauses `claims['<claim>'] <operator> '<comparand>'`, each part separated by a
// single space, joined by `and`; operators `eq` (the claim equals the comparand) and
// `matches` (`*` a run of characters, `?` one character). Nothing else is documented: `or`,
// `not`, brackets, other operators, and quotes inside a comparand ("single quotes are
// interpreted as escape characters", with no rule given). Such an expression is not read at
// all — the verdict is "cannot verify" — because where one clause ends cannot be told.
// Two readings keep the verdict sound where the documentation leaves a choice open:
// - possible (wider): `*` may match nothing, and a run of k `?` may cover between ⌈k/2⌉ and k
//   characters (Entra counts UTF-16 units; a character outside the BMP is two);
// - definite (narrower): `*` matches at least one character, `?` one BMP character.
// A token found in the definite reading is admitted whichever way Entra decides; none found in
// the possible reading means none is admitted. Comparisons are case-sensitive, as Entra's
// exact subject match is (AADSTS7002138 tells case-only differences apart).
import { ANY, minus, fromRanges } from '../../lang/charset.js';
import { fromNfa, type Lang } from '../../lang/lang.js';
import { charIn, literal, repeat, seq, star, type Nfa } from '../../lang/nfa.js';

export type Operator = 'eq' | 'matches';

export interface Clause {
  readonly claim: string;
  readonly operator: Operator;
  readonly comparand: string;
}

export type ParsedExpression = { readonly clauses: readonly Clause[] } | { readonly unreadable: string };

const CLAUSE = /^claims\['([^'\\]+)'\] (eq|matches) '([^'\\]*)'/;

/** The clauses of an expression, or why it is not read. */
export function parseExpression(value: string, languageVersion: unknown): ParsedExpression {
  if (languageVersion !== 1) return { unreadable: `its languageVersion is ${JSON.stringify(languageVersion) ?? 'missing'}, and Entra documents only 1` };
  const clauses: Clause[] = [];
  let rest = value;
  for (;;) {
    const match = CLAUSE.exec(rest);
    if (!match) return { unreadable: `its expression ${JSON.stringify(value)} is not clauses claims['<claim>'] eq|matches '<text>' joined by " and " (the only form Entra documents)` };
    clauses.push({ claim: match[1] as string, operator: match[2] as Operator, comparand: match[3] as string });
    rest = rest.slice(match[0].length);
    if (rest === '') return { clauses };
    if (!rest.startsWith(' and ')) return { unreadable: `its expression ${JSON.stringify(value)} joins clauses with something other than " and "` };
    rest = rest.slice(' and '.length);
  }
}

export type Reading = 'definite' | 'possible';

const BMP = minus(fromRanges([[0, 0xffff]]), fromRanges([[0xd800, 0xdfff]]));

function wildcardNfa(pattern: string, reading: Reading): Nfa {
  const parts: Nfa[] = [];
  for (let i = 0; i < pattern.length; ) {
    const char = pattern[i] as string;
    if (char === '*') {
      parts.push(reading === 'possible' ? star(charIn(ANY)) : seq(charIn(ANY), star(charIn(ANY))));
      i++;
    } else if (char === '?') {
      let run = 0;
      while (pattern[i] === '?') (run++, i++);
      parts.push(reading === 'possible' ? repeat(charIn(ANY), Math.ceil(run / 2), run) : repeat(charIn(BMP), run, run));
    } else {
      const point = String.fromCodePoint(pattern.codePointAt(i) as number);
      parts.push(literal(point));
      i += point.length;
    }
  }
  return seq(...parts);
}

/** The values a clause admits, in a reading. */
export function clauseLang(clause: Clause, reading: Reading): Lang {
  return fromNfa(clause.operator === 'eq' ? literal(clause.comparand) : wildcardNfa(clause.comparand, reading));
}

/** Whether the comparand needs the two readings (it holds a wildcard): otherwise both are one. */
export function hasWildcard(clause: Clause): boolean {
  return clause.operator === 'matches' && /[*?]/.test(clause.comparand);
}
