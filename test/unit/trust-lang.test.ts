// The languages under trust verdicts: regular expressions, claim globs and grammars as
// automata must accept exactly what the matchers they stand for accept (RegExp with the u
// flag, the rule matcher), and the search over a grammar must find a token exactly when one
// exists.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../fuzz/budget.ts';
import { compileLinearRegex } from '../../src/core/rules/linear-regex.js';
import { matchesPattern, parseClaimRules } from '../../src/core/rules/rules.js';
import { accepts, shortestWord } from '../../src/core/trust/lang/dfa.js';
import { alphabetOf, not, and, toDfa, type Lang } from '../../src/core/trust/lang/lang.js';
import { regexToNfa, RegexNotRegular } from '../../src/core/trust/lang/regex.js';
import { ruleLang } from '../../src/core/trust/lang/rule-lang.js';
import { fromNfa } from '../../src/core/trust/lang/lang.js';
import { grammarFor } from '../../src/core/trust/grammar/choose.js';
import { openSession, solve, type Constraint } from '../../src/core/trust/solve.js';
import { charSetsOfLang } from '../../src/core/trust/lang/lang.js';
import { alphabetFor } from '../../src/core/trust/lang/alphabet.js';

const PIECES = ['a', 'b', 'A', '0', '9', '/', ':', '.', '-', '_', '\n', 'é', '😀', ' '];
const sample = fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((parts) => parts.join(''));

function dfaOf(lang: Lang, extra: Lang[] = []) {
  return toDfa(lang, alphabetOf([lang, ...extra]));
}

describe('regular expressions as automata', () => {
  const patterns = ['a+b*', '[a-z]{1,3}', '(?:ab|a)*', '\\d+/\\w*', '[^/:]+', '.*', 'a?b?', '[\\s:]+', '(a|b|)c?', '^ab$|^b', '[\\-a]', '\\u{1F600}|é', 'a{2,}', '(?<x>a)b'];
  it('accept exactly what RegExp accepts, whole value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...patterns), sample, (source, value) => {
        const dfa = dfaOf(fromNfa(regexToNfa(source)));
        expect(accepts(dfa, value), `${source} on ${JSON.stringify(value)}`).toBe(compileLinearRegex(source).test(value));
      }),
      runs(2000),
    );
  });

  it('refuses what has no automaton here', () => {
    for (const source of ['\\bx', 'a^b', '\\p{L}+', 'a$b']) expect(() => regexToNfa(source), source).toThrow(RegexNotRegular);
  });
});

describe('claim rules as languages', () => {
  const piece = fc.constantFrom('a', 'b', '/', ':', '*', '**', '.');
  it('accept exactly what the rule matcher accepts', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 5 }), sample, (pieces, value) => {
        let rules;
        try {
          rules = parseClaimRules(`x=${pieces.join('')}`);
        } catch {
          return;
        }
        const rule = rules[0]!;
        const built = ruleLang(rule);
        if (!('lang' in built)) throw new Error(built.unsupported);
        const glob = (rule.alternatives[0] as { glob: Parameters<typeof matchesPattern>[0] }).glob;
        expect(accepts(dfaOf(built.lang), value)).toBe(matchesPattern(glob, value));
      }),
      runs(2000),
    );
  });

  it('complements within the universe', () => {
    const lang = fromNfa(regexToNfa('ab'));
    const dfa = dfaOf(not(lang));
    expect(accepts(dfa, 'ab')).toBe(false);
    expect(accepts(dfa, 'abc')).toBe(true);
    expect(shortestWord(dfa)).toBe('');
    expect(shortestWord(dfaOf(and(not(lang), fromNfa(regexToNfa('a.')))))).toBe('aa');
  });
});

describe('the search over a grammar', () => {
  const grammar = grammarFor('https://token.actions.githubusercontent.com', 'sts.amazonaws.com');
  function session(langs: Lang[]) {
    const sets = [...langs, ...Object.values(grammar.fields).map((field) => field.lang)].flatMap((lang) => charSetsOfLang(lang));
    return openSession(grammar, alphabetFor(sets));
  }
  const exactly = (text: string): Lang => fromNfa(regexToNfa(text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')));

  it('finds no token whose subject names acme/api and whose repository is another', () => {
    const sub = exactly('repo:acme/api:ref:refs/heads/main');
    const repository = not(exactly('acme/api'));
    const s = session([sub, repository]);
    const constraints = new Map<string, Constraint>([
      ['sub', { dfas: [toDfa(sub, s.alphabet)], missing: false }],
      ['repository', { dfas: [toDfa(repository, s.alphabet)], missing: true }],
    ]);
    expect(solve(s, constraints)).toBeUndefined();
  });

  it('finds a job in an environment behind a ref subject pattern that only names the repository', () => {
    const sub = fromNfa(regexToNfa('repo:acme/api:.*'));
    const ref = not(exactly('refs/heads/main'));
    const s = session([sub, ref]);
    const witness = solve(s, new Map([
      ['sub', { dfas: [toDfa(sub, s.alphabet)], missing: false }],
      ['ref', { dfas: [toDfa(ref, s.alphabet)], missing: true }],
    ]));
    expect(witness?.claims.sub).toMatch(/^repo:acme\/api:/);
    expect(witness?.claims.ref).not.toBe('refs/heads/main');
    expect(witness?.claims.repository).toBe('acme/api');
  });

  it('tells a field that a stranger can choose from one that is pinned', () => {
    const sub = fromNfa(regexToNfa('repo:acme/.*'));
    const s = session([sub]);
    const constraints = new Map([['sub', { dfas: [toDfa(sub, s.alphabet)], missing: false }]]);
    expect(solve(s, constraints, new Set(['owner']))).toBeUndefined();
    expect(solve(s, constraints, new Set(['name', 'ownerId']))).toBeDefined();
  });
});
