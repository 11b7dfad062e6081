// exportLines/shellQuote against real bash: sourcing the file reads back every value exactly,
// defines no other variable and runs nothing. Each run writes ~200 values into one file and
// starts bash once, so that many values are tried for the price of few processes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportLines } from '../../src/core/text/shell.js';
import { asUtf8Stores, nonNulCodePoint, TRICKY_PIECES } from './arbitraries.ts';
import { runs } from './budget.ts';

const BATCH = 200;
const RUNS = runs(20);

/**
 * Lists the variables defined before and after sourcing, then prints each value NUL-terminated.
 * `true` first: bash defines PIPESTATUS once a first command has run.
 */
const SCRIPT = `
true
compgen -v > "$2"
source "$1"
compgen -v > "$3"
for ((i = 0; i < $4; i++)); do name="V$i"; printf '%s\\0' "\${!name}"; done
`;

interface Sourced {
  readonly values: string[];
  readonly added: string[];
  readonly ranSomething: boolean;
}

/** Writes the values as V0…Vn into one file, has bash source it, and reports what it saw. */
function sourceInBash(template: readonly string[]): { sourced: Sourced; written: string[] } {
  // One folder per run of the property, removed at once: a test may run this hundreds of times.
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-fuzz-shell-'));
  try {
    const marker = join(dir, 'ran');
    const written = template.map((value) => value.replaceAll('MARKER', marker));
    const file = join(dir, 'bash_env');
    writeFileSync(file, exportLines(written.map((value, index) => [`V${index}`, value])));
    const [before, after] = [join(dir, 'before'), join(dir, 'after')];
    // Nothing inherited but PATH, as with env -i: only what sourcing defines can differ.
    const stdout = execFileSync('bash', ['--noprofile', '--norc', '-c', SCRIPT, 'bash', file, before, after, String(written.length)], {
      env: { PATH: '/usr/bin:/bin' },
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    });
    const values = stdout.toString('utf8').split('\0').slice(0, -1);
    const names = (path: string) => new Set(readFileSync(path, 'utf8').split('\n'));
    const known = names(before);
    const added = [...names(after)].filter((name) => !known.has(name));
    return { sourced: { values, added, ranSomething: existsSync(marker) }, written };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectExactRoundTrip(template: readonly string[]): void {
  const { sourced, written } = sourceInBash(template);
  expect(sourced.ranSomething).toBe(false);
  expect(sourced.added.sort()).toEqual(written.map((_, index) => `V${index}`).sort());
  expect(sourced.values).toHaveLength(written.length);
  // bash holds bytes; the file is UTF-8, so lone surrogates were written as U+FFFD.
  sourced.values.forEach((value, index) => expect(value, `V${index}`).toBe(asUtf8Stores(written[index] as string)));
}

const withoutNul = (text: string) => !text.includes('\0');

const alphabets = {
  'any code point but NUL': fc.string({ unit: nonNulCodePoint, maxLength: 40 }),
  'ASCII punctuation': fc.string({ unit: fc.constantFrom(...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ azAZ09'), maxLength: 40 }),
  'quotes, backslashes, line breaks and expansions': fc.string({ unit: fc.constantFrom(...TRICKY_PIECES.filter(withoutNul), '\\\'', "'\\''"), maxLength: 20 }),
};

describe('exportLines read back by bash', () => {
  for (const [name, value] of Object.entries(alphabets)) {
    it(`reads back ${BATCH} values of ${name} per file exactly, and defines and runs nothing else`, () => {
      fc.assert(fc.property(fc.array(value, { minLength: BATCH, maxLength: BATCH }), expectExactRoundTrip), RUNS);
    });
  }

  it('reads back long values exactly', () => {
    const long = fc.tuple(fc.string({ unit: fc.constantFrom(...TRICKY_PIECES.filter(withoutNul)), minLength: 1, maxLength: 5 }), fc.integer({ min: 100, max: 5000 })).map(([chunk, times]) => chunk.repeat(times));
    fc.assert(fc.property(fc.array(long, { minLength: 1, maxLength: 20 }), expectExactRoundTrip), runs(10));
  });
});
