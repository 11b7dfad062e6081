// Shared generators for the property tests: text meant to break parsers and writers.
// Runs draw from one seed, fixed in `npm test` and random in `npm run fuzz` (budget.ts); a
// failure prints the seed, and FUZZ_SEED=<seed> replays it.
import fc from 'fast-check';

/** Pieces that have broken parsers and quoting before: quotes, expansions, line breaks, globs. */
export const TRICKY_PIECES = [
  "'", '"', '\\', '`', '$', '$(touch MARKER)', '`touch MARKER`', "'$(touch MARKER)'", '${HOME}', '$IFS', ';', '&', '|', '>',
  '\n', '\r', '\r\n', '\t', '\0', '\x1b[31m', ' ', '\u00a0', '\u2028', '\ufeff', '\u200b', '*', '**', '=', ',', '#', '[', ']',
  '<<', 'ghadelimiter_', 'EOF', '::add-mask::', 'é', 'e\u0301', '😀', '\ud800', '\udc00', 'arn:aws:iam::123456789012:role/', '/', ':',
] as const;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const piece = fc.constantFrom(...TRICKY_PIECES);

/** Any single UTF-16 code unit or code point, lone surrogates included. */
const anyUnit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate);

/** A short text repeated into a long one (10 to 20 000 characters). */
const longText = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.integer({ min: 10, max: 2500 }))
  .map(([chunk, times]) => chunk.repeat(times));

/** Strings of every kind the fuzz tests feed to parsers. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: fc.oneof(piece, anyUnit, fc.string({ minLength: 1, maxLength: 1 })) }),
  longText,
);

/** Code points other than NUL (which no C string, so no shell variable, can hold) and surrogates. */
export const nonNulCodePoint = fc
  .integer({ min: 1, max: 0x10ffff - 0x800 })
  .map((n) => String.fromCodePoint(n >= 0xd800 ? n + 0x800 : n));

/** A valid example wrapped in whitespace, cut, or with a character inserted, or a number near a bound. */
export function nearMiss(valid: readonly string[]): fc.Arbitrary<string> {
  const example = fc.constantFrom(...valid);
  return fc.oneof(
    fc.tuple(example, fc.constantFrom(' ', '\t', '\n', ' \r\n')).map(([text, pad]) => `${pad}${text}${pad}`),
    fc.tuple(example, fc.nat()).map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
    fc.tuple(example, fc.nat(), fc.oneof(piece, anyUnit, fc.constantFrom(' ', '\t', ',', '/', '-'))).map(([text, at, extra]) => {
      const index = at % (text.length + 1);
      return `${text.slice(0, index)}${extra}${text.slice(index)}`;
    }),
    fc.tuple(example, fc.constantFrom(...valid)).map(([a, b]) => `${a},${b}`),
    fc.constantFrom('-1', '0', '1', '9', '10', '11', '299', '300', '301', '899', '900', '901', '43199', '43200', '43201', '999999999', '1000000000', '1e3', '0x10', '１０'),
  );
}

/** JSON nested `depth` levels deep: cheap to parse, deep enough to overflow recursion. */
export function deeplyNestedJson(depth: number): string {
  return `{"Version":"2012-10-17","Statement":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** Lone surrogates as a UTF-8 writer (fs, Buffer.from) stores them: U+FFFD. */
export function asUtf8Stores(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
