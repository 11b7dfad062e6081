// Sets of characters as sorted, disjoint, inclusive code point ranges: the labels of the
// automata that decide trust verdicts. The universe is every Unicode scalar value (no lone
// surrogates: a claim is text, and every matcher here walks it by code point).

/** [lo0, hi0, lo1, hi1, …], sorted, disjoint and not touching. */
export type CharSet = readonly number[];

export const MAX_CODE_POINT = 0x10ffff;
const SURROGATES: readonly [number, number] = [0xd800, 0xdfff];

export const NOTHING: CharSet = [];
export const ANY: CharSet = [0, SURROGATES[0] - 1, SURROGATES[1] + 1, MAX_CODE_POINT];

/** The ranges, merged and cut to the universe. */
export function fromRanges(ranges: ReadonlyArray<readonly [number, number]>): CharSet {
  const sorted = ranges.filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => [lo, hi] as [number, number]).sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [lo, hi] of sorted) {
    const last = merged.length - 1;
    if (last > 0 && lo <= (merged[last] as number) + 1) merged[last] = Math.max(merged[last] as number, hi);
    else merged.push(lo, hi);
  }
  return intersect(merged, ANY);
}

/** The code points of a text (each its own range). */
export function charsOf(text: string): CharSet {
  return fromRanges(Array.from(text, (char) => [char.codePointAt(0) as number, char.codePointAt(0) as number] as const));
}

export function range(lo: string, hi: string): CharSet {
  return fromRanges([[lo.codePointAt(0) as number, hi.codePointAt(0) as number]]);
}

function pairs(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < set.length; i += 2) out.push([set[i] as number, set[i + 1] as number]);
  return out;
}

export function union(...sets: CharSet[]): CharSet {
  return fromRanges(sets.flatMap(pairs));
}

export function intersect(a: CharSet, b: CharSet): CharSet {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i] as number, b[j] as number);
    const hi = Math.min(a[i + 1] as number, b[j + 1] as number);
    if (lo <= hi) out.push(lo, hi);
    if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
    else j += 2;
  }
  return out;
}

/** Everything in the universe but the set. */
export function complement(set: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of pairs(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return fromRanges(out);
}

export function minus(a: CharSet, b: CharSet): CharSet {
  return intersect(a, complement(b));
}

export function isEmptySet(set: CharSet): boolean {
  return set.length === 0;
}

export function contains(set: CharSet, codePoint: number): boolean {
  for (let i = 0; i < set.length; i += 2) {
    if (codePoint < (set[i] as number)) return false;
    if (codePoint <= (set[i + 1] as number)) return true;
  }
  return false;
}
