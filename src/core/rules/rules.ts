// Claim rules: `claim=value` lines, all of which must hold before STS is called.
// `*` matches within one segment (never across `/` or `:`), `**` matches anything,
// `a|b` lists alternatives, and a backslash escapes `*`, `|` or `\`. Matching is anchored,
// exact and case-sensitive, and globs run in time linear in the claim (no backtracking).
// Rules files (rules-file.ts) add exact values and anchored regular expressions.
import { ClaimcheckError } from '../errors.js';
import { matchesWildcards, type WildcardSyntax } from './wildcard-match.js';

export type PatternToken = { readonly literal: string } | { readonly star: 'segment' | 'any' };

/** A rules file's regular expression: its source as written, and a whole-value test that runs in linear time. */
export interface ClaimRegex {
  readonly source: string;
  test(value: string): boolean;
}

/** One acceptable form of a claim's value. */
export type Alternative = { readonly glob: readonly PatternToken[] } | { readonly exact: string } | { readonly regex: ClaimRegex };

export interface ClaimRule {
  /** The rule as written, for messages. */
  readonly source: string;
  readonly claim: string;
  readonly alternatives: readonly Alternative[];
}

export interface RuleResult {
  readonly rule: ClaimRule;
  readonly held: boolean;
  /** The claim as presented, rendered for people (JSON for non-strings), or undefined when absent. */
  readonly presented: string | undefined;
}

export class RuleSyntaxError extends Error {}

const CLAIM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
const MAX_VALUE_LENGTH = 1024;

export function parseClaimRules(text: string): ClaimRule[] {
  const rules: ClaimRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    rules.push(parseRuleLine(line, index + 1));
  });
  return rules;
}

function parseRuleLine(line: string, lineNumber: number): ClaimRule {
  const where = `line ${lineNumber} ("${line}")`;
  const equals = line.indexOf('=');
  if (equals < 0) throw new RuleSyntaxError(`${where} has no "=": write claim=value`);
  const claim = line.slice(0, equals).trim();
  const value = line.slice(equals + 1).trim();
  if (!CLAIM_NAME.test(claim)) {
    throw new RuleSyntaxError(`${where} names no valid claim: use letters, digits and _ . : / - (e.g. repository)`);
  }
  if (value === '') throw new RuleSyntaxError(`${where} has an empty value`);
  if (value.length > MAX_VALUE_LENGTH) throw new RuleSyntaxError(`${where} is longer than ${MAX_VALUE_LENGTH} characters`);
  if (/\p{Cc}/u.test(value)) throw new RuleSyntaxError(`${where} contains a control character`);
  const alternatives = splitAlternatives(value, where).map((alternative) => ({ glob: tokenize(alternative, where) }));
  return { source: `${claim}=${value}`, claim, alternatives };
}

function splitAlternatives(value: string, where: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') {
      current += value.slice(i, i + 2);
      i++;
    } else if (char === '|') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  if (parts.some((part) => part.trim() === '')) throw new RuleSyntaxError(`${where} has an empty alternative around "|"`);
  return parts.map((part) => part.trim());
}

/** A glob alternative from its text (escapes as in the claims input; `|` is literal only escaped). */
export function globAlternative(pattern: string, where: string): Alternative {
  return { glob: tokenize(pattern, where) };
}

function tokenize(pattern: string, where: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === '\\') {
      const next = chars[i + 1];
      if (next !== '\\' && next !== '*' && next !== '|') {
        throw new RuleSyntaxError(`${where}: "\\" may only escape *, | or \\`);
      }
      tokens.push({ literal: next });
      i++;
    } else if (char === '*') {
      const any = chars[i + 1] === '*';
      if (any) i++;
      if (chars[i + 1] === '*') throw new RuleSyntaxError(`${where}: use * or **, not three or more in a row`);
      tokens.push({ star: any ? 'any' : 'segment' });
    } else {
      tokens.push({ literal: char });
    }
  }
  return tokens;
}

const SEGMENT_SEPARATORS = new Set(['/', ':']);

const GLOB: WildcardSyntax<PatternToken> = {
  isStar: (token) => 'star' in token,
  takes: (token, char) => ('literal' in token ? token.literal === char : token.star === 'any' || !SEGMENT_SEPARATORS.has(char)),
};

/** Whole-value glob match: O(value × pattern), whatever the pattern. */
export function matchesPattern(tokens: readonly PatternToken[], value: string): boolean {
  return matchesWildcards(tokens, value, GLOB);
}

/** Claim values a rule can match: strings, numbers and booleans; arrays match if any element does. */
function candidateValues(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((item) =>
    typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? [String(item)] : [],
  );
}

export function describeClaim(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function matchesAlternative(alternative: Alternative, value: string): boolean {
  if ('glob' in alternative) return matchesPattern(alternative.glob, value);
  if ('exact' in alternative) return alternative.exact === value;
  return alternative.regex.test(value);
}

/** What the token presented for a rule, in short: `no ref claim`, or `ref is "refs/heads/dev"`. */
export function presentedFor({ rule, presented }: RuleResult): string {
  return presented === undefined ? `no ${rule.claim} claim` : `${rule.claim} is ${JSON.stringify(presented)}`;
}

export function checkRule(rule: ClaimRule, claims: Readonly<Record<string, unknown>>): RuleResult {
  const value = Object.hasOwn(claims, rule.claim) ? claims[rule.claim] : undefined;
  const held = candidateValues(value).some((candidate) => rule.alternatives.some((alternative) => matchesAlternative(alternative, candidate)));
  return { rule, held, presented: describeClaim(value) };
}

export function checkClaimRules(rules: readonly ClaimRule[], claims: Readonly<Record<string, unknown>>): RuleResult[] {
  return rules.map((rule) => checkRule(rule, claims));
}

/** The error for the first rule that did not hold, with what the token presented. */
export function ruleFailure(failed: RuleResult, results: readonly RuleResult[]): ClaimcheckError {
  const { rule, presented } = failed;
  const what = presented === undefined ? `the token has no ${rule.claim} claim` : `the token's ${rule.claim} is ${JSON.stringify(presented)}`;
  const held = results.filter((result) => result.held).map((result) => result.rule.source);
  const wouldMatchWithAny = presented !== undefined && rule.alternatives.some((alternative) =>
    'glob' in alternative && matchesPattern(alternative.glob.map((token) => ('star' in token ? { star: 'any' as const } : token)), presented),
  );
  const hint = wouldMatchWithAny
    ? 'A * stops at / and :, use ** to match across them (e.g. refs/heads/**).'
    : 'Run the job where the rule holds (branch, environment, workflow), or change the rule if it is wrong.';
  return new ClaimcheckError(
    'RULE_FAILED',
    `Claim rule ${rule.source} does not hold: ${what}.${held.length > 0 ? ` Rules that held: ${held.join(', ')}.` : ''}`,
    hint,
  );
}
