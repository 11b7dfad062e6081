// Untrusted text made inert for each of its readers: the GitHub runner's command parser (a
// port of it: harness/runner-log.ts), terminals and log viewers, JSON readers, and GFM (the
// reference parser, micromark: harness/markdown.ts). Properties run with a fixed seed.
import fc from 'fast-check';
import { runs } from '../fuzz/budget.ts';
import { describe, expect, it } from 'vitest';
import { ClaimcheckError, formatError } from '../../src/core/errors.js';
import { inertJson, inertLine, inertLines, markdownCode, quoted, visible } from '../../src/core/text/inert-text.js';
import { lineLog } from '../../src/flow/wiring.js';
import { hostileString } from '../fuzz/arbitraries.ts';
import { markdownFacts, parseGfm } from '../harness/markdown.ts';
import { readAsRunner, RUNNER_COMMANDS } from '../harness/runner-log.ts';

const RUNS = runs(400);
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/u;

/** Pieces of workflow commands and separators, mixed with anything else. */
const COMMAND_PIECES = ['##[', '##', '#', '[', ']', '::', ':', ' ', '\u00a0', '\u3000', '\t', '\r', '\n', '\u0085', '\u2028', '\u00ad', '\u200b', '\ufeff', '\u001b', '\u009b', '%0A', ...RUNNER_COMMANDS, 'x', '='];
const commandish = fc.string({ unit: fc.oneof(fc.constantFrom(...COMMAND_PIECES), fc.string({ minLength: 1, maxLength: 1 })) });
const untrusted = fc.oneof(hostileString, commandish);

describe('inertLine: one log line no reader acts on', () => {
  it('gives the runner no command, wherever the text sits in a line, and has no unsafe character', () => {
    fc.assert(
      fc.property(untrusted, fc.constantFrom('', 'claimcheck-audit ', '  ', 'sub "'), (text, before) => {
        const line = inertLine(`${before}${text}`);
        expect(line).not.toMatch(UNSAFE);
        expect(readAsRunner(line).commands).toEqual([]);
        expect(inertLine(line)).toBe(line);
      }),
      RUNS,
    );
  });

  it('breaks the commands of the review, and shows what it changed', () => {
    expect(inertLine('sub "##[stop-commands]x"')).toBe('sub "##\\u005bstop-commands]x"');
    expect(inertLine('::add-mask::x')).toBe('\\u003a:add-mask::x');
    expect(inertLine('\u3000 ::set-output name=a::b')).toBe('\u3000 \\u003a:set-output name=a::b');
    expect(inertLine('a\rb\nc\r\nd')).toBe('a\\rb\\nc\\r\\nd');
    expect(inertLine('\u001b[2J\u009b31m\u202eevil\u2028\u0085\u00ad\ud800')).toBe('\\u001b[2J\\u009b31m\\u202eevil\\u2028\\u0085\\u00ad\\ud800');
    expect(inertLine('refs/heads/feature-x é 😀 #1 [a]')).toBe('refs/heads/feature-x é 😀 #1 [a]');
  });

  it('inertLines keeps its own line breaks and makes each line inert', () => {
    fc.assert(
      fc.property(fc.array(untrusted, { maxLength: 4 }), (parts) => {
        const text = inertLines(parts.join('\n'));
        expect(text.split('\n')).toHaveLength(parts.join('\n').split('\n').length);
        expect(readAsRunner(text).commands).toEqual([]);
        for (const line of text.split('\n')) expect(line).not.toMatch(UNSAFE);
      }),
      RUNS,
    );
  });
});

