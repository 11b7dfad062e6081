// The rules-file regex engine: JavaScript's meaning (whole value, u flag) in linear time.
// Compared with RegExp on random small patterns and values, where backtracking is cheap,
// and run on the patterns that make RegExp backtrack for hours.
import fc from 'fast-check';
import { runs } from '../fuzz/budget.ts';
import { describe, expect, it } from 'vitest';
import { compileLinearRegex, MAX_PROGRAM_SIZE, RegexUnsupportedError } from '../../src/core/rules/linear-regex.js';
import { regexSource } from '../fuzz/rules-documents.ts';

const anchored = (source: string) => new RegExp(`^(?:${source})$`, 'u');
const matches = (source: string, value: string) => compileLinearRegex(source).test(value);

describe('linear-time regular expressions', () => {
  it.each<[string, string, boolean]>([
    ['(feature|fix)/[a-z0-9-]+', 'feature/login', true],
    ['(feature|fix)/[a-z0-9-]+', 'xfeature/login', false],
    ['(feature|fix)/[a-z0-9-]+', 'feature/login/../../main', false],
    ['refs/heads/(?:main|release/v\\d+\\.\\d+)', 'refs/heads/release/v1.22', true],
    ['refs/heads/(?:main|release/v\\d+\\.\\d+)', 'refs/heads/release/v1.x', false],
    ['^main$', 'main', true],
    ['main|^dev$', 'dev', true],
    ['[0-9a-f]{40}', '3f786850e387550fdab836ed7e6dc881de23001b', true],
    ['[0-9a-f]{40}', '3f786850e387550fdab836ed7e6dc881de23001', false],
    ['v\\d{1,3}(?:\\.\\d{1,3}){2}', 'v1.22.333', true],
    ['v\\d{1,3}(?:\\.\\d{1,3}){2}', 'v1.2222.3', false],
    ['a{2,}', 'aaaaa', true],
    ['a{2,}?b', 'ab', false],
    ['.*', 'any\u2028thing', false], // . stops at line terminators, as in JavaScript
    ['[^]*', 'any\u2028thing', true],
    ['\\bapi\\b.*', 'api-gateway', true],
    ['\\Bapi.*', 'api-gateway', false],
    ['\\p{Lu}\\p{Ll}+', 'Élan', true],
    ['.', '😀', true], // one code point, as with the u flag
    ['\\u{1F600}|\\uD83D\\uDE00', '😀', true],
    ['(?<kind>feature|fix)/.+', 'fix/x', true],
    ['\\s\\S\\w\\W\\d\\D', ' x_-1a', true],
    ['\\cJ\\x41\\0\\/', '\nA\0/', true],
  ])('%s against %j: %s', (source, value, expected) => {
    expect(matches(source, value)).toBe(expected);
    expect(anchored(source).test(value)).toBe(expected);
  });

  it('keeps the source as written', () => {
    expect(compileLinearRegex('(feature|fix)/.+').source).toBe('(feature|fix)/.+');
  });

  it.each<[string, RegExp]>([
    ['(a)\\1', /linear time, without backtracking, which cannot do backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['(?!main$).*', /lookahead or lookbehind/],
    ['(?<=refs/)heads', /lookahead or lookbehind/],
    [`${'('.repeat(60)}a${')'.repeat(60)}`, /nest more than 50 deep/],
    ['[a-z]{1000}(?:-[a-z]{1000}){5}', new RegExp(`expands to 6005 steps .* more than the ${MAX_PROGRAM_SIZE} .*; use \\* or \\+ instead`)],
    ['(?:(?:a{1000}){1000}){1000}', /expands to over a million steps/],
  ])('refuses %s and says why', (source, message) => {
    expect(() => compileLinearRegex(source)).toThrow(RegexUnsupportedError);
    expect(() => compileLinearRegex(source)).toThrow(message);
  });

  it('leaves syntax errors to RegExp, with its message', () => {
    expect(() => compileLinearRegex('(')).toThrow(SyntaxError);
    expect(() => compileLinearRegex('main)|(?:.*')).toThrow(SyntaxError);
    expect(() => compileLinearRegex('a**')).toThrow(/Nothing to repeat/);
  });

  // Each of these makes RegExp backtrack exponentially (or polynomially, with a high power)
  // on the value next to it: hours at 50 characters. Here each is a few thousand steps.
  it.each<[string, string, boolean]>([
    ['(a+)+$', `${'a'.repeat(50)}!`, false],
    ['(a|a)*b', 'a'.repeat(50), false],
    ['(a|aa)+', `${'a'.repeat(50)}b`, false],
    ['(.*a){20}', 'a'.repeat(50), true],
    ['(.*a){20}', `${'a'.repeat(19)}${'b'.repeat(50)}`, false],
    ['([a-z0-9-]+/?)*[A-Z]', `feature/${'a'.repeat(242)}`, false],
    ['(\\w+\\s?)*$', `${'word '.repeat(200)}!`, false],
  ])('decides %s against a hostile value of %#', (source, value, expected) => {
    expect(matches(source, value)).toBe(expected);
  });

  it('matches like RegExp on random small patterns and values (fixed seed)', () => {
    const atom = fc.constantFrom('a', 'b', '.', '\\d', '\\w', '\\s', '\\W', '[ab]', '[^a]', '[a-c]', '[\\s-]', '\\.', ' ', '😀', '\\u{1F600}', '\\p{L}', '[^]', '[]', '\\n');
    const quantifier = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?', '??', '{0,2}?');
    const assertion = fc.constantFrom('^', '$', '\\b', '\\B');
    // Alternatives of sequences of terms; a term may be a group of the same, two levels deep.
    const patternOf = (term: fc.Arbitrary<string>) =>
      fc.array(fc.array(term, { maxLength: 4 }).map((terms) => terms.join('')), { minLength: 1, maxLength: 3 }).map((alternatives) => alternatives.join('|'));
    const flat = fc.oneof({ weight: 5, arbitrary: fc.tuple(atom, quantifier).map(([a, q]) => a + q) }, { weight: 1, arbitrary: assertion });
    const groupOf = (inner: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom('(', '(?:'), inner, quantifier).map(([open, body, q]) => `${open}${body})${q}`);
    const nested = fc.oneof({ weight: 3, arbitrary: flat }, { weight: 1, arbitrary: groupOf(patternOf(flat)) });
    const pattern = patternOf(fc.oneof({ weight: 3, arbitrary: flat }, { weight: 1, arbitrary: groupOf(patternOf(nested)) }));
    const value = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '_', ' ', '-', '.', '\n', '😀', '\uD800', '\uDE00', 'é'), maxLength: 8 });
    fc.assert(
      fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 8 }), (source, values) => {
        const reference = anchored(source);
        const ours = compileLinearRegex(source);
        for (const text of values) expect([source, text, ours.test(text)]).toEqual([source, text, reference.test(text)]);
      }),
      runs(1500),
    );
  });

  it('accepts what RegExp accepts, refuses only the unsupported, and agrees on the rest (fixed seed)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '*', '\n'), maxLength: 8 });
    let compared = 0;
    const budget = runs(3000);
    fc.assert(
      fc.property(regexSource, fc.array(value, { maxLength: 6 }), (source, values) => {
        let reference: RegExp;
        try {
          reference = anchored(new RegExp(source, 'u').source);
        } catch {
          expect(() => compileLinearRegex(source)).toThrow(SyntaxError);
          return;
        }
        const ours = compileLinearRegex(source);
        compared++;
        for (const text of values) expect([source, text, ours.test(text)]).toEqual([source, text, reference.test(text)]);
      }),
      budget,
    );
    // Enough of the runs compare the engines for the check to mean something (1 in 30 at least).
    expect(compared).toBeGreaterThan(budget.numRuns / 30);
  });
});
