// upsertSection/removeSection on generated INI files: our section comes and goes without
// touching the rest, and writing it twice is writing it once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeSection, upsertSection } from '../../src/core/text/ini.js';
import { hostileString } from './arbitraries.ts';
import { runs } from './budget.ts';

const RUNS = runs(1000);

/** Section names as profile.ts builds them: a profile name, or `profile <name>`. */
const sectionName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/), fc.stringMatching(/^profile [A-Za-z0-9_.-]{1,16}$/));

/** One line of text that holds no line break. */
const lineText = fc.oneof(hostileString, fc.string({ unit: fc.constantFrom('[', ']', ' ', '\t', '\r', '#', ';', '=', 'a', 'é') })).map((text) => text.replace(/\n/g, ''));

const bodyLine = fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), fc.constantFrom(' = ', '=', ' =\t'), lineText).map((parts) => parts.join('')),
  fc.tuple(fc.constantFrom('#', ';', '  # '), lineText).map((parts) => parts.join('')),
  fc.constantFrom('', '  ', '\t'),
);

/** A header as people write them: spaces inside the brackets, a comment after. */
function header(name: string): fc.Arbitrary<string> {
  return fc.constantFrom(`[${name}]`, `[ ${name} ]`, `  [${name}]`, `[${name}] # mine`, `[${name}]\t; note`);
}

const section = sectionName.chain((name) => fc.tuple(header(name), fc.array(bodyLine, { maxLength: 5 })).map(([head, body]) => [head, ...body]));

/** A well-formed file of sections: every line ends with "\n", and the last line is not blank. */
const wellFormed = fc
  .tuple(fc.array(bodyLine, { maxLength: 2 }), fc.array(section, { maxLength: 5 }))
  .map(([preamble, sections]) => trimTrailingBlankLines([...preamble, ...sections.flat()]))
  .map((lines) => (lines.length === 0 ? '' : `${lines.join('\n')}\n`));

function trimTrailingBlankLines(lines: string[]): string[] {
  const end = lines.findLastIndex((line) => line.trim() !== '');
  return lines.slice(0, end + 1);
}

/** A well-formed file that starts with a section header (or is empty). */
const sectionsOnly = fc.array(section, { maxLength: 5 }).map((sections) => {
  const lines = trimTrailingBlankLines(sections.flat());
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
});

/** The file cut before one of its headers (all of it before, when it has none), so each part holds whole sections. */
function splitAtSection(text: string): [string, string] {
  const lines = text.split('\n');
  const headers = lines.flatMap((line, index) => (/^[ \t]*\[/.test(line) ? [index] : []));
  const cut = headers[Math.floor(headers.length / 2)];
  if (cut === undefined) return [text, ''];
  const offset = cut === 0 ? 0 : lines.slice(0, cut).join('\n').length + 1;
  return [text.slice(0, offset), text.slice(offset)];
}

/** Any text at all, made of header-like and other lines, with or without a final newline. */
const anyText = fc.array(fc.oneof(lineText, bodyLine, sectionName.chain(header)), { maxLength: 12 }).chain((lines) => fc.constantFrom(lines.join('\n'), `${lines.join('\n')}\n`, lines.join('\r\n')));

/** Our own section's entries: keys, and values without line breaks (they are one line each). */
const entries = fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,20}$/), lineText), { maxLength: 4 });
const comment = fc.option(lineText.filter((text) => text !== ''), { nil: undefined });

/** The target and a text that has no line mentioning it, so it holds no such section. */
function textWithout(text: fc.Arbitrary<string>): fc.Arbitrary<[string, string]> {
  return fc.tuple(sectionName, text).filter(([name, content]) => !content.split('\n').some((line) => line.includes(name)));
}

describe('INI sections', () => {
  it('removing a section just added gives back a well-formed file byte for byte', () => {
    fc.assert(
      fc.property(textWithout(wellFormed), entries, comment, ([name, text], pairs, note) => {
        expect(removeSection(upsertSection(text, name, pairs, note), name)).toBe(text);
      }),
      RUNS,
    );
  });

  it('for any other text, adding then removing only drops trailing blank lines and ends the text with a newline', () => {
    fc.assert(
      fc.property(textWithout(anyText), entries, comment, ([name, text], pairs, note) => {
        const lines = trimTrailingBlankLines(text.split('\n'));
        expect(removeSection(upsertSection(text, name, pairs, note), name)).toBe(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
      }),
      RUNS,
    );
  });

  it('upserting twice is upserting once, whether or not the section was there', () => {
    fc.assert(
      fc.property(sectionName, fc.oneof(wellFormed, anyText), entries, comment, (name, text, pairs, note) => {
        const once = upsertSection(text, name, pairs, note);
        expect(upsertSection(once, name, pairs, note)).toBe(once);
      }),
      RUNS,
    );
  });

  it('replaces or removes its section in the middle of a file, leaving the blank lines after it and the sections around it byte for byte', () => {
    const blankLines = fc.array(fc.constantFrom('', '  ', '\t', '\r'), { maxLength: 3 }).map((lines) => lines.map((line) => `${line}\n`).join(''));
    fc.assert(
      fc.property(textWithout(sectionsOnly), blankLines, entries, comment, ([name, around], blanks, pairs, note) => {
        const [before, after] = splitAtSection(around);
        const text = `${before}[${name}]\nold = 1\n${blanks}${after}`;
        const block = [`[${name}]`, ...(note ? [`# ${note}`] : []), ...pairs.map(([key, value]) => `${key} = ${value}`)];
        expect(upsertSection(text, name, pairs, note)).toBe(`${before}${block.join('\n')}\n${blanks}${after}`);
        expect(removeSection(text, name)).toBe(`${before}${after}`);
      }),
      RUNS,
    );
  });
});
