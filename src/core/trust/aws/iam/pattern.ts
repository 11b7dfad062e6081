// IAM string values as IAM reads them: StringLike's `*` (any run of characters, `/` and `:`
// included) and `?` (exactly one), and the policy-variable escapes `${*}`, `${?}` and `${$}`
// for a literal `*`, `?` and `$` (policy version 2012-10-17). Matching walks the pattern as an
// automaton, so a hostile policy value costs time linear in its length times the claim's.

import { matchesWildcards } from '../../../rules/wildcard-match.js';

export type IamToken = { readonly literal: string } | { readonly any: true } | { readonly one: true };

const ESCAPES: Readonly<Record<string, string>> = { '${*}': '*', '${?}': '?', '${$}': '$' };

/**
 * The tokens of a policy value, or undefined when it holds a policy variable other than the
 * three escapes (a variable a web-identity trust policy cannot resolve: the caller fails closed).
 * `wildcards` is false for the exact operators, where `*` and `?` are plain characters.
 */
export function parseIamValue(value: string, wildcards: boolean, variables: boolean): IamToken[] | undefined {
  const tokens: IamToken[] = [];
  const chars = Array.from(value);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (variables && char === '$' && chars[i + 1] === '{') {
      const escape = chars.slice(i, i + 4).join('');
      const literal = ESCAPES[escape];
      if (literal === undefined) return undefined;
      tokens.push({ literal });
      i += 3;
    } else if (wildcards && char === '*') {
      tokens.push({ any: true });
    } else if (wildcards && char === '?') {
      tokens.push({ one: true });
    } else {
      tokens.push({ literal: char });
    }
  }
  return tokens;
}

// `${key}` or `${key, 'default'}` (a quote in the default written twice), as IAM writes them.
const VARIABLE = /^\s*[^\s,'{}$]+\s*(?:,\s*'(?:[^']|'')*'\s*)?$/;

/** The `}` closing a variable that starts before `from`, skipping braces in a quoted default. */
function variableEnd(text: string, from: number): number | undefined {
  let quoted = false;
  // Stryker disable next-line EqualityOperator: equivalent: text[text.length] is undefined, neither quote nor brace
  for (let i = from; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (text[i] === '}' && !quoted) return i;
  }
  return undefined;
}

/**
 * What a value's policy variables leave this evaluator: `unresolved` for a well-formed variable
 * other than the three escapes (`${aws:username}`: claimcheck does not substitute them, so a
 * condition on it fails closed), `malformed` for one IAM would not take (never closed, empty,
 * not a key), undefined when there is nothing to resolve.
 */
export function variableProblem(value: string): 'unresolved' | 'malformed' | undefined {
  let problem: 'unresolved' | undefined;
  for (let at = value.indexOf('${'); at >= 0; at = value.indexOf('${', at)) {
    const end = variableEnd(value, at + 2);
    if (end === undefined) return 'malformed';
    const inner = value.slice(at + 2, end);
    if (inner !== '*' && inner !== '?' && inner !== '$') {
      if (!VARIABLE.test(inner)) return 'malformed';
      problem = 'unresolved';
    }
    at = end; // the "}" there cannot start another variable
  }
  return problem;
}

/** Whole-value match of IAM tokens against a string, by code point. */
export function matchesIam(tokens: readonly IamToken[], text: string, ignoreCase = false): boolean {
  const fold = (value: string) => (ignoreCase ? value.toLowerCase() : value);
  return matchesWildcards(tokens, text, {
    isStar: (token) => 'any' in token,
    takes: (token, char) => !('literal' in token) || fold(token.literal) === fold(char),
  });
}

/** Text for an exact operator (StringEquals): only `${` needs escaping, so no variable starts. */
export function exactValue(text: string): string {
  return text.replaceAll('${', () => '${$}{');
}

/** A literal inside a StringLike pattern: `*`, `?` and `${` escaped. */
export function likeLiteral(text: string): string {
  return Array.from(text)
    .map((char, i, all) => (char === '*' ? '${*}' : char === '?' ? '${?}' : char === '$' && all[i + 1] === '{' ? '${$}' : char))
    .join('');
}

/** True when a StringLike value has a wildcard (outside the escapes). */
export function hasWildcard(value: string): boolean {
  return value.split(/\$\{[*?$]\}/).some((part) => /[*?]/.test(part));
}
