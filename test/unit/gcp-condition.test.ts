// How the Google check reads a provider's condition: RE2 as matches() means it (found anywhere
// unless anchored; `.` and `\s` as RE2 has them, not JavaScript), what it refuses to read, and
// CEL's errors (a condition on a missing claim is neither true nor false).
import { describe, expect, it } from 'vitest';
import { re2Lang } from '../../src/core/trust/gcp/check/re2-lang.ts';
import { condition } from '../../src/core/trust/gcp/check/condition.ts';
import { disjuncts } from '../../src/core/trust/gcp/check/formula.ts';
import { alphabetOf, toDfa } from '../../src/core/trust/lang/lang.ts';
import { accepts } from '../../src/core/trust/lang/dfa.ts';
import { parseCel } from '../../src/cli/trust/gcp-cel.ts';
import { evaluateCel } from '../harness/cel.ts';

function matcher(pattern: string): (text: string) => boolean {
  const read = re2Lang(pattern);
  if (!('lang' in read)) throw new Error(read.unsupported);
  const dfa = toDfa(read.lang, alphabetOf([read.lang]));
  return (text) => {
    const cel = evaluateCel(`s.matches(${JSON.stringify(pattern)})`, { s: text });
    // The checker and @bufbuild/cel's RE2 agree on every example here.
    expect(cel).toEqual({ value: accepts(dfa, text) });
    return accepts(dfa, text);
  };
}

describe('RE2 patterns', () => {
  it('are found anywhere in the value unless anchored', () => {
    expect(matcher('refs/heads/main')('refs/heads/main-evil')).toBe(true);
    expect(matcher('refs/heads/main')('x/refs/heads/main')).toBe(true);
    expect(matcher('^refs/heads/main$')('refs/heads/main-evil')).toBe(false);
    expect(matcher('^a|b$')('xb')).toBe(true);
    expect(matcher('^a|b$')('xa')).toBe(false);
  });

  it("read . and \\s as RE2 does: . stops only at a newline, \\s has no vertical tab", () => {
    expect(matcher('^a.b$')('a\rb')).toBe(true);
    expect(matcher('^a.b$')('a\nb')).toBe(false);
    expect(matcher('^a\\sb$')('a\u000bb')).toBe(false);
    expect(matcher('^a\\sb$')('a\tb')).toBe(true);
  });

  it('read the nested anchors claimcheck compiles, and classes, repeats and escapes', () => {
    const compiled = matcher('^(?:^acme/api/\\.github/workflows/deploy\\.yml@refs/heads/(main|release/[^\\n\\r\\x{2028}\\x{2029}]+)$)$');
    expect(compiled('acme/api/.github/workflows/deploy.yml@refs/heads/release/1')).toBe(true);
    expect(compiled('acme/api/.github/workflows/deploy.yml@refs/heads/dev')).toBe(false);
    expect(matcher('^[0-9]{2,3}$')('123')).toBe(true);
    expect(matcher('^[0-9]{2,3}$')('1234')).toBe(false);
    expect(matcher('^\\x{e9}[a\\-]$')('é-')).toBe(true);
  });

  it('refuse, with the reason, what they do not read', () => {
    for (const [pattern, reason] of [['(?i)^acme$', 'inline flags'], ['\\bapi\\b', 'the escape \\b'], ['^[[:alpha:]]+$', 'RE2 reads [:alpha:]'], ['(^a|b)', '^ other than at the start'], ['\\pL', 'the escape \\p'], ['a{,2}', 'not a repeat'], ['(?P<x>a)(?P<x>b)', 'group name used twice']] as const) {
      const read = re2Lang(pattern);
      expect('unsupported' in read ? read.unsupported : 'read', pattern).toContain(reason);
    }
  });
});

describe('CEL conditions', () => {
  const scope = { modelled: new Set(['environment', 'ref']), mapping: {} };
  const ways = (text: string) => {
    const parsed = parseCel(text);
    if (!('node' in parsed)) throw new Error(parsed.error);
    return disjuncts(condition(parsed.node, scope).whenTrue);
  };

  it('read a condition on a missing claim as an error: !(x == "v") needs x present', () => {
    const [way] = ways('!(assertion.environment == "prod")');
    expect(way?.preds.map(([claim, pred]) => [claim, pred.missing])).toEqual([['environment', false]]);
  });

  it('let an error through where CEL does: x == "v" || true is true for every token', () => {
    expect(ways('assertion.environment == "prod" || true')).toEqual([{ preds: [], unknown: [] }]);
  });

  it('name what they do not read, and keep it apart from what they do', () => {
    const [way] = ways('assertion.ref == "refs/heads/main" && assertion.run_attempt == "1" && size(assertion.ref) > 3');
    expect(way?.preds.map(([claim]) => claim)).toEqual(['ref']);
    expect(way?.unknown).toEqual(['assertion.run_attempt: claimcheck does not model the values the issuer gives run_attempt', 'size(assertion.ref) > 3: claimcheck does not read this part of CEL']);
  });
});
