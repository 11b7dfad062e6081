// The linear-time regex engine at its edges: the program-size and nesting limits to the step,
// the exact sizes it reports for each construct, and the escapes and groups a hand-written
// parser can get wrong (surrogate pairs written as \u escapes, an escaped "]" in a class, a
// named group, lazy quantifiers, \b against \B, what "." refuses). Every match is checked
// against RegExp itself.
import { describe, expect, it } from 'vitest';
import { compileLinearRegex, MAX_GROUP_DEPTH, MAX_PROGRAM_SIZE, RegexUnsupportedError } from '../../src/core/rules/linear-regex.js';

const anchored = (source: string) => new RegExp(`^(?:${source})$`, 'u');

function refusal(source: string): string {
  try {
    compileLinearRegex(source);
  } catch (error) {
    if (error instanceof RegexUnsupportedError) return error.message;
    throw error;
  }
  throw new Error(`expected ${source} to be refused`);
}

describe('the program-size limit', () => {
  it('takes a pattern of exactly 5000 steps and refuses 5001, saying how many', () => {
    expect(MAX_PROGRAM_SIZE).toBe(5000);
    expect(compileLinearRegex('a{5000}').test('a'.repeat(5000))).toBe(true);
    expect(compileLinearRegex('b(?:){4999}').test('b')).toBe(true);
    expect(refusal('a{5001}')).toBe('it expands to 5001 steps once its counted repeats {m,n} are written out, more than the 5000 that keep matching fast; use * or + instead of large counts');
  });

  it.each<[string, string]>([
    ['(?:a|b|c){1000}', '7000'], // an alternation: its options and two steps per extra option
    ['(?:ab){2000,2500}', '5500'], // optional copies: one step more each
    ['(?:abc){1700,}', '5105'], // an unbounded repeat: the copy and two steps
    ['a{0,5000}', '10000'],
    ['(?:){6000}', '6000'], // an empty item still costs a pass per copy
    ['(?:\\b){5001}', '5001'], // an assertion is a step
    ['(?:^|$){1667}', '6668'],
    ['a{1000000}', '1000000'],
    ['a{1000001}', 'over a million'],
  ])('sizes %s at %s steps', (source, size) => {
    expect(refusal(source)).toMatch(new RegExp(`^it expands to ${size} steps once`));
  });
});

describe('the nesting limit', () => {
  it('takes groups nested 50 deep and refuses 51', () => {
    expect(MAX_GROUP_DEPTH).toBe(50);
    const nested = (depth: number) => `${'('.repeat(depth)}a${')'.repeat(depth)}`;
    expect(compileLinearRegex(nested(50)).test('a')).toBe(true);
    expect(refusal(nested(51))).toBe('its groups nest more than 50 deep');
  });
});

describe('escapes, classes and groups', () => {
  it.each<[string, string, boolean]>([
    ['\\ud83d\\ude00', '😀', true],
    ['\\uD83D\\uDE00', '😀', true],
    ['\\ud800\\udc00', '\u{10000}', true],
    ['\\udbff\\udfff', '\u{10FFFF}', true],
    ['\\ud83d\\ude00+', '😀😀', true],
    ['\\u0041\\u0042', 'AB', true],
    ['\\ud83d\\u0041', '\ud83dA', true],
    ['\\udc00\\udc00', '\udc00\udc00', true],
    ['\\udc00\\udc00', '\u{10000}', false],
    ['[\\]a]+', ']a]', true],
    ['[\\]a]', '\\', false],
    ['[\\\\]x', '\\x', true],
    ['(?<year>\\d{4})-(?<month>\\d\\d)', '2024-05', true],
    ['(?<year>\\d{4})', 'year>2024', false],
    ['a+?b', 'aab', true],
    ['a??b', 'b', true],
    ['a{2,3}?b', 'aaab', true],
    ['a\\Bb', 'ab', true],
    ['a\\bb', 'ab', false],
    ['a\\b-', 'a-', true],
    ['-\\b-', '--', false],
    ['-\\B-', '--', true],
    ['\\P{L}+', '12', true],
    ['\\P{L}', 'a', false],
    ['\\p{L}', 'a', true],
    ['.', '\n', false],
    ['.', '\r', false],
    ['.', '\u2028', false],
    ['.', '\u2029', false],
    ['.', '\t', true],
    ['\\x41\\u{1F600}', 'A😀', true],
    ['\\t\\v\\f', '\t\v\f', true],
    ['a|', '', true],
    ['|a', 'a', true],
  ])('%s against %j: %s, as RegExp', (source, value, expected) => {
    expect(compileLinearRegex(source).test(value)).toBe(expected);
    expect(anchored(source).test(value)).toBe(expected);
  });

  it.each(['(a)(b)\\2', '(a)(b)(c)(d)(e)(f)(g)(h)(i)\\9', '(?<n>a)\\k<n>'])('refuses the backreference %s', (source) => {
    expect(refusal(source)).toMatch(/backreferences \(\\1, \\k<name>\); repeat the group's pattern instead$/);
  });

  it('takes \\0 as the NUL character, not a backreference', () => {
    expect(compileLinearRegex('a\\0').test('a\0')).toBe(true);
  });

  it('refuses inline flags, where RegExp knows them', () => {
    expect(() => compileLinearRegex('(?i:main)')).toThrow();
    let modifiers = true;
    try {
      new RegExp('(?i:a)', 'u');
    } catch {
      modifiers = false; // Node before 23: RegExp refuses them itself
    }
    if (modifiers) expect(refusal('(?i:main)')).toBe('inline flags such as (?i:…) are not supported; spell the cases out, e.g. [Mm]ain');
  });
});