describe('quoted and inertJson: JSON that reads back exactly', () => {
  it('quoted(value) parses back to the value, is inert, and is JSON.stringify for plain text', () => {
    fc.assert(
      fc.property(untrusted, (value) => {
        const literal = quoted(value);
        expect(JSON.parse(literal)).toBe(value);
        expect(inertLine(literal)).toBe(literal);
        expect(readAsRunner(`x ${literal}`).commands).toEqual([]);
      }),
      RUNS,
    );
    expect(quoted('refs/heads/main')).toBe('"refs/heads/main"');
  });

  it('inertJson keeps any record the same JSON, on one line for readers that split at U+2028, U+2029 and U+0085', () => {
    fc.assert(
      fc.property(fc.dictionary(untrusted, fc.oneof(untrusted, fc.array(untrusted, { maxLength: 3 }), fc.integer())), (record) => {
        const json = inertJson(JSON.stringify({ job: record }));
        expect(JSON.parse(json)).toEqual({ job: record });
        expect(json.split(/[\r\n\u0085\u2028\u2029]/)).toHaveLength(1);
        expect(json).not.toMatch(UNSAFE);
        expect(readAsRunner(`claimcheck-audit ${json}`).commands).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('markdownCode: a value GitHub shows literally', () => {
  const table = (code: string) => `| | |\n| --- | --- |\n| Ref | ${code} |\n`;

  it('is one code span holding the value (controls shown as escapes), in a table cell or in text', () => {
    fc.assert(
      fc.property(untrusted.filter((value) => value !== ''), (value) => {
        for (const [where, markdown] of [['table', table(markdownCode(value, 'table'))], ['text', `<sub>subject ${markdownCode(value, 'text')}</sub>\n`]] as const) {
          const facts = markdownFacts(markdown);
          // A `|` right after a backslash shows as \u007c in a table (see markdownCode).
          expect(facts.code, where).toEqual([where === 'table' ? visible(value).replaceAll('\\|', '\\\\u007c') : visible(value)]);
          expect(facts.links).toEqual([]);
          expect(facts.html).toEqual(where === 'table' ? [] : ['<sub>', '</sub>']);
          if (where === 'table') expect(facts.rowCells).toEqual([2, 2]);
        }
      }),
      RUNS,
    );
  });

  it('makes no link, mention, reference, emoji or HTML of what GitHub would turn into one', () => {
    const hostile = ['(www.evil.example)', 'x@evil.example', '#123', '@acme/team', ':smile:', '<img src=x onerror=alert(1)>', '<!-- x', '[a](https://evil.example)', 'https://evil.example', '``', '` a `', ' ', '|', 'a | b', '*em* _em_ ~~s~~', '&lt;', '\n# heading'];
    for (const value of hostile) {
      const facts = markdownFacts(table(markdownCode(value, 'table')));
      expect(facts, value).toMatchObject({ links: [], html: [], code: [visible(value)], outsideCode: ['Ref'], rowCells: [2, 2] });
    }
    expect(markdownFacts(table(markdownCode('a\\|b\\\\|', 'table')))).toMatchObject({ code: ['a\\\\u007cb\\\\\\u007c'], rowCells: [2, 2] });
    expect(parseGfm(markdownCode('www.evil.example', 'text')).children).toHaveLength(1);
  });

  it('uses the shortest fence that works, padded only when needed', () => {
    expect(markdownCode('refs/heads/main', 'table')).toBe('`refs/heads/main`');
    expect(markdownCode('a`b', 'text')).toBe('``a`b``');
    expect(markdownCode('`a', 'text')).toBe('`` `a ``');
    expect(markdownCode('a|b', 'table')).toBe('`a\\|b`');
    expect(markdownCode('a|b', 'text')).toBe('`a|b`');
    expect(markdownCode('', 'text')).toBe('');
  });
});

describe('where inert text is printed', () => {
  it('formatError writes an inert message and hint, whatever the message quotes', () => {
    const error = new ClaimcheckError('RULE_FAILED', 'Claim rule environment=prod does not hold: the token\'s environment is "##[stop-commands]x\u009b31m".', 'Hint\u202e text.');
    expect(formatError(error)).toBe('RULE_FAILED: Claim rule environment=prod does not hold: the token\'s environment is "##\\u005bstop-commands]x\\u009b31m".\nHint: Hint\\u202e text.');
  });

  it('lineLog (the orb and the CLI) prints each line inert, redacted first', () => {
    const printed: string[] = [];
    const log = lineLog((line) => printed.push(line), (text) => text.replaceAll('SECRET', '***'), { CLAIMCHECK_DEBUG: '1' });
    log.info('  Ref: refs/heads/\u001b[2J\n  Rule held: ##[stop-commands]x SECRET');
    log.warning('::warning::\u2028');
    log.debug('\u009b31m');
    expect(printed).toEqual(['  Ref: refs/heads/\\u001b[2J\n  Rule held: ##\\u005bstop-commands]x ***', 'Warning: ::warning::\\u2028', '[debug] \\u009b31m']);
  });
});
