// IAM string values read as IAM reads them: wildcards only where StringLike allows them, the
// three escapes only in policy version 2012-10-17, any other variable left unresolved (or
// refused when IAM would not take it), and the text claimcheck writes into a policy.
import { describe, expect, it } from 'vitest';
import { exactValue, hasWildcard, likeLiteral, matchesIam, parseIamValue, variableProblem } from '../../src/core/trust/aws/iam/pattern.js';

describe('parseIamValue', () => {
  it('reads * and ? as wildcards only where wildcards are on', () => {
    expect(parseIamValue('a*?', true, false)).toEqual([{ literal: 'a' }, { any: true }, { one: true }]);
    expect(parseIamValue('a*?', false, false)).toEqual([{ literal: 'a' }, { literal: '*' }, { literal: '?' }]);
  });

  it('reads the escapes as literals with variables on, and as text without', () => {
    expect(parseIamValue('${*}${?}${$}', true, true)).toEqual([{ literal: '*' }, { literal: '?' }, { literal: '$' }]);
    expect(parseIamValue('${*}', true, false)).toEqual([{ literal: '$' }, { literal: '{' }, { any: true }, { literal: '}' }]);
  });

  it('refuses another variable, but takes braces and dollars that start none', () => {
    expect(parseIamValue('${aws:username}', false, true)).toBeUndefined();
    expect(parseIamValue('x${', false, true)).toBeUndefined();
    expect(parseIamValue('a{b}', false, true)).toEqual([{ literal: 'a' }, { literal: '{' }, { literal: 'b' }, { literal: '}' }]);
    expect(parseIamValue('$a$', false, true)).toEqual([{ literal: '$' }, { literal: 'a' }, { literal: '$' }]);
  });

  it('reads by code point', () => {
    expect(parseIamValue('😀?', true, false)).toEqual([{ literal: '😀' }, { one: true }]);
  });
});

describe('matchesIam', () => {
  const tokens = (value: string, wildcards = true) => parseIamValue(value, wildcards, true) ?? [];

  it('matches the whole value, case-sensitively unless asked', () => {
    expect(matchesIam(tokens('Main'), 'main')).toBe(false);
    expect(matchesIam(tokens('Main'), 'main', true)).toBe(true);
    expect(matchesIam(tokens('refs/*'), 'refs/heads/a:b')).toBe(true);
    expect(matchesIam(tokens('v?'), 'v10')).toBe(false);
    expect(matchesIam(tokens('v?'), 'v😀')).toBe(true);
    expect(matchesIam(tokens('a${*}'), 'a*')).toBe(true);
    expect(matchesIam(tokens('a${*}'), 'ab')).toBe(false);
  });
});

describe('variableProblem', () => {
  it.each<[string, 'unresolved' | 'malformed' | undefined]>([
    ['plain', undefined],
    ['a$b{c}', undefined],
    ['${*}${?}${$}', undefined],
    ['${$}{aws:username}', undefined],
    ['${aws:username}', 'unresolved'],
    ['x-${ aws:username }-y', 'unresolved'],
    ["${aws:username, 'nobody'}", 'unresolved'],
    ["${aws:username, 'it''s'}", 'unresolved'],
    ["${aws:username, 'a}b'}", 'unresolved'],
    ['${*}${aws:username}', 'unresolved'],
    ['${aws:username}${', 'malformed'],
    ['${', 'malformed'],
    ['${aws:username', 'malformed'],
    ['${}', 'malformed'],
    ['${a b}', 'malformed'],
    ["${aws:username, nobody}", 'malformed'],
    ["${aws:username, 'open}", 'malformed'],
  ])('%s → %s', (value, problem) => {
    expect(variableProblem(value)).toBe(problem);
  });
});

describe('text written into a policy', () => {
  it('escapes only "${" in an exact value', () => {
    expect(exactValue('a*?$b{${c}')).toBe('a*?$b{${$}{c}');
    expect(variableProblem(exactValue('${aws:username}'))).toBeUndefined();
  });

  it('escapes *, ? and "${" in a StringLike literal, and nothing else', () => {
    expect(likeLiteral('a*b?c${d}$e{f')).toBe('a${*}b${?}c${$}{d}$e{f');
    expect(likeLiteral('$')).toBe('$');
    const tokens = parseIamValue(likeLiteral('refs/*?${x}'), true, true) ?? [];
    expect(matchesIam(tokens, 'refs/*?${x}')).toBe(true);
    expect(matchesIam(tokens, 'refs/ab${x}')).toBe(false);
  });

  it.each<[string, boolean]>([
    ['refs/heads/main', false],
    ['refs/*', true],
    ['v?', true],
    ['${*}${?}${$}', false],
    ['${*}*', true],
    ['${?}?', true],
    ['${x}', false],
  ])('hasWildcard(%s) is %s', (value, wildcard) => {
    expect(hasWildcard(value)).toBe(wildcard);
  });
});
