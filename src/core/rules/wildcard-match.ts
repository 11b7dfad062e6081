// Whole-value matching of wildcard patterns as an automaton walk: time linear in the value
// times the pattern, whatever the pattern (no backtracking). A pattern is a list of tokens,
// each either one character's worth or a star that repeats over a run (possibly empty).
// Claim rule globs (rules.ts) and IAM's StringLike values (iam/pattern.ts) both use it.

export interface WildcardSyntax<T> {
  /** True for a star: it may match nothing, or repeat over the characters `takes` accepts. */
  readonly isStar: (token: T) => boolean;
  /** Whether the token takes this character (for a star: whether it may repeat over it). */
  readonly takes: (token: T, char: string) => boolean;
}

/** Matches by code point, as a `u` regular expression would. */
export function matchesWildcards<T>(tokens: readonly T[], value: string, syntax: WildcardSyntax<T>): boolean {
  let states = closure(new Set([0]), tokens, syntax);
  for (const char of value) {
    const next = new Set<number>();
    for (const state of states) {
      const token = tokens[state];
      if (token === undefined || !syntax.takes(token, char)) continue;
      next.add(syntax.isStar(token) ? state : state + 1);
    }
    // Stryker disable next-line ConditionalExpression: equivalent: an empty set stays empty; this only stops early
    if (next.size === 0) return false;
    states = closure(next, tokens, syntax);
  }
  return states.has(tokens.length);
}

/** A star may match nothing: every state before a star also stands after it. */
function closure<T>(states: Set<number>, tokens: readonly T[], syntax: WildcardSyntax<T>): Set<number> {
  for (const state of states) {
    const token = tokens[state];
    if (token !== undefined && syntax.isStar(token)) states.add(state + 1);
  }
  return states;
}
